"""A blocking call releases the interpreter lock; one client serves many threads."""

import threading
import time

from colonies import Colonies, func_spec


def test_other_threads_run_during_a_blocking_assign(client, executor):
    result = {}

    def assign():
        start = time.monotonic()
        try:
            result["process"] = client.assign(executor.colonyname, 20, executor.prvkey)
        except Exception as e:  # reported by the main thread
            result["error"] = e
        result["seconds"] = time.monotonic() - start

    waiter = threading.Thread(target=assign)
    waiter.start()
    # While the waiter blocks in assign, this thread keeps calling the same
    # client; with the lock held by the waiter none of these could run.
    calls = 0
    deadline = time.monotonic() + 1.5
    while time.monotonic() < deadline:
        client.version()
        client.list_processes(executor.colonyname, 10, Colonies.RUNNING, executor.prvkey)
        calls += 2
    assert waiter.is_alive(), result
    assert calls >= 20, f"only {calls} calls completed while assign was blocked"

    spec = func_spec("echo", ["wake"], executor.colonyname, executor.type)
    submitted = client.submit_func_spec(spec, executor.prvkey)
    waiter.join(20)
    assert not waiter.is_alive()
    assert "error" not in result, result["error"]
    assert result["process"].processid == submitted.processid
    assert result["seconds"] >= 1.5


def test_concurrent_calls_on_one_client(client, executor):
    errors = []

    def work():
        try:
            for _ in range(10):
                spec = func_spec("echo", ["x"], executor.colonyname, executor.type)
                p = client.submit_func_spec(spec, executor.prvkey)
                assert client.get_process(p.processid, executor.prvkey).state == 0
        except Exception as e:
            errors.append(e)

    threads = [threading.Thread(target=work) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors, errors
    waiting = client.list_processes(executor.colonyname, 100, Colonies.WAITING, executor.prvkey)
    assert len(waiting) == 80


def test_a_client_made_before_a_fork_works_in_the_child(client, executor):
    """multiprocessing with fork: the child's calls go on connections of its
    own, and the parent's client goes on working."""
    import multiprocessing
    client.get_colony(executor.colonyname, executor.prvkey)  # the parent holds a connection
    ctx = multiprocessing.get_context("fork")
    results = ctx.Queue()

    def child():
        try:
            results.put(client.get_colony(executor.colonyname, executor.prvkey).name)
        except Exception as e:  # noqa: BLE001 - the parent reports it
            results.put(repr(e))

    for _ in range(2):
        p = ctx.Process(target=child)
        p.start()
        p.join(30)
        assert p.exitcode == 0
        assert results.get(timeout=5) == executor.colonyname
        assert client.get_colony(executor.colonyname, executor.prvkey).name == executor.colonyname
