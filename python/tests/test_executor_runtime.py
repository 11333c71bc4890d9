"""The executor runtime against the real server: functions run for
processes, workflows get their parents' outputs, shipped code runs only when
allowed, SIGTERM during a function fails it after the grace period, and the
runtime carries on across a server restart."""

import os
import signal
import subprocess
import sys
import textwrap
import threading
import time

import pytest

from colonies import (Colonies, ColoniesError, ExecutorRuntime, ProcessState, Workflow, create_func_spec,
                      func_spec)
from conftest import PACKAGE_PATH, unique


class Running:
    """An ExecutorRuntime run() in a thread, stopped at the end."""

    def __init__(self, runtime):
        self.runtime = runtime
        self.error = None
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        try:
            self.runtime.run()
        except BaseException as e:  # noqa: BLE001 - reported by stop()
            self.error = e

    def stop(self):
        self.runtime.stop()
        self.thread.join(30)
        assert not self.thread.is_alive(), "the runtime did not stop"
        assert self.error is None, self.error


def gen_nums(ctx={}):
    return 1, 2


def sum_nums(n1, n2, ctx={}):
    return n1 + n2


def reduce(*nums, ctx={}):
    return sum(nums)


def echo(*args):
    return args


def boom():
    raise RuntimeError("it broke")


def seen(ctx={}):
    return ctx["colonyname"], ctx["colonyid"], ctx["process"]["spec"]["funcname"], len(ctx["executor_prvkey"])


@pytest.fixture
def runtime(client, colony):
    """A runtime of a type of its own that registers itself with the colony owner's key."""
    rt = ExecutorRuntime(client, colony.name, unique("python_executor"), colony_prvkey=colony.prvkey,
                         functions=[gen_nums, sum_nums, reduce, echo, boom, seen], assign_timeout=2,
                         run_shipped_code=True)
    running = Running(rt.register())
    yield rt
    running.stop()


def submit(client, rt, funcname, args=()):
    info = rt.info
    spec = func_spec(func=funcname, args=list(args), colonyname=info["colonyname"],
                     executortype=info["executortype"])
    return client.submit(spec, info["prvkey"])


def wait(client, rt, process, timeout=20):
    return client.wait(process, timeout, rt.info["prvkey"])


def test_functions_run(client, runtime):
    done = wait(client, runtime, submit(client, runtime, "echo", ["hello", 2]))
    assert done.state == ProcessState.SUCCESSFUL and done.output == ["hello", 2]
    failed = wait(client, runtime, submit(client, runtime, "boom"))
    assert failed.state == ProcessState.FAILED and failed.errors == ["it broke"]
    ctx = wait(client, runtime, submit(client, runtime, "seen"))
    name = runtime.info["colonyname"]
    assert ctx.output == [name, name, "seen", 64]
    missing = wait(client, runtime, submit(client, runtime, "nowhere"))
    assert missing.state == ProcessState.FAILED and "no function nowhere" in missing.errors[0]
    assert runtime.info["registered"] is True


def test_workflow_and_map_reduce(client, runtime):
    info = runtime.info
    key, colony, etype = info["prvkey"], info["colonyname"], info["executortype"]
    wf = Workflow(colony)
    wf.add(create_func_spec(func="gen_nums", colonyid=colony, executortype=etype), nodename="gen_nums",
           dependencies=[])
    wf.add(create_func_spec(func="sum_nums", colonyid=colony, executortype=etype), nodename="sum_nums",
           dependencies=["gen_nums"])
    graph = client.submit(wf, key)
    last = client.find_process("sum_nums", graph["processids"], key)
    assert wait(client, runtime, last).output == [3]

    # The seed's MapReduce: map is shipped code that adds five gen_nums before reduce.
    def map(ctx={}):
        code = """def gen_nums(ctx={}):
                    return 1, 2"""
        processgraphid = ctx["process"]["processgraphid"]
        map_processid = ctx["process"]["processid"]
        executor_prvkey = ctx["executor_prvkey"]
        processgraph = colonies.get_processgraph(processgraphid, executor_prvkey)  # noqa: F821 - shipped
        reduce_process = colonies.find_process("reduce", processgraph["processids"], executor_prvkey)  # noqa: F821
        insert = True
        for i in range(5):
            spec = create_func_spec(func="gen_nums", args=[], colonyid=ctx["colonyid"],  # noqa: F821
                                    executortype=ctx["process"]["spec"]["conditions"]["executortype"],
                                    priority=200, maxexectime=100, maxretries=3, maxwaittime=100, code=code)
            colonies.add_child(processgraphid, map_processid, reduce_process["processid"], spec,  # noqa: F821
                               "gen_nums_" + str(i), insert, executor_prvkey)
            insert = False

    wf = Workflow(colony)
    wf.add(create_func_spec(func=map, colonyid=colony, executortype=etype), nodename="map", dependencies=[])
    wf.add(create_func_spec(func=reduce, colonyid=colony, executortype=etype), nodename="reduce",
           dependencies=["map"])
    graph = client.submit(wf, key)
    reducer = client.find_process("reduce", graph["processids"], key)
    assert wait(client, runtime, reducer, timeout=30).output == [15]


