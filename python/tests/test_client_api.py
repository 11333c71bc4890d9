"""The client's own API around the operations: the environment, releasing
the client, the generic call, and models as dicts."""

import json

import pytest

import colonies
from colonies import Colonies, InvalidArgumentError, Process, capi


def test_environment_precedence(monkeypatch, server):
    monkeypatch.setenv("COLONIES_TLS", "true")
    monkeypatch.setenv("COLONIES_SERVER_TLS", "false")
    env = json.loads(capi.colonies_env())
    # pycolonies' name wins over the server tools' name.
    assert env["tls"] is False
    assert (env["host"], env["port"]) == (server.host, server.port)
    monkeypatch.delenv("COLONIES_SERVER_TLS")
    assert json.loads(capi.colonies_env())["tls"] is True
    monkeypatch.setenv("COLONIES_TLS", "maybe")
    with pytest.raises(InvalidArgumentError, match='COLONIES_TLS="maybe" is not true or false'):
        capi.colonies_env()
    monkeypatch.setenv("COLONIES_TLS", "0")
    monkeypatch.setenv("COLONIES_SERVER_PORT", "80a")
    with pytest.raises(InvalidArgumentError, match="COLONIES_SERVER_PORT"):
        Colonies.from_env()


def test_from_env_reaches_the_server(monkeypatch):
    monkeypatch.setenv("COLONIES_SERVER_TLS", "false")
    client = Colonies.from_env(request_timeout=5)
    assert client.health() is True
    assert client.tls is False


def test_release(client, server):
    c = Colonies(server.host, server.port)
    with c:
        assert c.version()["msgtype"] == "versionmsg"
    with pytest.raises(InvalidArgumentError, match="released"):
        c.version()
    c.release()  # twice is harmless


def test_generic_call(client, server):
    stats = client.call("get_statistics", {}, server.prvkey)
    assert isinstance(stats, dict) and stats["colonies"] >= 1
    with pytest.raises(InvalidArgumentError, match='unknown operation "no_such"'):
        client.call("no_such", {}, server.prvkey)
    with pytest.raises(InvalidArgumentError, match="get_process: parameter processid is required"):
        client.call("get_process", {}, server.prvkey)


def test_models_are_dicts():
    p = Process({"processid": "p1", "spec": {"funcname": "f", "conditions": {"colonyname": "c"}},
                 "in": [1], "submissiontime": "2026-01-02T03:04:05.678Z"})
    assert isinstance(p, dict)
    assert p["spec"]["funcname"] == p.spec.funcname == "f"
    assert p.spec.conditions.colonyname == "c"
    assert p.input == [1] and p["in"] == [1]
    assert p.submissiontime.year == 2026 and p["submissiontime"].startswith("2026-01-02")
    # A known field not yet set reads as its zero value; an unknown one raises.
    assert p.errors == [] and p.retries == 0
    with pytest.raises(AttributeError):
        p.no_such_field
    assert json.loads(json.dumps(p))["processid"] == "p1"
    w = colonies.Workflow(colonyname="dev")
    w.functionspecs.append(colonies.func_spec("f", [], "dev", "t"))
    assert w["functionspecs"][0]["funcname"] == "f"
