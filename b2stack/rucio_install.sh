#!/usr/bin/env bash
# Installs the Rucio server into a venv of its own: its pins (urllib3, requests, ...) conflict with the
# rucio-clients that DIRAC needs in .venv. Idempotent: a stamp records the version installed.
# Usage: b2stack/rucio_install.sh [VENV_DIR]
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
venv=${1:-$here/.venv-rucio}
version=${B2_RUCIO_VERSION:-41.5.1}
py=${PYTHON:-python3}

say() { printf '[install] %s\n' "$*"; }

stamp="$venv/.b2-rucio-$version"
if [ -f "$stamp" ]; then say "rucio venv ready: $venv (rucio $version)"; exit 0; fi
[ -x "$venv/bin/python" ] || { say "creating venv $venv"; "$py" -m venv "$venv"; }
say "pip install rucio[postgresql]==$version (server; PostgreSQL through psycopg 3) with gunicorn, pymemcache"
"$venv/bin/pip" install -q --upgrade pip >/dev/null 2>&1
# pip's log is kept aside: this machine's index prints a warning per package that hides real errors.
if ! "$venv/bin/pip" install -q "rucio[postgresql]==$version" gunicorn pymemcache >"$venv/pip.log" 2>&1; then
  grep -v "^WARNING: Location" "$venv/pip.log" >&2; echo "[install] pip install of rucio failed: $venv/pip.log" >&2; exit 1
fi
rm -f "$venv"/.b2-rucio-*
touch "$stamp"
say "rucio venv ready: $venv (rucio $version)"
