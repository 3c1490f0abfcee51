#!/usr/bin/env bash
# Installs what the stack needs on a Debian machine: system packages, the venv, the project (editable).
# Idempotent: every step checks first. Usage: b2stack/install.sh [VENV_DIR]
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
venv=${1:-$here/.venv}
wheels=${B2_WHEELS:-$here/../shared/wheels}
py=${PYTHON:-python3}

say() { printf '[install] %s\n' "$*"; }

debs=(swig libssl-dev libmariadb-dev pkg-config python3-gfal2 gfal2-plugin-file mariadb-server
      memcached openssl postgresql)
missing=()
for p in "${debs[@]}"; do dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  say "installing Debian packages: ${missing[*]}"
  if [ "$(id -u)" != 0 ]; then echo "[install] need root (or sudo) to install: ${missing[*]}" >&2; exit 1; fi
  # Another apt run (unattended upgrades, a second checkout's set-up) may hold the locks: wait, don't fail.
  apt_() { for _ in 1 2 3 4 5 6; do apt-get -o DPkg::Lock::Timeout=120 "$@" && return 0; sleep 20; done; return 1; }
  apt_ update -qq
  DEBIAN_FRONTEND=noninteractive apt_ install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [ ! -x "$venv/bin/python" ]; then
  say "creating venv $venv"
  # --copies: DIRAC starts job wrappers with realpath(sys.executable), which must stay inside the venv.
  "$py" -m venv --copies "$venv"
fi
sp=$("$venv/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')

# DIRAC requires gfal2-python, which has no wheel and whose sdists do not build against Debian 12's
# libgfal2: link Debian's binding into the venv and give pip a distribution record for it.
so=$(ls /usr/lib/python3/dist-packages/gfal2.cpython-*.so 2>/dev/null | head -1 || true)
if [ -n "$so" ] && [ ! -e "$sp/$(basename "$so")" ]; then
  say "linking Debian's gfal2 binding into the venv"
  ln -sf "$so" "$sp/"
  di="$sp/gfal2_python-1.12.0.dist-info"; mkdir -p "$di"
  printf 'Metadata-Version: 2.1\nName: gfal2-python\nVersion: 1.12.0\n' > "$di/METADATA"
  echo debian-python3-gfal2 > "$di/INSTALLER"
  printf '%s,,\n%s/METADATA,,\n%s/INSTALLER,,\n%s/RECORD,,\n' "$(basename "$so")" \
    "${di##*/}" "${di##*/}" "${di##*/}" > "$di/RECORD"
fi

stamp="$venv/.b2-installed"
if [ ! -f "$stamp" ] || [ "$here/setup.cfg" -nt "$stamp" ]; then
  # DIRAC needs DIRACGrid's tornado fork: a ready wheel in ../shared/wheels, else its git branch.
  if ls "$wheels"/tornado-5.1.1+dirac.1-*.whl >/dev/null 2>&1; then
    findlinks=(--find-links "$wheels")
  else
    # The fork predates Python 3.10: HTTPHeaders must derive from collections.abc.MutableMapping.
    say "no wheel folder at $wheels: building the tornado fork from its git branch"
    src=$(mktemp -d)
    git clone -q --depth 1 -b iostreamConfigurable https://github.com/DIRACGrid/tornado.git "$src/tornado"
    sed -i 's/^class HTTPHeaders(collections.MutableMapping)/import collections.abc\nclass HTTPHeaders(collections.abc.MutableMapping)/' \
      "$src/tornado/tornado/httputil.py"
    "$venv/bin/pip" install -q setuptools wheel
    "$venv/bin/pip" wheel -q --no-deps --no-build-isolation -w "$src/wheels" "$src/tornado"
    findlinks=(--find-links "$src/wheels")
  fi
  say "pip install -e .[testing] (a first install builds M2Crypto and mysqlclient: about 2 minutes)"
  "$venv/bin/pip" install -q --upgrade pip >/dev/null
  "$venv/bin/pip" install -q "${findlinks[@]}" -e "$here[testing]"
  touch "$stamp"
fi
say "venv ready: $venv"
# The Rucio server lives in a venv of its own beside this one (its pins clash with rucio-clients here).
bash "$here/b2stack/rucio_install.sh" "${B2_RUCIO_VENV:-$here/.venv-rucio}"
