"""Fixtures for the tests against a real Colonies server.

The server is the one scripts/colonies-server starts; its address and the
server owner's key come from the environment it exports. Tests that need the
server fail (never skip) when that environment is missing, so a run that
tested nothing cannot look green.
"""

import json
import os
import pathlib
import types
import uuid

import pytest

from colonies import Colonies, Crypto

ROOT = pathlib.Path(__file__).resolve().parents[2]


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
