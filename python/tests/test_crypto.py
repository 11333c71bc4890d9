"""Crypto against the shared vectors in tests/vectors/crypto.json."""

import os

import pytest

from colonies import Crypto, CryptoError, InvalidArgumentError

# What each bad input's message must name, keyed by the vector's "why".
BAD_PRVKEY_DETAIL = {
    "empty": "got 0", "too short": "got 3", "63 characters": "got 63",
    "65 characters": "more than 64", "non-hex": "non-hex", "space": "non-hex",
    "zero": "order", "equal to the curve order": "order",
    "above the curve order": "order", "all ones": "order",
}
BAD_SIGNATURE_DETAIL = {
    "empty": "got 0", "no recovery id": "got 128", "too long": "more than 130",
    "non-hex": "non-hex", "r equal to the curve order": "order",
    "s equal to the curve order": "order", "r zero": "recovered", "high s": "high s",
    "recovery id 27": "got 27", "recovery id 8": "got 8",
}


def test_ids(crypto, vectors):
    for v in vectors["ids"]:
        assert crypto.id(v["prvkey"]) == v["id"]
        assert crypto.id(v["prvkey"].upper()) == v["id"]
        assert crypto.id(v["prvkey"].encode()) == v["id"]


def test_signatures(crypto, vectors):
    for v in vectors["signatures"]:
        assert crypto.sign(v["msg"], v["prvkey"]) == v["signature"]
        assert crypto.sign(v["msg"].encode("utf-8"), v["prvkey"].encode()) == v["signature"]
        assert crypto.recoverid(v["msg"], v["signature"]) == v["id"]
        assert crypto.recoverid(v["msg"].encode("utf-8"), v["signature"].upper()) == v["id"]
        assert crypto.verify(v["id"], v["msg"], v["signature"]) is True


def test_hashes(crypto, vectors):
    for v in vectors["hashes"]:
        assert crypto.hash(v["msg"]) == v["hash"]
        assert crypto.hash(v["msg"].encode("utf-8")) == v["hash"]


def test_new_keys_are_distinct_and_valid(crypto):
    keys = {crypto.prvkey() for _ in range(20)}
    assert len(keys) == 20
    for k in keys:
        assert len(k) == 64 and len(crypto.id(k)) == 64


def test_native_flag_is_accepted():
    assert Crypto(native=True).hash("") == Crypto().hash(b"")


@pytest.mark.parametrize("op", ["id", "sign"])
def test_bad_prvkeys(crypto, vectors, op):
    assert {v["why"] for v in vectors["bad_prvkeys"]} == set(BAD_PRVKEY_DETAIL)
    for v in vectors["bad_prvkeys"]:
        with pytest.raises(CryptoError) as e:
            crypto.id(v["prvkey"]) if op == "id" else crypto.sign("hello", v["prvkey"])
        msg = str(e.value)
        assert "private key" in msg and BAD_PRVKEY_DETAIL[v["why"]] in msg, (v["why"], msg)
        assert isinstance(e.value, ValueError)


@pytest.mark.parametrize("op", ["recoverid", "verify"])
def test_bad_signatures(crypto, vectors, op):
    signer = vectors["signatures"][0]["id"]
    assert {v["why"] for v in vectors["bad_signatures"]} == set(BAD_SIGNATURE_DETAIL)
    for v in vectors["bad_signatures"]:
        with pytest.raises(CryptoError) as e:
            if op == "recoverid":
                crypto.recoverid(v["msg"], v["signature"])
            else:
                crypto.verify(signer, v["msg"], v["signature"])
        msg = str(e.value)
        assert BAD_SIGNATURE_DETAIL[v["why"]] in msg, (v["why"], msg)


def test_wrong_recovery_id(crypto, vectors):
    v = vectors["wrong_recovery_id"]
    try:
        recovered = crypto.recoverid(v["msg"], v["signature"])
    except CryptoError:
        recovered = None  # no key at all is the other allowed outcome
    assert recovered != v["signer_id"]
    with pytest.raises(CryptoError, match=v["signer_id"]):
        crypto.verify(v["signer_id"], v["msg"], v["signature"])


def test_verify_rejects_other_message_and_bad_id(crypto, vectors):
    v = vectors["signatures"][0]
    with pytest.raises(CryptoError):
        crypto.verify(v["id"], v["msg"] + "!", v["signature"])
    with pytest.raises(InvalidArgumentError, match="id"):
        crypto.verify("abc", v["msg"], v["signature"])


def test_message_must_be_str_or_bytes(crypto, vectors):
    with pytest.raises(TypeError, match="str or bytes"):
        crypto.sign(12, vectors["ids"][0]["prvkey"])


def _writable_spans():
    import re
    spans = []
    with open("/proc/self/maps") as maps:
        for line in maps:
            m = re.match(r"([0-9a-f]+)-([0-9a-f]+) (\S+)", line)
            lo, hi = int(m[1], 16), int(m[2], 16)
            if m[3].startswith("rw") and hi - lo <= 1 << 32:
                spans.append((lo, hi))
    return spans


def _copies(spans, needle, mem):
    n = 0
    for lo, hi in spans:
        try:
            mem.seek(lo)
            n += mem.read(hi - lo).count(needle)
        except OSError:
            pass
    return n


@pytest.mark.skipif(not os.path.exists("/proc/self/mem"), reason="needs /proc/self/mem")
def test_the_wrapper_leaves_no_copy_of_a_key():
    """The UTF-8 copy of a key made for a call is wiped before it is freed.
    Everything the count needs is made before the calls, so that nothing
    reuses the freed copy's memory before it is looked for."""
    from colonies import capi
    key = Crypto().prvkey()
    needle = key.encode()
    with open("/proc/self/mem", "rb", 0) as mem:
        spans = _writable_spans()
        before = _copies(spans, needle, mem)
        for _ in range(5):
            capi.colonies_crypto_sign("message", key)
        after = _copies(spans, needle, mem)
    assert before >= 2  # the key and the needle: the count sees them
    assert after == before


def test_the_wrapper_never_wipes_bytes_it_shares():
    """CPython keeps one bytes object for each single character: the copy of a
    one-character key is that object, and must not be wiped."""
    from colonies import capi
    with pytest.raises(CryptoError):
        capi.colonies_crypto_sign("message", "k")
    assert "k".encode() == bytes([107])
