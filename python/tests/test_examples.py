"""The Python examples, run as a user would run them, against the server:
the executor in the background, the seed's examples against it."""

import os
import signal
import subprocess
import sys
import time
import uuid

from conftest import PACKAGE_PATH, ROOT

EXAMPLES = ROOT / "examples" / "python"

SEED_SAYS = ["echo       helloworld", "fail       failed: fail always fails", "workflow   3", "mapreduce  15",
             "monad      3", "wait       successful"]


def run_env(executortype):
    env = dict(os.environ, EXECUTOR_TYPE=executortype)
    python = PACKAGE_PATH
    env["PYTHONPATH"] = os.pathsep.join(p for p in (python, env.get("PYTHONPATH")) if p)
    return env


def start_executor(executortype):
    executor = subprocess.Popen([sys.executable, str(EXAMPLES / "executor.py")], env=run_env(executortype),
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    line = executor.stdout.readline()
    assert line.startswith("executor ready"), line + executor.stderr.read()
    return executor


def test_seed_examples(server):
    for var in ("COLONIES_COLONY_NAME", "COLONIES_COLONY_PRVKEY", "COLONIES_PRVKEY"):
        assert os.environ.get(var), f"{var} not set"
    # A type of this run's own, so that no other executor in the colony takes its work.
    executortype = f"py-seed-{uuid.uuid4().hex[:12]}"
    executor = start_executor(executortype)
    try:
        seed = subprocess.run([sys.executable, str(EXAMPLES / "seed.py")], env=run_env(executortype),
                              capture_output=True, text=True, timeout=240)
        executor.send_signal(signal.SIGTERM)
        assert executor.wait(30) == 0, executor.stderr.read()
    finally:
        if executor.poll() is None:
            executor.kill()
            executor.wait()
    assert seed.returncode == 0, seed.stdout + seed.stderr
    assert seed.stdout.splitlines() == SEED_SAYS


def test_seed_fails_when_nobody_runs_it(server):
    """With no executor of its type, the seed's first wait expires and it says so."""
    env = dict(run_env(f"nobody-{uuid.uuid4().hex[:12]}"), WAIT_TIMEOUT="1")
    started = time.monotonic()
    seed = subprocess.run([sys.executable, str(EXAMPLES / "seed.py")], env=env, capture_output=True, text=True,
                          timeout=60)
    assert seed.returncode != 0
    assert "ExpiredError" in seed.stderr and "did not finish in its time" in seed.stderr
    assert time.monotonic() - started < 30
