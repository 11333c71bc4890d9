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
from ._handle import Handle
from .errors import DoneError, InvalidArgumentError, NotFoundError, ResubscribedError
from .model import FuncSpec, Process, Workflow
from .operations import Operations
from .realtime import Subscription, _complete

__all__ = ["Colonies", "colonies_client"]


def _convert(value, reply):
    """The decoded reply as the registry's reply type: a model, a list of models, or as is."""
    if isinstance(reply, list):
        make = reply[0]._from_json
        return [make(v) if isinstance(v, dict) else v for v in value or []]
    if reply is None or not isinstance(value, dict):
        return value
    return reply._from_json(value)


def _is_workflow(value):
    """A Workflow, or a plain dict with only a workflow's fields."""
    if isinstance(value, Workflow):
        return True
    return (isinstance(value, dict) and not isinstance(value, FuncSpec) and bool(value)
            and set(value) <= set(Workflow._fields))


def _resumed(sub):
    """A subscription's events across its re-subscriptions: for one that
    resumes after its last event (subscribe_channel), none is lost or
    repeated by a lost connection."""
    while True:
        try:
            yield sub.next()
        except ResubscribedError:
            continue
        except DoneError:
            return


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
        # Calls blocked on the network (an assign, a wait) end at release().
        self._handle = Handle(handle, capi.colonies_client_free,
                              lambda: InvalidArgumentError("the client has been released"),
                              on_release=capi.colonies_client_cancel_all)

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

    def release(self):
        """Releases the client's connections; calls made afterwards raise
        ``InvalidArgumentError``. Calls in flight are cancelled. Releasing
        twice is harmless. (pycolonies' ``close`` closes a process.)"""
        handle = getattr(self, "_handle", None)
        if handle is not None:
            handle.release()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.release()

    def __del__(self):
        # capi may already be torn down when this runs at interpreter exit.
        if capi is not None:
            self.release()

    def __repr__(self):
        return f"Colonies({self.host!r}, {self.port!r}, tls={self.tls})"

    def _run(self, start, *args):
        """Starts (or prepares) a call in the core with start(handle, *args)
        and waits for its reply (see _complete); a prepared call runs on this
        thread while it waits."""
        with self._handle.use() as handle:
            # The client outlives the call: a prepared call runs on its connections.
            return _complete(start(handle, *args))

    def _call(self, operation, params, prvkey, reply):
        """Runs a registry operation; what the generated methods call."""
        out = self._run(capi.colonies_client_call_prepare, operation, to_json(params), prvkey, 0)
        return _convert(json.loads(out), reply)

    def call(self, operation, params=None, prvkey=None):
        """Runs any operation of the registry by name with a dict of its
        parameters, and returns the decoded reply (plain JSON values)."""
        out = self._run(capi.colonies_client_call_prepare, operation, to_json(params or {}), prvkey, 0)
        return json.loads(out)

    def health(self):
        """True when the server says it is healthy; raises otherwise."""
        self._run(capi.colonies_client_health_start, 0)
        return True

    # Realtime: the server's websocket.

    def subscribe(self, operation, params, prvkey, reply=None):
        """Opens any of the registry's websocket subscriptions by name with a
        dict of its parameters; a Subscription of its events (plain JSON
        values, or models of the class reply)."""
        with self._handle.use() as handle:
            sub = capi.colonies_client_subscribe(handle, operation, to_json(params), prvkey)
        return Subscription(sub, (lambda v: _convert(v, reply)) if reply else None)

    def _subscribe(self, operation, params, prvkey, reply):
        """What the generated subscription methods call."""
        return self.subscribe(operation, params, prvkey, reply)

    def _subscribe_batches(self, operation, params, prvkey, reply, callback=None):
        """pycolonies' subscribe_channel: each batch of entries to callback
        until it returns False or the subscription ends (its timeout), or,
        without a callback, every entry in one list once it has ended."""
        entries = []
        with self.subscribe(operation, params, prvkey, reply) as sub:
            for batch in _resumed(sub):
                if callback is None:
                    entries.extend(batch)
                elif callback(batch) is False:
                    break
        return entries if callback is None else None

    def wait(self, process, timeout, prvkey, state=None):
        """Waits until a process has finished (successful, failed or
        cancelled), or, given state, until it is in that state; returns the
        process as it then is. process is a process or its id. Raises
        ExpiredError (a TimeoutError) when timeout seconds pass first.
        Follows the process over the server's websocket and reads it too,
        so a change the subscription misses is still seen. Ctrl-C stops it."""
        ident = process if isinstance(process, str) else to_json(process)
        target = capi.COLONIES_WAIT_FINISHED if state is None else int(state)
        out = self._run(capi.colonies_client_wait_process_start, ident, target, round(timeout * 1000), prvkey)
        return Process(json.loads(out))

    # pycolonies' methods that are more than one operation.

    def find_process(self, nodename, processids, prvkey):
        """The process of node nodename in a workflow's process graph, or
        None when the graph has no such node. processids is the graph's
        process ids (pycolonies' parameter), or the graph itself, or its id.
        Two or three requests, whatever the graph's size."""
        graph = processids if isinstance(processids, str) else to_json(processids)
        with self._handle.use() as handle:
            try:
                out = capi.colonies_client_find_process(handle, graph, nodename, prvkey, None)
            except NotFoundError:
                return None
        return Process(json.loads(out))

    def run_workflow(self, workflow, prvkey, timeout=60):
        """Submits a workflow and waits (up to timeout seconds) for the
        process of its last node to finish, whichever way; returns that
        process. Raises ExpiredError when the time is up first."""
        out = self._run(capi.colonies_client_run_workflow_start, to_json(workflow), prvkey, round(timeout * 1000))
        return Process(json.loads(out))

    def submit(self, spec, prvkey):
        """The seed's submit: a workflow (a Workflow) is submitted as one,
        giving its ProcessGraph; a function spec gives its Process."""
        if _is_workflow(spec):
            return self.submit_workflow(spec, prvkey)
        return self.submit_func_spec(spec, prvkey)

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
