"""The registry through the Python binding, with no server: the golden
payloads the server's own constructors build (tests/golden/payloads.json,
written by tests/upstream from the server module), the parameters the
generated methods send, the coverage of the message types the server
serves, and pycolonies' API (from PyPI) beside ours."""

import base64
import inspect
import json
import os
import pathlib
import subprocess

import pytest

import colonies
from colonies import Colonies, Crypto, capi
from colonies._model import to_json

ROOT = pathlib.Path(__file__).resolve().parents[2]
KEY = "ddf7f7791208083b6a9ed975a72684f6406a269cfa36f1b1c32045c0a71fff05"
GOLDEN = json.loads((ROOT / "tests" / "golden" / "payloads.json").read_text())
REGISTRY = colonies.registry()
OPS = {op["name"]: op for op in REGISTRY["operations"]}

# pycolonies' methods that move bytes through S3: they come with a later
# issue, and nothing stands in for them meanwhile.


@pytest.mark.parametrize("case", GOLDEN["cases"], ids=lambda c: c["operation"])
def test_golden_payload(case):
    envelope = json.loads(capi.colonies_request_encode(case["operation"], json.dumps(case["params"]),
                                                       KEY))
    assert envelope["payloadtype"] == case["msgtype"]
    payload = base64.b64decode(envelope["payload"]).decode()
    assert json.loads(payload) == case["payload"]
    if OPS[case["operation"]]["signer"] == "none":
        assert envelope["signature"] == ""
    else:
        assert Crypto().recoverid(envelope["payload"], envelope["signature"]) == Crypto().id(KEY)


class Recorder(Colonies):
    """A client whose calls are recorded instead of sent."""

    def __init__(self):  # noqa: D107 - no connection at all
        self.calls = []

    def _call(self, operation, params, prvkey, reply):
        self.calls.append((operation, json.loads(to_json(params)), prvkey))
        return [] if isinstance(reply, list) else None

    _subscribe = _call


@pytest.mark.parametrize("case", [c for c in GOLDEN["cases"] if OPS[c["operation"]]["python_method"]],
                         ids=lambda c: c["operation"])
def test_generated_method_sends_the_golden_parameters(case):
    op = OPS[case["operation"]]
    recorder = Recorder()
    method = getattr(recorder, op["python_method"])
    # A parameter named like a Python keyword or builtin carries a trailing underscore.
    kwargs = {p: (KEY if p == "prvkey" else case["params"][p.rstrip("_")])
              for p in inspect.signature(method).parameters}
    method(**kwargs)
    operation, params, prvkey = recorder.calls[0]
    assert operation == case["operation"]
    assert params == case["params"]
    assert prvkey == (KEY if op["signer"] != "none" else None)


def test_python_coverage():
    served = GOLDEN["served"]
    post = served["signed"] + served["unsigned"] + served["websocket"]
    by_msgtype = {op["msgtype"]: op for op in REGISTRY["operations"]}
    typed = []
    for msgtype in post:
        op = by_msgtype.get(msgtype)
        names = ([op["python_method"]] if op and op["python_method"] else []) + \
            [a["name"] for a in (op or {}).get("python", [])]
        if names and all(callable(getattr(Colonies, n, None)) for n in names):
            typed.append(msgtype)
    print(f"Python coverage: {len(typed)} of the {len(post)} message types the server serves "
          f"(POST and websocket) have typed methods on colonies.Colonies")
    assert sorted(typed) == sorted(post)
    assert len(post) == 99


PYCOLONIES_DUMP = r'''
import inspect, json
import pycolonies, model, crypto
cls = pycolonies.Colonies
methods = {}
for name, fn in inspect.getmembers(cls, inspect.isfunction):
    if name.startswith("_"):
        continue
    params = [(p.name, p.default is not inspect.Parameter.empty)
              for p in list(inspect.signature(fn).parameters.values())[1:]]
    src = inspect.getsource(fn)
    model_return = None
    for m in ("Process", "ProcessGraph"):
        if f"return {m}(**" in src:
            model_return = m
    methods[name] = {"params": params, "model": model_return}
own = ("pycolonies", "model", "crypto")
modules = {"pycolonies": [n for n in dir(pycolonies) if not n.startswith("_") and getattr(getattr(pycolonies, n), "__module__", None) in own],
           "model": [n for n in dir(model) if not n.startswith("_") and inspect.isclass(getattr(model, n)) and getattr(model, n).__module__ == "model"],
           "crypto": ["Crypto"]}
print(json.dumps({"methods": methods, "modules": modules}))
'''


@pytest.fixture(scope="module")
def pycolonies_api():
    venv = os.environ.get("PYCOLONIES_VENV")
    if not venv:
        pytest.fail("PYCOLONIES_VENV is not set: scripts/test installs pycolonies 1.0.25 from PyPI "
                    "into a venv and names it", pytrace=False)
    out = subprocess.run([os.path.join(venv, "bin", "python"), "-c", PYCOLONIES_DUMP],
                         capture_output=True, text=True, env={**os.environ, "PYTHONPATH": ""})
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def test_pycolonies_methods_exist_with_their_parameters(pycolonies_api):
    methods = pycolonies_api["methods"]
    present, wrong = [], []
    for name, theirs in sorted(methods.items()):
        ours = getattr(Colonies, name, None)
        if ours is None:
            wrong.append(f"{name}: missing")
            continue
        params = list(inspect.signature(ours).parameters.values())[1:]
        head = [(p.name, p.default is not inspect.Parameter.empty) for p in params[:len(theirs["params"])]]
        if head != [tuple(p) for p in theirs["params"]]:
            wrong.append(f"{name}: ours {head}, pycolonies {theirs['params']}")
            continue
        # Anything more of ours is optional.
        extra = [p.name for p in params[len(theirs["params"]):]
                 if p.default is inspect.Parameter.empty and p.kind != p.VAR_KEYWORD]
        if extra:
            wrong.append(f"{name}: ours requires {extra} too")
            continue
        present.append(name)
    print(f"pycolonies 1.0.25: {len(present)} of its {len(methods)} public Colonies methods are ours "
          f"with the same parameters")
    assert not wrong, "\n".join(wrong)
    assert len(methods) == 77 and len(present) == 77


def test_pycolonies_model_returns(pycolonies_api):
    """Where pycolonies returns a model, ours returns that model."""
    aliases = {a["name"]: op for op in REGISTRY["operations"] for a in op.get("python", [])}
    checked = 0
    for name, theirs in pycolonies_api["methods"].items():
        if theirs["model"] is None:
            continue
        op = aliases[name]
        reply = op["reply"]
        cls = getattr(colonies.model, theirs["model"])
        server_name = next(t["name"] for t in REGISTRY["types"]
                           if t.get("python", t["name"]) == cls.__name__)
        assert reply == server_name, f"{name} returns {reply}, pycolonies a {theirs['model']}"
        checked += 1
    assert checked >= 5


def test_pycolonies_module_names_exist(pycolonies_api):
    # CFS is the sync library's wrapper: it comes with the files issue.
    names = [n for mod in pycolonies_api["modules"].values() for n in mod if n != "CFS"]
    missing = [n for n in names if not hasattr(colonies, n)]
    assert not missing
    for n in ("Workflow", "ProcessGraph", "File", "Reference", "S3Object", "FuncSpec", "Process"):
        assert n in names
