"""An FTS3-REST-compatible HTTPS endpoint for tests: real clients, real copies, no FTS3 server.

Belle II moves data with FTS3, which has no server packaged for this machine. This module serves the part of
FTS3's REST API that its clients use, so that the PyPI ``fts3`` client and Rucio's ``FTS3Transfertool`` run
against it unchanged:

* ``GET /`` (API version), ``GET /whoami``, ``GET /whoami/certificate``;
* delegation: ``GET /delegation/<id>`` (``null`` if none), ``GET /delegation/<id>/request`` (a CSR whose key
  stays here), ``PUT /delegation/<id>/credential`` (the proxy signed by the client), ``DELETE /delegation/<id>``;
* jobs: ``POST /jobs``, ``GET /jobs``, ``GET /jobs/<id>[,<id>...][?files=<fields>]``, ``GET /jobs/<id>/files``,
  ``GET /jobs/<id>/dm``, ``DELETE /jobs/<id>``.

As with FTS, clients authenticate with an X.509 certificate or proxy (TLS client authentication against the
stack's CA); the user's DN is the certificate subject without its proxy ``CN`` parts. A submission needs a
delegated credential that has not expired, else the answer is FTS's ``419`` (the ``fts3`` client raises
``NeedDelegation``). Transfers are real: ``file://`` sources are copied to ``file://`` destinations by a worker
thread, and the copy is checked with adler32 as FTS does for ``verify_checksum`` ``source``, ``target`` or
``both`` (``true`` means ``both``, ``false`` means ``none``), with FTS's error texts; a failed file leaves no
destination behind. Files go SUBMITTED → ACTIVE → FINISHED or FAILED, and the job ends FINISHED, FAILED or
FINISHEDDIRTY (some of each), or CANCELED.

Key generation and certificate checks use the ``openssl`` command, as ``b2stack.certs`` does, so the module
needs nothing beyond the standard library. Start it with ``with FTS3Endpoint() as fts: fts.url``.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import os
import shutil
import ssl
import subprocess
import tempfile
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from DIRAC.Core.Utilities.Adler import fileAdler

from b2stack import layout

API_VERSION = {"major": 3, "minor": 12, "patch": 0}
TIME_FORMAT = "%Y-%m-%dT%H:%M:%S"  # what FTS writes and what its clients parse
FINAL_FILE_STATES = {"FINISHED", "FAILED", "CANCELED", "NOT_USED"}
VERIFY_MODES = {True: "both", False: "none", None: "none", "both": "both", "target": "target", "source": "source",
                "none": "none"}  # fmt: skip
USER_CHECKSUM = "User defined checksum"
RDN_NAMES = {"countryName": "C", "stateOrProvinceName": "ST", "localityName": "L", "organizationName": "O",
             "organizationalUnitName": "OU", "commonName": "CN", "domainComponent": "DC",
             "emailAddress": "emailAddress"}  # fmt: skip


class HTTPError(Exception):
    """An answer other than 200, in FTS's JSON error form ``{"status": ..., "message": ...}``."""

    def __init__(self, code: int, status: str, message: str):
        super().__init__(message)
        self.code, self.status, self.message = code, status, message


def _now() -> str:
    return datetime.datetime.now(datetime.UTC).strftime(TIME_FORMAT)


def _openssl(*args: str, stdin: str | None = None) -> str:
    proc = subprocess.run(["openssl", *args], input=stdin, capture_output=True, text=True, timeout=60)
    if proc.returncode:
        raise HTTPError(400, "400 Bad Request", f"openssl {args[0]}: {proc.stderr.strip() or proc.stdout.strip()}")
    return proc.stdout


def user_dn(subject: str) -> str:
    """The DN of the person or host behind ``subject``: proxies append ``/CN=<digits>`` or ``/CN=proxy``."""
    parts = subject.split("/CN=")
    while len(parts) > 2 and (parts[-1].isdigit() or parts[-1] in ("proxy", "limited proxy")):
        parts.pop()
    return "/CN=".join(parts)


def adler32_of(path: str | Path) -> str:
    """Adler-32 of a file as FTS and Rucio write it: 8 lower-case hex digits."""
    return fileAdler(str(path)).lower().zfill(8)


