"""Each test site's SE (DIRAC's File plugin on a local directory) stores, serves and removes files."""

import uuid

import pytest

from b2stack import layout


@pytest.mark.parametrize("se", [site.se for site in layout.SITES])
def test_put_get_remove_on_each_site_se(analyst, se, tmp_path):
    token = uuid.uuid4().hex
    lfn = f"/belle/user/b2analyst/se-test/{token}.txt"
    src = tmp_path / "in.txt"
    src.write_text(f"payload {token}\n")
    result = analyst.python(f"""
        import os
        from DIRAC.Resources.Storage.StorageElement import StorageElement
        se = StorageElement("{se}")
        put = se.putFile({{"{lfn}": "{src}"}})
        size = se.getFileSize("{lfn}")
        on_disk = os.path.exists("{layout.path("storage", se)}{lfn}")
        os.makedirs("{tmp_path}/out", exist_ok=True)
        get = se.getFile("{lfn}", localPath="{tmp_path}/out")
        rm = se.removeFile("{lfn}")
        exists = se.exists("{lfn}")
        result = dict(put=put, size=size, get=get, rm=rm, exists=exists, on_disk=on_disk)
        """)
    for step in ("put", "size", "get", "rm", "exists"):
        assert result[step]["OK"] and lfn in result[step]["Value"]["Successful"], (step, result[step])
    assert result["on_disk"], "the SE must write below its configured directory"
    assert result["size"]["Value"]["Successful"][lfn] == src.stat().st_size
    assert (tmp_path / "out" / f"{token}.txt").read_text() == src.read_text()
    assert result["exists"]["Value"]["Successful"][lfn] is False
    assert not (layout.path("storage", se) / lfn.lstrip("/")).exists()
