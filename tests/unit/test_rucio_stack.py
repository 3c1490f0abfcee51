"""The stack's Rucio: generated configuration, and the naming rules the server and BelleDIRAC must share."""

import configparser
import subprocess
import zlib

import pytest

from b2stack import layout, rucio, rucio_policy
from BelleDIRAC.Resources.Catalog import lfn_naming

SAMPLE_LFNS = [
    "/belle/MC/release-06-00-08/DB00002100/prod00012345/s00/e1003/4S/r00000/mixed/mdst/sub00/a.root",
    "/belle/MC/private/x/sub00/a.root",
    "/belle/Data/release-06/x/sub00/a.root",
    "/belle/Data/proc/release-06/x/sub00/a.root",
    "/belle/Data/other/x/sub00/a.root",
    "/belle/hRaw/e0026/r01234/a.root",
    "/belle/Raw/e0026/r01234/a.root",
    "/belle/collection/x/sub00/a.root",
    "/belle/BG/x/a.root",
    "/belle/mock/x/a.root",
    "/belle/ddm/x/a.root",
    "/belle/anything/else.root",
    "/belle/user/b2analyst/project/sub00/a.root",
    "/belle/user/b/b2analyst2/project/sub00/a.root",
    "/belle/user/someone/project/sub00/a.root",
    "/belle/group/charm/dsk/sub00/a.root",
]


def _parse(text: str) -> configparser.ConfigParser:
    cfg = configparser.ConfigParser()
    cfg.read_string(text)
    return cfg


def test_every_scope_lfn_naming_can_return_exists_on_the_server():
    """A scope missing on the server would make registration fail only for that kind of file."""
    scopes = rucio.scopes_for(layout.USERS)
    user_scopes = {s for s in scopes if "." in s}
    for lfn in SAMPLE_LFNS:
        assert lfn_naming.scopeOf(lfn, user_scopes) in scopes, lfn
    assert scopes["user.b2analyst"] == "b2analyst" and scopes["mc"] == rucio.SERVICE_ACCOUNT


def test_server_policy_uses_lfn_naming():
    """The policy package's scope rule is lfn_naming's, given the scopes the server lists."""
    scopes = list(rucio.scopes_for(layout.USERS))
    for lfn in SAMPLE_LFNS:
        assert rucio_policy.extract_scope_belleii(lfn, scopes) == lfn_naming.lfnToDID(lfn, set(scopes))
    assert rucio_policy.extract_scope_belleii("mc:/belle/MC/x", scopes) == ("mc", "/belle/MC/x")
    assert set(rucio_policy.get_algorithms()) == {"scope", "lfn2pfn"}


def test_pfn_path_is_dirac_file_se_layout():
    """Rucio's PFN = RSE prefix + LFN = DIRAC File SE path + LFN: both see the same bytes."""
    lfn = SAMPLE_LFNS[0]
    path = rucio_policy.lfn2pfn_belleii("mc", lfn, "KEK-TMP-SE", {}, {})
    assert rucio.rse_prefix("KEK-TMP-SE") + path == str(layout.path("storage", "KEK-TMP-SE")) + lfn


def test_server_cfg_points_at_the_stacks_own_db_cache_and_policy():
    cfg = _parse(rucio.server_cfg_text())
    assert cfg["database"]["default"].endswith(f"/{layout.RUCIO_DB}")
    assert layout.RUCIO_DB.startswith(layout.DB_PREFIX)
    assert cfg["cache"]["url"] == f"127.0.0.1:{layout.RUCIO_MEMCACHED_PORT}"
    assert cfg["policy"]["package"] == "b2stack.rucio_policy"
    assert cfg["policy"]["lfn2pfn_algorithm_default"] == "belleii"
    assert cfg["conveyor"]["transfertool"] == "b2copy" and cfg["conveyor"]["scheme"] == "file"
    # create_root_account reads multi_vo with bool(): any value, even "False", would mean multi-VO.
    assert "multi_vo" not in cfg["common"]
    assert cfg["bootstrap"]["userpass_identity"] == "root"


def test_client_cfg_per_account():
    cfg = _parse(rucio.client_cfg_text("b2analyst"))
    assert cfg["client"]["account"] == cfg["client"]["username"] == "b2analyst"
    assert cfg["client"]["password"] == rucio.password("b2analyst")
    assert cfg["client"]["rucio_host"] == rucio.server_url() == f"http://127.0.0.1:{layout.RUCIO_PORT}"


def test_components_run_in_the_rucio_venv_with_their_own_ports():
    comps = {name: (argv, env, port) for name, argv, env, port in rucio.components()}
    assert comps["rucio-server"][2] == layout.RUCIO_PORT
    assert "--no-control-socket" in comps["rucio-server"][0]
    assert comps["rucio-memcached"][2] == layout.RUCIO_MEMCACHED_PORT
    for name in ("rucio-submitter", "rucio-poller", "rucio-finisher", "rucio-judge-evaluator"):
        argv, env, port = comps[name]
        assert argv[0] == str(layout.RUCIO_VENV / "bin" / "python") and "--run-once" not in argv
        assert env["RUCIO_CONFIG"] == str(rucio.SERVER_CFG)


@pytest.mark.skipif(not (layout.RUCIO_VENV / "bin" / "python").exists(), reason="no .venv-rucio")
def test_b2copy_copies_and_refuses_a_wrong_checksum(tmp_path):
    """The transfertool's copy (run where Rucio is installed): verified copy, refused corrupt one."""
    src = tmp_path / "src.root"
    src.write_bytes(b"belle" * 1000)
    good = f"{zlib.adler32(src.read_bytes()) & 0xFFFFFFFF:08x}"
    code = (
        "from b2stack.rucio_transfertool import copy_verified as c\n"
        f"print(c('file://localhost{src}', 'file://localhost{tmp_path}/d/ok.root', '{good}', 5000))\n"
        f"print(c('file://localhost{src}', 'file://localhost{tmp_path}/d/bad.root', '00000001', 5000))\n"
    )
    out = subprocess.run([str(layout.RUCIO_VENV / "bin" / "python"), "-c", code], env=rucio.env(), cwd=layout.REPO,
                         capture_output=True, text=True, check=True).stdout.splitlines()  # fmt: skip
    assert out[0].startswith("(True,") and (tmp_path / "d" / "ok.root").read_bytes() == src.read_bytes()
    assert out[1].startswith("(False, 'adler32 mismatch") and not (tmp_path / "d" / "bad.root").exists()
    assert list((tmp_path / "d").iterdir()) == [tmp_path / "d" / "ok.root"]  # no temporary left behind
