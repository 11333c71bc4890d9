"""One Python client's side of bench/compare: measures one thing and prints
it as one JSON line. The same commands as the C and Go workers:

    worker.py SDK sign N              µs per signature and per recovery
    worker.py SDK rpc IDS             get_process of each id, one after another
    worker.py SDK inflight K IDS      the same with K calls in flight on one client
    worker.py SDK wait N              close -> a waiter's return, p50 and p99 in ms
    worker.py SDK cycles E N          N submit -> assign -> close cycles, E executors
    worker.py pycolonies executor     pycolonies' echo executor, blocked in assign

SDK is "ours" (the colonies package), "pycolonies" (its pure-Python crypto)
or "pycolonies-native" (its native crypto, loading $CRYPTOLIB). IDS is a
file of process ids, one per line, each read once, so that no two requests
are alike. CPU is the whole process's (every thread's), from getrusage,
around the measured calls only. The server and key come from COLONIES_*.
"""
import json
import os
import resource
import sys
import time

MSG = "eyJtc2d0eXBlIjoiZ2V0cHJvY2Vzc21zZyIsInByb2Nlc3NpZCI6IjEyMzQ1Njc4OTAxMjM0NTY3ODkwIn0="


def cpu_s():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def client(sdk):
    host, port = os.environ["COLONIES_SERVER_HOST"], int(os.environ["COLONIES_SERVER_PORT"])
    if sdk == "ours":
        from colonies import Colonies
        return Colonies(host, port)
    from pycolonies import Colonies
    return Colonies(host, port, native_crypto=(sdk == "pycolonies-native"))


def sign(sdk, n):
    key = os.environ["COLONIES_PRVKEY"]
    if sdk == "ours":
        from colonies import Crypto
        c = Crypto()
        recover = c.recoverid
    else:
        from crypto import Crypto
        c = Crypto(native=(sdk == "pycolonies-native"))
        recover = None  # pycolonies' Crypto has no recovery
    # Messages that differ, so that nothing can be cached.
    msgs = [f"{MSG}{i}" for i in range(n)]
    for m in msgs[:20]:  # warm up, untimed
        c.sign(m + "w", key)
    t0 = time.perf_counter()
    sigs = [c.sign(m, key) for m in msgs]
    sign_us = (time.perf_counter() - t0) / n * 1e6
    rec_us = None
    if recover:
        t0 = time.perf_counter()
        for m, s in zip(msgs, sigs):
            recover(m, s)
        rec_us = (time.perf_counter() - t0) / n * 1e6
    return {"sign_us": sign_us, "recover_us": rec_us}


def rpc(sdk, ids):
    key = os.environ["COLONIES_PRVKEY"]
    c = client(sdk)
    c.get_process(ids[0], key)  # the connection, before the clock
    ids = ids[1:]
    c0, t0 = cpu_s(), time.perf_counter()
    for pid in ids:
        c.get_process(pid, key)
    wall, cpu = time.perf_counter() - t0, cpu_s() - c0
    return {"calls": len(ids), "cpu_us_per_call": cpu / len(ids) * 1e6, "calls_per_s": len(ids) / wall}


def inflight(sdk, k, ids):
    key = os.environ["COLONIES_PRVKEY"]
    if sdk == "ours":
        import asyncio
        from colonies.aio import AsyncColonies

        async def run():
            async with AsyncColonies(os.environ["COLONIES_SERVER_HOST"], int(os.environ["COLONIES_SERVER_PORT"])) as c:
                await c.get_process(ids[0], key)
                todo = iter(ids[1:])

                async def lane():
                    for pid in todo:
                        await c.get_process(pid, key)
                c0, t0 = cpu_s(), time.perf_counter()
                await asyncio.gather(*(lane() for _ in range(k)))
                return time.perf_counter() - t0, cpu_s() - c0
        wall, cpu = asyncio.run(run())
    else:
        # pycolonies has no asynchronous calls: K threads share one client.
        import threading
        c = client(sdk)
        c.get_process(ids[0], key)
        todo = iter(ids[1:])
        lock = threading.Lock()

        def lane():
            while True:
                with lock:
                    pid = next(todo, None)
                if pid is None:
                    return
                c.get_process(pid, key)
        threads = [threading.Thread(target=lane) for _ in range(k)]
        c0, t0 = cpu_s(), time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        wall, cpu = time.perf_counter() - t0, cpu_s() - c0
    n = len(ids) - 1
    return {"calls": n, "cpu_us_per_call": cpu / n * 1e6, "calls_per_s": n / wall}


