"""libcolonies for Python: a client for ColonyOS (Colonies) over the C core.

A drop-in replacement for pycolonies' client: change
``from pycolonies import ...`` to ``from colonies import ...``.

    from colonies import Colonies, Crypto, func_spec, ColoniesConnectionError

The names pycolonies' modules export are here too: the models of its
``model`` module (``Process``, ``FuncSpec``, ``Workflow``, ``ProcessGraph``,
``File``, ...) are ``colonies.model``'s, generated with every other server
type from the registry, the one description of the protocol in the core.
"""

from . import capi, errors, model
from .client import Colonies, colonies_client
from .crypto import Crypto
from .errors import *  # noqa: F401,F403 - the exception classes
from .funcspec import create_func_spec, func_spec
from .model import *  # noqa: F401,F403 - the server's types and enumerations

try:
    from importlib.metadata import PackageNotFoundError, version as _version
    __version__ = _version("libcolonies")
except PackageNotFoundError:  # not installed: a build tree's package
    __version__ = capi.colonies_version()


def __getattr__(name):
    # Imported on first use, so that `python -m colonies.executor` runs the module fresh.
    if name == "ExecutorRuntime":
        from .executor import ExecutorRuntime
        return ExecutorRuntime
    raise AttributeError(f"module 'colonies' has no attribute {name!r}")


def registry():
    """The registry: every operation, type, status and option, as a dict."""
    import json
    return json.loads(capi.colonies_registry())


# TimeoutError is left out of __all__ so that `from colonies import *` does
# not shadow the builtin (ours subclasses it); use colonies.TimeoutError.
__all__ = (["Colonies", "colonies_client", "Crypto", "ExecutorRuntime", "func_spec", "create_func_spec", "registry"]
           + [n for n in errors.__all__ if n != "TimeoutError"] + model.__all__)
