"""Fixtures for the tests against a real Colonies server.

The server is the one scripts/colonies-server starts; its address and the
server owner's key come from the environment it exports. Tests that need the
server fail (never skip) when that environment is missing, so a run that
tested nothing cannot look green.
"""

import json
import os
import pathlib
import shlex
import subprocess
import types
import uuid

import pytest

from colonies import Colonies, Crypto  # noqa: E402

import colonies

ROOT = pathlib.Path(__file__).resolve().parents[2]
# Where the package under test was imported from: subprocesses get it too.
PACKAGE_PATH = str(pathlib.Path(os.path.abspath(colonies.__file__)).parents[1])  # not resolved: the sources are links


def server_env():
    """(host, port, server owner's prvkey) from the environment, or fail."""
    missing = [v for v in ("COLONIES_SERVER_HOST", "COLONIES_SERVER_PORT",
                           "COLONIES_SERVER_PRVKEY") if not os.environ.get(v)]
    if missing:
        pytest.fail(f"{', '.join(missing)} not set: run "
                    f"eval \"$({ROOT}/scripts/colonies-server env)\" first", pytrace=False)
    return (os.environ["COLONIES_SERVER_HOST"], int(os.environ["COLONIES_SERVER_PORT"]),
            os.environ["COLONIES_SERVER_PRVKEY"])


@pytest.fixture(scope="session")
def vectors():
    with open(ROOT / "tests" / "vectors" / "crypto.json", encoding="utf-8") as f:
        return json.load(f)


@pytest.fixture(scope="session")
def crypto():
    return Crypto()


@pytest.fixture(scope="session")
def server():
    host, port, prvkey = server_env()
    return types.SimpleNamespace(host=host, port=port, prvkey=prvkey)


@pytest.fixture(scope="session")
def client(server):
    return Colonies(server.host, server.port, request_timeout=30)


def unique(prefix):
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


def add_executor(client, colony, executortype=None, approve=True):
    """Adds an executor with a new key to colony (a fixture namespace with name
    and prvkey), approved unless approve is False; returns (name, prvkey, added)."""
    crypto = Crypto()
    key = crypto.prvkey()
    name = unique("exec")
    added = client.add_executor({"executorname": name, "executorid": crypto.id(key),
                                 "colonyname": colony.name,
                                 "executortype": executortype or unique("type")}, colony.prvkey)
    if approve:
        client.approve_executor(colony.name, name, colony.prvkey)
    return name, key, added


@pytest.fixture
def colony(client, server, crypto):
    """A fresh colony with a new key, removed (with its processes) afterwards."""
    prvkey = crypto.prvkey()
    name = unique("pytest")
    client.add_colony({"colonyid": crypto.id(prvkey), "name": name}, server.prvkey)
    yield types.SimpleNamespace(name=name, prvkey=prvkey)
    client.del_colony(name, server.prvkey)


@pytest.fixture
def executor(client, colony, crypto):
    """An approved executor of a type of its own in the fresh colony."""
    prvkey = crypto.prvkey()
    ex = types.SimpleNamespace(name=unique("exec"), type=unique("type"), prvkey=prvkey,
                               id=crypto.id(prvkey), colonyname=colony.name)
    client.add_executor({"executorname": ex.name, "executorid": ex.id,
                         "colonyname": colony.name, "executortype": ex.type}, colony.prvkey)
    client.approve_executor(colony.name, ex.name, colony.prvkey)
    return ex


# ---------------------------------------------------------------------------
# Helpers and fixtures of the protocol tests (test_protocol_*.py)
# ---------------------------------------------------------------------------

def assert_refused(error, msgtype, status, message):
    """error (an exception or pytest's ExceptionInfo) is the server's refusal
    of a msgtype request with HTTP status and exactly this message: the
    request reached the server and was judged there."""
    error = getattr(error, "value", error)
    assert error.status == status, str(error)
    assert str(error) == f"{msgtype}: server replied {status}: {message}"


def assert_refused_silently(error, msgtype):
    """error is the core's report of the server's refusal by an empty HTTP 200
    reply (getcolonystatsmsg, getprocesshistmsg refuse a non-member so)."""
    error = getattr(error, "value", error)
    assert error.status == 200, str(error)
    assert str(error) == (f"{msgtype}: the server replied 200 with no content, as it does "
                          "when it refuses the signer")