def percentiles(ms):
    ms = sorted(ms)
    return {"p50_ms": ms[len(ms) // 2], "p99_ms": ms[min(len(ms) - 1, int(len(ms) * 0.99))]}


def wait_latency(sdk, n):
    """n times: a waiter waits for a process, which is then assigned and
    closed; the time from sending the close to the waiter's return, in ms.
    The executor (its key and type) is the driver's, from BENCH_EXECUTOR_*."""
    import threading
    key, etype = os.environ["BENCH_EXECUTOR_KEY"], os.environ["BENCH_EXECUTOR_TYPE"]
    colony = os.environ["COLONIES_COLONY_NAME"]
    if sdk == "ours":
        from colonies import func_spec
    else:
        from pycolonies import func_spec
    c = client(sdk)
    ms = []
    for i in range(n):
        process = c.submit_func_spec(func_spec(func="echo", args=[i], colonyname=colony, executortype=etype), key)
        returned = {}

        def waiter():
            c.wait(process, 10, key)
            returned["t"] = time.perf_counter()
        t = threading.Thread(target=waiter)
        t.start()
        time.sleep(0.05)  # the waiter is waiting by now
        assigned = c.assign(colony, 5, key)
        sent = time.perf_counter()
        c.close(assigned.processid, [i], key)
        t.join(15)
        if "t" not in returned:
            sys.exit("worker.py: a wait did not return")
        ms.append((returned["t"] - sent) * 1000)
    return percentiles(ms)


def cycles(sdk, executors, n):
    """n processes submitted one after another on one thread, while
    `executors` threads assign and close them, all on one client; from the
    first submit to the last close. The executor is the driver's (BENCH_EXECUTOR_*)."""
    import threading
    key, etype = os.environ["BENCH_EXECUTOR_KEY"], os.environ["BENCH_EXECUTOR_TYPE"]
    colony = os.environ["COLONIES_COLONY_NAME"]
    if sdk == "ours":
        from colonies import func_spec
    else:
        from pycolonies import func_spec
    c = client(sdk)
    c.get_colony(colony, key)  # the connection, before the clock
    lock, state = threading.Lock(), {"closed": 0}

    def executor():
        while True:
            with lock:
                if state["closed"] >= n:
                    return
            try:
                process = c.assign(colony, 1, key)
            except Exception:  # noqa: BLE001 - nothing to assign within the second: look again
                continue
            c.close(process.processid, process.spec.args, key)
            with lock:
                state["closed"] += 1
                if state["closed"] == n:
                    state["wall"], state["cpu"] = time.perf_counter() - t0, cpu_s() - c0
    threads = [threading.Thread(target=executor) for _ in range(executors)]
    c0, t0 = cpu_s(), time.perf_counter()
    for t in threads:
        t.start()
    for i in range(n):
        c.submit_func_spec(func_spec(func="echo", args=[i], colonyname=colony, executortype=etype), key)
    for t in threads:
        t.join()
    return {"cycles": n, "cycles_per_s": n / state["wall"], "cpu_us_per_cycle": state["cpu"] / n * 1e6}


def pycolonies_executor():
    """pycolonies' echo executor, as its README writes one: registered with
    the colony owner's key, then assigning in a loop until SIGTERM."""
    import signal
    from crypto import Crypto
    from pycolonies import Colonies
    c = client("pycolonies")
    colony, colony_key = os.environ["COLONIES_COLONY_NAME"], os.environ["COLONIES_COLONY_PRVKEY"]
    crypto = Crypto()
    key = crypto.prvkey()
    name = "bench-pycolonies-" + crypto.id(key)[:8]
    c.add_executor({"executorname": name, "executorid": crypto.id(key), "colonyname": colony,
                    "executortype": "bench-echo"}, colony_key)
    c.approve_executor(colony, name, colony_key)
    c.add_function(colony, name, "echo", key)

    def stop(*_):
        c.remove_executor(colony, name, colony_key)
        sys.exit(0)
    signal.signal(signal.SIGTERM, stop)
    print("executor ready", flush=True)
    while True:
        try:
            process = c.assign(colony, 10, key)
            c.close(process.processid, process.spec.args, key)
        except Exception:
            pass


def main():
    sdk, what = sys.argv[1], sys.argv[2]
    if what == "executor":
        return pycolonies_executor()
    if what == "sign":
        out = sign(sdk, int(sys.argv[3]))
    elif what == "rpc":
        out = rpc(sdk, open(sys.argv[3]).read().split())
    elif what == "wait":
        out = wait_latency(sdk, int(sys.argv[3]))
    elif what == "cycles":
        out = cycles(sdk, int(sys.argv[3]), int(sys.argv[4]))
    elif what == "inflight":
        out = inflight(sdk, int(sys.argv[3]), open(sys.argv[4]).read().split())
    else:
        sys.exit(f"worker.py: unknown measure {what}")
    print(json.dumps(out))


if __name__ == "__main__":
    main()
