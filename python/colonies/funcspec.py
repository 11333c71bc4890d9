"""Building function specifications, pycolonies' ``func_spec``."""

import json

from . import capi
from ._model import to_json
from .model import FuncSpec

__all__ = ["func_spec", "create_func_spec"]


def func_spec(func, args, colonyname, executortype, executorname=None, priority=None,
              maxexectime=None, maxretries=None, maxwaittime=None, code=None, kwargs=None,
              fs=None, **options):
    """A ``FuncSpec`` ready for ``Colonies.submit_func_spec``.

    The arguments are pycolonies' and mean the same. ``func`` is a function
    name, or a Python function: then its name is the function name, its
    source is shipped base64-encoded in env ``code`` and its parameter names
    in env ``args_spec`` (``code`` is ignored), as pycolonies does.

    A parameter left as None gets the core's default, which is pycolonies'
    (priority 1; maxexectime, maxretries and maxwaittime -1, meaning no
    limit). Further keyword arguments are the core's other options (label,
    env, executornames, dependencies, cpu, mem, nodename, ...; see
    ``colonies_func_spec_new``). The core checks every value: a missing or
    wrong one, or an unknown option, raises ``InvalidArgumentError`` naming
    it. ``fs`` is a ``Fs`` model or a dict. The options, their defaults and
    ranges are the registry's (``colonies_func_spec_new`` in the core).
    """
    opts = dict(options)
    if callable(func):
        import inspect  # only here: importing it costs more than the rest of the package
        env = dict(opts.get("env") or {})
        env["args_spec"] = ",".join(inspect.getfullargspec(func).args)
        opts["env"] = env
        opts["funcname"] = func.__name__
        code = inspect.getsource(func)
    else:
        opts["funcname"] = func
    # None means "not given": the core treats a null option as its default.
    opts.update(args=args, colonyname=colonyname, executortype=executortype,
                executorname=executorname, priority=priority, maxexectime=maxexectime,
                maxretries=maxretries, maxwaittime=maxwaittime, code=code, kwargs=kwargs,
                fs=fs)
    return FuncSpec(json.loads(capi.colonies_func_spec_new(to_json(opts))))


def create_func_spec(func, args=None, colonyid=None, executortype=None, executorname=None, priority=None,
                     maxexectime=None, maxretries=None, maxwaittime=None, code=None, kwargs=None, fs=None,
                     colonyname=None, **options):
    """The seed's name for ``func_spec``, with its ``colonyid`` keyword: the
    server names colonies by name today, so ``colonyid`` is taken as the
    colony's name (``colonyname`` is accepted too)."""
    return func_spec(func, [] if args is None else args, colonyname, executortype, executorname=executorname,
                     priority=priority, maxexectime=maxexectime, maxretries=maxretries,
                     maxwaittime=maxwaittime, code=code, kwargs=kwargs, fs=fs, colonyid=colonyid, **options)
