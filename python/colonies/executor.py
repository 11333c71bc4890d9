"""The executor runtime: functions in, processes run, no assign loop to write.

    from colonies import Colonies, ExecutorRuntime

    def echo(*args, ctx={}):
        return args                      # a tuple spreads into the output

    client = Colonies("localhost", 50080)
    ExecutorRuntime(client, "dev", "echo_executor", prvkey=executor_prvkey,
             functions=[echo]).run()     # until Ctrl-C or SIGTERM

or, from a shell, ``python -m colonies.executor --module mymodule`` (see
``--help``). The loop itself is the core's (``colonies/executor.h``): it
registers the executor when given the colony owner's key, adds its
functions, assigns, and retries while the server is away; this module runs
the functions.

The contract for a function, registered or shipped in a spec:

- It is called as ``fn(*args, **kwargs, ctx=ctx)``, without ``ctx`` when
  it takes neither a ``ctx`` parameter nor ``**kwargs``. ``args`` are the
  parents' outputs for a node of a workflow that has them, else the spec's
  args; ``kwargs`` are the spec's.
- ``ctx`` holds ``process`` (the process, a ``Process``), ``colonyname``,
  ``colonyid`` (the seed's name for the colony's name), ``executorname``
  and ``executor_prvkey``.
- Its return value becomes the output: a tuple spreads into the output list,
  ``None`` gives an empty one, anything else is the one value. An exception
  fails the process with its text.
- It runs in a thread of its own. The runtime stops waiting for it at the
  process's maxexectime (the server then gives the process to another
  executor) or when the process is cancelled.
- Code shipped inside a spec (``func_spec(func=a_python_function, ...)``)
  runs only when ``run_shipped_code=True``, since it executes what the
  server sends. It sees the names ``colonies`` (this client),
  ``func_spec``, ``create_func_spec``, ``Colonies``, ``Workflow`` and
  ``Crypto``.

On Ctrl-C or SIGTERM the runtime stops assigning, gives the function in
flight ``grace`` seconds, then fails its process with the reason, and
removes the executor if it registered it.
"""

import json
import logging
import os
import signal
import sys
import threading
import time

from . import capi
from ._handle import Handle
from ._model import to_json
from .errors import ColoniesError, InvalidArgumentError
from .model import Process, ProcessState
from .realtime import _complete

__all__ = ["ExecutorRuntime"]

log = logging.getLogger("colonies.executor")


class Stopped(BaseException):
    """Raised in the main thread by SIGTERM while the runtime runs; like
    KeyboardInterrupt, it is not an Exception, so functions do not catch it."""


def _output(value):
    """A function's return value as the process's output list."""
    if value is None:
        return []
    if isinstance(value, tuple):
        return list(value)
    return [value]


def _takes_ctx(fn):
    code = getattr(fn, "__code__", None)
    if code is not None and not hasattr(fn, "__wrapped__"):
        # A plain function: its code says it, without importing inspect (a blocked
        # executor's memory is most of what it costs).
        named = code.co_varnames[:code.co_argcount + code.co_kwonlyargcount]
        return "ctx" in named or bool(code.co_flags & 0x08)  # CO_VARKEYWORDS: **kwargs
    import inspect
    try:
        params = inspect.signature(fn).parameters.values()
    except (TypeError, ValueError):
        return False
    return any(p.name == "ctx" or p.kind == p.VAR_KEYWORD for p in params)