def local_path(url: str) -> str:
    """The path of a ``file://`` URL (``file://localhost/x`` and ``file:///x`` alike)."""
    parsed = urlsplit(url)
    if parsed.scheme != "file":
        raise OSError(f"protocol {parsed.scheme!r} is not supported by this endpoint (file:// only)")
    return unquote(parsed.path)


class FTS3Endpoint:
    """The server, its delegated credentials and its jobs (all in memory: one endpoint lives for one test run).

    ``cert``/``key`` are the server's credentials and ``capath`` the CA directory client certificates are
    verified against; the stack's host certificate and CA by default.
    """

    def __init__(self, cert=layout.HOST_CERT, key=layout.HOST_KEY, capath=layout.CERT_DIR, vo: str = layout.VO):
        self.cert, self.key, self.capath, self.vo = str(cert), str(key), str(capath), vo
        self.lock = threading.Lock()
        self.delegations: dict[str, dict] = {}  # dlg id -> {"dn", "key" (pending CSR key), "termination_time"}
        self.jobs: dict[str, dict] = {}
        self.workers: list[threading.Thread] = []
        self.httpd: ThreadingHTTPServer | None = None
        self.tmp = tempfile.TemporaryDirectory(prefix="fts3-endpoint-")

    @property
    def url(self) -> str:
        return f"https://127.0.0.1:{self.httpd.server_address[1]}"

    def __enter__(self) -> FTS3Endpoint:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(self.cert, self.key)
        ctx.load_verify_locations(capath=self.capath)
        ctx.verify_mode = ssl.CERT_REQUIRED
        ctx.verify_flags |= ssl.VERIFY_ALLOW_PROXY_CERTS  # grid clients authenticate with RFC 3820 proxies
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self.httpd.daemon_threads = True
        self.httpd.socket = ctx.wrap_socket(self.httpd.socket, server_side=True)
        self.httpd.endpoint = self
        threading.Thread(target=self.httpd.serve_forever, name="fts3-endpoint", daemon=True).start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        for worker in self.workers:
            worker.join(timeout=30)
        self.tmp.cleanup()

    # ---- identity and delegation ----

    def delegation_id(self, dn: str) -> str:
        """FTS derives the delegation ID from the DN (and VOMS attributes, which the stack's proxies lack)."""
        return hashlib.sha1(dn.encode()).hexdigest()[:16]

    def whoami(self, dn: str) -> dict:
        """What FTS tells a client about itself; Rucio reads ``base_id`` and ``vos`` for deterministic job IDs."""
        base_id = str(uuid.uuid5(uuid.NAMESPACE_DNS, dn))
        return {"dn": [dn], "user_dn": dn, "delegation_id": self.delegation_id(dn), "vos": [self.vo], "vos_id": [],
                "voms_cred": [], "roles": [], "method": "certificate", "is_root": False, "base_id": base_id,
                "level": {"transfer": "vo"}}  # fmt: skip

    def _own_delegation(self, dn: str, dlg_id: str) -> dict:
        if dlg_id != self.delegation_id(dn):
            raise HTTPError(403, "403 Forbidden", "The requested ID and the credentials ID do not match")
        return self.delegations.setdefault(dlg_id, {"dn": dn})

    def delegation_info(self, dn: str, dlg_id: str) -> dict | None:
        with self.lock:
            dlg = self._own_delegation(dn, dlg_id)
        if not dlg.get("termination_time"):
            return None
        return {"delegation_id": dlg_id, "user_dn": dn, "termination_time": dlg["termination_time"], "voms_attrs": []}

    def delegation_request(self, dn: str, dlg_id: str) -> str:
        """A fresh key pair and its CSR: the client signs the CSR with its proxy, the key never leaves here."""
        key = _openssl("genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048")
        csr = _openssl("req", "-new", "-key", "/dev/stdin", "-subj", "/CN=proxy", stdin=key)
        with self.lock:
            self._own_delegation(dn, dlg_id)["key"] = key
        return csr

    def delegation_credential(self, dn: str, dlg_id: str, chain: str) -> None:
        """Accept the signed proxy if it matches our pending key, chains to the CA and belongs to ``dn``."""
        with self.lock:
            key = self._own_delegation(dn, dlg_id).get("key")
        if not key:
            raise HTTPError(400, "400 Bad Request", "No pending delegation request: GET .../request first")
        chain_file = Path(self.tmp.name, f"{dlg_id}.chain.pem")
        chain_file.write_text(chain)
        leaf = _openssl(
            "x509", "-in", str(chain_file), "-noout", "-pubkey", "-enddate", "-subject", "-nameopt", "compat"
        )
        if _openssl("pkey", "-pubout", stdin=key) not in leaf:
            raise HTTPError(400, "400 Bad Request", "The delegated certificate does not match the requested key")
        chain_args = ["-untrusted", str(chain_file), str(chain_file)]  # the proxy, checked with the chain after it
        _openssl("verify", "-CApath", self.capath, "-allow_proxy_certs", *chain_args)
        subject = leaf.split("subject=", 1)[1].strip()
        if user_dn(subject) != dn:
            raise HTTPError(403, "403 Forbidden", f"The delegated credential belongs to {subject}, not to {dn}")
        not_after = leaf.split("notAfter=", 1)[1].splitlines()[0].strip()
        end = datetime.datetime.strptime(not_after, "%b %d %H:%M:%S %Y %Z")
        proxy = Path(self.tmp.name, f"{dlg_id}.proxy.pem")
        proxy.write_text(chain + key)  # what FTS would hand to the storage; file:// copies need no credential
        proxy.chmod(0o600)
        with self.lock:
            self.delegations[dlg_id].update(termination_time=end.strftime(TIME_FORMAT), proxy=str(proxy), key=None)

    def delete_delegation(self, dn: str, dlg_id: str) -> None:
        with self.lock:
            self._own_delegation(dn, dlg_id)
            self.delegations.pop(dlg_id, None)

    # ---- jobs ----

    def submit(self, dn: str, body: dict) -> dict:
        """Record a transfer job and start copying; FTS answers 419 when the user has no valid delegation."""
        dlg_id = self.delegation_id(dn)
        with self.lock:
            end = self.delegations.get(dlg_id, {}).get("termination_time")
        if not end or end <= _now():
            raise HTTPError(419, "419 Authentication Timeout", f"No delegation found for {dn}")
        files, params = body.get("files") or [], body.get("params") or {}
        if not files:
            raise HTTPError(400, "400 Bad Request", "No transfers or namespace operations specified")
        mode = VERIFY_MODES.get(params.get("verify_checksum"))
        if mode is None:
            raise HTTPError(400, "400 Bad Request", f"Invalid verify_checksum: {params.get('verify_checksum')!r}")
        job_id = str(uuid.uuid1())
        job = {"job_id": job_id, "job_state": "SUBMITTED", "job_type": "N", "user_dn": dn, "vo_name": self.vo,
               "cred_id": dlg_id, "submit_time": _now(), "job_finished": None, "reason": None,
               "priority": params.get("priority") or 3, "verify_checksum": mode,
               "overwrite_flag": bool(params.get("overwrite")), "job_metadata": params.get("job_metadata") or {},
               "retry": params.get("retry", 0), "source_space_token": None, "space_token": None}  # fmt: skip
        job_files = []
        for index, f in enumerate(files):
            if len(f.get("sources") or []) != 1 or len(f.get("destinations") or []) != 1:
                raise HTTPError(400, "400 Bad Request", "This endpoint takes one source and one destination per file")
            job_files.append({"file_id": index + 1, "job_id": job_id, "file_state": "SUBMITTED",
                              "source_surl": f["sources"][0], "dest_surl": f["destinations"][0],
                              "source_se": _se(f["sources"][0]), "dest_se": _se(f["destinations"][0]),
                              "checksum": f.get("checksum"), "user_filesize": f.get("filesize"), "filesize": None,
                              "activity": f.get("activity") or "default", "file_metadata": f.get("metadata"),
                              "reason": None, "start_time": None, "finish_time": None, "staging_start": None,
                              "staging_finished": None, "tx_duration": None})  # fmt: skip
        job["source_se"], job["dest_se"] = job_files[0]["source_se"], job_files[0]["dest_se"]
        with self.lock:
            self.jobs[job_id] = {**job, "files": job_files}
        worker = threading.Thread(target=self._run, args=(job_id,), name=f"fts3-job-{job_id}", daemon=True)
        self.workers.append(worker)
        worker.start()
        return {"job_id": job_id}

    def _run(self, job_id: str) -> None:
        job = self.jobs[job_id]
        for f in job["files"]:
            with self.lock:
                if f["file_state"] == "CANCELED":
                    continue
                f.update(file_state="ACTIVE", start_time=_now())
                job["job_state"] = "ACTIVE"
            error = self._copy(f, job["verify_checksum"], job["overwrite_flag"])
            with self.lock:
                if f["file_state"] == "ACTIVE":
                    f.update(file_state="FAILED" if error else "FINISHED", reason=error, finish_time=_now())
        with self.lock:
            state = _job_state({f["file_state"] for f in job["files"]})
            reason = None if state == "FINISHED" else "One or more files failed"
            job.update(job_state=state, job_finished=_now(), reason=reason)

    @staticmethod
    def _copy(f: dict, mode: str, overwrite: bool) -> str | None:
        """Copy one file and verify it as FTS would; None on success, else FTS's reason text."""
        algorithm, _, expected = (f["checksum"] or "ADLER32").partition(":")
        expected = expected.lower().zfill(8) if expected else None
        if mode != "none" and algorithm.lower() != "adler32":
            return f"CHECKSUM {algorithm} checksums are not supported by this endpoint (adler32 only)"
        dst = None
        try:
            src = local_path(f["source_surl"])
            src_sum = adler32_of(src) if mode in ("source", "both") else None
            if expected and src_sum and src_sum != expected:
                return (
                    f"SOURCE CHECKSUM MISMATCH {USER_CHECKSUM} and source checksum do not match {expected} != {src_sum}"
                )
            if os.path.exists(local_path(f["dest_surl"])) and not overwrite:
                return "DESTINATION OVERWRITE Destination file exists and overwrite is not enabled"
            dst = local_path(f["dest_surl"])
            os.makedirs(os.path.dirname(dst), exist_ok=True)
            shutil.copyfile(src, dst)
            f["filesize"] = os.path.getsize(dst)
            dst_sum = adler32_of(dst) if mode != "none" else None
            reason = None
            if mode in ("target", "both") and expected and dst_sum != expected:
                reason = f"DESTINATION CHECKSUM MISMATCH {USER_CHECKSUM} and destination checksum do not match"
                reason += f" {expected} != {dst_sum}"
            elif mode == "both" and src_sum != dst_sum:
                reason = (
                    f"TRANSFER CHECKSUM MISMATCH Source and destination checksums do not match {src_sum} != {dst_sum}"
                )
        except OSError as exc:
            reason = f"TRANSFER ERROR {exc}"
        if reason and dst and os.path.exists(dst):
            os.unlink(dst)  # FTS cleans up a failed destination
        return reason

    def job(self, dn: str, job_id: str, fields: list[str] | None = None) -> dict:
        """A job as FTS shows it; with ``fields`` (``?files=...``) its files too, restricted to those fields."""
        with self.lock:
            job = self.jobs.get(job_id)
            if job is None:
                raise HTTPError(404, "404 Not Found", f"No job with the id {job_id} has been found")
            out = {k: v for k, v in job.items() if k != "files"}
            if fields is not None:
                out["files"] = [{k: v for k, v in f.items() if not fields or k in fields} for f in job["files"]]
        return json.loads(json.dumps(out))  # a snapshot, safe from the worker thread

    def job_files(self, dn: str, job_id: str) -> list[dict]:
        return self.job(dn, job_id, fields=[])["files"]

    def cancel(self, dn: str, job_id: str) -> dict:
        with self.lock:
            job = self.jobs.get(job_id)
            if job is None:
                raise HTTPError(404, "404 Not Found", f"No job with the id {job_id} has been found")
            for f in job["files"]:
                if f["file_state"] not in FINAL_FILE_STATES:
                    f.update(file_state="CANCELED", reason="Job canceled by the user", finish_time=_now())
            if job["job_state"] in ("SUBMITTED", "ACTIVE") and {f["file_state"] for f in job["files"]} == {"CANCELED"}:
                job.update(job_state="CANCELED", job_finished=_now(), reason="Job canceled by the user")
        return self.job(dn, job_id)


