"""A small OpenSearch-compatible document store for DIRAC's JobParametersDB.

DIRAC 9 keeps job parameters (where a job ran, its payload PID, CPU figures…) in OpenSearch, and
JobMonitoring, JobStateUpdate and WMSAdministrator refuse to start without one. No OpenSearch is
packaged for Debian, so the stack serves, over plain HTTP, the part of the REST API that DIRAC's
``ElasticSearchDB``/``JobParametersDB`` use: ``/`` (ping, info), ``/_index_template/<name>``, index
create/exists/get/delete, ``<pattern>/_alias`` and ``_mapping``, single-document index/create/get/
exists/delete, ``_update`` (partial ``doc``, ``upsert`` and DIRAC's ``ctx._source.remove('x')`` script)
and ``_mget``. Documents live in a SQLite file, so nothing is lost when it restarts. Numeric and date
fields mapped by an index template are checked as OpenSearch would; unmapped fields are not typed.
Searches, ``_bulk`` and every other endpoint get an OpenSearch-style 400, never a silent success.

Only errors are logged (404s of existence checks are normal traffic); ``--verbose`` logs every request.
"""

from __future__ import annotations

import argparse
import fnmatch
import json
import math
import re
import sqlite3
import sys
import threading
import uuid
from contextlib import contextmanager
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlsplit

VERSION = {"number": "2.11.1", "distribution": "opensearch", "lucene_version": "9.7.0"}
SHARDS = {"total": 1, "successful": 1, "failed": 0}
REMOVE_SCRIPT = re.compile(r"""^\s*ctx\._source\.remove\(\s*['"]([^'"]+)['"]\s*\)\s*;?\s*$""")
NUMBER_TYPES = {"long", "integer", "short", "byte", "double", "float", "half_float", "scaled_float"}
BAD_NAME_CHARS = set('\\/*?"<>| ,#:')


class ApiError(Exception):
    """An error answered the way OpenSearch answers it: ``{"error": {...}, "status": N}``."""

    def __init__(self, status: int, kind: str, reason: str, index: str | None = None):
        super().__init__(reason)
        self.status, self.cause = status, {"type": kind, "reason": reason, **({"index": index} if index else {})}

    def payload(self) -> dict:
        return {"error": {"root_cause": [self.cause], **self.cause}, "status": self.status}


def no_index(name: str) -> ApiError:
    return ApiError(404, "index_not_found_exception", f"no such index [{name}]", name)


class Store:
    """Indices, templates and JSON documents in one SQLite file, used inside ``txn()`` only."""

    def __init__(self, path: str):
        self.lock = threading.Lock()
        self.db = sqlite3.connect(path, check_same_thread=False, isolation_level=None, timeout=30)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("CREATE TABLE IF NOT EXISTS indices (name TEXT PRIMARY KEY, body TEXT)")
        self.db.execute("CREATE TABLE IF NOT EXISTS templates (name TEXT PRIMARY KEY, body TEXT)")
        self.db.execute(
            "CREATE TABLE IF NOT EXISTS docs (idx TEXT, id TEXT, source TEXT, version INTEGER, PRIMARY KEY (idx, id))"
        )

    @contextmanager
    def txn(self):
        """One thread at a time, one SQLite transaction: committed if the block succeeds, else rolled back."""
        with self.lock:
            self.db.execute("BEGIN IMMEDIATE")
            try:
                yield self
            except BaseException:
                self.db.execute("ROLLBACK")
                raise
            self.db.execute("COMMIT")

    def index(self, name: str) -> dict | None:
        row = self.db.execute("SELECT body FROM indices WHERE name=?", (name,)).fetchone()
        return json.loads(row[0]) if row else None

    def indices(self) -> list[str]:
        return [row[0] for row in self.db.execute("SELECT name FROM indices ORDER BY name")]

    def set_index(self, name: str, body: dict) -> None:
        self.db.execute("INSERT INTO indices VALUES (?, ?)", (name, json.dumps(body)))

    def drop_index(self, name: str) -> None:
        self.db.execute("DELETE FROM docs WHERE idx=?", (name,))
        self.db.execute("DELETE FROM indices WHERE name=?", (name,))

    def templates(self) -> list[dict]:
        return [json.loads(row[0]) for row in self.db.execute("SELECT body FROM templates")]

    def set_template(self, name: str, body: dict) -> None:
        self.db.execute("INSERT OR REPLACE INTO templates VALUES (?, ?)", (name, json.dumps(body)))

    def doc(self, idx: str, doc_id: str) -> tuple[dict, int] | None:
        row = self.db.execute("SELECT source, version FROM docs WHERE idx=? AND id=?", (idx, doc_id)).fetchone()
        return (json.loads(row[0]), row[1]) if row else None

    def set_doc(self, idx: str, doc_id: str, source: dict | None, version: int = 0) -> None:
        self.db.execute("DELETE FROM docs WHERE idx=? AND id=?", (idx, doc_id))
        if source is not None:
            self.db.execute("INSERT INTO docs VALUES (?, ?, ?, ?)", (idx, doc_id, json.dumps(source), version))


