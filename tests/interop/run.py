"""Every SDK with every SDK, through one server: submitters x executors from
{C, Python, Go (libcolonies), pycolonies from PyPI, the upstream Go SDK}, 25
cells, each echoing an argument of its own beyond ASCII and reading it back;
then one workflow whose five nodes run on the five executors in turn.

    PYTHONPATH=build/python python3 tests/interop/run.py BUILD PYCOLONIES_PYTHON UPSTREAM_SDK GOSUBMIT

BUILD is the CMake build (its examples and tests/csubmit), PYCOLONIES_PYTHON
a python with pycolonies, UPSTREAM_SDK the built tests/upstream/sdk and
GOSUBMIT the built tests/interop/gosubmit. Needs the COLONIES_* environment
of scripts/colonies-server. Exits non-zero unless all 25 cells and the
workflow give back what was sent.
"""

import os
import pathlib
import subprocess
import sys
import time
import uuid

from colonies import Colonies, Workflow, func_spec

ROOT = pathlib.Path(__file__).resolve().parents[2]
build, pycolonies, upstream, gosubmit = (pathlib.Path(a) for a in sys.argv[1:5])
here = pathlib.Path(__file__).resolve().parent
python = sys.executable
run_id = uuid.uuid4().hex[:6]
SDKS = ["C", "Python", "Go", "pycolonies", "upstream Go"]

# Each SDK's executor, as a command taking its type from EXECUTOR_TYPE or its arguments.
EXECUTORS = {
    "C": lambda t: [str(build / "examples" / "c" / "executor")],
    "Python": lambda t: [python, str(ROOT / "examples" / "python" / "executor.py")],
    "Go": lambda t: [str(build / "examples" / "go" / "executor")],
    "pycolonies": lambda t: [str(pycolonies), str(here / "pycolonies_sdk.py"), "executor", t],
    "upstream Go": lambda t: [str(upstream), "executor", t],
}


def submit_ours_python(executortype, arg):
    c = Colonies.from_env()
    key = os.environ["COLONIES_PRVKEY"]
    process = c.submit(func_spec("echo", [arg], os.environ["COLONIES_COLONY_NAME"], executortype), key)
    return c.wait(process, 60, key).output[0]


def submit_command(command):
    def run(executortype, arg):
        out = subprocess.run(command + [executortype, arg], capture_output=True, text=True, timeout=120)
        if out.returncode != 0:
            raise RuntimeError(out.stderr.strip())
        return out.stdout.rstrip("\n")
    return run


SUBMITTERS = {
    "C": submit_command([str(build / "tests" / "csubmit")]),
    "Python": submit_ours_python,
    "Go": submit_command([str(gosubmit)]),
    "pycolonies": submit_command([str(pycolonies), str(here / "pycolonies_sdk.py"), "submit"]),
    "upstream Go": submit_command([str(upstream), "submit"]),
}


def executor_type(sdk):
    return f"interop-{sdk.replace(' ', '-').lower()}-{run_id}"


def start_executors():
    procs = {}
    for sdk in SDKS:
        t = executor_type(sdk)
        env = dict(os.environ, EXECUTOR_TYPE=t)
        # pycolonies runs with its own packages, not ours.
        if sdk == "pycolonies":
            env.pop("PYTHONPATH", None)
        log = open(build / f"interop-{executor_type(sdk)}.log", "w+")
        procs[sdk] = (subprocess.Popen(EXECUTORS[sdk](t), env=env, stdout=log, stderr=subprocess.STDOUT), log)
    deadline = time.monotonic() + 60
    for sdk, (proc, log) in procs.items():
        while True:
            log.seek(0)
            if "executor ready" in log.read():
                break
            if proc.poll() is not None or time.monotonic() > deadline:
                log.seek(0)
                sys.exit(f"the {sdk} executor did not start:\n{log.read()}")
            time.sleep(0.05)
    return procs


def main():
    procs = start_executors()
    failures = 0
    try:
        width = max(len(s) for s in SDKS) + 2
        print("submitter \\ executor".ljust(22) + "".join(s.ljust(width) for s in SDKS))
        passed = 0
        for sub in SDKS:
            row = sub.ljust(22)
            for ex in SDKS:
                arg = f"{sub}→{ex}: héllo wörld ✓ 漢字"
                try:
                    got = SUBMITTERS[sub](executor_type(ex), arg)
                    ok = got == arg
                except Exception as e:  # noqa: BLE001 - reported in the cell
                    got, ok = str(e), False
                if ok:
                    passed += 1
                else:
                    failures += 1
                    print(f"  {sub} -> {ex}: sent {arg!r}, got {got!r}", file=sys.stderr)
                row += ("ok" if ok else "FAIL").ljust(width)
            print(row, flush=True)
        print(f"{passed} of {len(SDKS) ** 2} cells give back what was sent")

        # One workflow across all five: each node echoes its parent's output.
        c = Colonies.from_env()
        key, colony = os.environ["COLONIES_PRVKEY"], os.environ["COLONIES_COLONY_NAME"]
        wf = Workflow(colony)
        previous = None
        sent = "across five SDKs: ñ ✓ 漢字"
        for sdk in SDKS:
            node = executor_type(sdk)
            wf.add(func_spec("echo", [sent] if previous is None else [], colony, executor_type(sdk)), nodename=node,
                   dependencies=[previous] if previous else [])
            previous = node
        graph = c.submit(wf, key)
        last = c.find_process(previous, graph.processids, key)
        result = c.wait(last, 120, key)
        ran_on = [c.find_process(executor_type(s), graph.processids, key).assignedexecutorid[:8] for s in SDKS]
        print(f"workflow across {' -> '.join(SDKS)} (executors {', '.join(ran_on)}): {result.output}")
        if result.output != [sent]:
            failures += 1
            print(f"  the workflow gave {result.output!r}, not [{sent!r}]", file=sys.stderr)
    finally:
        for sdk, (proc, log) in procs.items():
            proc.terminate()
        for sdk, (proc, log) in procs.items():
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                proc.kill()
            log.close()
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
