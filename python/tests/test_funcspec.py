"""func_spec builds specs through the core, as pycolonies' func_spec does."""

import base64
import inspect

import pytest

from colonies import FuncSpec, InvalidArgumentError, JSONError, capi, func_spec


def sum_nums(n1, n2, ctx={}):  # noqa: B006 - the shape pycolonies documents
    return n1 + n2


def test_named_function_gets_pycolonies_defaults():
    spec = func_spec("echo", ["hello world"], "dev", "container-executor", maxexectime=60,
                     maxwaittime=60)
    assert isinstance(spec, FuncSpec)
    d = spec.model_dump(by_alias=True)
    assert d["funcname"] == d["nodename"] == "echo"
    assert d["args"] == ["hello world"]
    assert d["kwargs"] is None
    assert (d["priority"], d["maxwaittime"], d["maxexectime"], d["maxretries"]) == (1, 60, 60, -1)
    assert d["conditions"]["colonyname"] == "dev"
    assert d["conditions"]["executortype"] == "container-executor"
    assert d["conditions"]["executornames"] is None
    assert d["env"] == {} and d["label"] == ""
    assert spec.conditions.gpu.count == 0


def test_callable_ships_its_source():
    spec = func_spec(sum_nums, [1, 2], "dev", "t", executorname="e1")
    assert spec.funcname == spec.nodename == "sum_nums"
    assert spec.args == [1, 2]
    assert spec.env["args_spec"] == "n1,n2,ctx"
    assert base64.b64decode(spec.env["code"]).decode() == inspect.getsource(sum_nums)
    assert spec.conditions.executornames == ["e1"]
    assert (spec.priority, spec.maxwaittime, spec.maxexectime, spec.maxretries) == (1, -1, -1, -1)


def test_code_and_options_pass_through():
    spec = func_spec("run", [], "dev", "t", code="print(1)\n", kwargs={"k": "v"}, label="l",
                     env={"A": "b"}, cpu="500m", fs={"mount": "/cfs", "snapshots": None,
                                                       "dirs": None})
    assert base64.b64decode(spec.env["code"]) == b"print(1)\n"
    assert spec.env["A"] == "b" and spec.kwargs == {"k": "v"} and spec.label == "l"
    assert spec.conditions.cpu == "500m"
    assert spec.fs.mount == "/cfs"


@pytest.mark.parametrize("kwargs, named", [
    ({"colour": "red"}, "func spec option colour is unknown"),
    ({"priority": 50001}, "option priority must be a whole number from -50000 to 50000, not 50001"),
    ({"priority": "high"}, "option priority must be a whole number"),
    ({"maxexectime": 1.5}, "option maxexectime must be a whole number"),
    ({"label": 3}, "option label must be a string"),
    ({"env": {"A": 1}}, "option env.A must be a string"),
    ({"executornames": "e1"}, "option executornames must be a list"),
])
def test_bad_options_name_the_option(kwargs, named):
    with pytest.raises(InvalidArgumentError) as e:
        func_spec("echo", [], "dev", "t", **kwargs)
    assert named in str(e.value)


@pytest.mark.parametrize("args, named", [
    (("", [], "dev", "t"), "option funcname is required"),
    (("echo", [], "", "t"), "option colonyname is required"),
    (("echo", [], "dev", None), "needs executortype or executorname"),
    (("echo", "notalist", "dev", "t"), "option args must be a list"),
])
def test_missing_or_wrong_arguments(args, named):
    with pytest.raises(InvalidArgumentError, match=named):
        func_spec(*args)


def test_executorname_alone_is_enough():
    spec = func_spec("echo", [], "dev", None, executorname="e1")
    assert spec.conditions.executornames == ["e1"]


@pytest.mark.parametrize("text", ["", "{", "[1]", "null", "{\"funcname\": \"x\"} trailing"])
def test_malformed_options_json(text):
    with pytest.raises(JSONError):
        capi.colonies_func_spec_new(text)


def test_unserialisable_argument():
    with pytest.raises(TypeError):
        func_spec("echo", [object()], "dev", "t")