def test_shipped_code_needs_consent(client, colony):
    rt = ExecutorRuntime(client, colony.name, unique("careful"), colony_prvkey=colony.prvkey, assign_timeout=1)
    running = Running(rt.register())
    try:
        def shipped(ctx={}):
            return "ran"
        info = rt.info
        spec = func_spec(func=shipped, args=[], colonyname=colony.name, executortype=info["executortype"])
        done = client.wait(client.submit(spec, info["prvkey"]), 20, info["prvkey"])
        assert done.state == ProcessState.FAILED and "does not run shipped code" in done.errors[0]
    finally:
        running.stop()


SLOW_MODULE = textwrap.dedent("""
    import time

    def slow(ctx={}):
        time.sleep(60)
        return "never"
""")


def test_sigterm_during_a_function(client, colony, tmp_path):
    """SIGTERM: the runtime stops assigning, gives the function its grace, fails it with the reason,
    and removes the executor it registered."""
    (tmp_path / "slowmod.py").write_text(SLOW_MODULE)
    etype = unique("slow")
    env = {**os.environ, "PYTHONPATH": PACKAGE_PATH, "COLONIES_COLONY_NAME": colony.name,
           "COLONIES_EXECUTOR_TYPE": etype, "COLONIES_COLONY_PRVKEY": colony.prvkey}
    env.pop("COLONIES_PRVKEY", None)
    child = subprocess.Popen([sys.executable, "-m", "colonies.executor", "--module", str(tmp_path / "slowmod.py"),
                              "--grace", "0.5"], env=env, stderr=subprocess.PIPE, text=True)
    try:
        # A member's key to submit with: the colony's own executor, added here.
        from conftest import add_executor
        _, key, _ = add_executor(client, colony, executortype=etype + "-submitter")
        spec = func_spec(func="slow", args=[], colonyname=colony.name, executortype=etype)
        process = client.submit(spec, key)
        assert client.wait(process, 30, key, state=ProcessState.RUNNING).state == ProcessState.RUNNING
        time.sleep(0.3)
        sent = time.monotonic()
        child.send_signal(signal.SIGTERM)
        assert child.wait(20) == 0
        took = time.monotonic() - sent
        done = client.get_process(process.processid, key)
        assert done.state == ProcessState.FAILED
        assert "terminated (SIGTERM)" in done.errors[0] and "grace" in done.errors[0]
        assert 0.5 <= took < 10
        stderr = child.stderr.read()
        assert "stopped after 1 processes" in stderr or "stopped after 0 processes" in stderr, stderr
        names = [e.executorname for e in client.get_executors(colony.name, key) if e.executortype == etype]
        states = [e.state for e in client.get_executors(colony.name, key) if e.executortype == etype]
        assert names and all(s == 3 for s in states), states  # unregistered
    finally:
        child.kill()


