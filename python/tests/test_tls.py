"""TLS against the real server, through the TLS terminator scripts/tls-front
starts in front of it (the server itself, v1.9.12, serves plain HTTP only):
calls and a subscription over TLS with the test CA as ca_bundle, by address
and by name; verification on by default; ca_bundle trusted alone, in place
of the system's CAs; a host name the certificate does not hold and a CA that
did not sign it refused; verify_tls=False accepting both.

The terminator's port, its CA, a second CA that signed nothing and an address
the certificate does not name come from the variables
``scripts/tls-front env`` prints; the tests skip when COLONIES_TLS_PORT is
unset."""

import asyncio
import os
import threading
import time
import types

import pytest

from colonies import (Colonies, ColoniesConnectionError, Crypto, ExpiredError, Process, ProcessState,
                      TransportError, func_spec)
from colonies.aio import AsyncColonies
from conftest import unique


@pytest.fixture(scope="module")
def tls():
    if not os.environ.get("COLONIES_TLS_PORT"):
        pytest.skip("COLONIES_TLS_PORT is not set: start the TLS front with scripts/tls-front start "
                    "and eval \"$(scripts/tls-front env)\"")
    missing = [v for v in ("COLONIES_TLS_CA", "COLONIES_TLS_OTHER_CA", "COLONIES_TLS_UNNAMED_HOST")
               if not os.environ.get(v)]
    if missing:
        pytest.fail(f"{', '.join(missing)} not set (see scripts/tls-front env)", pytrace=False)
    return types.SimpleNamespace(port=int(os.environ["COLONIES_TLS_PORT"]), ca=os.environ["COLONIES_TLS_CA"],
                                 other_ca=os.environ["COLONIES_TLS_OTHER_CA"],
                                 unnamed_host=os.environ["COLONIES_TLS_UNNAMED_HOST"])


@pytest.fixture(autouse=True)
def system_cas(monkeypatch):
    """The system's CAs are the distribution's, whatever the environment says."""
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])
def test_calls_and_a_subscription_over_tls(tls, server, host):
    """Everything over TLS with the test CA as the bundle: a colony and its
    executor added, a subscription's event, a submit, an assign, a wait that
    sees the close, the colony removed."""
    crypto = Crypto()
    with Colonies(host, tls.port, tls=True, ca_bundle=tls.ca, request_timeout=30) as client:
        assert client.tls is True and client.url == f"https://{host}:{tls.port}/api"
        assert client.health() is True
        colony_key, exec_key = crypto.prvkey(), crypto.prvkey()
        colony = unique("pytest-tls")
        added = client.add_colony({"colonyid": crypto.id(colony_key), "name": colony}, server.prvkey)
        assert added.name == colony
        try:
            extype, exname = unique("type"), unique("exec")
            client.add_executor({"executorname": exname, "executorid": crypto.id(exec_key),
                                 "colonyname": colony, "executortype": extype}, colony_key)
            client.approve_executor(colony, exname, colony_key)

            # A subscription: the websocket at /pubsub, over TLS.
            with client.subscribe_processes(colony, extype, ProcessState.WAITING, 10, exec_key) as sub:
                with pytest.raises(ExpiredError):
                    sub.next(timeout=0.3)
                spec = func_spec(func="echo", args=["over tls"], colonyname=colony, executortype=extype)
                process = client.submit_func_spec(spec, exec_key)
                event = sub.next(timeout=10)
                assert isinstance(event, Process) and event.processid == process.processid

            # A wait (a subscription and reads) sees the close made on another connection.
            assert client.assign(colony, 5, exec_key).processid == process.processid
            closer = threading.Timer(0.2, client.close, (process.processid, ["done"], exec_key))
            closer.start()
            started = time.monotonic()
            done = client.wait(process, 15, exec_key)
            closer.join()
            assert done.state == ProcessState.SUCCESSFUL and done.output == ["done"]
            assert time.monotonic() - started < 10
        finally:
            client.del_colony(colony, server.prvkey)