def create_index(store: Store, name: str, body: dict) -> None:
    """Create ``name`` with the mappings of the highest-priority matching template, then the body's."""
    if name != name.lower() or name[0] in "_-+" or name in (".", "..") or BAD_NAME_CHARS & set(name):
        raise ApiError(400, "invalid_index_name_exception", f"Invalid index name [{name}]", name)
    if store.index(name) is not None:
        raise ApiError(400, "resource_already_exists_exception", f"index [{name}] already exists", name)
    matching = [t for t in store.templates() if any(fnmatch.fnmatchcase(name, p) for p in t["index_patterns"])]
    template = max(matching, key=lambda t: t.get("priority", 0), default={}).get("template", {})
    props = {**template.get("mappings", {}).get("properties", {}), **body.get("mappings", {}).get("properties", {})}
    settings = {**template.get("settings", {}), **body.get("settings", {})}
    store.set_index(name, {"aliases": {}, "mappings": {"properties": props}, "settings": settings})


def _is_number(value) -> bool:
    """OpenSearch coerces numeric strings (and treats ``""`` as null); booleans and words fail."""
    if isinstance(value, bool):
        return False
    try:
        return value == "" or math.isfinite(float(value))
    except (TypeError, ValueError):
        return False


def _is_date(value) -> bool:
    """The default date format: epoch milliseconds or an ISO 8601 date(-time)."""
    try:
        return _is_number(value) and value != "" or datetime.fromisoformat(value.replace("Z", "+00:00")) is not None
    except (AttributeError, ValueError):
        return False


def _parses(kind: str | None, value) -> bool:
    return value is None or (kind not in NUMBER_TYPES or _is_number(value)) and (kind != "date" or _is_date(value))


def check_mapping(store: Store, idx: str, doc_id: str, source: dict) -> None:
    """Reject what OpenSearch rejects: a value its mapped numeric or date field cannot parse."""
    props = (store.index(idx) or {}).get("mappings", {}).get("properties", {})
    for field, value in source.items():
        kind = props.get(field, {}).get("type")
        for item in value if isinstance(value, list) else [value]:
            if not _parses(kind, item):
                reason = f"failed to parse field [{field}] of type [{kind}] in document with id '{doc_id}'"
                raise ApiError(400, "mapper_parsing_exception", f"{reason}. Preview of field's value: '{item}'", idx)


def merge(old: dict, new: dict) -> dict:
    """A partial ``doc`` update: objects merge recursively, everything else is replaced."""
    out = dict(old)
    for key, value in new.items():
        both = isinstance(value, dict) and isinstance(out.get(key), dict)
        out[key] = merge(out[key], value) if both else value
    return out


def apply_script(body: dict, source: dict) -> dict:
    if "script" not in body:
        raise ApiError(400, "action_request_validation_exception", "script or doc is missing")
    script = body["script"]
    match = REMOVE_SCRIPT.match((script.get("source") if isinstance(script, dict) else script) or "")
    if not match:
        raise ApiError(400, "illegal_argument_exception", "only the script ctx._source.remove('<field>') is supported")
    return {k: v for k, v in source.items() if k != match.group(1)}


def shape_of(parts: list[str]) -> tuple[str, ...]:
    """``/idx/_doc/7`` -> ``("*", "_doc", "*")``: an endpoint is a ``_`` word where no name is expected."""
    endpoint = [p.startswith("_") for p in parts[:1]] + [
        p.startswith("_") and not parts[0].startswith("_") for p in parts[1:2]
    ]
    return tuple(p if i < 2 and endpoint[i] else "*" for i, p in enumerate(parts))


