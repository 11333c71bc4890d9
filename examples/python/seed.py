#!/usr/bin/env python3
"""The seed's examples, as its README writes them, against the executor of
type EXECUTOR_TYPE (examples/python/executor.py): echo, a failing function,
the workflow sum_nums(gen_nums()) = 3, the MapReduce whose map adds five
gen_nums = 15, the monad chain = 3, and waiting on a process. Prints each
result; exits non-zero when one is not what the seed says.

    eval "$(scripts/colonies-server env)"; python3 examples/python/seed.py
"""

import os
import sys

from colonies import ProcessState, Workflow, colonies_client, create_func_spec
from colonies.monad import ColoniesMonad, Function

colonies, colonyid, _, _, executor_prvkey = colonies_client()
executortype = os.getenv("EXECUTOR_TYPE", "python_executor")
timeout = float(os.getenv("WAIT_TIMEOUT", "60"))  # seconds each wait may take
failures = 0


def expect(what, got, want):
    global failures
    ok = got == want
    failures += not ok
    print(f"{what:10} {got}{'' if ok else '   <- the seed says ' + str(want)}", flush=True)


# Calling a function.
func_spec = create_func_spec(func="echo", args=["helloworld"], colonyid=colonyid, executortype=executortype,
                             priority=0, maxexectime=10, maxretries=3, maxwaittime=100)
process = colonies.submit(func_spec, executor_prvkey)
process = colonies.wait(process, timeout, executor_prvkey)
expect("echo", process["out"][0], "helloworld")

# A failing function: the wait ends at once, with the process failed.
process = colonies.submit(create_func_spec(func="fail", args=[], colonyid=colonyid, executortype=executortype),
                          executor_prvkey)
process = colonies.wait(process, timeout, executor_prvkey)
expect("fail", f"failed: {process['errors'][0]}", "failed: fail always fails")


# A workflow: sum_nums(gen_nums()).
def gen_nums(ctx={}):
    return 1, 2


def sum_nums(n1, n2, ctx={}):
    return n1 + n2


wf = Workflow(colonyid)
func_spec = create_func_spec(func=gen_nums, args=[], colonyid=colonyid, executortype=executortype)
wf.add(func_spec, nodename="gen_nums", dependencies=[])
func_spec = create_func_spec(func=sum_nums, args=[], colonyid=colonyid, executortype=executortype)
wf.add(func_spec, nodename="sum_nums", dependencies=["gen_nums"])
processgraph = colonies.submit(wf, executor_prvkey)
last = colonies.find_process("sum_nums", processgraph["processids"], executor_prvkey)
expect("workflow", colonies.wait(last, timeout, executor_prvkey)["out"][0], 3)


# A dynamic process graph: map adds five gen_nums before reduce.
def map(ctx={}):
    code = """def gen_nums(ctx={}):
                return 1, 2"""

    processgraphid = ctx["process"]["processgraphid"]
    map_processid = ctx["process"]["processid"]
    executor_prvkey = ctx["executor_prvkey"]

    processgraph = colonies.get_processgraph(processgraphid, executor_prvkey)
    reduce_process = colonies.find_process("reduce", processgraph["processids"], executor_prvkey)
    reduce_processid = reduce_process["processid"]

    insert = True
    for i in range(5):
        func_spec = create_func_spec(func="gen_nums",
                                     args=[],
                                     colonyid=ctx["colonyid"],
                                     executortype=ctx["process"]["spec"]["conditions"]["executortype"],
                                     priority=200,
                                     maxexectime=100,
                                     maxretries=3,
                                     maxwaittime=100,
                                     code=code)
        colonies.add_child(processgraphid, map_processid, reduce_processid, func_spec, "gen_nums_" + str(i),
                           insert, executor_prvkey)
        insert = False


def reduce(*nums, ctx={}):
    total = 0
    for n in nums:
        total += n
    return total


wf = Workflow(colonyid)
func_spec = create_func_spec(func=map, args=[], colonyid=colonyid, executortype=executortype)
wf.add(func_spec, nodename="map", dependencies=[])
func_spec = create_func_spec(func=reduce, args=[], colonyid=colonyid, executortype=executortype)
wf.add(func_spec, nodename="reduce", dependencies=["map"])
processgraph = colonies.submit(wf, executor_prvkey)
last = colonies.find_process("reduce", processgraph["processids"], executor_prvkey)
expect("mapreduce", colonies.wait(last, timeout, executor_prvkey)["out"][0], 15)


# A monadic workflow.
def gen_data(ctx={}):
    return 1, 2


def process_data(*nums, ctx={}):
    total = 0
    for n in nums:
        total += n
    return total


gen_data = Function(gen_data, colonyid, executortype=executortype)
process_data = Function(process_data, colonyid, executortype=executortype)
echo = Function("echo", colonyid, executortype=executortype)
m = ColoniesMonad(colonies, colonyid, executor_prvkey)
expect("monad", (m >> gen_data >> process_data >> echo).unwrap(timeout), 3)

# Waiting on a process.
process = colonies.submit(create_func_spec(func="echo", args=["waited"], colonyid=colonyid,
                                           executortype=executortype), executor_prvkey)
expect("wait", ProcessState(colonies.wait(process, timeout, executor_prvkey)["state"]).name.lower(), "successful")

sys.exit(1 if failures else 0)