def not_a_member(colonyname):
    """The server's refusal of a signer that is neither an executor nor a user of the colony."""
    return f"Access denied, not a member of Colony with name <{colonyname}>"


# The second server instance for the tests that must not run against the
# shared one (change_server_id). Its own state dir and ports; the etcd and
# relay ports derive from the API port.
PRIVATE_SERVER_ENV = {
    "COLONIES_STATE_DIR": "/tmp/libcolonies-server-pytest",
    "COLONIES_SERVER_PORT": "30180",
    "COLONIES_TEST_DB_PORT": "30532",
}


def _private_server_script(command, env, timeout):
    script = ROOT / "scripts" / "colonies-server"
    done = subprocess.run([str(script), command], env=env, capture_output=True, text=True,
                          timeout=timeout, stdin=subprocess.DEVNULL)
    if done.returncode != 0:
        pytest.fail(f"scripts/colonies-server {command} (private server) failed:\n"
                    f"{done.stdout}{done.stderr}", pytrace=False)
    return done.stdout


@pytest.fixture(scope="session")
def private_server():
    """A private Colonies server (scripts/colonies-server with
    PRIVATE_SERVER_ENV), started for the session and stopped at its end.

    Gives host, port, prvkey (the server owner's), colonyname, colony_prvkey,
    colony_id, executor_prvkey, executor_id and a client for it, and
    kill() (SIGKILL, as a crash), start() and stop() for it."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("COLONIES_ETCD_CLIENT_PORT", "COLONIES_ETCD_PEER_PORT",
                        "COLONIES_RELAY_PORT")}
    env.update(PRIVATE_SERVER_ENV)
    try:
        _private_server_script("start", env, timeout=900)
        values = {}
        for line in _private_server_script("env", env, timeout=60).splitlines():
            words = shlex.split(line)
            if len(words) == 2 and words[0] == "export" and "=" in words[1]:
                name, value = words[1].split("=", 1)
                values[name] = value
        private = types.SimpleNamespace(
            host=values["COLONIES_SERVER_HOST"], port=int(values["COLONIES_SERVER_PORT"]),
            prvkey=values["COLONIES_SERVER_PRVKEY"], colonyname=values["COLONIES_COLONY_NAME"],
            colony_prvkey=values["COLONIES_COLONY_PRVKEY"], colony_id=values["COLONIES_COLONY_ID"],
            executor_prvkey=values["COLONIES_PRVKEY"], executor_id=values["COLONIES_ID"])
        assert private.port == int(PRIVATE_SERVER_ENV["COLONIES_SERVER_PORT"])
        private.client = Colonies(private.host, private.port, request_timeout=30)
        private.kill = lambda: _private_server_script("kill", env, timeout=60)
        private.start = lambda: _private_server_script("start", env, timeout=900)
        private.stop = lambda: _private_server_script("stop", env, timeout=120)
        try:
            private.client.get_statistics(private.prvkey)
        except Exception as e:  # an earlier run left another server id behind
            pytest.fail(f"the private server refuses its owner's key ({e}); remove "
                        f"{PRIVATE_SERVER_ENV['COLONIES_STATE_DIR']} to reset it", pytrace=False)
        yield private
        private.client.release()
    finally:
        _private_server_script("stop", env, timeout=120)


@pytest.fixture
def private_colony(private_server, crypto):
    """A fresh colony with a new key on the private server, and an approved
    executor in it; removed afterwards. For change_colony_id,
    change_executor_id and change_user_id: the server (v1.9.12) never gives
    back the database connection such a call used, and once its pool (100)
    is used up it hangs, so these calls must not run against the shared
    server, which lives longer than one test session."""
    c = private_server.client
    prvkey = crypto.prvkey()
    name = unique("pytest")
    c.add_colony({"colonyid": crypto.id(prvkey), "name": name}, private_server.prvkey)
    ex_key = crypto.prvkey()
    ex = types.SimpleNamespace(name=unique("exec"), type=unique("type"), prvkey=ex_key,
                               id=crypto.id(ex_key), colonyname=name)
    c.add_executor({"executorname": ex.name, "executorid": ex.id, "colonyname": name,
                    "executortype": ex.type}, prvkey)
    c.approve_executor(name, ex.name, prvkey)
    yield types.SimpleNamespace(name=name, prvkey=prvkey, executor=ex, client=c,
                                server_prvkey=private_server.prvkey)
    c.del_colony(name, private_server.prvkey)
