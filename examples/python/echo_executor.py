#!/usr/bin/env python3
"""An executor that offers the function `echo` and closes each process with
its arguments as output.

It registers itself in the colony with the colony's key (as a development
setup allows), so it needs only the environment scripts/colonies-server
exports (the server's address, the colony's name and its owner's key), read
by colonies_client(). It stops after handling --count processes or after
--timeout seconds (env ECHO_COUNT, ECHO_TIMEOUT), and removes itself from
the colony on the way out.

    python3 echo_executor.py --count 1 --timeout 60
"""

import argparse
import os
import sys
import time

from colonies import Crypto, ExpiredError, colonies_client


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=int(os.getenv("ECHO_COUNT", "1")),
                        help="processes to handle before exiting")
    parser.add_argument("--timeout", type=float, default=float(os.getenv("ECHO_TIMEOUT", "60")),
                        help="seconds to run at most")
    parser.add_argument("--executortype", default=os.getenv("ECHO_EXECUTOR_TYPE",
                                                            "echo_executor"))
    args = parser.parse_args()

    # The server's address and the colony come from the COLONIES_* environment.
    client, colonyname, colony_prvkey, _, _ = colonies_client()

    crypto = Crypto()
    prvkey = crypto.prvkey()
    executorid = crypto.id(prvkey)
    # A fresh name each run: the server keeps removed executors' names.
    executorname = f"echo-{executorid[:12]}"
    client.add_executor({"executorname": executorname, "executorid": executorid,
                         "colonyname": colonyname, "executortype": args.executortype},
                        colony_prvkey)
    client.approve_executor(colonyname, executorname, colony_prvkey)
    try:
        client.add_function(colonyname, executorname, "echo", prvkey)
        print(f"{executorname} ready in colony {colonyname}", flush=True)
        return serve(client, colonyname, prvkey, args.count, args.timeout)
    finally:
        client.remove_executor(colonyname, executorname, colony_prvkey)


def serve(client, colonyname, prvkey, count, timeout):
    """Handles up to count processes within timeout seconds; 0 if all came."""
    deadline = time.monotonic() + timeout
    handled = 0
    while handled < count:
        left = deadline - time.monotonic()
        if left < 1:
            print(f"timed out after handling {handled} of {count}", file=sys.stderr)
            return 1
        try:
            # Short waits, so the deadline is kept even when nothing comes.
            process = client.assign(colonyname, min(int(left), 10), prvkey)
        except ExpiredError:
            continue  # nothing came in this wait
        if process.spec.funcname == "echo":
            client.close(process.processid, process.spec.args, prvkey)
        else:
            client.fail(process.processid, [f"unknown function {process.spec.funcname}"], prvkey)
        handled += 1
        print(f"handled {process.processid}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
