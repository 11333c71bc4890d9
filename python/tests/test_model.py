"""Models give pycolonies' attribute access over the server's JSON."""

import copy
import datetime

import pytest

from colonies import Allocations, ChannelEntry, Conditions, FuncSpec, Gpu, Process

PROCESS = {
    "processid": "p1", "initiatorid": "i", "initiatorname": "n", "assignedexecutorid": "",
    "isassigned": False, "state": 0, "prioritytime": 1,
    "submissiontime": "2024-03-12T21:06:55.123456789Z", "starttime": "0001-01-01T00:00:00Z",
    "endtime": "0001-01-01T00:00:00Z", "waitdeadline": "0001-01-01T00:00:00Z",
    "execdeadline": "2024-03-12T23:06:55+02:00", "retries": 0,
    "attributes": [{"key": "k", "value": "v", "targetid": "p1", "attributetype": 1}],
    "spec": {"funcname": "echo", "args": ["a", 1], "env": {},
             "conditions": {"colonyname": "dev", "executortype": "t", "gpu": {"count": 0}}},
    "waitforparents": False, "parents": [], "children": [], "processgraphid": "",
    "in": ["x"], "out": None, "errors": [],
}


def test_attribute_access():
    p = Process(**copy.deepcopy(PROCESS))
    assert p.processid == "p1" and p.state == 0
    assert isinstance(p.spec, FuncSpec) and p.spec.args == ["a", 1]
    assert isinstance(p.spec.conditions, Conditions)
    assert isinstance(p.spec.conditions.gpu, Gpu)
    assert p.attributes[0].key == "k"
    assert p.input == ["x"] and p.output is None
    assert p["spec"]["funcname"] == "echo"
    with pytest.raises(AttributeError):
        p.nosuchfield


def test_times_are_datetimes():
    p = Process(copy.deepcopy(PROCESS))
    utc = datetime.timezone.utc
    assert p.submissiontime == datetime.datetime(2024, 3, 12, 21, 6, 55, 123456, tzinfo=utc)
    assert p.starttime == datetime.datetime(1, 1, 1, tzinfo=utc)
    assert p.execdeadline == datetime.datetime(2024, 3, 12, 21, 6, 55, tzinfo=utc)
    assert p.model_dump(by_alias=True)["submissiontime"] == PROCESS["submissiontime"]


def test_nested_changes_reach_the_parent():
    spec = FuncSpec(funcname="f", conditions=Conditions(executortype="t", dependencies=[]))
    spec.conditions.executornames = ["e1"]
    spec.conditions.dependencies.append("gen")
    spec.env = {}
    spec.env["code"] = "c"
    assert spec.model_dump() == {"funcname": "f", "env": {"code": "c"},
                                 "conditions": {"executortype": "t", "dependencies": ["gen"],
                                                "executornames": ["e1"]}}


def test_dump_aliases():
    p = Process(copy.deepcopy(PROCESS))
    assert "in" in p.model_dump(by_alias=True) and "out" in p.model_dump(by_alias=True)
    plain = p.model_dump()
    assert plain["input"] == ["x"] and "in" not in plain
    assert '"in": ["x"]' in p.model_dump_json(by_alias=True)
    p.output = ["done"]
    assert p["out"] == ["done"]
    assert Process(input=[1])["in"] == [1]


def test_copy_and_equality():
    p = Process(copy.deepcopy(PROCESS))
    q = copy.deepcopy(p)
    assert p == q and p is not q
    q.spec.args.append(2)
    assert p != q


def _types(value):
    """The model types in value, as a nested structure of type names."""
    if isinstance(value, dict):
        return (type(value).__name__, {k: _types(v) for k, v in value.items()})
    if isinstance(value, list):
        return [_types(v) for v in value]
    return type(value).__name__


@pytest.mark.parametrize("cls, data", [
    (Process, PROCESS),
    (ChannelEntry, {"sequence": 1, "payload": "aGk=", "senderid": "s"}),
    (Allocations, {"projects": {"p": {"allocatedcpu": 1}}, "other": {"x": 1}}),
])
def test_replies_become_the_models_the_constructor_makes(cls, data):
    """Replies take a shorter way into models (_from_json): the same values, the same types, nested."""
    from colonies.client import _convert
    made, reply = cls(copy.deepcopy(data)), _convert(copy.deepcopy(data), cls)
    assert reply == made and _types(reply) == _types(made)
    assert _convert([copy.deepcopy(data), None], [cls]) == [made, None]
