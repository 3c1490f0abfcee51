"""`make up` is idempotent: a second run on a running stack starts nothing and keeps every process."""

from b2stack import procs, stack


def test_up_twice_keeps_every_process(live_stack, capsys):
    before = {name: procs.running_pid(name) for name in procs.known()}
    assert before and all(before.values())
    stack.up()
    after = {name: procs.running_pid(name) for name in procs.known()}
    assert after == before
    assert stack.status() == 0
    assert "stopped" not in capsys.readouterr().out
