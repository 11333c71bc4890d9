"""From the core's status codes to exceptions: the extension calls
raise_status on every status other than COLONIES_OK."""

from . import capi as _capi
from .errors import BY_CODE, ColoniesError


def raise_status(code, message, status):
    """Raises the exception colonies.errors maps code to; always raises."""
    cls = BY_CODE.get(code, ColoniesError)
    text = message or _capi.colonies_strerror(code)
    if cls is MemoryError:
        raise MemoryError(text)
    raise cls(text, code, status)
