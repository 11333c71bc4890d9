"""Waiting, subscriptions and interrupting blocking calls, against the real
server: pycolonies' wait and subscribe_channel, the registry's subscription
methods, Ctrl-C and release() stopping an assign or a wait."""

import os
import signal
import socket
import subprocess
import sys
import textwrap
import threading
import time

import pytest

from colonies import (CancelledError, ChannelEntry, Colonies, ExpiredError, InDoubtError, Process,
                      ProcessState, ResubscribedError, func_spec)
from conftest import PACKAGE_PATH


def submit(client, executor, funcname="echo", args=(), executortype=None, **extra):
    spec = func_spec(func=funcname, args=list(args), colonyname=executor.colonyname,
                     executortype=executortype or executor.type, **extra)
    return client.submit_func_spec(spec, executor.prvkey)


def close_later(client, executor, processid, delay, fail=False):
    """Closes (or fails) processid after delay seconds, on a thread; returns it."""
    def run():
        time.sleep(delay)
        if fail:
            client.fail(processid, ["it broke"], executor.prvkey)
        else:
            client.close(processid, ["done", 7], executor.prvkey)
    t = threading.Thread(target=run)
    t.start()
    return t


def test_wait_returns_the_finished_process(client, executor):
    process = submit(client, executor)
    assert client.assign(executor.colonyname, 5, executor.prvkey).processid == process.processid
    t = close_later(client, executor, process.processid, 0.3)
    started = time.monotonic()
    done = client.wait(process, 10, executor.prvkey)
    t.join()
    assert isinstance(done, Process)
    assert done.state == ProcessState.SUCCESSFUL
    # The whole process as stored, output included.
    assert done.output == ["done", 7] and done["out"] == ["done", 7]
    assert time.monotonic() - started < 5


def test_wait_returns_a_failed_process_at_once(client, executor):
    process = submit(client, executor)
    client.assign(executor.colonyname, 5, executor.prvkey)
    t = close_later(client, executor, process.processid, 0.2, fail=True)
    started = time.monotonic()
    done = client.wait(process.processid, 30, executor.prvkey)
    t.join()
    assert done.state == ProcessState.FAILED and done.errors == ["it broke"]
    assert time.monotonic() - started < 5


def test_wait_for_a_state(client, executor):
    process = submit(client, executor)
    assert client.wait(process, 5, executor.prvkey, state=ProcessState.WAITING).state == ProcessState.WAITING
    threading.Timer(0.2, client.assign, (executor.colonyname, 5, executor.prvkey)).start()
    running = client.wait(process, 10, executor.prvkey, state=ProcessState.RUNNING)
    assert running.state == ProcessState.RUNNING
    client.close(process.processid, [], executor.prvkey)


def test_wait_times_out(client, executor):
    process = submit(client, executor)
    started = time.monotonic()
    with pytest.raises(ExpiredError) as e:
        client.wait(process, 1, executor.prvkey)
    assert isinstance(e.value, TimeoutError)
    assert "in state 0" in str(e.value)
    assert 0.95 <= time.monotonic() - started < 3


def test_wait_refuses_bad_arguments(client, executor):
    with pytest.raises(ValueError, match="timeout"):
        client.wait("p", 0, executor.prvkey)
    with pytest.raises(ValueError, match="state 9"):
        client.wait("p", 5, executor.prvkey, state=9)
    with pytest.raises(ValueError, match="no processid"):
        client.wait({"state": 0}, 5, executor.prvkey)


def test_subscribe_processes(client, executor):
    with client.subscribe_processes(executor.colonyname, executor.type, ProcessState.WAITING, 5,
                                    executor.prvkey) as sub:
        with pytest.raises(ExpiredError):
            sub.next(timeout=0.3)
        process = submit(client, executor)
        event = sub.next(timeout=5)
        assert isinstance(event, Process) and event.processid == process.processid
    # Closed: it says so.
    with pytest.raises(CancelledError):
        sub.next(timeout=0)


def test_subscription_ends_at_its_timeout(client, executor):
    process = submit(client, executor)
    started = time.monotonic()
    sub = client.subscribe_process(executor.colonyname, process.processid, ProcessState.SUCCESSFUL, 1,
                                   executor.prvkey, executortype=executor.type)
    assert list(sub) == []
    assert 0.9 <= time.monotonic() - started < 5
    sub.close()
    sub.close()


def channel_process(client, executor):
    process = submit(client, executor, funcname="chat", channels=["news"])
    client.assign(executor.colonyname, 5, executor.prvkey)
    return process


def append_later(client, executor, processid, n, delay=0.2):
    def run():
        time.sleep(delay)
        for i in range(1, n + 1):
            client.channel_append(processid, "news", i, f"msg {i}".encode(), executor.prvkey)
    t = threading.Thread(target=run)
    t.start()
    return t


def test_subscribe_channel_collects_until_its_timeout(client, executor):
    """pycolonies' subscribe_channel without a callback: every entry, once it has ended."""
    process = channel_process(client, executor)
    t = append_later(client, executor, process.processid, 3)
    entries = client.subscribe_channel(process.processid, "news", executor.prvkey, timeout=2)
    t.join()
    assert [e.payload for e in entries] == [b"msg 1", b"msg 2", b"msg 3"]
    assert all(isinstance(e, ChannelEntry) for e in entries)


