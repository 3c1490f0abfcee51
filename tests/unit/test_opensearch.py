"""The stack's OpenSearch stand-in, run through its CLI and driven by opensearch-py and DIRAC's JobParametersDB."""

from __future__ import annotations

import ast
import http.client
import json
import os
import socket
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest
from opensearchpy import NotFoundError, OpenSearch, RequestError

REPO = Path(__file__).resolve().parents[2]
INDEX = "job_parameters_belle_0m"
TEMPLATE = {
    "index_patterns": ["job_parameters_*"],
    "priority": 1,
    "template": {"mappings": {"properties": {"JobID": {"type": "long"}, "PayloadPID": {"type": "long"}}}},
}


class Server:
    """``python -m b2stack.opensearch`` on a fixed free port and SQLite file, restartable."""

    def __init__(self, tmp_path: Path):
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]
        self.db, self.log, self.proc = tmp_path / "os.sqlite", tmp_path / "os.log", None

    def start(self) -> OpenSearch:
        argv = [sys.executable, "-m", "b2stack.opensearch", "--port", str(self.port), "--db", str(self.db)]
        with open(self.log, "a") as log:
            self.proc = subprocess.Popen(argv, cwd=REPO, stderr=log)
        for _ in range(100):
            assert self.proc.poll() is None, self.log.read_text()
            with socket.socket() as sock:
                if sock.connect_ex(("127.0.0.1", self.port)) == 0:
                    return OpenSearch(f"http://127.0.0.1:{self.port}", timeout=10)
            time.sleep(0.05)
        raise AssertionError("server did not listen")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(10)

    def raw(self, method: str, path: str, body: str | None = None) -> tuple[int, dict]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        conn.request(method, path, body=body, headers={"Content-Type": "application/json"})
        resp = conn.getresponse()
        return resp.status, json.loads(resp.read() or b"null")


@pytest.fixture()
def server(tmp_path):
    srv = Server(tmp_path)
    yield srv
    srv.stop()


def error_type(exc: pytest.ExceptionInfo) -> str:
    return exc.value.info["error"]["type"]


def test_help():
    proc = subprocess.run([sys.executable, "-m", "b2stack.opensearch", "--help"], cwd=REPO, capture_output=True)
    assert proc.returncode == 0 and b"--db" in proc.stdout and b"--verbose" in proc.stdout


def test_index_lifecycle_as_elasticsearchdb_calls_it(server):
    es = server.start()
    assert es.ping() and es.info()["version"]["distribution"] == "opensearch"
    assert es.indices.put_index_template(name="jp", body=TEMPLATE) == {"acknowledged": True}
    assert es.indices.exists(index=INDEX) is False
    assert es.indices.create(index=INDEX)["acknowledged"]
    assert es.indices.exists(index=INDEX) is True
    with pytest.raises(RequestError) as exc:
        es.indices.create(index=INDEX)
    assert error_type(exc) == "resource_already_exists_exception"
    assert es.indices.get_mapping(index=INDEX)[INDEX]["mappings"]["properties"]["PayloadPID"] == {"type": "long"}
    assert list(es.indices.get_alias(index="job_parameters_*")) == [INDEX]
    assert es.indices.get_alias(index="other_*") == {}
    with pytest.raises(NotFoundError):
        es.indices.get_alias(index="other")
    assert es.indices.delete(index=INDEX)["acknowledged"]
    with pytest.raises(NotFoundError) as exc:
        es.indices.delete(index=INDEX)
    assert error_type(exc) == "index_not_found_exception"


def test_documents_as_jobparametersdb_writes_them(server):
    es = server.start()
    es.indices.put_index_template(name="jp", body=TEMPLATE)
    assert es.exists(index=INDEX, id="1") is False
    with pytest.raises(NotFoundError) as exc:
        es.get(index=INDEX, id="1")
    assert error_type(exc) == "index_not_found_exception"
    res = es.index(index=INDEX, id="1", body={"JobID": 1, "GridCE": "ce1"}, params={"op_type": "index"})
    assert (res["result"], res["_version"]) == ("created", 1)
    assert es.exists(index=INDEX, id="1") is True
    assert es.update(index=INDEX, id="1", body={"doc": {"PayloadPID": "42"}})["result"] == "updated"
    assert es.update(index=INDEX, id="1", body={"doc": {"PayloadPID": "42"}})["result"] == "noop"
    es.update(index=INDEX, id="1", body={"script": "ctx._source.remove('GridCE')"})
    doc = es.get(index=INDEX, id="1")
    assert (doc["found"], doc["_version"], doc["_source"]) == (True, 3, {"JobID": 1, "PayloadPID": "42"})
    with pytest.raises(RequestError) as exc:
        es.update(index=INDEX, id="1", body={"doc": {"PayloadPID": "not a number"}})
    assert error_type(exc) == "mapper_parsing_exception"
    with pytest.raises(NotFoundError) as exc:
        es.update(index=INDEX, id="2", body={"doc": {"a": 1}})
    assert error_type(exc) == "document_missing_exception"
    with pytest.raises(RequestError):
        es.update(index=INDEX, id="1", body={"script": "ctx._source.clear()"})
    docs = es.mget(
        body={"docs": [{"_index": INDEX, "_id": "1"}, {"_index": INDEX, "_id": "2"}, {"_index": "no", "_id": "3"}]}
    )
    assert [d.get("found") for d in docs["docs"]] == [True, False, None]
    assert docs["docs"][2]["error"]["type"] == "index_not_found_exception"
    assert es.delete(index=INDEX, id="1")["result"] == "deleted"
    with pytest.raises(NotFoundError):
        es.delete(index=INDEX, id="1")


