"""libcolonies for Python: a client for ColonyOS (Colonies) over the C core.

A drop-in replacement for pycolonies' client: change
``from pycolonies import ...`` to ``from colonies import ...``.

    from colonies import Colonies, Crypto, func_spec, ColoniesConnectionError
"""

from . import capi
from .client import Colonies, colonies_client
from .crypto import Crypto
from .errors import (ColoniesConnectionError, ColoniesError, CryptoError, ForbiddenError,
                     InvalidArgumentError, JSONError, NotFoundError, ReplyError, ServerError,
                     TimeoutError, TransportError)
from .funcspec import func_spec
from .model import (Attribute, Colony, Conditions, Executor, Fs, FuncSpec, Function, Gpu, Model,
                    Process)

__version__ = capi.colonies_version()

# TimeoutError is left out so that `from colonies import *` does not shadow
# the builtin (ours subclasses it); use colonies.TimeoutError.
__all__ = [
    "Colonies", "colonies_client", "Crypto", "func_spec",
    "ColoniesError", "ColoniesConnectionError", "CryptoError", "ForbiddenError",
    "InvalidArgumentError", "JSONError", "NotFoundError", "ReplyError", "ServerError",
    "TransportError",
    "Model", "Process", "FuncSpec", "Conditions", "Gpu", "Fs", "Attribute", "Colony", "Executor",
    "Function",
]
