"""Methods of generated models that are more than fields: the logic is the
core's; these only carry the models to it and back."""

import json

from . import capi
from ._model import to_json

__all__ = ["WorkflowMixin"]


class WorkflowMixin:
    """A workflow spec that builds itself: ``Workflow(colonyname)`` (the
    seed's ``Workflow(colonyid)``, the colony's name today) and
    ``wf.add(spec, nodename=..., dependencies=[...])``, beside pycolonies'
    ``Workflow(colonyname=...)`` and ``wf.functionspecs.append(spec)``."""

    def __init__(self, _data=None, colonyid=None, **fields):
        name = _data if isinstance(_data, str) else colonyid
        if name is not None:
            _data = json.loads(capi.colonies_workflow_new(name))
        super().__init__(_data, **fields)

    def add(self, spec, nodename=None, dependencies=None):
        """Adds spec (a FuncSpec) as node nodename (None: the spec's own
        nodename), waiting for the nodes dependencies names (None: the
        spec's own dependencies); its colony becomes the workflow's. A node
        name used already raises InvalidArgumentError. Returns the workflow."""
        deps = None if dependencies is None else to_json(list(dependencies))
        grown = type(self)(json.loads(capi.colonies_workflow_add(to_json(self), to_json(spec), nodename, deps)))
        self.clear()
        self.update(grown)
        return self

    def check(self):
        """Raises InvalidArgumentError naming the nodes at fault unless the
        workflow can run: node names used once, dependencies on nodes of
        the workflow, no cycle. (Submitting checks it too.)"""
        capi.colonies_workflow_check(to_json(self))
