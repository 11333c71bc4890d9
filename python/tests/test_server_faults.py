"""The server killed (SIGKILL, as a crash) in the middle of a request, and
started again, against the private server: an assign the server holds, a
wait, subscriptions and a workflow run by the executor runtime. Each
scenario counts the processes on the server before and after: a clear error
within the call's time, no process run twice, none lost.

Each scenario writes one line of figures to the terminal (and to
$COLONIES_FAULT_REPORT when set)."""

import os
import threading
import time

import pytest

from colonies import (Colonies, ColoniesConnectionError, ExecutorRuntime, ExpiredError, InDoubtError,
                      ProcessState, ResubscribedError, TransportError, Workflow, create_func_spec, func_spec)
from conftest import unique

STATES = {"waiting": ProcessState.WAITING, "running": ProcessState.RUNNING,
          "successful": ProcessState.SUCCESSFUL, "failed": ProcessState.FAILED}


@pytest.fixture
def report(request):
    """Writes a line past pytest's capture, and to $COLONIES_FAULT_REPORT."""
    capture = request.config.pluginmanager.getplugin("capturemanager")

    def write(line):
        with capture.global_and_fixture_disabled():
            print(f"\n  fault scenario: {line}", flush=True)
        path = os.environ.get("COLONIES_FAULT_REPORT")
        if path:
            with open(path, "a", encoding="utf-8") as f:
                f.write(line + "\n")
    return write


@pytest.fixture
def crash_colony(private_server, crypto):
    """A fresh colony on the private server, with an approved executor; the
    server is running again afterwards whatever the test did."""
    c = private_server.client
    colony_key = crypto.prvkey()
    name = unique("crash")
    c.add_colony({"colonyid": crypto.id(colony_key), "name": name}, private_server.prvkey)
    key = crypto.prvkey()
    etype = unique("type")
    ex_name = unique("exec")
    c.add_executor({"executorname": ex_name, "executorid": crypto.id(key), "colonyname": name,
                    "executortype": etype}, colony_key)
    c.approve_executor(name, ex_name, colony_key)
    key2 = crypto.prvkey()  # a second member, for a second subscription (the server keeps one per member)
    c.add_executor({"executorname": ex_name + "-2", "executorid": crypto.id(key2), "colonyname": name,
                    "executortype": etype}, colony_key)
    c.approve_executor(name, ex_name + "-2", colony_key)
    colony = type("Colony", (), dict(name=name, prvkey=colony_key, key=key, key2=key2, type=etype))
    try:
        yield colony
    finally:
        private_server.start()  # a no-op when it runs
        c.del_colony(name, private_server.prvkey)


def counts(client, colony):
    """How many of the colony's processes are in each state, as the server says."""
    return {name: len(client.get_processes(colony.name, 100, state, colony.key)) for name, state in STATES.items()}


def show(c):
    return ", ".join(f"{n} {c[n]}" for n in STATES if c[n]) or "none"


def spec(colony, args, executortype=None, **kw):
    return func_spec(func="echo", args=args, colonyname=colony.name, executortype=executortype or colony.type, **kw)


class InThread:
    """fn() on a thread of its own: its result or error, and when it ended."""

    def __init__(self, fn):
        self.result = self.error = self.ended = None
        self.thread = threading.Thread(target=self._run, args=(fn,), daemon=True)
        self.thread.start()

    def _run(self, fn):
        try:
            self.result = fn()
        except BaseException as e:  # noqa: BLE001 - looked at by the test
            self.error = e
        self.ended = time.monotonic()

    def join(self, timeout):
        self.thread.join(timeout)
        assert not self.thread.is_alive(), "the call did not end"
        return self


