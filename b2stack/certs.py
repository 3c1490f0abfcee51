"""A private CA with a host certificate and one certificate per test user, made with openssl.

The host certificate carries ``subjectAltName`` entries for localhost and 127.0.0.1 because DIRAC's
HTTPS (Tornado) clients check the server name. Existing files are kept, so re-running never
invalidates proxies already delegated to the ProxyManager.
"""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path

from b2stack import layout

DAYS = "3650"


def _openssl(*args: str) -> None:
    proc = subprocess.run(["openssl", *args], capture_output=True, text=True)
    if proc.returncode:
        raise RuntimeError(f"openssl {' '.join(args[:2])} failed: {proc.stderr.strip()}")


def _subject(dn: str) -> str:
    return dn if dn.startswith("/") else f"/{dn}"


def make_ca(ca_dir: Path) -> tuple[Path, Path]:
    """Create the CA (once) and install it with its hash links where DIRAC looks (X509_CERT_DIR)."""
    ca_dir.mkdir(parents=True, exist_ok=True)
    cert, key = ca_dir / "ca.pem", ca_dir.parent / "ca.key"
    if not cert.exists():
        _openssl("genrsa", "-out", str(key), "2048")
        key.chmod(0o400)
        _openssl(
            "req", "-new", "-x509", "-key", str(key), "-out", str(cert), "-days", DAYS,
            "-subj", _subject(f"O={layout.SETUP}/CN={layout.SETUP} CA"),
            "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign",
        )  # fmt: skip
        _openssl("rehash", str(ca_dir))
    return cert, key


def sign(dn: str, cert: Path, key: Path, ca: tuple[Path, Path], extensions: str) -> None:
    """Issue a certificate for ``dn`` signed by the CA, unless one exists already."""
    if cert.exists() and key.exists():
        return
    cert.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        csr, ext = Path(tmp, "req.csr"), Path(tmp, "ext.cnf")
        ext.write_text(extensions)
        _openssl("req", "-new", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(csr),
                 "-subj", _subject(dn))  # fmt: skip
        _openssl("x509", "-req", "-in", str(csr), "-CA", str(ca[0]), "-CAkey", str(ca[1]), "-CAcreateserial",
                 "-out", str(cert), "-days", DAYS, "-extfile", str(ext))  # fmt: skip
    key.chmod(0o400)


HOST_EXT = (
    "basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\n"
    "extendedKeyUsage=serverAuth,clientAuth\nsubjectAltName=DNS:localhost,IP:127.0.0.1\n"
)
USER_EXT = "basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=clientAuth\n"


def host_dn() -> str:
    return f"/O={layout.SETUP}/CN={layout.HOST}"


def make_all() -> None:
    """CA, host certificate and every user's certificate, as ``layout`` names them."""
    ca = make_ca(layout.CERT_DIR)
    sign(host_dn(), layout.HOST_CERT, layout.HOST_KEY, ca, HOST_EXT)
    for user in layout.USERS:
        d = layout.user_dir(user.name)
        sign(user.dn, d / "usercert.pem", d / "userkey.pem", ca, USER_EXT)
