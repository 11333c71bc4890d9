"""The Colonies client, with pycolonies' method names and arguments.

Every method is one call into the C core, which signs the request, talks to
the server and raises (through ``colonies.errors``) on failure: a server or
transport failure raises a ``ColoniesConnectionError`` subclass, as
pycolonies raises ``ColoniesConnectionError``; a bad argument raises an
``InvalidArgumentError`` (a ``ValueError``) before anything is sent. The
interpreter lock is released while a call waits on the network, so other
threads run meanwhile, and one client may be used from many threads.

Methods return what pycolonies returns: ``Process`` models from
``submit_func_spec``, ``assign`` and ``get_process``, and the server's
decoded reply (dicts, lists, or None for JSON null) from the others.
"""

import json
import os

from . import capi
from .errors import InvalidArgumentError
from .model import Process, to_json

__all__ = ["Colonies", "colonies_client"]


def _reply(text):
    """The decoded reply of a call that returns one (None stays None)."""
    return None if text is None else json.loads(text)


def _ms(seconds):
    return None if seconds is None else int(seconds * 1000)


class Colonies:
    """A client of the Colonies server at ``host:port``.

    ``tls`` selects https; ``native_crypto`` is accepted for pycolonies'
    sake and ignored (the core always signs natively). ``verify=False`` skips
    checking the server's certificate, ``ca_bundle`` names a PEM file of
    trusted CAs, ``connect_timeout`` and ``request_timeout`` are in seconds
    (``None``: the core's defaults). ``assign`` waits its own ``timeout`` on
    top of ``request_timeout``.
    """

    WAITING = capi.COLONIES_WAITING
    RUNNING = capi.COLONIES_RUNNING
    SUCCESSFUL = capi.COLONIES_SUCCESSFUL
    FAILED = capi.COLONIES_FAILED
    CANCELLED = capi.COLONIES_CANCELLED

    def __init__(self, host, port, tls=False, native_crypto=False, verify=None, ca_bundle=None,
                 connect_timeout=None, request_timeout=None):
        self.host = host
        self.port = port
        self.tls = bool(tls)
        self.native_crypto = native_crypto
        self.url = f"{'https' if self.tls else 'http'}://{host}:{port}/api"
        options = {"tls": self.tls, "verify_tls": verify, "ca_bundle": ca_bundle,
                   "connect_timeout_ms": _ms(connect_timeout),
                   "request_timeout_ms": _ms(request_timeout)}
        # Only what the caller set: the core owns the defaults.
        options = {k: v for k, v in options.items() if v is not None}
        self._handle = capi.colonies_client_new(host, int(port), json.dumps(options))

    def __del__(self):
        handle, self._handle = getattr(self, "_handle", None), None
        # capi may already be torn down when this runs at interpreter exit.
        if handle is not None and capi is not None:
            capi.colonies_client_free(handle)

    def __repr__(self):
        return f"Colonies({self.host!r}, {self.port!r}, tls={self.tls})"

    # Server.

    def version(self):
        """The server's version: ``{"buildversion": ..., "buildtime": ...}``."""
        return _reply(capi.colonies_client_version(self._handle))

    def server_info(self):
        """Public information about the server (unsigned)."""
        return _reply(capi.colonies_client_server_info(self._handle))

    def health(self):
        """True when the server says it is healthy; raises otherwise."""
        capi.colonies_client_health(self._handle)
        return True

    def statistics(self, prvkey):
        """Server-wide statistics; ``prvkey`` is the server owner's."""
        return _reply(capi.colonies_client_statistics(self._handle, prvkey))

    # Colonies.

    def add_colony(self, colony, prvkey):
        """Adds ``colony`` (``{"colonyid": ..., "name": ...}``) as the server owner."""
        return _reply(capi.colonies_client_add_colony(self._handle, to_json(colony), prvkey))

    def del_colony(self, colonyname, prvkey):
        """Removes a colony, as the server owner."""
        capi.colonies_client_remove_colony(self._handle, colonyname, prvkey)

    remove_colony = del_colony

    def get_colony(self, colonyname, prvkey):
        return _reply(capi.colonies_client_get_colony(self._handle, colonyname, prvkey))

    def list_colonies(self, prvkey):
        return _reply(capi.colonies_client_list_colonies(self._handle, prvkey))

    def stats(self, colonyname, prvkey):
        """The colony's statistics (process and executor counts)."""
        return _reply(capi.colonies_client_colony_statistics(self._handle, colonyname, prvkey))

    # Executors.

    def add_executor(self, executor, prvkey):
        """Adds ``executor`` (a dict: executorname, executorid, colonyname,
        executortype) as the colony owner."""
        return _reply(capi.colonies_client_add_executor(self._handle, to_json(executor), prvkey))

    def approve_executor(self, colonyname, executorname, prvkey):
        capi.colonies_client_approve_executor(self._handle, colonyname, executorname, prvkey)

    def reject_executor(self, colonyname, executorname, prvkey):
        capi.colonies_client_reject_executor(self._handle, colonyname, executorname, prvkey)

    def remove_executor(self, colonyname, executorname, prvkey):
        capi.colonies_client_remove_executor(self._handle, colonyname, executorname, prvkey)

    def get_executor(self, colonyname, executorname, prvkey):
        return _reply(capi.colonies_client_get_executor(self._handle, colonyname, executorname,
                                                        prvkey))

    def list_executors(self, colonyname, prvkey):
        return _reply(capi.colonies_client_list_executors(self._handle, colonyname, prvkey))

    # Functions.

    def add_function(self, colonyname, executorname, funcname, prvkey):
        """Registers that the executor offers ``funcname``; ``prvkey`` is the executor's."""
        function = {"colonyname": colonyname, "executorname": executorname, "funcname": funcname}
        return _reply(capi.colonies_client_add_function(self._handle, json.dumps(function), prvkey))

    def get_functions_by_executor(self, colonyname, executorname, prvkey):
        return _reply(capi.colonies_client_list_functions(self._handle, colonyname, executorname,
                                                          prvkey))

    def get_functions_by_colony(self, colonyname, prvkey):
        return _reply(capi.colonies_client_list_functions(self._handle, colonyname, None, prvkey))

    def remove_function(self, functionid, prvkey):
        capi.colonies_client_remove_function(self._handle, functionid, prvkey)

    # Processes.

    def submit_func_spec(self, spec, prvkey):
        """Submits a ``FuncSpec`` (or its dict); returns the new ``Process``."""
        return Process(_reply(capi.colonies_client_submit(self._handle, to_json(spec), prvkey)))

    def assign(self, colonyname, timeout, prvkey, cpu=None, mem=None):
        """Waits up to ``timeout`` seconds for a process and assigns it to the
        calling executor; returns the ``Process``. ``cpu`` and ``mem`` are
        the executor's free resources (e.g. ``"1000m"``, ``"1Gi"``). Raises
        ``TimeoutError`` (a ``ColoniesConnectionError``) when none came."""
        return Process(_reply(capi.colonies_client_assign(self._handle, colonyname, int(timeout),
                                                          cpu, mem, prvkey)))

    def close(self, processid, output, prvkey):
        """Closes a process as successful with ``output`` (a list, or None)."""
        capi.colonies_client_close(self._handle, processid, _list_json(output, "output"), prvkey)

    def fail(self, processid, errors, prvkey):
        """Closes a process as failed with ``errors`` (a list of str, or None)."""
        capi.colonies_client_fail(self._handle, processid, _list_json(errors, "errors"), prvkey)

    def set_output(self, processid, arr, prvkey):
        """Sets the output (a list) of a running process."""
        capi.colonies_client_set_output(self._handle, processid, _list_json(arr, "arr"), prvkey)

    def get_process(self, processid, prvkey):
        return Process(_reply(capi.colonies_client_get_process(self._handle, processid, prvkey)))

    def list_processes(self, colonyname, count, state, prvkey, executortype=None, label=None,
                       initiator=None):
        """Up to ``count`` (at most 100) processes of a colony in ``state``, as
        dicts. The server applies only the first filter that is set, in the
        order executortype, initiator (a user's name), label."""
        return _reply(capi.colonies_client_list_processes(
            self._handle, colonyname, int(count), int(state), executortype, label, initiator,
            prvkey))

    def remove_process(self, processid, prvkey):
        capi.colonies_client_remove_process(self._handle, processid, prvkey)

    def remove_all_processes(self, colonyname, prvkey, state=-1):
        """Removes a colony's processes in ``state``, or in every state (-1),
        as the colony owner. Running processes cannot be removed."""
        capi.colonies_client_remove_all_processes(self._handle, colonyname, int(state), prvkey)

    def cancel_process(self, processid, prvkey):
        capi.colonies_client_cancel_process(self._handle, processid, prvkey)