def test_carries_on_across_a_server_restart(private_server, crypto):
    """The server stops and starts again; the runtime waits, says so, and goes on."""
    c = private_server.client
    colony_key = crypto.prvkey()
    name = unique("restart")
    c.add_colony({"colonyid": crypto.id(colony_key), "name": name}, private_server.prvkey)
    rt = ExecutorRuntime(c, name, unique("survivor"), colony_prvkey=colony_key, functions=[echo],
                         assign_timeout=1, backoff_max=0.5)
    running = Running(rt.register())
    try:
        key = rt.info["prvkey"]
        etype = rt.info["executortype"]
        spec = func_spec(func="echo", args=["before"], colonyname=name, executortype=etype)
        assert c.wait(c.submit(spec, key), 20, key).output == ["before"]
        private_server.stop()
        time.sleep(2)
        assert rt.info["server_down"] is True
        private_server.start()
        spec = func_spec(func="echo", args=["after"], colonyname=name, executortype=etype)
        deadline = time.monotonic() + 60
        while True:
            try:
                process = c.submit(spec, key)
                break
            except ColoniesError:
                assert time.monotonic() < deadline
                time.sleep(0.5)
        assert c.wait(process, 60, key).output == ["after"]
        assert rt.info["server_down"] is False
    finally:
        running.stop()
        c.del_colony(name, private_server.prvkey)


def test_maxexectime_and_cancellation(client, colony):
    """The runtime stops waiting for a function at its process's maxexectime, and when the
    process is cancelled, and goes on with the next process."""
    release = threading.Event()

    def stuck(ctx={}):
        release.wait(30)
        return "late"

    rt = ExecutorRuntime(client, colony.name, unique("stuck"), colony_prvkey=colony.prvkey,
                         functions=[stuck, echo], assign_timeout=1).register()
    running = Running(rt)
    try:
        info = rt.info
        key, etype = info["prvkey"], info["executortype"]
        # Cancelled while it runs: the runtime leaves it and takes the next one.
        first = client.submit(func_spec("stuck", [], colony.name, etype), key)
        client.wait(first, 20, key, state=ProcessState.RUNNING)
        client.cancel_process(first.processid, key)
        done = client.wait(client.submit(func_spec("echo", ["next"], colony.name, etype), key), 20, key)
        assert done.output == ["next"]
        assert client.get_process(first.processid, key).state == ProcessState.CANCELLED
        # Past its maxexectime: the runtime moves on; the server takes the process back.
        slow = client.submit(func_spec("stuck", [], colony.name, etype, maxexectime=1, maxretries=0), key)
        client.wait(slow, 20, key, state=ProcessState.RUNNING)
        started = time.monotonic()
        done = client.wait(client.submit(func_spec("echo", ["after"], colony.name, etype), key), 20, key)
        assert done.output == ["after"]
        assert 0.9 <= time.monotonic() - started < 10
    finally:
        release.set()
        running.stop()


def test_monad_both_ways(client, colony, server):
    """ColoniesMonad(host, port, colonyname, prvkey), as the seed makes it, and
    ColoniesMonad(client, colonyname, prvkey), as pycolonies does."""
    from colonies.monad import ColoniesMonad, Function

    def gen_data(ctx={}):
        return 1, 2

    def process_data(*nums, ctx={}):
        return sum(nums)

    rt = ExecutorRuntime(client, colony.name, unique("monad"), colony_prvkey=colony.prvkey, functions=[echo],
                         assign_timeout=1, run_shipped_code=True).register()
    running = Running(rt)
    try:
        info = rt.info
        steps = [Function(gen_data, colony.name, executortype=info["executortype"]),
                 Function(process_data, colonyid=colony.name, executortype=info["executortype"]),
                 Function("echo", colony.name, executortype=info["executortype"])]
        for m in (ColoniesMonad(server.host, server.port, colony.name, info["prvkey"]),
                  ColoniesMonad(client, colony.name, info["prvkey"])):
            chain = m
            for step in steps:
                chain = chain >> step
            assert m.steps == [] and len(chain.steps) == 3
            assert chain.unwrap(30) == 3
        # A failing step fails the chain.
        with pytest.raises(ColoniesError, match="the chain failed"):
            (ColoniesMonad(client, colony.name, info["prvkey"])
             >> Function("nowhere", colony.name, executortype=info["executortype"])
             >> steps[2]).unwrap(30)
    finally:
        running.stop()