def assert_refused(client, want):
    """Every kind of request of client is refused at the handshake with a
    TransportError whose message contains want; returns the messages."""
    crypto = Crypto()
    messages = []
    with pytest.raises(TransportError) as e:
        client.health()
    messages.append(str(e.value))
    # Not idempotent, but refused before it could act: a TransportError, not InDoubtError.
    key = crypto.prvkey()
    with pytest.raises(TransportError) as e:
        client.add_colony({"colonyid": crypto.id(key), "name": "tls-refused"}, key)
    messages.append(str(e.value))
    with client.subscribe_processes("dev", "t", ProcessState.WAITING, 5, key) as sub:
        with pytest.raises(TransportError) as e:
            sub.next(timeout=10)
    messages.append(str(e.value))
    for m in messages:
        print(m)
        assert want in m, m
    assert isinstance(e.value, ColoniesConnectionError) and e.value.status == 0
    return messages


def assert_accepted(client, server):
    assert client.health() is True
    assert any(c.name == "dev" for c in client.get_colonies(server.prvkey))


def test_verification_is_on_by_default(tls):
    """The system's CAs do not include the test CA."""
    with Colonies("127.0.0.1", tls.port, tls=True) as client:
        assert_refused(client, "certificate problem")


def test_an_unknown_ca_is_refused(tls):
    with Colonies("127.0.0.1", tls.port, tls=True, ca_bundle=tls.other_ca) as client:
        assert_refused(client, "certificate problem")


def test_ca_bundle_is_trusted_alone(tls, server, monkeypatch):
    """ca_bundle replaces the system's CAs rather than adding to them: with
    the test CA made the system's store ($SSL_CERT_FILE), a client without
    the option connects, and one whose bundle holds only the other CA is
    still refused."""
    monkeypatch.setenv("SSL_CERT_FILE", tls.ca)
    with Colonies("127.0.0.1", tls.port, tls=True) as client:
        assert_accepted(client, server)
    with Colonies("127.0.0.1", tls.port, tls=True, ca_bundle=tls.other_ca) as client:
        assert_refused(client, "certificate problem")


def test_a_name_the_certificate_does_not_hold_is_refused(tls):
    with Colonies(tls.unnamed_host, tls.port, tls=True, ca_bundle=tls.ca) as client:
        assert_refused(client, tls.unnamed_host)


def test_verify_tls_false_accepts_an_unknown_ca_and_name(tls, server):
    with Colonies("127.0.0.1", tls.port, tls=True, verify_tls=False) as client:
        assert_accepted(client, server)
    with Colonies(tls.unnamed_host, tls.port, tls=True, verify_tls=False) as client:
        assert_accepted(client, server)


def test_from_env_with_tls(tls, server, monkeypatch):
    """COLONIES_SERVER_TLS selects https for a client made from the environment."""
    monkeypatch.setenv("COLONIES_SERVER_HOST", "localhost")
    monkeypatch.setenv("COLONIES_SERVER_PORT", str(tls.port))
    monkeypatch.setenv("COLONIES_SERVER_TLS", "true")
    with Colonies.from_env(ca_bundle=tls.ca) as client:
        assert client.tls is True
        assert_accepted(client, server)
    with Colonies.from_env() as client:
        assert_refused(client, "certificate problem")


def test_async_client_over_tls(tls, server):
    async def main():
        async with AsyncColonies("127.0.0.1", tls.port, tls=True, ca_bundle=tls.ca) as client:
            colonies = await asyncio.gather(*(client.get_colonies(server.prvkey) for _ in range(20)))
            assert all(any(c.name == "dev" for c in got) for got in colonies)
        async with AsyncColonies("127.0.0.1", tls.port, tls=True, ca_bundle=tls.other_ca) as client:
            with pytest.raises(TransportError, match="certificate problem"):
                await client.get_colonies(server.prvkey)

    asyncio.run(main())
