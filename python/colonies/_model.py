"""Models: the server's JSON objects as dicts whose fields also read as
attributes.

Every result is a plain ``dict`` subclass, so code written against
pycolonies' dict replies keeps working (``process["spec"]["args"]``,
``isinstance(result, dict)``, ``json.dumps(result)``), and code written
against its pydantic models too (``process.spec.args``,
``process.model_dump()``). The classes in ``colonies.model`` are generated
from the registry; this is their one base.

What callers may rely on:

- ``Model(**fields)`` or ``Model(dict)`` builds one. A field holding an
  object (or a list of objects) of a known type is stored as that type's
  model, so item and attribute access both reach nested models.
- Reading a known field that is missing gives its zero value ("", 0,
  False, an empty list, dict or model); an empty list, dict or model is
  stored, so ``workflow.functionspecs.append(spec)`` works on a new model.
  Reading an unknown field raises ``AttributeError``.
- ``Process.input`` and ``Process.output`` are the JSON fields ``in`` and
  ``out``. Time fields read as timezone-aware ``datetime`` by attribute and
  as the server's text by item. Byte fields (a channel message's payload)
  are ``bytes``, sent as base64.
- ``model_dump(by_alias=True)`` gives a deep copy as plain JSON values, as
  the server spells it (``by_alias=False`` uses ``input``/``output``);
  ``model_dump_json()`` gives it as text.
- A field whose name is also a dict method (``SchemaProperty.items``) is
  read by item only.
"""

import base64
import copy
import datetime as _dt
import json
import re

__all__ = ["Model", "to_json"]


def _jsonable(obj):
    """json.dumps' fallback for the values a model may hold."""
    if isinstance(obj, (bytes, bytearray)):
        return base64.b64encode(bytes(obj)).decode("ascii")
    if isinstance(obj, _dt.datetime):
        return _format_time(obj)
    if isinstance(obj, tuple):
        return list(obj)
    raise TypeError(f"{type(obj).__name__} is not JSON serialisable")


def to_json(obj):
    """``obj`` as JSON text; bytes become base64 and datetimes RFC 3339."""
    return json.dumps(obj, default=_jsonable)


# Go writes RFC 3339 with up to nine fractional digits; datetime takes six.
_TIME = re.compile(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)$")


def _parse_time(text):
    m = _TIME.match(text) if isinstance(text, str) else None
    if m is None:
        return text
    frac = (m.group(2) or "")[:6].ljust(6, "0")
    zone = "+00:00" if m.group(3) == "Z" else m.group(3)
    return _dt.datetime.fromisoformat(f"{m.group(1)}.{frac}{zone}")


def _format_time(value):
    if value.tzinfo is None:
        value = value.replace(tzinfo=_dt.timezone.utc)
    return value.isoformat().replace("+00:00", "Z")


