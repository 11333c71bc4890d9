"""A handle of the core shared by threads: released once, freed once no
call is using it."""

import contextlib
import threading


class Handle:
    """Wraps a core handle and the function that frees it. ``use()`` lends
    it to a call; ``release()`` stops new calls (they raise ``refused()``),
    runs ``on_release`` on the handle at once (to cancel what is in flight)
    and frees it when the last call in progress returns."""

    def __init__(self, handle, free, refused, on_release=None):
        self._lock = threading.Lock()
        self._handle = handle
        self._free = free
        self._refused = refused
        self._on_release = on_release
        self._busy = 0
        self._released = False

    @contextlib.contextmanager
    def use(self):
        with self._lock:
            if self._released or self._handle is None:
                raise self._refused()
            self._busy += 1
            handle = self._handle
        try:
            yield handle
        finally:
            with self._lock:
                self._busy -= 1
                handle = self._take() if self._released and self._busy == 0 else None
            if handle is not None:
                self._free(handle)

    def release(self):
        """Idempotent; safe from any thread, and from __del__."""
        with self._lock:
            if self._released or self._handle is None:
                return
            self._released = True
            if self._on_release is not None:
                self._on_release(self._handle)
            handle = self._take() if self._busy == 0 else None
        if handle is not None:
            self._free(handle)

    @property
    def released(self):
        return self._released

    def _take(self):
        handle, self._handle = self._handle, None
        return handle
