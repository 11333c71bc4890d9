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

def _package_version():
    """The installed package's version; a build tree's package (not installed) gives the core's."""
    try:
        from importlib.metadata import PackageNotFoundError, version
    except ImportError:  # pragma: no cover - Python 3.7
        return capi.colonies_version()
    try:
        return version("libcolonies")
    except PackageNotFoundError:
        return capi.colonies_version()


def __getattr__(name):
    # Imported on first use: `python -m colonies.executor` runs the module
    # fresh, and importing colonies does not pay for importlib.metadata.
    if name == "ExecutorRuntime":
        from .executor import ExecutorRuntime
        return ExecutorRuntime
    if name == "__version__":
        globals()["__version__"] = v = _package_version()
        return v
    raise AttributeError(f"module 'colonies' has no attribute {name!r}")


def registry():
    """The registry: every operation, type, status and option, as a dict."""
    import json
    return json.loads(capi.colonies_registry())


# TimeoutError is left out of __all__ so that `from colonies import *` does
# not shadow the builtin (ours subclasses it); use colonies.TimeoutError.
__all__ = (["Colonies", "colonies_client", "Crypto", "ExecutorRuntime", "func_spec", "create_func_spec", "registry"]
           + [n for n in errors.__all__ if n != "TimeoutError"] + model.__all__)
