"""The Colonies client: pycolonies' ``Colonies``, over the C core.

Its methods are generated from the registry (colonies.operations): one per
operation of the server, named after its message type
(``get_process_graph``, ``assign_process``, ...), and pycolonies' names and
parameters for the same operations (``get_processgraph``, ``assign``,
``close``, ...). Each is one call into the core, which checks the
parameters against the registry, signs the request, talks to the server and
raises (through ``colonies.errors``) on failure: a server or transport
failure raises a ``ColoniesConnectionError`` subclass, as pycolonies raises
``ColoniesConnectionError``; a bad argument raises an ``InvalidArgumentError``
(a ``ValueError``) before anything is sent. The interpreter lock is released
while a call waits on the network, and one client may be used from many
threads.

Results are models (dicts whose fields also read as attributes, see
``colonies.model``), lists of them, ``None`` for operations that reply
nothing, and ``{}`` where pycolonies' method returns the server's empty
reply.
"""

import json
import threading

from . import capi
from ._model import to_json
from .errors import InvalidArgumentError
from .operations import Operations

__all__ = ["Colonies", "colonies_client"]


def _convert(value, reply):
    """The decoded reply as the registry's reply type: a model, a list of models, or as is."""
    if isinstance(reply, list):
        cls = reply[0]
        return [cls(v) if isinstance(v, dict) else v for v in value or []]
    if reply is None or not isinstance(value, dict):
        return value
    return reply(value)


class Colonies(Operations):
    """A client of one Colonies server; see the module's docstring and
    ``Operations.__init__`` for the options."""

    def _connect(self, host, port, native_crypto, options):
        self.host = host
        self.port = port
        self.tls = bool(options.get("tls"))
        self.native_crypto = native_crypto
        self.url = f"{'https' if self.tls else 'http'}://{host}:{port}/api"
        # Only what the caller set: the core owns the defaults.
        given = {k: v for k, v in options.items() if v is not None}
        self._open(capi.colonies_client_new(host, int(port), json.dumps(given)))

    def _open(self, handle):
        self._lock = threading.Lock()
        self._busy = 0
        self._releasing = False
        self._handle = handle

    @classmethod
    def from_env(cls, **options):
        """A client for the server the COLONIES_* environment names
        (COLONIES_SERVER_HOST, COLONIES_SERVER_PORT, COLONIES_SERVER_TLS or
        COLONIES_TLS); options as for the constructor win over it."""
        self = cls.__new__(cls)
        env = json.loads(capi.colonies_env())
        given = {k: v for k, v in options.items() if v is not None}
        handle = capi.colonies_client_new_from_env(json.dumps(given))
        self.host, self.port = env.get("host"), env.get("port")
        self.tls = bool(given.get("tls", env.get("tls", False)))
        self.native_crypto = False
        self.url = f"{'https' if self.tls else 'http'}://{self.host}:{self.port}/api"
        self._open(handle)
        return self

    # The handle is freed only once no call is using it.

    def _acquire(self):
        with self._lock:
            if self._releasing:
                raise InvalidArgumentError("the client has been released")
            self._busy += 1
            return self._handle

    def _done(self):
        with self._lock:
            self._busy -= 1
            last = self._releasing and self._busy == 0
            handle, self._handle = (self._handle, None) if last else (None, self._handle)
        if handle is not None:
            capi.colonies_client_free(handle)

    def release(self):
        """Releases the client's connections; calls made afterwards raise
        ``InvalidArgumentError``. Calls in flight finish first. Releasing
        twice is harmless. (pycolonies' ``close`` closes a process.)"""
        with self._lock:
            if getattr(self, "_handle", None) is None or self._releasing:
                return
            self._releasing = True
            handle, self._handle = (self._handle, None) if self._busy == 0 else (None, self._handle)
        if handle is not None:
            capi.colonies_client_free(handle)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.release()

    def __del__(self):
        # capi may already be torn down when this runs at interpreter exit.
        handle = getattr(self, "_handle", None)
        if handle is not None and capi is not None and not getattr(self, "_busy", 0):
            capi.colonies_client_free(handle)
            self._handle = None

    def __repr__(self):
        return f"Colonies({self.host!r}, {self.port!r}, tls={self.tls})"

    def _call(self, operation, params, prvkey, reply):
        """Runs a registry operation; what the generated methods call."""
        text = to_json(params)
        handle = self._acquire()
        try:
            out = capi.colonies_client_call(handle, operation, text, prvkey, 0, None)
        finally:
            self._done()
        return _convert(json.loads(out), reply)

    def call(self, operation, params=None, prvkey=None):
        """Runs any operation of the registry by name with a dict of its
        parameters, and returns the decoded reply (plain JSON values)."""
        handle = self._acquire()
        try:
            out = capi.colonies_client_call(handle, operation, to_json(params or {}), prvkey, 0, None)
        finally:
            self._done()
        return json.loads(out)

    def health(self):
        """True when the server says it is healthy; raises otherwise."""
        handle = self._acquire()
        try:
            capi.colonies_client_health(handle, 0, None)
        finally:
            self._done()
        return True

    # pycolonies' methods that are more than one operation.

    def find_process(self, nodename, processids, prvkey):
        """The process among processids whose spec has nodename, or None
        (pycolonies' method: one get_process per id)."""
        for processid in processids:
            process = self.get_process(processid, prvkey)
            if process.spec.nodename == nodename:
                return process
        return None

    def get_processes_for_workflow(self, processgraphid, colonyname, prvkey, count=100):
        """Up to count processes of a workflow's process graph, in the
        graph's order. colonyname is accepted for pycolonies' sake: the graph
        names its colony."""
        graph = self.get_process_graph(processgraphid, prvkey)
        return [self.get_process(pid, prvkey) for pid in graph.processids[:count]]


def colonies_client(native_crypto=False):
    """A client configured from the environment, as pycolonies' helper.

    Reads COLONIES_SERVER_HOST, COLONIES_SERVER_PORT, COLONIES_SERVER_TLS
    (or COLONIES_TLS), COLONIES_COLONY_NAME, COLONIES_COLONY_PRVKEY,
    COLONIES_EXECUTOR_NAME and COLONIES_PRVKEY (see colonies_env in the
    core), and returns ``(client, colonyname, colony_prvkey, executorname,
    prvkey)``; the optional values are None when unset.
    """
    env = json.loads(capi.colonies_env())
    client = Colonies.from_env()
    client.native_crypto = native_crypto
    return (client, env.get("colonyname"), env.get("colony_prvkey"), env.get("executorname"),
            env.get("prvkey"))