class ExecutorRuntime:
    """Runs functions for processes of a colony; see the module's docstring.

    ``functions`` is a list of functions (each named by its ``__name__``)
    or a dict of names to functions; ``add()`` adds more before ``run()``.
    The other options are the core's executor options (``executorname``,
    ``prvkey``, ``colony_prvkey``, ``assign_timeout``, ``backoff_max``; see
    ``colonies_executor_new``): without ``prvkey`` a new key is made and
    ``colony_prvkey`` registers it. ``colonyid`` is accepted for
    ``colonyname``."""

    def __init__(self, client, colonyname=None, executortype=None, *, functions=None, run_shipped_code=False,
                 grace=10.0, colonyid=None, **options):
        self.client = client
        self.run_shipped_code = run_shipped_code
        self.grace = float(grace)
        self._functions = {}
        for name, fn in (functions.items() if isinstance(functions, dict)
                         else ((f.__name__, f) for f in functions or [])):
            self.add(fn, name)
        self._options = {k: v for k, v in options.items() if v is not None}
        self._options.update(colonyname=colonyname or colonyid, executortype=executortype)
        self._handle = None
        self._lock = threading.Lock()
        self._call = None
        self._stop_reason = None
        self.processed = 0

    def add(self, fn, name=None):
        """Adds fn as the function name (default: its __name__). Returns fn,
        so that it also serves as a decorator: ``@executor.add``."""
        if not callable(fn):
            raise InvalidArgumentError(f"{fn!r} is not a function")
        self._functions[name or fn.__name__] = fn
        return fn

    @property
    def info(self):
        """The runtime's executor: its name, type, id, key, whether it registered it."""
        with self._open().use() as ex:
            return json.loads(capi.colonies_executor_info(ex))

    def _open(self):
        with self._lock:
            if self._handle is None:
                opts = dict(self._options, functions=sorted(self._functions))
                with self.client._handle.use() as client:
                    ex = capi.colonies_executor_new(client, to_json(opts))
                self._handle = Handle(ex, capi.colonies_executor_free,
                                      lambda: InvalidArgumentError("the executor has been released"))
            return self._handle

    def register(self):
        """Registers the executor (given the colony owner's key) and adds its
        functions now rather than at the first assign, so that processes can
        be submitted with its key at once. Returns the runtime."""
        self._start(capi.colonies_executor_register_start, stoppable=True)
        return self

    def stop(self, reason="stopped"):
        """Asks run() to stop, from any thread: no more processes are
        assigned, and the function in flight gets the grace period."""
        with self._lock:
            self._stop_reason = self._stop_reason or reason
            # Under the lock: _start frees the call only after forgetting it here.
            if self._call is not None:
                capi.colonies_call_cancel(self._call)

    def _start(self, start, *args, stoppable=False):
        """Runs a core call of the runtime; a stoppable one (waiting for
        work) is cancelled by stop(), the others (closing, failing) land."""
        with self._open().use() as ex:
            call = start(ex, *args)
        if not stoppable:
            return _complete(call)
        with self._lock:
            self._call = call
            stopping = self._stop_reason is not None
        if stopping:
            capi.colonies_call_cancel(call)
        return _complete(call, ended=self._forget_call)

    def _forget_call(self):
        with self._lock:
            self._call = None

    def run(self, max_processes=None):
        """Assigns and runs processes until stop(), Ctrl-C or SIGTERM (or
        max_processes of them); returns how many ran. Removes the executor
        at the end if it registered it."""
        main = threading.current_thread() is threading.main_thread()
        previous = signal.signal(signal.SIGTERM, self._on_sigterm) if main else None
        try:
            while self._stop_reason is None and (max_processes is None or self.processed < max_processes):
                try:
                    job = json.loads(self._start(capi.colonies_executor_next_start, stoppable=True))
                except KeyboardInterrupt:
                    self.stop("interrupted (Ctrl-C)")
                    break
                except Stopped:
                    self.stop("terminated (SIGTERM)")
                    break
                except ColoniesError:
                    if self._stop_reason is not None:
                        break
                    raise
                if job.get("notice"):
                    log.warning("%s", job["notice"])
                if job.get("process"):
                    self._run_job(job)
                    self.processed += 1
        finally:
            if main:
                signal.signal(signal.SIGTERM, previous)
            self.release()
        return self.processed

    def _on_sigterm(self, signum, frame):
        raise Stopped("SIGTERM")

    def release(self):
        """Removes the executor if this runtime registered it, and releases the runtime."""
        with self._lock:
            handle, self._handle = self._handle, None
        if handle is None:
            return
        try:
            with handle.use() as ex:
                capi.colonies_executor_stop(ex)
        except ColoniesError as e:
            log.warning("removing the executor: %s", e)
        handle.release()

    # Running one process.

    def _resolve(self, job):
        fn = self._functions.get(job["funcname"])
        if fn is not None or not job.get("code"):
            return fn
        if not self.run_shipped_code:
            raise InvalidArgumentError(f"{job['funcname']} is code shipped in the spec, and this executor does "
                                       "not run shipped code (run_shipped_code=False)")
        from . import Colonies, Crypto, Workflow, create_func_spec, func_spec
        names = {"colonies": self.client, "func_spec": func_spec, "create_func_spec": create_func_spec,
                 "Colonies": Colonies, "Workflow": Workflow, "Crypto": Crypto}
        import textwrap
        exec(compile(textwrap.dedent(job["code"]), f"<shipped {job['funcname']}>", "exec"), names)
        fn = names.get(job["funcname"])
        if not callable(fn):
            raise InvalidArgumentError(f"the shipped code defines no function {job['funcname']}")
        return fn

    def _run_job(self, job):
        process = Process(job["process"])
        pid = process.processid
        ctx = dict(job["ctx"], process=process)
        try:
            fn = self._resolve(job)
        except Exception as e:  # noqa: BLE001 - any failure to load is the process's failure
            return self._end(pid, fail=[f"{type(e).__name__}: {e}"])
        if fn is None:
            return self._end(pid, fail=[f"no function {job['funcname']} in this executor"])
        outcome = {}
        # Not Thread.join: a signal that interrupts it can leave is_alive() wrong (CPython bpo-45274).
        finished = threading.Event()

        def work():
            try:
                kwargs = dict(job.get("kwargs") or {})
                if _takes_ctx(fn):
                    kwargs["ctx"] = ctx
                outcome["output"] = _output(fn(*job["args"], **kwargs))
            except BaseException as e:  # noqa: BLE001 - reported as the process's failure
                outcome["error"] = str(e) or type(e).__name__
            finally:
                finished.set()
        worker = threading.Thread(target=work, name=f"colonies {job['funcname']} {pid[:12]}", daemon=True)
        worker.start()
        limit = job.get("maxexectime", -1)
        deadline = time.monotonic() + limit if limit and limit > 0 else None
        watch = self._watch_cancel(pid)
        grace_end = None
        try:
            while not finished.is_set():
                try:
                    finished.wait(0.025)
                except KeyboardInterrupt:
                    self.stop("interrupted (Ctrl-C)")
                except Stopped:
                    self.stop("terminated (SIGTERM)")
                if self._stop_reason is not None and grace_end is None:
                    grace_end = time.monotonic() + self.grace
                if grace_end is not None and time.monotonic() > grace_end and not finished.is_set():
                    return self._end(pid, fail=[f"the executor was {self._stop_reason} before "
                                                f"{job['funcname']} finished (after a {self.grace:g} s grace)"])
                if deadline is not None and time.monotonic() > deadline:
                    log.warning("%s (process %s) ran past its maxexectime of %s s: the server gives it to "
                                "another executor", job["funcname"], pid, limit)
                    return None
                if watch is not None and capi.colonies_call_wait(watch, 0):
                    try:
                        capi.colonies_call_result(watch)
                        log.warning("process %s was cancelled while %s ran", pid, job["funcname"])
                        return None
                    except ColoniesError as e:
                        log.warning("watching process %s for its cancellation: %s", pid, e)
                        capi.colonies_call_free(watch)
                        watch = None
        finally:
            if watch is not None:
                capi.colonies_call_free(watch)
        if "error" in outcome:
            return self._end(pid, fail=[outcome["error"]])
        return self._end(pid, output=outcome.get("output", []))

    def _watch_cancel(self, processid):
        """A wait for the process's cancellation, polled while its function runs."""
        try:
            key = self.info["prvkey"]
            with self.client._handle.use() as client:
                return capi.colonies_client_wait_process_start(client, processid, ProcessState.CANCELLED, 86400000,
                                                               key)
        except ColoniesError:
            return None

    def _end(self, processid, output=None, fail=None):
        """Closes or fails the process; the core makes sure it lands once."""
        try:
            if fail is not None:
                self._start(capi.colonies_executor_fail_start, processid, to_json(fail))
            else:
                self._start(capi.colonies_executor_close_start, processid, to_json(output))
        except ColoniesError as e:
            log.warning("process %s: %s", processid, e)
        except (KeyboardInterrupt, Stopped):
            self.stop("interrupted")


