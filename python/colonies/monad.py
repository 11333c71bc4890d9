"""Monadic workflows, as in the seed's example:

    m = ColoniesMonad("localhost", 50080, colonyname, executor_prvkey)
    result = (m >> Function(gen_data, colonyname, executortype="python_executor")
                >> Function(process_data, colonyname, executortype="python_executor")
                >> Function("echo", colonyname, executortype="echo_executor")).unwrap()

Each ``>>`` adds a step; ``unwrap()`` runs the steps as one workflow, each
step getting the one before's output as its arguments, waits for the last
and returns the first value of its output. A step is a function's name, or a
Python function whose code is shipped in its spec (run by an executor that
allows it, see ``colonies.executor``). The chain is built and run by the
core (``colonies_workflow_chain``, ``colonies_client_run_workflow``).
"""

import json

from . import capi
from ._model import to_json
from .errors import ColoniesError
from .funcspec import create_func_spec
from .model import ProcessState

__all__ = ["ColoniesMonad", "Function"]


class Function:
    """A step: func (a function's name, or a Python function to ship) for
    the colony, run by executors of executortype. Further keyword arguments
    are function spec options (maxexectime, priority, ...). The seed's
    ``colonyid`` names the colony too."""

    def __init__(self, func, colonyname=None, executortype=None, colonyid=None, **options):
        self.spec = create_func_spec(func=func, args=[], colonyid=colonyid, colonyname=colonyname,
                                     executortype=executortype, **options)

    def __repr__(self):
        return f"Function({self.spec.funcname!r})"


class ColoniesMonad:
    """A chain of steps for a colony. Made as in the seed,
    ``ColoniesMonad(host, port, colonyname, prvkey)``, or as in pycolonies,
    ``ColoniesMonad(client, colonyname, prvkey)``."""

    def __init__(self, *args, **kwargs):
        from .client import Colonies
        if args and isinstance(args[0], Colonies):
            self.client, self.colonyname, self.prvkey = _take(args, kwargs, ("client", "colonyname", "prvkey"))
        else:
            host, port, self.colonyname, self.prvkey = _take(args, kwargs, ("host", "port", "colonyname", "prvkey"))
            self.client = Colonies(host, port)
        self.steps = []

    def bind(self, step):
        """A new monad: this one's steps, then step (a Function)."""
        if not isinstance(step, Function):
            raise TypeError(f"a step is a colonies.monad.Function, not {type(step).__name__}")
        grown = object.__new__(ColoniesMonad)
        grown.client, grown.colonyname, grown.prvkey = self.client, self.colonyname, self.prvkey
        grown.steps = self.steps + [step]
        return grown

    __rshift__ = bind

    def unwrap(self, timeout=60):
        """Runs the chain and returns the first value of the last step's
        output (None when it has none). Raises ColoniesError with the
        process's errors when a step failed."""
        process = self.run(timeout)
        if process.state != ProcessState.SUCCESSFUL:
            # A failed step fails every step after it, which then carry no errors of their own.
            raise ColoniesError("the chain failed: " + ("; ".join(process.errors) or "a step before the last failed"))
        return process.output[0] if process.output else None

    def run(self, timeout=60):
        """Runs the chain; the last step's process, once it has finished."""
        chain = json.loads(capi.colonies_workflow_chain(self.colonyname, to_json([s.spec for s in self.steps])))
        return self.client.run_workflow(chain, self.prvkey, timeout)


def _take(args, kwargs, names):
    values = list(args) + [kwargs.pop(n) for n in names[len(args):] if n in kwargs]
    if len(values) != len(names) or kwargs:
        raise TypeError(f"ColoniesMonad takes ({', '.join(names)})")
    return values