def test_killed_during_assign(private_server, crash_colony, report):
    """An assign the server holds open when it dies: InDoubtError at once
    (the request went out and assign is not idempotent); the processes that
    were waiting still wait, and the next assign gets the next process."""
    c, colony = private_server.client, crash_colony
    for i in range(3):  # processes for another executor type: they wait throughout
        c.submit(spec(colony, [i], executortype="nobody"), colony.key)
    before = counts(c, colony)
    assert before == {"waiting": 3, "running": 0, "successful": 0, "failed": 0}
    ex = Colonies(private_server.host, private_server.port, request_timeout=30)
    try:
        started = time.monotonic()
        held = InThread(lambda: ex.assign(colony.name, 20, colony.key))
        time.sleep(1.0)
        assert held.ended is None, "the assign was not held by the server"
        killed = time.monotonic()
        private_server.kill()
        held.join(10)
        assert isinstance(held.error, InDoubtError), held.error
        assert "may or may not have been applied" in str(held.error)
        took = held.ended - killed
        assert took < 2.0, took
        private_server.start()
        during = counts(c, colony)
        assert during == before
        # The executor goes on: the next process is its own, run once.
        p = c.submit(spec(colony, ["after"]), colony.key)
        got = ex.assign(colony.name, 10, colony.key)
        assert got.processid == p.processid
        ex.close(p.processid, ["done"], colony.key)
        after = counts(c, colony)
        assert after == {"waiting": 3, "running": 0, "successful": 1, "failed": 0}
        report(f"killed during an assign held {killed - started:.1f} s: {type(held.error).__name__} "
               f"{took * 1000:.0f} ms after the kill (timeout 20 s); before: {show(before)}; after the restart: "
               f"{show(during)}; after one more submit, assign and close: {show(after)}")
    finally:
        ex.release()


def test_killed_during_wait(private_server, crash_colony, report):
    """A wait when the server dies: a connection error, not ExpiredError, well
    within its timeout; the process is still there, and a wait after the
    restart sees it finish."""
    c, colony = private_server.client, crash_colony
    p = c.submit(spec(colony, ["waited"]), colony.key)
    before = counts(c, colony)
    assert before == {"waiting": 1, "running": 0, "successful": 0, "failed": 0}
    waiter = Colonies(private_server.host, private_server.port)
    try:
        waiting = InThread(lambda: waiter.wait(p, 30, colony.key))
        time.sleep(1.0)
        assert waiting.ended is None
        killed = time.monotonic()
        private_server.kill()
        waiting.join(30)
        assert isinstance(waiting.error, ColoniesConnectionError), waiting.error
        assert not isinstance(waiting.error, ExpiredError), waiting.error
        took = waiting.ended - killed
        assert took < 10.0, took
        private_server.start()
        during = counts(c, colony)
        assert during == before
        got = c.assign(colony.name, 10, colony.key)
        assert got.processid == p.processid
        finished = InThread(lambda: waiter.wait(p, 30, colony.key))
        c.close(p.processid, ["done"], colony.key)
        finished.join(30)
        assert finished.error is None, finished.error
        assert finished.result.state == ProcessState.SUCCESSFUL and finished.result.output == ["done"]
        after = counts(c, colony)
        assert after == {"waiting": 0, "running": 0, "successful": 1, "failed": 0}
        report(f"killed during a wait (timeout 30 s): {type(waiting.error).__name__} {took * 1000:.0f} ms after the "
               f"kill; before: {show(before)}; after the restart: {show(during)}; after assign and close, the next "
               f"wait saw it finish: {show(after)}")
    finally:
        waiter.release()


