"""colonies.aio against the real server: many calls in flight from one
event loop without a thread each, subscriptions as async iterators,
cancellation reaching the core, and the client's own composite calls."""

import asyncio
import time

import pytest

from colonies import Colonies, ExpiredError, Process, func_spec
from colonies.aio import AsyncColonies


def os_threads():
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("Threads:"))


def submit(client, colony, executor, n):
    spec = func_spec(func="echo", args=["x"], colonyname=colony.name, executortype=executor.type)
    return [client.submit_func_spec(spec, executor.prvkey).processid for _ in range(n)]


def test_many_calls_in_flight(server, client, colony, executor):
    ids = submit(client, colony, executor, 20)

    async def main():
        async with AsyncColonies(server.host, server.port) as c:
            before = os_threads()
            # 200 calls at once: ten reads of each process.
            got = await asyncio.gather(*(c.get_process(pid, executor.prvkey) for pid in ids * 10))
            during = os_threads()
            return got, before, during

    got, before, during = asyncio.run(main())
    assert [p.processid for p in got] == ids * 10
    assert all(isinstance(p, Process) for p in got)
    # The client's one loop thread (started on first use), and no thread per call.
    assert during <= before + 2, (before, during)


def test_subscription_and_wait(server, client, colony, executor):
    pid, = submit(client, colony, executor, 1)

    async def main():
        async with AsyncColonies(server.host, server.port) as c:
            sub = await c.subscribe_process(colony.name, pid, c.RUNNING, 10, executor.prvkey)
            waiter = asyncio.ensure_future(c.wait(pid, 10, executor.prvkey))
            assigned = await c.assign(colony.name, 5, executor.prvkey)
            assert assigned.processid == pid
            async with sub:
                event = await sub.next(5)
            await c.close(pid, ["done"], executor.prvkey)
            finished = await waiter
            return event, finished

    event, finished = asyncio.run(main())
    assert event.processid == pid and event.state == Colonies.RUNNING
    assert finished.processid == pid and finished.state == 2 and finished.output == ["done"]


def test_cancelling_a_task_cancels_the_call(server, client, colony, executor):
    async def main():
        async with AsyncColonies(server.host, server.port) as c:
            t0 = time.monotonic()
            with pytest.raises(asyncio.TimeoutError):
                # The server would hold this assign for 20 s.
                await asyncio.wait_for(c.assign(colony.name, 20, executor.prvkey), 0.3)
            stopped = time.monotonic() - t0
            # The client is fine afterwards, and nothing was assigned.
            with pytest.raises(ExpiredError):
                await c.assign(colony.name, 1, executor.prvkey)
            return stopped

    assert asyncio.run(main()) < 2


def test_files(server, client, colony, executor, tmp_path):
    src = tmp_path / "a.txt"
    src.write_text("async ✓", encoding="utf-8")

    async def main():
        async with AsyncColonies(server.host, server.port) as c:
            f = await c.upload_file(colony.name, executor.prvkey, filepath=str(src), label="/aio")
            path = await c.download_file(colony.name, executor.prvkey, dst=str(tmp_path / "d"), label="/aio",
                                         filename="a.txt")
            data = await c.download_data(colony.name, executor.prvkey, fileid=f.fileid)
            return path, data

    path, data = asyncio.run(main())
    assert open(path, encoding="utf-8").read() == "async ✓"
    assert data == "async ✓".encode()


def test_same_methods_as_colonies():
    """Every public method of Colonies is on AsyncColonies, with the same parameters."""
    import inspect
    for name, fn in inspect.getmembers(Colonies, inspect.isfunction):
        if name.startswith("_") or name in ("release",):
            continue
        ours = getattr(AsyncColonies, name, None)
        assert ours is not None, name
        assert inspect.iscoroutinefunction(ours) or name == "subscribe", name
        assert list(inspect.signature(ours).parameters) == list(inspect.signature(fn).parameters), name