class Handler(BaseHTTPRequestHandler):
    """Maps each request to the store; see the module docstring for the routes."""

    store: Store
    verbose = False
    protocol_version = "HTTP/1.1"

    def log_request(self, code="-", size="-"):  # one line per request is written by _send instead
        pass

    def _send(self, status: int, payload) -> None:
        normal_miss = status == 404 and self.command in ("HEAD", "GET", "DELETE")
        if self.verbose or (status >= 400 and not normal_miss):  # logged before answering, so never lost
            error = payload.get("error") if isinstance(payload, dict) else None
            reason = f"{error['type']}: {error['reason']}" if isinstance(error, dict) else ""
            self.log_message('"%s %s" %d %s', self.command, self.path, status, reason)
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=UTF-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def _dispatch(self) -> None:
        url = urlsplit(self.path)
        parts = [unquote(p) for p in url.path.split("/") if p]
        self.query = {k: v[-1] for k, v in parse_qs(url.query).items()}
        try:
            status, payload = self.route(self.command, parts, self._read_body())
        except ApiError as exc:
            status, payload = exc.status, exc.payload()
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            status, payload = 400, ApiError(400, "parse_exception", f"malformed request: {exc!r}").payload()
        except Exception as exc:  # answer, never drop the connection
            status, payload = 500, ApiError(500, "exception", repr(exc)).payload()
        self._send(status, payload)

    def _read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding"):  # never sent by opensearch-py; unread bytes would desync
            self.close_connection = True
            raise ApiError(400, "illegal_argument_exception", "chunked request bodies are not supported")
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = do_PATCH = do_OPTIONS = _dispatch

    def route(self, method: str, parts: list[str], raw: bytes):
        body = json.loads(raw) if raw.strip() else {}
        if not isinstance(body, dict):
            raise ApiError(400, "parse_exception", "request body must be a JSON object")
        shape = shape_of(parts)
        handler = ROUTES.get((method, shape))
        if handler is None:
            reason = f"no handler found for uri [{self.path}] and method [{method}] (b2stack.opensearch)"
            raise ApiError(400, "illegal_argument_exception", reason)
        with self.store.txn() as store:
            return handler(self, store, [p for p, s in zip(parts, shape, strict=True) if s == "*"], body)

    def root(self, store, args, body):
        return 200, {"name": "b2stack", "cluster_name": "b2stack", "version": VERSION, "tagline": "DIRAC only"}

    def put_template(self, store, args, body):
        if not isinstance(body.get("index_patterns"), list):
            raise ApiError(400, "action_request_validation_exception", "index patterns are missing")
        store.set_template(args[0], body)
        return 200, {"acknowledged": True}

    def put_index(self, store, args, body):
        create_index(store, args[0], body)
        return 200, {"acknowledged": True, "shards_acknowledged": True, "index": args[0]}

    def get_index(self, store, args, body):
        found = store.index(args[0])
        if found is None:
            raise no_index(args[0])
        if self.command == "DELETE":
            store.drop_index(args[0])
            return 200, {"acknowledged": True}
        return 200, {args[0]: found}

    def describe(self, store, args, body):
        """``<pattern>/_alias`` and ``<pattern>/_mapping`` (comma-separated names, ``*`` wildcards)."""
        field = {"_alias": "aliases", "_mapping": "mappings"}[urlsplit(self.path).path.rstrip("/").rsplit("/", 1)[1]]
        patterns, names = args[0].split(","), store.indices()
        hits = [n for n in names if any(fnmatch.fnmatchcase(n, p) for p in patterns)]
        missing = [p for p in patterns if "*" not in p and p not in names]
        if missing:
            raise no_index(missing[0])
        return 200, {n: {field: store.index(n).get(field, {})} for n in hits}

    def mget(self, store, args, body):
        default = args[0] if args else None
        docs = body.get("docs") or [{"_id": i} for i in body.get("ids", [])]
        if any("_index" not in d and not default for d in docs):
            raise ApiError(400, "action_request_validation_exception", "index is missing for a doc")
        return 200, {"docs": [self._view(store, d.get("_index", default), str(d["_id"]), True) for d in docs]}

    def _view(self, store: Store, idx: str, doc_id: str, in_mget: bool = False) -> dict:
        if store.index(idx) is None:
            if in_mget:
                return {"_index": idx, "_id": doc_id, "error": no_index(idx).payload()["error"]}
            raise no_index(idx)
        found = store.doc(idx, doc_id)
        view = {"_index": idx, "_id": doc_id, "found": bool(found)}
        return {**view, "_version": found[1], "_source": found[0]} if found else view

    def get_doc(self, store, args, body):
        view = self._view(store, args[0], args[1])
        return (200 if view["found"] else 404), view

    def put_doc(self, store, args, body):
        idx, doc_id = args[0], args[1] if len(args) > 1 else uuid.uuid4().hex
        if store.index(idx) is None:
            create_index(store, idx, {})  # OpenSearch creates a missing index on first write
        old = store.doc(idx, doc_id)
        if old and ("/_create/" in self.path or self.query.get("op_type") == "create" or len(args) == 1):
            reason = f"[{doc_id}]: version conflict, document already exists (current version [{old[1]}])"
            raise ApiError(409, "version_conflict_engine_exception", reason, idx)
        check_mapping(store, idx, doc_id, body)
        version = old[1] + 1 if old else 1
        store.set_doc(idx, doc_id, body, version)
        result = {"_index": idx, "_id": doc_id, "_version": version, "result": "updated" if old else "created"}
        return (200 if old else 201), {**result, "_shards": SHARDS}

    def update_doc(self, store, args, body):
        idx, doc_id = args
        old = store.doc(idx, doc_id) if store.index(idx) is not None else None
        if old is None and ("upsert" in body or body.get("doc_as_upsert")):
            return self.put_doc(store, args, body.get("upsert", body.get("doc")))
        if old is None:
            raise ApiError(404, "document_missing_exception", f"[{doc_id}]: document missing", idx)
        new = merge(old[0], body["doc"]) if "doc" in body else apply_script(body, old[0])
        result = {"_index": idx, "_id": doc_id, "_version": old[1], "result": "noop", "_shards": SHARDS}
        if "doc" in body and new == old[0]:
            return 200, result
        check_mapping(store, idx, doc_id, new)
        store.set_doc(idx, doc_id, new, old[1] + 1)
        return 200, {**result, "_version": old[1] + 1, "result": "updated"}

    def delete_doc(self, store, args, body):
        idx, doc_id = args
        old = store.doc(idx, doc_id) if store.index(idx) is not None else None
        store.set_doc(idx, doc_id, None)
        result = {"_index": idx, "_id": doc_id, "_version": old[1] + 1 if old else 1, "_shards": SHARDS}
        return (200, {**result, "result": "deleted"}) if old else (404, {**result, "result": "not_found"})