def main(argv=None):
    """python -m colonies.executor: an executor of a module's functions."""
    env = json.loads(capi.colonies_env())
    import argparse
    parser = argparse.ArgumentParser(prog="python -m colonies.executor", description=(
        "Runs a module's functions for the processes of a colony. The server and keys come from the "
        "COLONIES_* environment (see colonies_env), or from the options."))
    parser.add_argument("--module", action="append", default=[], help="a module (or .py file) whose public "
                        "functions to offer; may be given more than once")
    parser.add_argument("--function", action="append", default=[], help="offer only these functions")
    parser.add_argument("--colonyname", default=env.get("colonyname"))
    parser.add_argument("--executortype", default=env.get("executortype"))
    parser.add_argument("--executorname", default=env.get("executorname"))
    parser.add_argument("--prvkey", default=env.get("prvkey"), help="the executor's key")
    parser.add_argument("--colony-prvkey", default=None,
                        help="the colony owner's key: register (and at the end remove) the executor "
                        "(default: COLONIES_COLONY_PRVKEY when --prvkey is not given)")
    parser.add_argument("--run-shipped-code", action="store_true",
                        help="run Python code shipped inside function specs (it executes what the server sends)")
    parser.add_argument("--grace", type=float, default=10.0, help="seconds the function in flight gets on stop")
    parser.add_argument("--max-processes", type=int, default=None, help="stop after this many processes")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    functions = {}
    for name in args.module:
        if name.endswith(".py"):
            sys.path.insert(0, os.path.dirname(os.path.abspath(name)))
            name = os.path.splitext(os.path.basename(name))[0]
        import importlib
        import inspect
        module = importlib.import_module(name)
        for fname, fn in vars(module).items():
            if inspect.isfunction(fn) and fn.__module__ == module.__name__ and not fname.startswith("_"):
                if not args.function or fname in args.function:
                    functions[fname] = fn
    colony_prvkey = args.colony_prvkey or (None if args.prvkey else env.get("colony_prvkey"))
    from .client import Colonies
    client = Colonies.from_env()
    executor = ExecutorRuntime(client, args.colonyname, args.executortype, functions=functions,
                        run_shipped_code=args.run_shipped_code, grace=args.grace, executorname=args.executorname,
                        prvkey=args.prvkey, colony_prvkey=colony_prvkey)
    info = executor.info
    log.info("executor %s (type %s) in colony %s offers: %s", info["executorname"], info["executortype"],
             info["colonyname"], ", ".join(sorted(functions)) or "(shipped code only)")
    n = executor.run(args.max_processes)
    log.info("stopped after %d processes (%s)", n, executor._stop_reason or "done")
    return 0


if __name__ == "__main__":
    sys.exit(main())
