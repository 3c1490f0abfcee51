"""The stack's OpenSearch-compatible store, driven by the real opensearch-py client and DIRAC's ElasticSearchDB."""

from __future__ import annotations

import threading

import pytest
from opensearchpy import NotFoundError, OpenSearch, RequestError

from b2stack.opensearch import serve


@pytest.fixture()
def server(tmp_path):
    db = str(tmp_path / "os.sqlite")
    holder = {}

    def start():
        srv = serve("127.0.0.1", 0, db)
        threading.Thread(target=srv.serve_forever, daemon=True).start()
        holder["srv"] = srv
        return srv.server_address[1]

    def stop():
        holder["srv"].shutdown()
        holder["srv"].server_close()

    yield start, stop
    stop()


def client(port: int) -> OpenSearch:
    return OpenSearch(f"http://127.0.0.1:{port}", timeout=5)


def test_documents_survive_a_restart(server):
    start, stop = server
    es = client(start())
    assert es.ping()
    es.index(index="job_parameters_belle_0m", id="7", body={"JobID": 7, "Site": "LCG.KEK.jp"}, params={"op_type": "index"})
    es.update(index="job_parameters_belle_0m", id="7", body={"doc": {"CPUTime": "12"}})
    stop()
    es = client(start())
    doc = es.get(index="job_parameters_belle_0m", id="7")
    assert doc["_source"] == {"JobID": 7, "Site": "LCG.KEK.jp", "CPUTime": "12"}
    assert doc["_version"] == 2


def test_errors_look_like_opensearch(server):
    es = client(server[0]())
    with pytest.raises(NotFoundError):
        es.update(index="nope", id="1", body={"doc": {"a": 1}})
    es.indices.create(index="i1")
    with pytest.raises(RequestError):
        es.indices.create(index="i1")
    with pytest.raises(RequestError):
        es.search(index="i1", body={"query": {"match_all": {}}})  # not implemented: must not pretend
    assert es.exists(index="i1", id="x") is False


def test_dirac_elasticsearchdb_job_parameters_cycle(server):
    """What JobParametersDB does for a job: template, index, existence check, update, mget, field removal."""
    from DIRAC.Core.Utilities.ElasticSearchDB import ElasticSearchDB

    port = server[0]()
    db = ElasticSearchDB(host="127.0.0.1", port=port, user=None, password=None, useSSL=False)
    assert db.addIndexTemplate("t", index_patterns=["job_parameters_*"], mapping={"JobID": {"type": "long"}})["OK"]
    name = "job_parameters_belle_0m"
    assert db.existingIndex(name)["Value"] is False
    assert db.createIndex(name, period=None)["OK"]
    assert db.index(name, body={"JobID": 1, "GridCE": "ce.kek.local"}, docID="1")["OK"]
    assert db.existsDoc(name, docID="1")
    assert db.updateDoc(index=name, docID="1", body={"doc": {"PayloadPID": "42"}})["OK"]
    assert db.updateDoc(index=name, docID="1", body={"script": "ctx._source.remove('GridCE')"})["OK"]
    docs = db.getDocs(lambda job, vo: name, ["1", "2"], "belle")
    assert docs["OK"], docs
    assert docs["Value"] == {1: {"JobID": 1, "PayloadPID": "42"}, 2: {}}
    assert db.deleteDoc(name, docID="1")["OK"]
    assert db.existsDoc(name, docID="1") is False