def _job_state(file_states: set[str]) -> str:
    """FTS's final job state from its files' states."""
    if "CANCELED" in file_states:
        return "CANCELED"
    if file_states == {"FINISHED"}:
        return "FINISHED"
    return "FINISHEDDIRTY" if "FINISHED" in file_states else "FAILED"


def _se(url: str) -> str:
    parsed = urlsplit(url)
    return f"{parsed.scheme}://{parsed.hostname or 'localhost'}"


class _Handler(BaseHTTPRequestHandler):
    """Routes FTS3's REST paths to :class:`FTS3Endpoint`; clients write ``<endpoint>//whoami``, hence the split."""

    protocol_version = "HTTP/1.1"

    def log_message(self, *args) -> None:
        pass  # pytest shows failures; a line per poll would only bury them

    @property
    def fts(self) -> FTS3Endpoint:
        return self.server.endpoint

    def _dn(self) -> str:
        cert = self.connection.getpeercert()
        return user_dn("".join(f"/{RDN_NAMES.get(k, k)}={v}" for rdn in cert["subject"] for k, v in rdn))

    def _reply(self, code: int, body, content_type: str = "application/json") -> None:
        data = (body if isinstance(body, str) else json.dumps(body)).encode()
        self.send_response(code)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _body(self) -> str:
        return self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()

    def _dispatch(self, method: str) -> None:
        url = urlsplit(self.path)
        parts = [p for p in url.path.split("/") if p]
        query = parse_qs(url.query)
        try:
            dn = self._dn()
            code, body = self._route(method, parts, query, dn)
        except HTTPError as err:
            code, body = err.code, {"status": err.status, "message": err.message}
        except (ValueError, KeyError) as err:
            code, body = 400, {"status": "400 Bad Request", "message": str(err)}
        except Exception as err:  # an answer, not a dropped connection: the client then shows what went wrong
            code, body = 500, {"status": "500 Internal Server Error", "message": f"{type(err).__name__}: {err}"}
        if isinstance(body, str):
            self._reply(code, body, "text/plain")
        else:
            self._reply(code, body)

    def _route(self, method: str, parts: list[str], query: dict, dn: str):
        fts = self.fts
        match method, parts:
            case "GET", []:
                return 200, {"api": API_VERSION, "schema": API_VERSION, "delegation": API_VERSION}
            case "GET", ["whoami"]:
                return 200, fts.whoami(dn)
            case "GET", ["whoami", "certificate"]:
                return 200, ssl.DER_cert_to_PEM_cert(self.connection.getpeercert(binary_form=True))
            case "GET", ["delegation", dlg_id]:
                return 200, fts.delegation_info(dn, dlg_id)
            case "GET", ["delegation", dlg_id, "request"]:
                return 200, fts.delegation_request(dn, dlg_id)
            case "PUT", ["delegation", dlg_id, "credential"]:
                fts.delegation_credential(dn, dlg_id, self._body())
                return 201, {}
            case "DELETE", ["delegation", dlg_id]:
                fts.delete_delegation(dn, dlg_id)
                return 204, ""
            case "POST", ["jobs"]:
                return 200, fts.submit(dn, json.loads(self._body()))
            case "GET", ["jobs"]:
                with fts.lock:
                    ids = [i for i, job in fts.jobs.items() if job["user_dn"] == dn]
                return 200, [fts.job(dn, i) for i in ids]
            case "GET", ["jobs", ids]:
                # FTS tags each job with its own status; a list (207 Multi-Status if one is unknown) for several.
                fields = query["files"][0].split(",") if "files" in query else None
                out, missing = [], False
                for job_id in ids.split(","):
                    try:
                        out.append({**fts.job(dn, job_id, fields), "http_status": "200 Ok"})
                    except HTTPError as err:
                        out.append({"job_id": job_id, "http_status": err.status, "http_message": err.message})
                        missing = True
                if len(out) == 1 and not missing:
                    return 200, out[0]
                return 207 if missing else 200, out
            case "GET", ["jobs", job_id, "files"]:
                return 200, fts.job_files(dn, job_id)
            case "GET", ["jobs", job_id, "dm"]:
                fts.job(dn, job_id)
                return 200, []  # no namespace (deletion) operations
            case "DELETE", ["jobs", job_id]:
                return 200, fts.cancel(dn, job_id)
        raise HTTPError(404, "404 Not Found", f"{method} /{'/'.join(parts)} is not part of this endpoint")

    def do_GET(self) -> None:  # noqa: N802 (BaseHTTPRequestHandler's naming)
        self._dispatch("GET")

    def do_POST(self) -> None:  # noqa: N802
        self._dispatch("POST")

    def do_PUT(self) -> None:  # noqa: N802
        self._dispatch("PUT")

    def do_DELETE(self) -> None:  # noqa: N802
        self._dispatch("DELETE")