def test_subscribe_channel_callback_stops_it(client, executor):
    process = channel_process(client, executor)
    t = append_later(client, executor, process.processid, 2)
    batches = []

    def callback(entries):
        batches.append(entries)
        return False

    started = time.monotonic()
    assert client.subscribe_channel(process.processid, "news", executor.prvkey, timeout=20,
                                    callback=callback) is None
    t.join()
    assert len(batches) == 1 and batches[0][0].payload == b"msg 1"
    assert time.monotonic() - started < 10


def test_release_cancels_a_blocked_assign(server, executor):
    """release() does not wait behind an assign: the assign ends, in doubt, at once."""
    c = Colonies(server.host, server.port)
    outcome = {}

    def blocked():
        try:
            c.assign(executor.colonyname, 60, executor.prvkey)
        except Exception as e:  # noqa: BLE001 - the outcome is what is checked
            outcome["error"] = e
        outcome["at"] = time.monotonic()

    t = threading.Thread(target=blocked)
    t.start()
    time.sleep(0.5)
    released = time.monotonic()
    c.release()
    t.join(5)
    assert isinstance(outcome.get("error"), InDoubtError) and "cancelled" in str(outcome["error"])
    assert outcome["at"] - released < 0.1


INTERRUPTED = textwrap.dedent("""
    import sys, time
    from colonies import Colonies
    host, port, colonyname, key, processid, what = sys.argv[1:]
    c = Colonies(host, int(port))
    print("ready", flush=True)
    try:
        if what == "assign":
            c.assign(colonyname, 60, key)
        else:
            c.wait(processid, 60, key)
        print("returned", flush=True)
    except KeyboardInterrupt:
        print("interrupted", flush=True)
    # The client is still good.
    c.get_colony(colonyname, key)
    print("still good", flush=True)
""")


@pytest.mark.parametrize("what", ["assign", "wait"])
def test_ctrl_c_interrupts(server, client, executor, what):
    # Of a type no executor has, so that the assign blocks and the wait waits.
    process = submit(client, executor, executortype="nobody-runs-this")
    env = {**os.environ, "PYTHONPATH": PACKAGE_PATH}
    child = subprocess.Popen([sys.executable, "-c", INTERRUPTED, server.host, str(server.port),
                              executor.colonyname, executor.prvkey, process.processid, what],
                             stdout=subprocess.PIPE, text=True, env=env)
    try:
        assert child.stdout.readline().strip() == "ready"
        time.sleep(1.0)  # well inside the blocking call
        sent = time.monotonic()
        child.send_signal(signal.SIGINT)
        line = child.stdout.readline().strip()
        took = time.monotonic() - sent
        assert line == "interrupted"
        assert child.stdout.readline().strip() == "still good"
        assert child.wait(10) == 0
    finally:
        child.kill()
    print(f"Ctrl-C ended a blocked {what} in {took * 1e3:.1f} ms")
    assert took < 0.1


class Relay:
    """Forwards TCP connections to the server, and can cut them all, as a
    dropping proxy would; new connections are still forwarded."""

    def __init__(self, host, port):
        self.target = (host, port)
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.lock = threading.Lock()
        self.conns = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                inside, _ = self.listener.accept()
            except OSError:
                return
            outside = socket.create_connection(self.target)
            with self.lock:
                self.conns += [inside, outside]
            for a, b in ((inside, outside), (outside, inside)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(a, b):
        try:
            while data := a.recv(65536):
                b.sendall(data)
        except OSError:
            pass
        for s in (a, b):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def cut(self):
        with self.lock:
            conns, self.conns = self.conns, []
        for s in conns:
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            s.close()

    def close(self):
        self.listener.close()
        self.cut()


def test_subscribe_channel_across_a_lost_connection(client, executor, server):
    """pycolonies' subscribe_channel whose connection is cut in the middle:
    the subscription is made again after the last entry it had, so the
    callback sees every entry once; Subscription.next() says
    ResubscribedError once."""
    process = channel_process(client, executor)
    relay = Relay(server.host, server.port)
    through = Colonies("127.0.0.1", relay.port, retry_backoff=0.05)
    try:
        seen = []

        def callback(entries):
            seen.extend(e.payload for e in entries)
            if len(seen) == 2:
                relay.cut()
                client.channel_append(process.processid, "news", 3, b"msg 3", executor.prvkey)
            return len(seen) < 3

        t = append_later(client, executor, process.processid, 2)
        assert through.subscribe_channel(process.processid, "news", executor.prvkey, timeout=20,
                                         callback=callback) is None
        t.join()
        assert seen == [b"msg 1", b"msg 2", b"msg 3"]

        sub = through.subscribe_process(executor.colonyname, process.processid, ProcessState.SUCCESSFUL, 20,
                                        executor.prvkey, executortype=executor.type)
        time.sleep(0.3)
        relay.cut()
        with pytest.raises(ResubscribedError):
            sub.next(10)
        client.close(process.processid, ["done"], executor.prvkey)
        assert sub.next(10).processid == process.processid
        sub.close()
    finally:
        through.release()
        relay.close()
