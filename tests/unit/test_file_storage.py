"""BelleDIRAC's File storage plugin: parallel uploads into a directory that does not exist yet all succeed."""

import threading

from BelleDIRAC.Resources.Storage.FileStorage import FileStorage


def test_parallel_puts_into_a_new_directory(tmp_path):
    sources = []
    for i in range(16):
        src = tmp_path / f"src{i}.root"
        src.write_text(f"file {i}\n")
        sources.append(src)
    storage = FileStorage("TEST-SE", {"Path": str(tmp_path / "se"), "Protocol": "file", "Host": "", "Port": ""})
    target = tmp_path / "se" / "belle" / "user" / "a" / "p" / "sub00"
    results, barrier = [], threading.Barrier(len(sources))

    def put(src):
        barrier.wait()
        results.append(storage.putFile({str(target / src.name): str(src)}))

    threads = [threading.Thread(target=put, args=(s,)) for s in sources]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(r["OK"] and not r["Value"]["Failed"] for r in results), [r for r in results if r["Value"]["Failed"]]
    assert sorted(p.name for p in target.iterdir()) == sorted(s.name for s in sources)
