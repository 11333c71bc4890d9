"""The Python examples, run as a user would run them, against the server."""

import os
import pathlib
import subprocess
import sys
import uuid

ROOT = pathlib.Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples" / "python"


def run_env():
    env = dict(os.environ)
    python = str(ROOT / "python")
    env["PYTHONPATH"] = os.pathsep.join(p for p in (python, env.get("PYTHONPATH")) if p)
    return env


def test_echo_executor_and_submitter(server):
    for var in ("COLONIES_COLONY_NAME", "COLONIES_COLONY_PRVKEY"):
        assert os.environ.get(var), f"{var} not set"
    # A type of this run's own, so no other process in the colony interferes.
    executortype = f"echo-{uuid.uuid4().hex[:12]}"
    executor = subprocess.Popen(
        [sys.executable, str(EXAMPLES / "echo_executor.py"), "--count", "1", "--timeout", "30",
         "--executortype", executortype],
        env=run_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        submitter = subprocess.run(
            [sys.executable, str(EXAMPLES / "submitter.py"), "--timeout", "30",
             "--executortype", executortype],
            env=run_env(), capture_output=True, text=True, timeout=60)
        out, err = executor.communicate(timeout=40)
    finally:
        if executor.poll() is None:
            executor.kill()
            executor.wait()
    assert submitter.returncode == 0, submitter.stderr
    assert submitter.stdout.strip() == "helloworld"
    assert executor.returncode == 0, err
    assert "handled" in out


def test_submitter_fails_when_nobody_runs_it(server):
    submitter = subprocess.run(
        [sys.executable, str(EXAMPLES / "submitter.py"), "--timeout", "1",
         "--executortype", f"nobody-{uuid.uuid4().hex[:12]}"],
        env=run_env(), capture_output=True, text=True, timeout=60)
    assert submitter.returncode != 0
    assert "did not finish" in submitter.stderr
