"""Keys, ids and signatures, as the Colonies server computes them.

Every method calls the C core. Keys, ids and signatures are hex strings
(upper or lower case in, lower case out); messages are ``str`` (taken as
UTF-8) or bytes. An invalid key or signature raises ``CryptoError`` (a
``ValueError``) whose message names the problem.
"""

from . import capi

__all__ = ["Crypto"]


def _text(value):
    """Keys, ids and signatures may be given as bytes; the core takes str."""
    if isinstance(value, (bytes, bytearray)):
        # latin-1 maps every byte to one character, so a stray byte reaches
        # the core's hex check and is reported there instead of here.
        return bytes(value).decode("latin-1")
    return value


class Crypto:
    """pycolonies' ``Crypto``; ``native`` is accepted and ignored, since
    every call already goes to the native core."""

    def __init__(self, native=False):
        self.native = native

    def prvkey(self):
        """A new random private key (64 hex)."""
        return capi.colonies_crypto_prvkey()

    def id(self, prvkey):
        """The id (64 hex) of a private key."""
        return capi.colonies_crypto_id(_text(prvkey))

    def sign(self, data, prvkey):
        """The signature (130 hex) of ``data`` by ``prvkey``."""
        return capi.colonies_crypto_sign(data, _text(prvkey))

    def hash(self, data):
        """SHA3-256 of ``data``, as 64 hex."""
        return capi.colonies_crypto_hash(data)

    def recoverid(self, data, signature):
        """The id of the key that made ``signature`` over ``data``."""
        return capi.colonies_crypto_recover_id(data, _text(signature))

    def verify(self, id, data, signature):  # noqa: A002 - the protocol's name
        """True when ``signature`` over ``data`` was made by the key ``id``.

        Any other outcome raises ``CryptoError`` (as ``cryptography``'s
        ``verify`` raises), so a forgotten check of a returned False cannot
        let a bad signature through. An ``id`` that is not 64 hex raises
        ``InvalidArgumentError``."""
        capi.colonies_crypto_verify(_text(id), data, _text(signature))
        return True
