"""The gbasf2 setup script of the local stack: what ``/cvmfs/belle.kek.jp/grid/gbasf2/pro/bashrc`` is on the grid.

``source .stack/gbasf2/bashrc [-g <group>]`` turns any shell, even one started with nothing but ``HOME``
(b2luigi builds its gbasf2 environment exactly so: ``env -i HOME=... bash -c 'source <script> -g <group> && env'``),
into a shell where the gb2 tools and the BelleDIRAC Python API work against this stack:

- ``PATH`` starts with the project's venv, so ``python3`` imports DIRAC and BelleDIRAC and the tools are found;
- ``DIRAC_ROOT_PATH`` is the stack root, whose ``etc/dirac.cfg`` is the client configuration (scripts that only
  call ``Script.enableCS()`` read nothing else), and ``X509_CERT_DIR`` holds the stack's CA;
- ``X509_USER_CERT``/``X509_USER_KEY``/``X509_USER_PROXY``, ``RUCIO_CONFIG`` and ``BELLE2_USER`` name the user.

Which user: as on the grid, the certificate decides. The script reads the subject of ``$X509_USER_CERT`` (default
``~/.globus/usercert.pem``) and looks it up in a table of the stack's users written into the script (the CS maps
DN to user the same way). Because b2luigi clears the environment, the stack's test users cannot select themselves
with a variable, so each one also gets ``.stack/gbasf2/<user>/bashrc``: two lines that point ``X509_USER_CERT``/
``X509_USER_KEY`` at the user's files in ``.stack/user/<user>/`` and source the common script.

Proxy: one file per user and group, the one the stack itself makes and uploads (``layout.proxy_file``), so a
group switch never reuses a proxy of another group and sourcing finds the stack's proxy valid without asking
anything. Only when it is missing or expires within ten minutes does the script run ``gb2_proxy_init -g <group>``,
whose output goes to stderr (stdout is the caller's: b2luigi discards it, a sourcing script may capture it).
If that fails the script still returns 0: b2luigi then finds no proxy and asks for the passphrase itself.

The script prints nothing on stdout, defines no function and exports only single-line values (b2luigi parses
``env`` line by line). A group the user does not have is refused (status 1), because every later command would
fail with a less helpful message.
"""

from __future__ import annotations

import shlex
from pathlib import Path

from b2stack import layout, rucio


def directory() -> Path:
    """Where the scripts live: below the stack root, so a stack on shifted ports gets scripts of its own."""
    return layout.path("gbasf2")


def script(user: str | None = None) -> Path:
    """The common script, or the variant that selects ``user``'s certificate."""
    return directory() / user / "bashrc" if user else directory() / "bashrc"


def _q(value: object) -> str:
    return shlex.quote(str(value))


def common_text() -> str:
    """The common script. Its DN and proxy tables come from ``layout`` so they cannot drift from the certificates
    and proxies the stack makes; bash ``case`` tables rather than arrays keep it readable and free of functions."""
    users = "\n".join(
        f"  {_q(u.dn)}) _gb2_user={_q(u.name)} _gb2_groups={_q(' '.join(u.groups))} _gb2_rucio={_q(rucio.client_cfg(u.name))} ;;"
        for u in layout.USERS
    )
    proxies = "\n".join(
        f"        {_q(f'{u.name}/{g}')}) export X509_USER_PROXY={_q(layout.proxy_file(u.name, g))} ;;"
        for u in layout.USERS
        for g in u.groups
    )
    return f"""\
# gbasf2 environment of the local Belle II stack. Written by b2stack/setup_script.py at every `make up`.
# Usage: source {script()} [-g <group>]
# Selects the user by the subject of $X509_USER_CERT (default ~/.globus/usercert.pem).

_gb2_group=
_gb2_want=
for _gb2_arg in "$@"; do
  if [ -n "$_gb2_want" ]; then _gb2_group=$_gb2_arg; _gb2_want=; continue; fi
  case $_gb2_arg in
    -g|--group) _gb2_want=1 ;;
    --group=*) _gb2_group=${{_gb2_arg#--group=}} ;;
    -g*) _gb2_group=${{_gb2_arg#-g}} ;;
  esac
done

case "${{PATH:-}}:" in
  {_q(str(layout.VENV / "bin"))}:*) ;;
  *) PATH={_q(layout.VENV / "bin")}:${{PATH:-/usr/local/bin:/usr/bin:/bin}} ;;  # bash's default PATH ends in "."
esac
PATH=${{PATH%:.}}
export PATH
export DIRAC_ROOT_PATH={_q(layout.ROOT)}
export X509_CERT_DIR={_q(layout.CERT_DIR)}
export X509_USER_CERT="${{X509_USER_CERT:-$HOME/.globus/usercert.pem}}"
export X509_USER_KEY="${{X509_USER_KEY:-$HOME/.globus/userkey.pem}}"
unset DIRACSYSCONFIG REQUESTS_CA_BUNDLE CURL_CA_BUNDLE

_gb2_user=
_gb2_groups=
_gb2_rucio=
_gb2_dn=$(openssl x509 -noout -subject -nameopt compat -in "$X509_USER_CERT" 2>/dev/null)
case ${{_gb2_dn#subject=}} in
{users}
esac

_gb2_status=0
if [ -z "$_gb2_user" ]; then
  echo "gbasf2 setup: $X509_USER_CERT is not the certificate of a user of this stack" >&2
  _gb2_status=1
else
  [ -n "$_gb2_group" ] || _gb2_group=${{_gb2_groups%% *}}
  case " $_gb2_groups " in
    *" $_gb2_group "*)
      export BELLE2_USER=$_gb2_user
      export RUCIO_CONFIG=$_gb2_rucio
      case $_gb2_user/$_gb2_group in
{proxies}
      esac
      if ! openssl x509 -noout -checkend 600 -in "$X509_USER_PROXY" >/dev/null 2>&1; then
        echo "gbasf2 setup: no valid proxy of $_gb2_user for group $_gb2_group: running gb2_proxy_init" >&2
        gb2_proxy_init -g "$_gb2_group" >&2 ||
          echo "gbasf2 setup: gb2_proxy_init failed; run it again before using the gb2 tools" >&2
      fi ;;
    *)
      echo "gbasf2 setup: $_gb2_user is not in group '$_gb2_group' (groups: $_gb2_groups)" >&2
      _gb2_status=1 ;;
  esac
fi

unset _gb2_arg _gb2_want _gb2_group _gb2_user _gb2_groups _gb2_rucio _gb2_dn
eval "unset _gb2_status; return $_gb2_status 2>/dev/null || exit $_gb2_status"
"""


def user_text(user: str) -> str:
    d = layout.user_dir(user)
    return f"""\
# gbasf2 environment of the local stack as {user}. Written by b2stack/setup_script.py.
export X509_USER_CERT={_q(d / "usercert.pem")} X509_USER_KEY={_q(d / "userkey.pem")}
source {_q(script())} "$@"
"""


def write() -> str:
    """Write the common script and one variant per user; returns a line for ``make up``'s progress."""
    files = {script(): common_text()}
    files.update({script(u.name): user_text(u.name) for u in layout.USERS})
    for path, text in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.exists() or path.read_text() != text:
            path.write_text(text)
    return f"gbasf2 setup script ready: source {script()} -g <group> (as a test user: {script('<user>')})"