def _routes() -> dict:
    """(method, path shape) -> handler; ``*`` is a name (index, pattern, template or document id)."""
    h, routes = Handler, {}
    for methods, shape, fn in [
        ("GET HEAD", (), h.root),
        ("PUT POST", ("_index_template", "*"), h.put_template),
        ("PUT", ("*",), h.put_index),
        ("GET HEAD DELETE", ("*",), h.get_index),
        ("GET HEAD", ("*", "_alias"), h.describe),
        ("GET", ("*", "_mapping"), h.describe),
        ("GET POST", ("_mget",), h.mget),
        ("GET POST", ("*", "_mget"), h.mget),
        ("POST", ("*", "_doc"), h.put_doc),
        ("PUT POST", ("*", "_doc", "*"), h.put_doc),
        ("PUT POST", ("*", "_create", "*"), h.put_doc),
        ("GET HEAD", ("*", "_doc", "*"), h.get_doc),
        ("DELETE", ("*", "_doc", "*"), h.delete_doc),
        ("POST", ("*", "_update", "*"), h.update_doc),
    ]:
        routes.update({(m, shape): fn for m in methods.split()})
    return routes


ROUTES = _routes()


def serve(host: str, port: int, db: str, verbose: bool = False) -> ThreadingHTTPServer:
    """A server ready to ``serve_forever()`` (tests run it in a thread)."""
    handler = type("BoundHandler", (Handler,), {"store": Store(db), "verbose": verbose})
    return ThreadingHTTPServer((host, port), handler)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default: %(default)s)")
    parser.add_argument("--port", type=int, default=19200, help="port to listen on (default: %(default)s)")
    parser.add_argument("--db", required=True, help="SQLite file holding the documents (created if missing)")
    parser.add_argument("--verbose", action="store_true", help="log every request, not only errors")
    args = parser.parse_args(argv)
    server = serve(args.host, args.port, args.db, args.verbose)
    print(f"[opensearch] serving {args.host}:{args.port} from {args.db}", file=sys.stderr, flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