class Model(dict):
    """A JSON object with attribute access; see the module's docstring."""

    #: JSON field name -> zero value (a value, list, dict, or Model for a nested model).
    _fields = {}
    #: JSON field name -> model class, for fields holding objects or lists of them.
    _nested = {}
    #: JSON field name -> model class, for fields holding maps of names to objects.
    _nested_maps = {}
    #: attribute name -> JSON field name, where Python cannot use the JSON name.
    _aliases = {}
    #: fields holding RFC 3339 times, read as datetime.
    _times = ()
    #: fields holding bytes (base64 on the wire).
    _bytes = ()

    @classmethod
    def _special_fields(cls):
        """The fields _convert may change, computed once for each class (model.py
        sets _nested after every class exists)."""
        special = cls.__dict__.get("_special")
        if special is None:
            special = frozenset(cls._nested) | frozenset(cls._nested_maps) | frozenset(cls._bytes)
            cls._special = special
        return special

    def __init__(self, _data=None, **fields):
        super().__init__()
        if _data is not None:
            if not isinstance(_data, dict):
                raise TypeError(f"{type(self).__name__} needs a dict, not {type(_data).__name__}")
            special, plain = self._special_fields(), dict.__setitem__
            for key, value in _data.items():
                # Most fields are plain JSON values that _convert would return as they are.
                if key in special or isinstance(value, (tuple, _dt.datetime)):
                    self[key] = value
                else:
                    plain(self, key, value)
        for name, value in fields.items():
            setattr(self, name, value)

    @classmethod
    def _from_json(cls, data):
        """A model of data, a dict of plain JSON values as json.loads gives
        them (a reply): what cls(data) gives, without looking at the fields
        no conversion touches."""
        model = dict.__new__(cls)
        dict.update(model, data)
        special = cls._special_fields()
        if special:
            for key in special.intersection(data):
                value = data[key]
                nested = cls._nested.get(key)
                if nested is not None:
                    if isinstance(value, dict):
                        value = nested._from_json(value)
                    elif isinstance(value, list):
                        value = [nested._from_json(v) if isinstance(v, dict) else v for v in value]
                    dict.__setitem__(model, key, value)
                else:
                    model[key] = value
        return model

    def _convert(self, key, value):
        cls = self._nested_maps.get(key)
        if cls is not None and isinstance(value, dict):
            return {k: cls(v) if isinstance(v, dict) and type(v) is not cls else v for k, v in value.items()}
        cls = self._nested.get(key)
        if cls is not None:
            if isinstance(value, dict) and type(value) is not cls:
                return cls(value)
            if isinstance(value, list):
                return [cls(v) if isinstance(v, dict) and type(v) is not cls else v for v in value]
            return value
        if key in self._bytes:
            if isinstance(value, str):
                return base64.b64decode(value)
            if isinstance(value, list):
                return bytes(value)
        if isinstance(value, _dt.datetime):
            return _format_time(value)
        if isinstance(value, tuple):
            return list(value)
        return value

    def __setitem__(self, key, value):
        super().__setitem__(key, self._convert(key, value))

    def update(self, *args, **kwargs):
        for key, value in dict(*args, **kwargs).items():
            self[key] = value

    def setdefault(self, key, default=None):
        if key not in self:
            self[key] = default
        return self[key]

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        key = self._aliases.get(name, name)
        if key in self:
            value = self[key]
        elif key in self._fields:
            value = self._zero(key)
        else:
            raise AttributeError(f"{type(self).__name__} has no field {name!r}")
        if key in self._times:
            return _parse_time(value)
        return value

    def _zero(self, key):
        zero = self._fields[key]
        if zero is Model:
            value = self._nested[key]()
        elif zero in (list, dict):
            value = zero()
        else:
            return zero
        # Stored, so that appending to it or setting its fields changes this model.
        self[key] = value
        return self[key]

    def __setattr__(self, name, value):
        if name.startswith("_"):
            raise AttributeError(f"{name!r} is not a field")
        self[self._aliases.get(name, name)] = value

    def __delattr__(self, name):
        try:
            del self[self._aliases.get(name, name)]
        except KeyError:
            raise AttributeError(name) from None

    def __dir__(self):
        return sorted(set(super().__dir__()) | set(self._fields) | set(self._aliases))

    def __repr__(self):
        return f"{type(self).__name__}({dict.__repr__(self)})"

    def copy(self):
        """A shallow copy, of the same model type."""
        return type(self)(self)

    def __copy__(self):
        return self.copy()

    def __deepcopy__(self, memo):
        return type(self)(copy.deepcopy(dict(self), memo))

    def __reduce__(self):
        return (type(self), (dict(self),))

    def model_dump(self, by_alias=False, **_ignored):
        """A deep copy as plain JSON values (see the module's docstring)."""
        data = json.loads(to_json(self))
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
        for key, sub in cls._nested_maps.items():
            value = data.get(key)
            if isinstance(value, dict):
                data[key] = {k: sub._rename(v) for k, v in value.items()}
        for name, key in cls._aliases.items():
            if key in data:
                data[name] = data.pop(key)
        return data


class _Params:
    """Parameters built from paths (("fun", "funcname"), value), for the
    generated aliases whose arguments go inside an object parameter. An
    object the caller passed is copied before a path goes into it, never
    changed."""

    def __init__(self):
        self.data = {}

    def set(self, path, value):
        target = self.data
        for key in path[:-1]:
            inner = target.get(key)
            if inner is None:
                inner = {}
            elif isinstance(inner, dict):
                inner = dict(inner)
            else:
                from .errors import InvalidArgumentError
                raise InvalidArgumentError(f"{key} must be an object, not {type(inner).__name__}")
            target[key] = inner
            target = inner
        target[path[-1]] = value


def _as_bytes(value):
    """A bytes parameter: str is taken as its UTF-8 bytes, as pycolonies does."""
    if isinstance(value, str):
        return value.encode("utf-8")
    return value


def _encode_json(value):
    """A value as JSON text, for parameters the server takes as text (a cron's workflow)."""
    return to_json(value)
