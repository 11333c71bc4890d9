"""Calls in flight and websocket subscriptions: waiting on the core.

The core runs requests and subscriptions on the client's own thread, except
the calls the client prepares, which run on the thread that waits for them.
Waiting here gives up the interpreter lock and, on the main thread, wakes
every 25 milliseconds so that Ctrl-C (KeyboardInterrupt) is raised at once;
the call or subscription it interrupts is cancelled in the core before the
exception goes on.
"""

import json
import threading

from . import capi
from ._handle import Handle
from .errors import CancelledError, DoneError, ExpiredError

__all__ = ["Subscription", "AsyncSubscription"]

# How long a wait on the main thread blocks before Python looks at its signals.
_SLICE_MS = 25


def _on_main_thread():
    return threading.current_thread() is threading.main_thread()


def _complete(call, ended=None):
    """Waits for a call started in the core, frees it, and returns its reply
    (JSON text), or raises its error. An interrupt cancels it first. ended(),
    if given, runs once the call has ended and before it is freed: where
    another thread may hold the call, it forgets it there."""
    try:
        try:
            if _on_main_thread():
                while not capi.colonies_call_wait(call, _SLICE_MS):
                    pass
            else:
                capi.colonies_call_wait(call, -1)
        except BaseException:
            capi.colonies_call_cancel(call)
            capi.colonies_call_wait(call, -1)
            raise
        return capi.colonies_call_result(call)
    finally:
        if ended is not None:
            ended()
        capi.colonies_call_free(call)


class Subscription:
    """The events of a websocket subscription, in the order the server sent
    them. Iterate over it (the loop ends when the server ends the
    subscription at its timeout), or call next(timeout). Use it as a
    context manager, or call close(), to end it early; cancel() ends it
    from any thread. fileno() is readable while an event or the end waits,
    for select() and asyncio.

    When its connection is lost before its timeout (the server restarted),
    the subscription makes itself again (the client option resubscribe),
    and next() and the iteration then raise ResubscribedError once: events
    may have been missed meanwhile, so read again what you follow, and go
    on; the subscription carries on with the events after it."""

    def __init__(self, handle, convert=None):
        self._handle = Handle(handle, capi.colonies_subscription_free,
                              lambda: CancelledError("the subscription is closed", capi.COLONIES_ECANCELLED, 0),
                              on_release=capi.colonies_subscription_cancel)
        self._convert = convert

    def next(self, timeout=None):
        """The next event, waiting up to timeout seconds (None: as long as
        the subscription lasts). Raises ExpiredError (a TimeoutError) when
        none came in time, DoneError when the subscription has ended and
        every event was read, ResubscribedError once after it lost its
        connection and subscribed again (not an end), or the error that
        ended it (CancelledError after cancel() or close())."""
        with self._handle.use() as handle:
            if timeout is not None:
                out = capi.colonies_subscription_next(handle, max(0, int(timeout * 1000)))
            elif _on_main_thread():
                while True:
                    try:
                        out = capi.colonies_subscription_next(handle, _SLICE_MS)
                        break
                    except ExpiredError:
                        continue
            else:
                out = capi.colonies_subscription_next(handle, -1)
        value = json.loads(out)
        return self._convert(value) if self._convert else value

    def __iter__(self):
        return self

    def __next__(self):
        try:
            return self.next()
        except DoneError:
            raise StopIteration from None

    def fileno(self):
        with self._handle.use() as handle:
            return capi.colonies_subscription_fd(handle)

    def cancel(self):
        """Ends the subscription, from any thread: next() raises
        CancelledError once the events already queued are read."""
        try:
            with self._handle.use() as handle:
                capi.colonies_subscription_cancel(handle)
        except CancelledError:
            pass

    def close(self):
        """Ends the subscription and releases it, from any thread (a next()
        blocked in another thread raises CancelledError). Closing twice is
        harmless."""
        self._handle.release()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __del__(self):
        if capi is not None and getattr(self, "_handle", None) is not None:
            self.close()


# asyncio: the same calls and subscriptions, awaited (colonies.aio).

# asyncio is imported where it is used: importing colonies need not import it.

async def _readable(fd, timeout=None):
    """Returns once fd is readable (raises asyncio.TimeoutError after timeout seconds)."""
    import asyncio
    loop = asyncio.get_running_loop()
    ready = loop.create_future()
    loop.add_reader(fd, lambda: ready.done() or ready.set_result(None))
    try:
        await asyncio.wait_for(ready, timeout)
    finally:
        loop.remove_reader(fd)


async def _complete_async(call, ended=None):
    """_complete for asyncio: awaits the call's descriptor instead of
    blocking a thread; a cancelled task cancels the call in the core."""
    import asyncio
    try:
        if not capi.colonies_call_wait(call, 0):
            try:
                fd = capi.colonies_call_fd(call)
                if fd >= 0:
                    await _readable(fd)
                else:  # no descriptor could be made: a worker thread waits
                    await asyncio.get_running_loop().run_in_executor(None, capi.colonies_call_wait, call, -1)
            except BaseException:
                capi.colonies_call_cancel(call)
                capi.colonies_call_wait(call, -1)  # ends at once once cancelled
                raise
        return capi.colonies_call_result(call)
    finally:
        if ended is not None:
            ended()
        capi.colonies_call_free(call)


class AsyncSubscription:
    """A Subscription for asyncio: ``async for event in sub``, or ``await
    sub.next(timeout)``; ``async with`` (or close()) ends it."""

    def __init__(self, sub):
        self._sub = sub

    async def next(self, timeout=None):
        """The next event; raises ExpiredError when none came within timeout
        seconds, DoneError once the subscription has ended and every event
        was read, ResubscribedError as Subscription.next does."""
        import asyncio
        deadline = None if timeout is None else asyncio.get_running_loop().time() + timeout
        while True:
            try:
                return self._sub.next(0)
            except ExpiredError:
                pass
            left = None if deadline is None else deadline - asyncio.get_running_loop().time()
            if left is not None and left <= 0:
                raise ExpiredError("no event came in time", capi.COLONIES_EEXPIRED, 0)
            try:
                await _readable(self._sub.fileno(), left)
            except asyncio.TimeoutError:
                raise ExpiredError("no event came in time", capi.COLONIES_EEXPIRED, 0) from None

    def __aiter__(self):
        return self

    async def __anext__(self):
        try:
            return await self.next()
        except DoneError:
            raise StopAsyncIteration from None

    def cancel(self):
        self._sub.cancel()

    def close(self):
        self._sub.close()

    async def __aenter__(self):
        return self

    async def __aexit__(self, *exc):
        self.close()
