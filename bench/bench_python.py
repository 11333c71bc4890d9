"""libcolonies' Python package beside pycolonies, in the same run.

Signing (the work every request does) and get_process round trips against
the server named by the COLONIES_* environment, for:
  - colonies (this package, over the C core),
  - pycolonies with its pure-Python crypto,
  - pycolonies with native crypto from our drop-in libcryptolib.so.
Figures are medians over several timed batches.

    eval "$(scripts/colonies-server env)"
    CRYPTOLIB=build/cryptolib/libcryptolib.so PYTHONPATH=build/python \\
        build/venv-pycolonies/bin/python bench/bench_python.py
"""
import os
import statistics
import time
import uuid

import colonies
import crypto as pycolonies_crypto
import pycolonies

MSG = "eyJtc2d0eXBlIjoiZ2V0cHJvY2Vzc21zZyIsInByb2Nlc3NpZCI6IjEyMzQ1Njc4OTAxMjM0NTY3ODkwIn0="
KEY = "d6eb959e9aec2e6fdc44b5862b269e987b8a4d6f2baca542d8acaa97ee5e74f6"


def per_op_us(fn, batch, runs=7):
    """Median over runs of the time per call in a batch of calls, in µs."""
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        for _ in range(batch):
            fn()
        times.append((time.perf_counter() - t0) / batch * 1e6)
    return statistics.median(times)


def main():
    signers = {
        "colonies.Crypto (C core)": colonies.Crypto(),
        "pycolonies, pure Python": pycolonies_crypto.Crypto(native=False),
        "pycolonies, native (our cryptolib)": pycolonies_crypto.Crypto(native=True),
    }
    print("sign a %d-byte payload, median of 7 batches:" % len(MSG))
    for name, c in signers.items():
        batch = 20 if "pure" in name else 2000
        print("  %-36s %10.1f us/op" % (name, per_op_us(lambda c=c: c.sign(MSG, KEY), batch)))

    host, port = os.environ["COLONIES_SERVER_HOST"], int(os.environ["COLONIES_SERVER_PORT"])
    server_key = os.environ["COLONIES_SERVER_PRVKEY"]
    ours = colonies.Colonies(host, port)
    c = colonies.Crypto()
    colony_key, exec_key = c.prvkey(), c.prvkey()
    name = "bench-py-" + uuid.uuid4().hex[:8]
    ours.add_colony({"colonyid": c.id(colony_key), "name": name}, server_key)
    try:
        ours.add_executor({"executorid": c.id(exec_key), "executortype": "bench", "executorname": "bench",
                           "colonyname": name}, colony_key)
        ours.approve_executor(name, "bench", colony_key)
        spec = colonies.func_spec(func="echo", args=[], colonyname=name, executortype="bench")
        pid = ours.submit_func_spec(spec, exec_key).processid
        clients = {
            "colonies.Colonies (C core)": ours,
            "pycolonies, pure Python": pycolonies.Colonies(host, port, native_crypto=False),
            "pycolonies, native (our cryptolib)": pycolonies.Colonies(host, port, native_crypto=True),
        }
        print("get_process round trips against %s:%d, one thread, median of 7 batches:" % (host, port))
        for cname, client in clients.items():
            us = per_op_us(lambda client=client: client.get_process(pid, exec_key), 50)
            print("  %-36s %10.0f calls/s (%.0f us/call)" % (cname, 1e6 / us, us))
    finally:
        ours.remove_all_processes(name, colony_key)
        ours.del_colony(name, server_key)


if __name__ == "__main__":
    main()
