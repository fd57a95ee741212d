#!/usr/bin/env bash
# Set everything up and run the whole test suite: lint, type check, then pytest on SQLite and on PostgreSQL.
set -uo pipefail
cd "$(dirname "$0")"
bash scripts/setup.sh || exit 1

PG_URL="${TEST_DATABASE_URL:-postgresql://postgres@127.0.0.1:5432/test}"

ensure_services() {
  if ! pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then
    echo "==> Starting PostgreSQL"
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -1)" main start \
      || { echo "PostgreSQL is not running and could not be started." >&2; exit 1; }
    for _ in $(seq 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done
  fi
  if ! redis-cli -h 127.0.0.1 ping >/dev/null 2>&1; then
    echo "==> Starting Redis"
    mkdir -p /var/lib/redis /var/log/redis
    redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no \
      --dir /var/lib/redis --logfile /var/log/redis/ci.log \
      || { echo "Redis is not running and could not be started." >&2; exit 1; }
  fi
}
ensure_services

status=0
echo "==> ruff"
.venv/bin/ruff check . || status=1
.venv/bin/ruff format --check --quiet . || { echo "ruff format would reformat the files above"; status=1; }
echo "==> mypy"
.venv/bin/mypy expo_crm || status=1
echo "==> pytest on SQLite"
.venv/bin/python -m pytest "$@" || status=1
echo "==> pytest on PostgreSQL"
TEST_DATABASE_URL="$PG_URL" .venv/bin/python -m pytest "$@" || status=1
exit $status
