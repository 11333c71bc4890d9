"""An executor and a submitter written with pycolonies (from PyPI), for
tests/interop; run it with pycolonies' venv. The server and keys come from
the COLONIES_* environment.

    python pycolonies_sdk.py executor TYPE     echoes its arguments until SIGTERM
    python pycolonies_sdk.py submit TYPE ARG   submits echo(ARG), waits, prints the output
"""

import os
import signal
import sys
import time

from crypto import Crypto
from pycolonies import Colonies, func_spec

host, port = os.environ["COLONIES_SERVER_HOST"], int(os.environ["COLONIES_SERVER_PORT"])
colony = os.environ["COLONIES_COLONY_NAME"]
client = Colonies(host, port)


def executor(executortype):
    colony_key = os.environ["COLONIES_COLONY_PRVKEY"]
    crypto = Crypto()
    key = crypto.prvkey()
    name = f"{executortype}-{crypto.id(key)[:8]}"
    client.add_executor({"executorname": name, "executorid": crypto.id(key), "colonyname": colony,
                         "executortype": executortype}, colony_key)
    client.approve_executor(colony, name, colony_key)
    client.add_function(colony, name, "echo", key)
    print("executor ready:", name, flush=True)
    stopping = []
    signal.signal(signal.SIGTERM, lambda *_: stopping.append(1))
    try:
        while not stopping:
            try:
                process = client.assign(colony, 1, key)
            except Exception:  # noqa: BLE001 - nothing in time: ask again
                continue
            args = process.input or process.spec.args
            client.close(process.processid, args, key)
    finally:
        client.remove_executor(colony, name, colony_key)


def submit(executortype, arg):
    key = os.environ["COLONIES_PRVKEY"]
    process = client.submit_func_spec(func_spec("echo", [arg], colony, executortype), key)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        process = client.get_process(process.processid, key)
        if process.state == 2:
            print(process.output[0])
            return
        if process.state == 3:
            sys.exit(f"process failed: {process.errors}")
        time.sleep(0.02)
    sys.exit("the process did not finish in 60 s")


if __name__ == "__main__":
    if sys.argv[1] == "executor":
        executor(sys.argv[2])
    else:
        submit(sys.argv[2], sys.argv[3])
