"""Attribute access over the server's JSON objects.

A model wraps the JSON object (a dict) the server sent, or the one a caller
builds, and reads its fields as attributes: ``process.spec.args``,
``process.processid``. It replaces pycolonies' pydantic models without their
validation: a model holds whatever fields it was given, the server's names
are the attribute names, and the server is the judge of what is valid.

What callers may rely on:

- ``Model(**fields)`` or ``Model(dict)`` builds one; a field that is itself a
  model (or a list of models) is stored as its JSON object.
- Reading a missing field raises ``AttributeError``; models fill in no
  defaults (the core does that for function specs, see ``func_spec``).
- A field holding a JSON object is returned as the model named for it in
  ``_nested`` (``Process.spec`` is a ``FuncSpec``), otherwise as the dict
  itself. Either way it shares storage with its parent, so
  ``spec.conditions.executornames = ["e1"]`` and
  ``spec.env["k"] = "v"`` change the parent.
- ``Process.input`` and ``Process.output`` are the JSON fields ``in`` and
  ``out``; ``Process``' time fields read as timezone-aware ``datetime``.
- ``model_dump(by_alias=True)`` gives a deep copy as plain JSON values, as
  the server spells it (``by_alias=False`` uses ``input``/``output``);
  ``model_dump_json()`` gives it as text. ``m["field"]`` reads the raw JSON
  value, as code written against pycolonies' older dict replies expects.
"""

import copy
import datetime as _dt
import json
import re

__all__ = ["Model", "Gpu", "Conditions", "Fs", "FuncSpec", "Attribute", "Process",
           "Colony", "Executor", "Function", "to_json"]


def _jsonable(obj):
    """json.dumps' fallback for the values a model may hold."""
    if isinstance(obj, Model):
        return obj._data
    if isinstance(obj, _dt.datetime):
        return obj.isoformat().replace("+00:00", "Z")
    raise TypeError(f"{type(obj).__name__} is not JSON serialisable")


def to_json(obj):
    """``obj`` as JSON text; models nested anywhere in it become their objects."""
    return json.dumps(obj, default=_jsonable)


def _plain(value):
    """A value as stored in a model: models become their JSON objects."""
    if isinstance(value, Model):
        return value._data
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


# Go writes RFC 3339 with up to nine fractional digits; datetime takes six.
_TIME = re.compile(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)$")


def _parse_time(text):
    m = _TIME.match(text) if isinstance(text, str) else None
    if m is None:
        return text
    frac = (m.group(2) or "")[:6].ljust(6, "0")
    zone = "+00:00" if m.group(3) == "Z" else m.group(3)
    return _dt.datetime.fromisoformat(f"{m.group(1)}.{frac}{zone}")


class Model:
    """A JSON object with attribute access; see the module's docstring."""

    #: JSON field name -> model class for fields holding objects (or lists of them).
    _nested = {}
    #: attribute name -> JSON field name, where Python cannot use the JSON name.
    _aliases = {}
    #: fields holding RFC 3339 times, read as datetime.
    _times = ()

    def __init__(self, _data=None, **fields):
        data = {} if _data is None else _data
        if isinstance(data, Model):
            data = data._data
        if not isinstance(data, dict):
            raise TypeError(f"{type(self).__name__} needs a dict, not {type(data).__name__}")
        object.__setattr__(self, "_data", data)
        for name, value in fields.items():
            setattr(self, name, value)

    def __getattr__(self, name):
        # _data is missing only while a copy or unpickle is under way.
        if name.startswith("__") or name == "_data":
            raise AttributeError(name)
        key = self._aliases.get(name, name)
        try:
            value = self._data[key]
        except KeyError:
            raise AttributeError(f"{type(self).__name__} has no field {name!r}") from None
        if key in self._times:
            return _parse_time(value)
        cls = self._nested.get(key)
        if cls is None:
            return value
        if isinstance(value, dict):
            return cls(value)
        if isinstance(value, list):
            return [cls(v) if isinstance(v, dict) else v for v in value]
        return value

    def __setattr__(self, name, value):
        self._data[self._aliases.get(name, name)] = _plain(value)

    def __getitem__(self, key):
        return self._data[key]

    def __setitem__(self, key, value):
        self._data[key] = _plain(value)

    def __contains__(self, key):
        return key in self._data

    def get(self, key, default=None):
        """The raw JSON value of field ``key``, or ``default``."""
        return self._data.get(key, default)

    def __eq__(self, other):
        if isinstance(other, Model):
            return self._data == other._data
        return NotImplemented

    __hash__ = None

    def __repr__(self):
        return f"{type(self).__name__}({self._data!r})"

    def model_dump(self, by_alias=False, **_ignored):
        """A deep copy as plain JSON values (see the module's docstring)."""
        data = json.loads(to_json(self._data))
        return data if by_alias else self._rename(data)

    def model_dump_json(self, by_alias=False, **_ignored):
        """``model_dump()`` as JSON text."""
        return json.dumps(self.model_dump(by_alias=by_alias))

    @classmethod
    def _rename(cls, data):
        """JSON field names to attribute names, through the nested models."""
        if not isinstance(data, dict):
            return data
        for key, sub in cls._nested.items():
            value = data.get(key)
            if isinstance(value, list):
                data[key] = [sub._rename(v) for v in value]
            elif value is not None:
                data[key] = sub._rename(value)
        for name, key in cls._aliases.items():
            if key in data:
                data[name] = data.pop(key)
        return data

    def __copy__(self):
        return type(self)(copy.copy(self._data))

    def __deepcopy__(self, memo):
        return type(self)(copy.deepcopy(self._data, memo))


class Gpu(Model):
    """GPU requirements: name, mem, count, nodecount."""


class Conditions(Model):
    """Where a process may run: colonyname, executortype, executornames, ..."""

    _nested = {"gpu": Gpu}


class Fs(Model):
    """A function spec's filesystem: mount, snapshots, dirs."""


class FuncSpec(Model):
    """A function specification; build one with ``func_spec()``."""

    _nested = {"conditions": Conditions, "fs": Fs}


class Attribute(Model):
    """A process attribute: key, value, targetid, attributetype."""


class Process(Model):
    """A process as the server reports it; ``spec`` is its ``FuncSpec``."""

    _nested = {"spec": FuncSpec, "attributes": Attribute}
    _aliases = {"input": "in", "output": "out"}
    _times = ("submissiontime", "starttime", "endtime", "waitdeadline", "execdeadline")


class Colony(Model):
    """A colony: colonyid, name."""


class Executor(Model):
    """An executor: executorname, executorid, colonyname, executortype, state, ..."""


class Function(Model):
    """A function an executor offers: functionid, funcname, executorname, ..."""
