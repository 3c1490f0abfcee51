"""A small OpenSearch-compatible document store for DIRAC's JobParametersDB.

DIRAC 9 keeps job parameters (where a job ran, its payload PID, CPU figures…) in OpenSearch, and
JobMonitoring, JobStateUpdate and WMSAdministrator refuse to start without one. No OpenSearch is
packaged for Debian, so the stack serves the subset of the REST API that DIRAC's ``ElasticSearchDB``
calls (index and template management, single-document CRUD, partial updates, ``_mget``) over plain
HTTP on localhost, with documents in SQLite so that nothing is lost when it restarts. Anything else
gets an OpenSearch-style 400 error, never a silent success.

``python -m b2stack.opensearch --port 19200 --db FILE``
"""

from __future__ import annotations

import argparse
import json
import re
import sqlite3
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

VERSION = {"number": "2.11.1", "distribution": "opensearch", "lucene_version": "9.7.0"}
REMOVE_SCRIPT = re.compile(r"""^\s*ctx\._source\.remove\(\s*['"]([^'"]+)['"]\s*\)\s*;?\s*$""")


class Store:
    """Indices and JSON documents in one SQLite file; every method is atomic under one lock."""

    def __init__(self, path: str):
        self.lock = threading.Lock()
        self.db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("CREATE TABLE IF NOT EXISTS indices (name TEXT PRIMARY KEY, body TEXT)")
        self.db.execute("CREATE TABLE IF NOT EXISTS templates (name TEXT PRIMARY KEY, body TEXT)")
        self.db.execute(
            "CREATE TABLE IF NOT EXISTS docs (idx TEXT, id TEXT, source TEXT, version INTEGER, PRIMARY KEY (idx, id))"
        )

    def _one(self, sql: str, args: tuple):
        return self.db.execute(sql, args).fetchone()

    def has_index(self, name: str) -> bool:
        with self.lock:
            return self._one("SELECT 1 FROM indices WHERE name=?", (name,)) is not None

    def create_index(self, name: str, body: dict) -> bool:
        with self.lock:
            cur = self.db.execute("INSERT OR IGNORE INTO indices VALUES (?, ?)", (name, json.dumps(body)))
            return cur.rowcount == 1

    def delete_index(self, name: str) -> bool:
        with self.lock:
            self.db.execute("BEGIN")
            self.db.execute("DELETE FROM docs WHERE idx=?", (name,))
            gone = self.db.execute("DELETE FROM indices WHERE name=?", (name,)).rowcount == 1
            self.db.execute("COMMIT")
            return gone

    def put_template(self, name: str, body: dict) -> None:
        with self.lock:
            self.db.execute("INSERT OR REPLACE INTO templates VALUES (?, ?)", (name, json.dumps(body)))

    def get(self, idx: str, doc_id: str) -> tuple[dict, int] | None:
        with self.lock:
            row = self._one("SELECT source, version FROM docs WHERE idx=? AND id=?", (idx, doc_id))
        return (json.loads(row[0]), row[1]) if row else None

    def put(self, idx: str, doc_id: str, source: dict, create_only: bool) -> tuple[str, int] | None:
        """Index a document (creating its index, as OpenSearch does); None if ``create_only`` and it exists."""
        with self.lock:
            self.db.execute("BEGIN IMMEDIATE")
            self.db.execute("INSERT OR IGNORE INTO indices VALUES (?, '{}')", (idx,))
            row = self._one("SELECT version FROM docs WHERE idx=? AND id=?", (idx, doc_id))
            if row and create_only:
                self.db.execute("ROLLBACK")
                return None
            version = row[0] + 1 if row else 1
            self.db.execute(
                "INSERT OR REPLACE INTO docs VALUES (?, ?, ?, ?)", (idx, doc_id, json.dumps(source), version)
            )
            self.db.execute("COMMIT")
            return ("updated" if row else "created"), version

    def update(self, idx: str, doc_id: str, change) -> tuple[str, int] | None:
        """Apply ``change(source) -> source`` to an existing document; None if there is none."""
        with self.lock:
            self.db.execute("BEGIN IMMEDIATE")
            row = self._one("SELECT source, version FROM docs WHERE idx=? AND id=?", (idx, doc_id))
            if not row:
                self.db.execute("ROLLBACK")
                return None
            old = json.loads(row[0])
            new = change(dict(old))
            if new == old:
                self.db.execute("ROLLBACK")
                return "noop", row[1]
            self.db.execute("UPDATE docs SET source=?, version=? WHERE idx=? AND id=?",
                            (json.dumps(new), row[1] + 1, idx, doc_id))  # fmt: skip
            self.db.execute("COMMIT")
            return "updated", row[1] + 1

    def delete(self, idx: str, doc_id: str) -> bool:
        with self.lock:
            return self.db.execute("DELETE FROM docs WHERE idx=? AND id=?", (idx, doc_id)).rowcount == 1


def error(status: int, kind: str, reason: str, index: str | None = None) -> tuple[int, dict]:
    err = {"type": kind, "reason": reason}
    if index:
        err["index"] = index
    return status, {"error": {"root_cause": [err], **err}, "status": status}


def apply_update(body: dict):
    """The change an ``_update`` body asks for: a partial ``doc`` or the one script DIRAC sends."""
    if "doc" in body:
        return lambda src: {**src, **body["doc"]}
    script = body.get("script")
    source = script.get("source") if isinstance(script, dict) else script
    match = REMOVE_SCRIPT.match(source or "")
    if match:
        field = match.group(1)
        return lambda src: {k: v for k, v in src.items() if k != field}
    return None


