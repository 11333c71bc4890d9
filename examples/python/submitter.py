#!/usr/bin/env python3
"""Submits `echo helloworld` to the echo executor, waits until it has run,
and prints its output. Exits non-zero when it failed or took too long.

A submitter must be a member of the colony: this one registers itself with
the colony's key (as a development setup allows) and removes itself at the
end. It needs the environment scripts/colonies-server exports (the server's
address, the colony's name and its owner's key), read by colonies_client().

    python3 submitter.py --timeout 30
"""

import argparse
import os
import sys
import time

from colonies import Colonies, Crypto, colonies_client, func_spec


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--timeout", type=float, default=float(os.getenv("ECHO_TIMEOUT", "60")),
                        help="seconds to wait for the result")
    parser.add_argument("--executortype", default=os.getenv("ECHO_EXECUTOR_TYPE",
                                                            "echo_executor"))
    args = parser.parse_args()

    # The server's address and the colony come from the COLONIES_* environment.
    client, colonyname, colony_prvkey, _, _ = colonies_client()

    crypto = Crypto()
    prvkey = crypto.prvkey()
    name = f"submitter-{crypto.id(prvkey)[:12]}"
    client.add_executor({"executorname": name, "executorid": crypto.id(prvkey),
                         "colonyname": colonyname, "executortype": "submitter"}, colony_prvkey)
    client.approve_executor(colonyname, name, colony_prvkey)
    try:
        spec = func_spec("echo", ["helloworld"], colonyname, args.executortype)
        process = client.submit_func_spec(spec, prvkey)
        return wait(client, process.processid, prvkey, args.timeout)
    finally:
        client.remove_executor(colonyname, name, colony_prvkey)


def wait(client, processid, prvkey, timeout):
    """Polls the process until it ends; prints its output. 0 on success."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        process = client.get_process(processid, prvkey)
        if process.state == Colonies.SUCCESSFUL:
            print(" ".join(str(v) for v in process.output or []))
            return 0
        if process.state in (Colonies.FAILED, Colonies.CANCELLED):
            print(f"process {processid} failed: {process.errors}", file=sys.stderr)
            return 1
        time.sleep(0.2)
    print(f"process {processid} did not finish in {timeout:g} s", file=sys.stderr)
    # Nobody ran it: take it off the queue rather than leave it waiting.
    client.remove_process(processid, prvkey)
    return 1


if __name__ == "__main__":
    sys.exit(main())
