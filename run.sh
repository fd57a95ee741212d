#!/usr/bin/env bash
# Set everything up and run Expo CRM on SQLite with demo data: back office and kiosk.
set -euo pipefail
cd "$(dirname "$0")"
bash scripts/setup.sh
export EXPO_CRM_INSTANCE="${EXPO_CRM_INSTANCE:-$PWD/var}"
PORT="${PORT:-5000}"
.venv/bin/expo-crm db upgrade
.venv/bin/expo-crm demo --if-empty   # delete var/ to start over with fresh demo data
cat <<MSG

  Expo CRM is starting on http://127.0.0.1:${PORT}/
    back office: http://127.0.0.1:${PORT}/          sign in as admin@expo.example / demo-pass
    kiosk:       http://127.0.0.1:${PORT}/kiosk/    sign in as kiosk1@expo.example / demo-pass
  Other demo users: sales1@, finance@, onsite@, scanner@expo.example (same password).
  Stop with Ctrl-C.

MSG
if [ -n "${DISPLAY:-}" ] && command -v xdg-open >/dev/null; then
  (sleep 2; xdg-open "http://127.0.0.1:${PORT}/" >/dev/null 2>&1 || true) &
fi
exec .venv/bin/gunicorn --config gunicorn.conf.py --bind "127.0.0.1:${PORT}" \
  --access-logfile - "expo_crm:create_app()"
