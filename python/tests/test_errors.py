"""Failures surface as the exceptions colonies.errors maps them to."""

import socket
import time

import pytest

import colonies
from colonies import (Colonies, ColoniesConnectionError, ColoniesError, CryptoError,
                      ForbiddenError, InvalidArgumentError, JSONError, NotFoundError,
                      TransportError, capi)


def free_port():
    """A loopback port nothing listens on."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_server_down_is_a_connection_error():
    client = Colonies("127.0.0.1", free_port())
    with pytest.raises(TransportError) as e:
        client.version()
    assert isinstance(e.value, ColoniesConnectionError)
    assert isinstance(e.value, ConnectionError)
    assert "127.0.0.1" in str(e.value)
    with pytest.raises(ColoniesConnectionError):
        client.health()


def test_silent_server_times_out():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen(1)  # accepts into the backlog, never answers
        client = Colonies("127.0.0.1", s.getsockname()[1], request_timeout=0.5)
        start = time.monotonic()
        with pytest.raises(colonies.TimeoutError) as e:
            client.version()
        assert time.monotonic() - start < 5
    assert isinstance(e.value, ColoniesConnectionError)
    assert isinstance(e.value, TimeoutError)


@pytest.mark.parametrize("kwargs, named", [
    ({"request_timeout": 0}, "request_timeout"),
    ({"connect_timeout": -1}, "connect_timeout"),
    ({"max_idle": "soon"}, "max_idle"),
    ({"ca_bundle": 5}, "ca_bundle"),
])
def test_bad_client_options(kwargs, named):
    with pytest.raises(InvalidArgumentError, match=named):
        Colonies("127.0.0.1", 50080, **kwargs)


@pytest.mark.parametrize("host, port, named", [("", 50080, "host"), ("127.0.0.1", 0, "port")])
def test_bad_address(host, port, named):
    with pytest.raises(InvalidArgumentError, match=named):
        Colonies(host, port)


def test_core_refuses_unknown_or_malformed_client_options():
    with pytest.raises(InvalidArgumentError, match="tlss"):
        capi.colonies_client_new("127.0.0.1", 50080, '{"tlss": true}')
    with pytest.raises(JSONError):
        capi.colonies_client_new("127.0.0.1", 50080, "{")


def test_missing_ca_bundle_is_a_transport_error():
    client = Colonies("127.0.0.1", 50080, tls=True, ca_bundle="/nonexistent/ca.pem")
    with pytest.raises(TransportError, match="/nonexistent/ca.pem"):
        client.version()


def test_bad_arguments_are_refused_before_sending(client, crypto):
    key = crypto.prvkey()
    with pytest.raises(InvalidArgumentError, match="parameter executor must be an Executor object"):
        client.add_executor("not a dict", key)
    with pytest.raises(InvalidArgumentError, match="parameter colony must be a Colony object"):
        client.add_colony([1], key)
    with pytest.raises(InvalidArgumentError, match="processid"):
        client.get_process("", key)
    with pytest.raises(CryptoError, match="private key"):
        client.get_process("ab" * 32, "xyz")
    with pytest.raises(InvalidArgumentError, match="parameter out must be a list"):
        client.close("ab" * 32, "not a list", key)


def test_server_errors(client, crypto):
    key = crypto.prvkey()
    with pytest.raises(NotFoundError) as e:
        client.get_process("ab" * 32, key)
    assert e.value.status == 404 and "not found" in str(e.value)
    with pytest.raises(ForbiddenError) as e:
        client.list_processes("dev", 10, 0, key)
    assert e.value.status == 403
    assert isinstance(e.value, ColoniesConnectionError) and isinstance(e.value, ColoniesError)


def test_server_calls(client, server):
    assert client.health() is True
    assert set(client.version()) >= {"buildversion", "buildtime"}
    assert "buildversion" in client.get_server_info()
    assert client.get_statistics(server.prvkey)["colonies"] >= 1


def test_environment_helper(monkeypatch, server):
    monkeypatch.setenv("COLONIES_SERVER_TLS", "false")
    monkeypatch.setenv("COLONIES_EXECUTOR_NAME", "x")
    client, colonyname, colony_prvkey, executorname, prvkey = colonies.colonies_client()
    assert (client.host, client.port, client.tls) == (server.host, server.port, False)
    assert executorname == "x"
    assert client.health()
    monkeypatch.delenv("COLONIES_SERVER_HOST")
    with pytest.raises(InvalidArgumentError, match="COLONIES_SERVER_HOST"):
        colonies.colonies_client()


def test_strings_with_a_nul_are_refused(client, crypto):
    key = crypto.prvkey()
    # In a parameter (sent as JSON) and in an argument the core takes as a C string.
    with pytest.raises(InvalidArgumentError, match="NUL"):
        client.get_colony("dev\x00junk", key)
    with pytest.raises(InvalidArgumentError, match="NUL"):
        client.get_colony("dev", key + "\x00junk")


def test_long_server_messages_cut_inside_a_character_still_decode(client, crypto):
    # The server echoes the name in its refusal; the detail is cut to fit, and
    # the cut may fall inside a two-byte character.
    for name in ("é" * 600, "x" + "é" * 600):
        with pytest.raises(ForbiddenError) as e:
            client.get_colony(name, crypto.prvkey())
        text = str(e.value)
        assert "Colony with name <" in text and text.endswith("é")
        assert "\ufffd" not in text  # cut at a whole character, not inside one
