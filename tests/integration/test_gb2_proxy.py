"""gb2_proxy_init / gb2_proxy_info / gb2_check_release with real certificates against the live stack."""

from __future__ import annotations

import json
import subprocess

import pytest


def _run(env, *argv, stdin=""):
    return subprocess.run(list(argv), env=env, input=stdin, capture_output=True, text=True, timeout=120)


def test_proxy_init_with_passphrase_on_stdin_then_info(own_proxy):
    env, proxy = own_proxy
    out = _run(env, "gb2_proxy_init", "-g", "belle_user", "-v", "12:00", "--pwstdin", stdin="s3cret")
    text = out.stdout + out.stderr
    assert out.returncode == 0 and "Succeed with return value:\n0" in out.stdout, text
    assert "error" not in text.lower(), "programs grep for 'error' to detect a failure"
    assert proxy.exists() and "username     : b2analyst" in out.stdout and "Proxies uploaded:" in out.stdout
    info = _run(env, "gb2_proxy_info", "--json")
    data = json.loads(info.stdout)
    assert (data["username"], data["group"]) == ("b2analyst", "belle_user")
    assert 11 * 3600 < data["secondsLeft"] <= 12 * 3600


def test_bad_passphrase_is_reported_for_programs_to_ask_again(own_proxy):
    env, proxy = own_proxy
    out = _run(env, "gb2_proxy_init", "-g", "belle_user", "--pwstdin", stdin="wrong")
    assert out.returncode == 0 and "Bad passphrase" in out.stdout and not proxy.exists(), out.stdout + out.stderr


@pytest.mark.parametrize("argv, code, message", [
    (["-v", "abc"], 2, "HH:MM"),
    (["-g", "belle_nosuchgroup"], 1, "belle_nosuchgroup"),
])  # fmt: skip
def test_proxy_init_refusals(own_proxy, argv, code, message):
    env, _proxy = own_proxy
    out = _run(env, "gb2_proxy_init", *argv, "--pwstdin", stdin="s3cret")
    assert out.returncode == code and message in out.stdout + out.stderr, out.stdout + out.stderr


def test_proxy_info_without_proxy(own_proxy):
    env, _proxy = own_proxy
    out = _run(env, "gb2_proxy_info")
    assert out.returncode == 5 and "gb2_proxy_init" in out.stderr


def test_check_release(analyst):
    listing = analyst.run("gb2_check_release", "--json")
    data = json.loads(listing.stdout)
    assert data["default"] in data["releases"] and "light-2511-gacrux" in data["releases"]
    assert analyst.run("gb2_check_release", "-r", "light-2511-gacrux").returncode == 0
    missing = analyst.run("gb2_check_release", "-r", "release-00-00-00")
    assert missing.returncode == 3 and "not available" in missing.stdout
