"""The client for asyncio: every operation as a coroutine.

    import asyncio
    from colonies.aio import AsyncColonies

    async def main():
        async with AsyncColonies("127.0.0.1", 50080) as c:
            processes = await asyncio.gather(*(c.get_process(pid, key) for pid in ids))
            async with await c.subscribe_process(colonyname, pid, c.SUCCESSFUL, 30, key) as sub:
                async for process in sub:
                    ...

AsyncColonies has Colonies' methods, names and parameters (pycolonies'
too), each awaited. A call is started in the core, which runs it on the
client's own thread beside every other call in flight, and the coroutine
waits for the call's descriptor on the event loop: hundreds of calls and
subscriptions in flight take no thread each. Cancelling the task (or a
timeout around it) cancels the call in the core.
"""

import asyncio
import json

from . import capi
from ._model import to_json
from .client import Colonies, _convert, _is_workflow
from .errors import DoneError, NotFoundError, ResubscribedError
from .model import Process
from .aio_operations import AsyncOperations
from .realtime import AsyncSubscription, _complete_async

__all__ = ["AsyncColonies"]


class AsyncColonies(AsyncOperations):
    """A client of one Colonies server for asyncio; the constructor's
    options are Colonies'."""

    _connect = Colonies._connect
    _open = Colonies._open
    release = Colonies.release
    __del__ = Colonies.__del__
    from_env = classmethod(Colonies.from_env.__func__)

    def __repr__(self):
        return f"AsyncColonies({self.host!r}, {self.port!r}, tls={self.tls})"

    async def __aenter__(self):
        return self

    async def __aexit__(self, *exc):
        self.release()

    async def _run(self, start, *args):
        with self._handle.use() as handle:
            call = start(handle, *args)
        return await _complete_async(call)

    async def _call(self, operation, params, prvkey, reply):
        out = await self._run(capi.colonies_client_call_start, operation, to_json(params), prvkey, 0)
        return _convert(json.loads(out), reply)

    async def call(self, operation, params=None, prvkey=None):
        """Colonies.call, awaited."""
        out = await self._run(capi.colonies_client_call_start, operation, to_json(params or {}), prvkey, 0)
        return json.loads(out)

    async def health(self):
        await self._run(capi.colonies_client_health_start, 0)
        return True

    def subscribe(self, operation, params, prvkey, reply=None):
        """Colonies.subscribe: an AsyncSubscription (opening it does not block)."""
        return AsyncSubscription(Colonies.subscribe(self, operation, params, prvkey, reply))

    async def _subscribe(self, operation, params, prvkey, reply):
        return self.subscribe(operation, params, prvkey, reply)

    async def _subscribe_batches(self, operation, params, prvkey, reply, callback=None):
        entries = []
        async with self.subscribe(operation, params, prvkey, reply) as sub:
            while True:
                try:
                    batch = await sub.next()
                except ResubscribedError:
                    continue  # resumed after its last entry: none lost or repeated
                except DoneError:
                    break
                if callback is None:
                    entries.extend(batch)
                elif callback(batch) is False:
                    break
        return entries if callback is None else None

    async def wait(self, process, timeout, prvkey, state=None):
        """Colonies.wait, awaited."""
        ident = process if isinstance(process, str) else to_json(process)
        target = capi.COLONIES_WAIT_FINISHED if state is None else int(state)
        out = await self._run(capi.colonies_client_wait_process_start, ident, target, round(timeout * 1000), prvkey)
        return Process(json.loads(out))

    async def run_workflow(self, workflow, prvkey, timeout=60):
        """Colonies.run_workflow, awaited."""
        out = await self._run(capi.colonies_client_run_workflow_start, to_json(workflow), prvkey,
                              round(timeout * 1000))
        return Process(json.loads(out))

    async def find_process(self, nodename, processids, prvkey):
        """Colonies.find_process, awaited (on a worker thread: it is two requests in a row)."""
        graph = processids if isinstance(processids, str) else to_json(processids)

        def find():
            with self._handle.use() as handle:
                try:
                    return capi.colonies_client_find_process(handle, graph, nodename, prvkey, None)
                except NotFoundError:
                    return None
        out = await asyncio.get_running_loop().run_in_executor(None, find)
        return None if out is None else Process(json.loads(out))

    async def submit(self, spec, prvkey):
        """Colonies.submit, awaited."""
        if _is_workflow(spec):
            return await self.submit_workflow(spec, prvkey)
        return await self.submit_func_spec(spec, prvkey)

    async def get_processes_for_workflow(self, processgraphid, colonyname, prvkey, count=100):
        graph = await self.get_process_graph(processgraphid, prvkey)
        return list(await asyncio.gather(*(self.get_process(pid, prvkey) for pid in graph.processids[:count])))