def _list_json(value, name):
    """A list argument as JSON text, or None for no value."""
    if value is None:
        return None
    if isinstance(value, tuple):
        value = list(value)
    if not isinstance(value, list):
        raise InvalidArgumentError(f"{name} must be a list, not {type(value).__name__}")
    return to_json(value)


def colonies_client(native_crypto=False):
    """A client configured from the environment, as pycolonies' helper.

    Reads COLONIES_SERVER_HOST, COLONIES_SERVER_PORT, COLONIES_SERVER_TLS
    (https when "true"), COLONIES_COLONY_NAME, COLONIES_COLONY_PRVKEY,
    COLONIES_EXECUTOR_NAME and COLONIES_PRVKEY, and returns
    ``(client, colonyname, colony_prvkey, executorname, prvkey)``; the
    optional variables are None when unset.
    """
    host = os.getenv("COLONIES_SERVER_HOST")
    port = os.getenv("COLONIES_SERVER_PORT")
    if not host or not port:
        raise InvalidArgumentError("COLONIES_SERVER_HOST and COLONIES_SERVER_PORT must be set")
    tls = os.getenv("COLONIES_SERVER_TLS") == "true"
    client = Colonies(host, int(port), tls, native_crypto=native_crypto)
    return (client, os.getenv("COLONIES_COLONY_NAME"), os.getenv("COLONIES_COLONY_PRVKEY"),
            os.getenv("COLONIES_EXECUTOR_NAME"), os.getenv("COLONIES_PRVKEY"))