def test_unsupported_calls_fail_loudly_and_are_logged(server):
    es = server.start()
    es.indices.create(index=INDEX)
    with pytest.raises(RequestError):
        es.search(index=INDEX, body={"query": {"ids": {"values": ["1"]}}})
    with pytest.raises(RequestError):
        es.bulk(body=[{"index": {"_index": INDEX, "_id": "1"}}, {"JobID": 1}])
    with pytest.raises(RequestError) as exc:
        es.indices.create(index="Job_Parameters")
    assert error_type(exc) == "invalid_index_name_exception"
    assert server.raw("GET", "/_cat/indices")[0] == 400
    assert server.raw("PATCH", f"/{INDEX}")[0] == 400
    assert server.raw("PUT", f"/{INDEX}/_doc/1", "{not json")[0] == 400
    assert es.exists(index=INDEX, id="nope") is False
    server.stop()
    log = server.log.read_text()
    assert "_search" in log and "_bulk" in log and "/_cat/indices" in log
    assert "HEAD" not in log  # existence checks answered 404 are normal traffic, not errors


def test_concurrent_updates_are_serialised(server):
    es = server.start()
    es.index(index=INDEX, id="1", body={"JobID": 1})

    def worker(n: int) -> None:
        client = OpenSearch(f"http://127.0.0.1:{server.port}", timeout=10)
        for i in range(10):
            client.update(index=INDEX, id="1", body={"doc": {f"p{n}_{i}": str(i)}})

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    doc = es.get(index=INDEX, id="1")
    assert doc["_version"] == 81 and len(doc["_source"]) == 81


DIRAC_SCRIPT = textwrap.dedent("""
    import sys
    from DIRAC.WorkloadManagementSystem.DB.JobParametersDB import JobParametersDB

    db = JobParametersDB()
    out = {}
    if sys.argv[1] == "write":
        out["set1"] = db.setJobParameter(1, "GridCE", "ce1.kek.jp", "belle")["OK"]
        out["set2"] = db.setJobParameters(2, [("PayloadPID", "4242"), ("HostName", "wn2")], "belle")["OK"]
        out["set3"] = db.setJobParameters(1000003, [("PayloadPID", "7")], "belle")["OK"]
        out["bad"] = db.setJobParameters(2, [("Memory(MB)", "lots")], "belle")["OK"]
        out["read"] = db.getJobParameters([1, 2, 1000003, 4], "belle")["Value"]
        out["update"] = db.setJobParameter(1, "GridCE", "ce2.kek.jp", "belle")["OK"]
        out["more"] = db.setJobParameters(1, [("PayloadPID", "11")], "belle")["OK"]
        out["drop_key"] = db.deleteJobParameters(2, "HostName", vo="belle")["OK"]
        out["drop_job"] = db.deleteJobParameters(1000003, vo="belle")["OK"]
    out["final"] = db.getJobParameters([1, 2, 1000003], "belle", ["GridCE", "PayloadPID", "HostName"])["Value"]
    print(repr(out))
""")


def run_dirac(tmp_path: Path, port: int, phase: str) -> dict:
    cfg = f"Systems\n{{\n  NoSQLDatabases\n  {{\n    Host = 127.0.0.1\n    Port = {port}\n    SSL = False\n"
    cfg += "    User = b2\n    Password = b2\n  }\n}\n"
    (tmp_path / "etc").mkdir(exist_ok=True)
    (tmp_path / "etc" / "dirac.cfg").write_text(cfg)
    env = {**os.environ, "DIRAC_ROOT_PATH": str(tmp_path)}
    proc = subprocess.run(
        [sys.executable, "-c", DIRAC_SCRIPT, phase], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 0, proc.stderr
    return ast.literal_eval(proc.stdout.strip().splitlines()[-1])


def test_dirac_jobparametersdb_round_trip_survives_restart(server, tmp_path):
    server.start()
    out = run_dirac(tmp_path, server.port, "write")
    assert all(out[k] for k in ("set1", "set2", "set3", "update", "more", "drop_key", "drop_job"))
    assert out["bad"] is False  # Memory(MB) is mapped as long: OpenSearch refuses "lots", so must we
    assert out["read"][1]["GridCE"] == "ce1.kek.jp" and out["read"][1]["JobID"] == 1
    assert out["read"][2]["PayloadPID"] == "4242" and out["read"][1000003]["PayloadPID"] == "7"
    assert out["read"][4] == {}
    expected = {1: {"GridCE": "ce2.kek.jp", "PayloadPID": "11"}, 2: {"PayloadPID": "4242"}, 1000003: {}}
    assert out["final"] == expected
    server.stop()
    server.start()
    assert run_dirac(tmp_path, server.port, "read")["final"] == expected