class Handler(BaseHTTPRequestHandler):
    """Routes the REST calls DIRAC's ElasticSearchDB makes; see the module docstring."""

    store: Store
    verbose = False
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        if self.verbose:
            super().log_message(fmt, *args)

    def _body(self) -> dict:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        return json.loads(raw) if raw.strip() else {}

    def _send(self, status: int, payload: dict | None) -> None:
        data = b"" if payload is None else json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=UTF-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)
        if status >= 400:
            print(f"[opensearch] {self.command} {self.path} -> {status} {payload}", file=sys.stderr, flush=True)

    def _dispatch(self) -> None:
        parts = [p for p in urlsplit(self.path).path.split("/") if p]
        try:
            body = self._body() if self.command in ("PUT", "POST") else {}
            status, payload = self.route(self.command, parts, body)
        except (ValueError, KeyError, TypeError) as exc:
            status, payload = error(400, "parse_exception", f"cannot handle request: {exc}")
        self._send(status, payload)

    do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = _dispatch

    def route(self, method: str, parts: list[str], body: dict) -> tuple[int, dict | None]:
        store = self.store
        if not parts:
            return 200, {"name": "b2stack", "cluster_name": "b2stack", "version": VERSION, "tagline": "DIRAC only"}
        if parts[0] == "_index_template" and len(parts) == 2 and method == "PUT":
            store.put_template(parts[1], body)
            return 200, {"acknowledged": True}
        if parts[0] == "_mget" and method in ("GET", "POST"):
            return 200, {"docs": [self._doc_view(d["_index"], str(d["_id"])) for d in body.get("docs", [])]}
        if parts[0].startswith("_"):
            return error(400, "illegal_argument_exception", f"unsupported endpoint /{'/'.join(parts)}")
        idx = parts[0]
        if len(parts) == 1:
            return self._index_call(method, idx, body)
        if len(parts) == 3 and parts[1] in ("_doc", "_create", "_update"):
            return self._doc_call(method, idx, parts[1], parts[2], body)
        return error(400, "illegal_argument_exception", f"unsupported endpoint {method} /{'/'.join(parts)}")

    def _index_call(self, method: str, idx: str, body: dict):
        if method == "HEAD" or method == "GET":
            return (
                (200, {idx: {}})
                if self.store.has_index(idx)
                else error(404, "index_not_found_exception", "no such index", idx)
            )
        if method == "PUT":
            if self.store.create_index(idx, body):
                return 200, {"acknowledged": True, "shards_acknowledged": True, "index": idx}
            return error(400, "resource_already_exists_exception", f"index [{idx}] already exists", idx)
        if method == "DELETE":
            return (
                (200, {"acknowledged": True})
                if self.store.delete_index(idx)
                else error(404, "index_not_found_exception", "no such index", idx)
            )
        return error(405, "method_not_allowed", f"{method} not allowed on an index")

    def _doc_view(self, idx: str, doc_id: str) -> dict:
        found = self.store.get(idx, doc_id)
        view = {"_index": idx, "_id": doc_id, "found": bool(found)}
        if found:
            view.update(_source=found[0], _version=found[1], _seq_no=found[1] - 1, _primary_term=1)
        return view

    def _doc_call(self, method: str, idx: str, kind: str, doc_id: str, body: dict):
        meta = {"_index": idx, "_id": doc_id, "_shards": {"total": 1, "successful": 1, "failed": 0}}
        if kind == "_update" and method == "POST":
            change = apply_update(body)
            if change is None:
                return error(
                    400, "illegal_argument_exception", "only partial 'doc' updates and field removal are supported"
                )
            done = self.store.update(idx, doc_id, change)
            if done is None:
                return error(404, "document_missing_exception", f"[{doc_id}]: document missing", idx)
            return 200, {**meta, "result": done[0], "_version": done[1]}
        if method in ("PUT", "POST"):
            create_only = kind == "_create" or "op_type=create" in self.path
            done = self.store.put(idx, doc_id, body, create_only)
            if done is None:
                return error(409, "version_conflict_engine_exception", f"[{doc_id}]: document already exists", idx)
            return (201 if done[0] == "created" else 200), {**meta, "result": done[0], "_version": done[1]}
        if method in ("GET", "HEAD"):
            view = self._doc_view(idx, doc_id)
            return (200 if view["found"] else 404), view
        if method == "DELETE":
            gone = self.store.delete(idx, doc_id)
            return (200 if gone else 404), {**meta, "result": "deleted" if gone else "not_found"}
        return error(405, "method_not_allowed", f"{method} not allowed on a document")


def serve(host: str, port: int, db: str, verbose: bool = False) -> ThreadingHTTPServer:
    """A server ready to ``serve_forever()`` (tests run it in a thread)."""
    handler = type("BoundHandler", (Handler,), {"store": Store(db), "verbose": verbose})
    return ThreadingHTTPServer((host, port), handler)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=19200)
    parser.add_argument("--db", required=True, help="SQLite file holding the documents (created if missing)")
    parser.add_argument("--verbose", action="store_true", help="log every request, not only errors")
    args = parser.parse_args(argv)
    server = serve(args.host, args.port, args.db, args.verbose)
    print(f"[opensearch] serving {args.host}:{args.port} from {args.db}", file=sys.stderr, flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
