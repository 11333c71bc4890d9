"""The drop-in libcryptolib.so under the real pycolonies from PyPI.

pycolonies' Crypto(native=True) loads the library named by $CRYPTOLIB with
ctypes. These tests point it at ours and check that it agrees with
pycolonies' own pure-Python implementation, and that a pycolonies client
using it makes signed calls the real Colonies server accepts.

Run with pycolonies installed and CRYPTOLIB set to build/cryptolib/libcryptolib.so.
"""
import ctypes
import hashlib
import os
import random
import secrets
import string
import uuid

import pytest

CRYPTOLIB = os.environ.get("CRYPTOLIB")
if not CRYPTOLIB or not os.path.exists(CRYPTOLIB):
    raise RuntimeError("set CRYPTOLIB to the path of the built libcryptolib.so")

import crypto as pycolonies_crypto  # noqa: E402  (pycolonies' own module)
from pycolonies import Colonies  # noqa: E402

CASES = 1000


def messages(rng):
    """Messages of every kind the issue names: ASCII, non-ASCII, empty, 64 KiB."""
    fixed = ["", "hello", "åäö ColonyOS ✓ 日本語 🚀", "x" * 65536, "é" * 32768]
    for m in fixed:
        yield m
    alphabet = string.printable + "åäöÅÄÖéüß€中文🙂"
    while True:
        yield "".join(rng.choice(alphabet) for _ in range(rng.randrange(0, 300)))


@pytest.fixture(scope="module")
def native():
    return pycolonies_crypto.Crypto(native=True)


@pytest.fixture(scope="module")
def pure():
    return pycolonies_crypto.Crypto(native=False)


@pytest.fixture(scope="module")
def lib():
    c_lib = ctypes.CDLL(CRYPTOLIB)
    for name in ("prvkey", "id", "sign", "hash", "recoverid"):
        getattr(c_lib, name).restype = ctypes.c_char_p
    return c_lib


def test_ids_and_signatures_match_pure_python(native, pure):
    rng = random.Random(20261129)
    gen = messages(rng)
    for i in range(CASES):
        # Alternate keys made by our library and by pycolonies' pure mode.
        key = native.prvkey() if i % 2 else pure.prvkey()
        assert len(key) == 64
        msg = next(gen)
        assert native.id(key) == pure.id(key)
        assert native.sign(msg, key) == pure.sign(msg, key)


def test_hash_matches_sha3_256(lib):
    rng = random.Random(7)
    gen = messages(rng)
    for _ in range(200):
        msg = next(gen).encode("utf-8")
        assert lib.hash(msg).decode() == hashlib.sha3_256(msg).hexdigest()


def test_recoverid_returns_the_signer(native, pure, lib):
    rng = random.Random(11)
    gen = messages(rng)
    for _ in range(200):
        key = secrets.token_hex(32)
        msg = next(gen)
        sig = pure.sign(msg, key)
        assert lib.recoverid(msg.encode("utf-8"), sig.encode()).decode() == pure.id(key)


def test_errors_are_the_string_error(lib, capfd):
    assert lib.id(b"not a key") == b"error"
    assert lib.id(b"0" * 64) == b"error"
    assert lib.sign(b"m", b"zz") == b"error"
    assert lib.recoverid(b"m", b"00" * 65) == b"error"
    assert lib.recoverid(b"m", b"abc") == b"error"
    # Unlike the Go build, nothing is printed, on failure or success.
    assert capfd.readouterr().out == ""


def test_signed_calls_against_the_real_server(native):
    host = os.environ["COLONIES_SERVER_HOST"]
    port = int(os.environ["COLONIES_SERVER_PORT"])
    server_key = os.environ["COLONIES_SERVER_PRVKEY"]
    client = Colonies(host, port, native_crypto=True)
    colony_key = native.prvkey()
    colony_id = native.id(colony_key)
    name = "dropin-" + uuid.uuid4().hex[:12]
    added = client.add_colony({"colonyid": colony_id, "name": name}, server_key)
    assert added["name"] == name
    try:
        executor_key = native.prvkey()
        executor = {"executorname": "dropin-exec", "executorid": native.id(executor_key),
                    "colonyname": name, "executortype": "dropin"}
        client.add_executor(executor, colony_key)
        client.approve_executor(name, "dropin-exec", colony_key)
        assert client.get_colony(name, executor_key)["colonyid"] == colony_id
        from pycolonies import func_spec
        spec = func_spec(func="echo", args=["helloworld"], colonyname=name,
                         executortype="dropin", maxexectime=30, maxwaittime=30)
        process = client.submit_func_spec(spec, executor_key)
        assigned = client.assign(name, 5, executor_key)
        assert assigned.processid == process.processid
        client.close(assigned.processid, ["helloworld"], executor_key)
        assert client.get_process(process.processid, executor_key).output == ["helloworld"]
    finally:
        client.del_colony(name, server_key)