def test_killed_during_subscriptions(private_server, crash_colony, report):
    """Subscriptions open when the server dies: one subscribes again by
    itself once the server is back and says so (ResubscribedError), then
    brings the next event; one with resubscribe=False ends with a
    connection error at once."""
    c, colony = private_server.client, crash_colony
    follower = Colonies(private_server.host, private_server.port, retry_backoff=0.05, retry_backoff_max=0.5)
    single = Colonies(private_server.host, private_server.port, resubscribe=False)
    try:
        sub = follower.subscribe_processes(colony.name, colony.type, ProcessState.WAITING, 120, colony.key)
        # Another state: the server signals only one subscriber of a type and state.
        once = single.subscribe_processes(colony.name, colony.type, ProcessState.RUNNING, 120, colony.key2)
        time.sleep(0.5)
        first = c.submit(spec(colony, ["first"]), colony.key)
        assert sub.next(10).processid == first.processid
        with pytest.raises(ExpiredError):  # open, and nothing running
            once.next(0.2)
        before = counts(c, colony)
        ending = InThread(lambda: once.next(30))
        killed = time.monotonic()
        private_server.kill()
        ending.join(10)
        lost = ending.error
        assert isinstance(lost, TransportError), lost
        lost_after = ending.ended - killed
        assert "lost before the subscription's timeout" in str(lost)
        assert lost_after < 2.0
        time.sleep(1.0)
        private_server.start()
        with pytest.raises(ResubscribedError) as again:
            sub.next(30)
        assert "subscribed again" in str(again.value) or "made again" in str(again.value)
        second = c.submit(spec(colony, ["second"]), colony.key)
        assert sub.next(10).processid == second.processid
        after = counts(c, colony)
        assert after == {"waiting": 2, "running": 0, "successful": 0, "failed": 0}
        report(f"killed during two subscriptions (timeout 120 s): resubscribe=False ended with "
               f"{type(lost).__name__} {lost_after * 1000:.0f} ms after the kill; the other raised "
               f"{again.typename} once the server was back ({again.value}), then brought the next process; before: {show(before)}; after: {show(after)}")
        sub.close()
        once.close()
    finally:
        follower.release()
        single.release()


def test_killed_during_a_workflow(private_server, crash_colony, report):
    """A workflow of three steps run by the executor runtime; the server dies
    while the second runs and comes back: every step runs exactly once, the
    workflow ends successful."""
    c, colony = private_server.client, crash_colony
    calls, lock = [], threading.Lock()

    def step(tag, ctx={}):
        with lock:
            calls.append(ctx["process"]["processid"])
        time.sleep(1.5)
        return tag

    rt = ExecutorRuntime(c, colony.name, unique("crash-runtime"), colony_prvkey=colony.prvkey,
                         functions=[step], assign_timeout=1, backoff_max=0.5)
    rt.register()
    thread = threading.Thread(target=rt.run, daemon=True)
    thread.start()
    try:
        key, etype = rt.info["prvkey"], rt.info["executortype"]
        wf = Workflow(colony.name)
        for name, deps in (("a", []), ("b", ["a"]), ("c", ["b"])):
            wf.add(create_func_spec(func="step", args=[name], colonyid=colony.name, executortype=etype),
                   nodename=name, dependencies=deps)
        graph = c.submit(wf, key)
        ids = graph["processids"]
        b = c.find_process("b", ids, key)
        c.wait(b, 30, key, state=ProcessState.RUNNING)
        before = counts(c, colony)
        private_server.kill()
        time.sleep(1.0)
        was_down = rt.info["server_down"]
        private_server.start()
        last = c.wait(c.find_process("c", ids, key), 60, key)
        assert last.state == ProcessState.SUCCESSFUL  # its input was its parent's output: ["a"] passed on
        after = counts(c, colony)
        assert after == {"waiting": 0, "running": 0, "successful": 3, "failed": 0}
        with lock:
            ran = sorted(calls)
        assert sorted(ran) == sorted(ids) and len(set(ran)) == 3, ran
        report(f"killed during a workflow of 3 steps, while the second ran: the runtime "
               f"{'saw the server down and ' if was_down else ''}carried on; functions run: {len(ran)} for 3 "
               f"processes, each once; before the kill: {show(before)}; after: {show(after)}")
    finally:
        rt.stop()
        thread.join(30)
        assert not thread.is_alive()
