"""Wait latency from Python: from sending a process's close to the return of
a waiter in another thread, p50 and p99, for colonies' wait and pycolonies'
wait (a websocket subscription, then get_process), run by run interleaved.

Run with pycolonies importable (its venv, which scripts/test makes) and this
checkout's package on the path:

    eval "$(scripts/colonies-server env)"
    PYTHONPATH=build/python build/venv-pycolonies/bin/python bench/bench_wait.py [runs]
"""

import os
import random
import statistics
import sys
import threading
import time

from colonies import Colonies, Crypto, func_spec

try:
    import pycolonies
except ImportError:
    sys.exit("pycolonies is not importable: run with build/venv-pycolonies/bin/python")


def main():
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 100
    host, port = os.environ["COLONIES_SERVER_HOST"], int(os.environ["COLONIES_SERVER_PORT"])
    server_key = os.environ["COLONIES_SERVER_PRVKEY"]
    ours, theirs = Colonies(host, port), pycolonies.Colonies(host, port)
    crypto = Crypto()
    colony_key, key = crypto.prvkey(), crypto.prvkey()
    colony = f"bench-pywait-{crypto.id(colony_key)[:8]}"
    etype = f"bench-pywait-{crypto.id(key)[:8]}"
    ours.add_colony({"colonyid": crypto.id(colony_key), "name": colony}, server_key)
    ours.add_executor({"executorid": crypto.id(key), "executortype": etype, "executorname": etype,
                       "colonyname": colony}, colony_key)
    ours.approve_executor(colony, etype, colony_key)
    waiters = {
        "colonies.wait": lambda p: ours.wait(p.processid, 30, key),
        "pycolonies wait": lambda p: theirs.wait(theirs.get_process(p.processid, key), 30, key),
    }
    latency = {name: [] for name in waiters}
    try:
        for _ in range(runs):
            for name, wait in waiters.items():
                process = ours.submit_func_spec(func_spec("bench", [], colony, etype), key)
                ours.assign(colony, 5, key)
                returned = {}

                def waiter():
                    wait(process)
                    returned["at"] = time.monotonic()
                t = threading.Thread(target=waiter)
                t.start()
                time.sleep(0.03 + random.random() * 0.07)  # subscribed by now
                sent = time.monotonic()
                ours.close(process.processid, [1], key)
                t.join(30)
                latency[name].append((returned["at"] - sent) * 1e3)
    finally:
        ours.del_colony(colony, server_key)
    print(f"wait latency from Python over {runs} runs each, interleaved "
          "(ms from sending the close to the waiter's return):")
    print(f"  {'':18} {'p50':>8} {'p99':>8} {'max':>8}")
    for name, values in latency.items():
        values.sort()
        p99 = values[min(len(values) - 1, round(0.99 * (len(values) - 1)))]
        print(f"  {name:18} {statistics.median(values):8.2f} {p99:8.2f} {values[-1]:8.2f}")


if __name__ == "__main__":
    main()
