"""Exceptions raised by libcolonies, and the one table from the core's status
codes to them."""

from . import capi as _capi


class ColoniesError(Exception):
    """Base class of every error libcolonies raises.

    ``code`` is the core's status code, ``status`` the HTTP status of the
    server's reply (0 when there was none)."""

    def __init__(self, message, code=0, status=0):
        super().__init__(message)
        self.code = code
        self.status = status


class InvalidArgumentError(ColoniesError, ValueError):
    """An argument is missing or malformed."""


class JSONError(InvalidArgumentError):
    """A JSON argument does not parse or has the wrong shape."""


class CryptoError(InvalidArgumentError):
    """A private key or signature is invalid."""


class ColoniesConnectionError(ColoniesError):
    """The server could not be reached, or replied with an error.

    pycolonies raises this for every failed call; its subclasses here say
    which failure it was."""


class TransportError(ColoniesConnectionError, ConnectionError):
    """Connection refused or reset, name lookup or TLS failure."""


class TimeoutError(ColoniesConnectionError, TimeoutError):  # noqa: A001
    """The server did not answer in time, or ``assign`` found no process."""


class ServerError(ColoniesConnectionError):
    """The server replied with an error; ``status`` is its HTTP status."""


class NotFoundError(ServerError, LookupError):
    """The server says the thing asked for does not exist."""


class ForbiddenError(ServerError, PermissionError):
    """The server refused the signer: bad signature, not a member, not the owner."""


class ReplyError(ColoniesConnectionError):
    """The server's reply is malformed."""


_BY_CODE = {
    _capi.COLONIES_EINVAL: InvalidArgumentError,
    _capi.COLONIES_ENOMEM: MemoryError,
    _capi.COLONIES_EJSON: JSONError,
    _capi.COLONIES_ETRANSPORT: TransportError,
    _capi.COLONIES_ETIMEOUT: TimeoutError,
    _capi.COLONIES_ESERVER: ServerError,
    _capi.COLONIES_ENOTFOUND: NotFoundError,
    _capi.COLONIES_EREPLY: ReplyError,
    _capi.COLONIES_ECRYPTO: CryptoError,
    _capi.COLONIES_EFORBIDDEN: ForbiddenError,
}


def _raise_status(code, message, status):
    """Called by the extension on a non-zero status; always raises."""
    cls = _BY_CODE.get(code, ColoniesError)
    text = message or _capi.colonies_strerror(code)
    if cls is MemoryError:
        raise MemoryError(text)
    raise cls(text, code, status)
