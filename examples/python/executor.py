#!/usr/bin/env python3
"""An executor for the seed's examples, on the runtime in colonies.executor.

It registers itself in the colony with the colony owner's key, offers
``echo`` and ``fail``, runs the Python functions the seed ships inside its
function specs (gen_nums, sum_nums, map, reduce, gen_data, process_data),
and on Ctrl-C or SIGTERM stops and removes itself. Its type is
EXECUTOR_TYPE (default python_executor).

    eval "$(scripts/colonies-server env)"; python3 examples/python/executor.py
"""

import logging
import os

from colonies import ExecutorRuntime, colonies_client


def echo(*args, ctx={}):
    return args


def fail(ctx={}):
    raise RuntimeError("fail always fails")


def main():
    logging.basicConfig(level=logging.INFO, format="executor: %(message)s")
    client, colonyname, colony_prvkey, _, _ = colonies_client()
    runtime = ExecutorRuntime(client, colonyname, os.getenv("EXECUTOR_TYPE", "python_executor"),
                              colony_prvkey=colony_prvkey, functions=[echo, fail],
                              run_shipped_code=True).register()
    info = runtime.info
    print(f"executor ready: {info['executorname']} (type {info['executortype']}) in colony {colonyname}",
          flush=True)
    runtime.run()


if __name__ == "__main__":
    main()
