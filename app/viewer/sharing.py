"""Work shared by the viewer's threads: the visitors' pages and the background warm-up (app.viewer.warmup).

Python runs one thread at a time (the GIL): a page run beside the warm-up took twice as long or more, and a
visitor's click waited behind it. So the warm-up gives way: its long computations call `give_way()` between small
pieces of work, which in the warm-up's thread (`in_background`) waits while a page runs. It must not wait for a
page that waits for it: values several threads may ask for at once are computed under `turn` (here
`shared_property`), which counts the threads waiting (`waiting()`); the warm-up gives way only while none does.
Outside a background thread `give_way()` does nothing.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager

from maillage.stores import calling_every

_local = threading.local()
_count_lock = threading.Lock()
_waiting = 0


def waiting() -> int:
    """How many threads wait, under `turn`, for a value another thread is computing."""
    return _waiting


def _count(change: int) -> None:
    global _waiting
    with _count_lock:
        _waiting += change


@contextmanager
def turn(lock: threading.Lock) -> Iterator[None]:
    """Hold `lock`; a thread that has to wait for it counts among `waiting()` meanwhile."""
    if not lock.acquire(blocking=False):
        _count(+1)
        try:
            lock.acquire()
        finally:
            _count(-1)
    try:
        yield
    finally:
        lock.release()


@contextmanager
def in_background(courtesy: Callable[[], None]) -> Iterator[None]:
    """Meanwhile, `give_way()` in this thread calls `courtesy()` (which waits for the visitors' pages)."""
    _local.courtesy = courtesy
    try:
        yield
    finally:
        _local.courtesy = None


def background() -> bool:
    """Whether this thread works in the background (`in_background`)."""
    return getattr(_local, "courtesy", None) is not None


def courtesy() -> Callable[[], None] | None:
    """This thread's courtesy if it works in the background, else None (what the viewer's store asks before reading
    a long answer: maillage.stores.QueryStore.courtesy)."""
    return getattr(_local, "courtesy", None)


def give_way() -> None:
    """Between two small pieces of a long computation: in a background thread, let the visitors' pages go first."""
    courtesy = getattr(_local, "courtesy", None)
    if courtesy is not None:
        courtesy()


def giving_way(items: Iterable, every: int = 1000) -> Iterator:
    """`items`, with `give_way()` after each `every` of them."""
    return calling_every(items, every, give_way)


_MISSING = object()


class shared_property:
    """Like functools.cached_property, computed once per object however many threads ask at once: the others
    wait for it under `turn` (cached_property stopped locking in Python 3.12: two threads computed it twice)."""

    def __init__(self, make: Callable):
        self.make = make
        self.name = make.__name__
        self.__doc__ = make.__doc__
        self._locks_lock = threading.Lock()

    def __set_name__(self, owner, name: str) -> None:
        self.name = name

    def started(self, obj) -> bool:
        """Whether the value is computed, or being computed by some thread, for `obj`."""
        lock = obj.__dict__.get(f"_{self.name}_lock")
        return self.name in obj.__dict__ or (lock is not None and lock.locked())

    def __get__(self, obj, owner=None):
        if obj is None:
            return self
        found = obj.__dict__.get(self.name, _MISSING)  # once set, the instance's dict answers without __get__
        if found is not _MISSING:
            return found
        with self._locks_lock:
            lock = obj.__dict__.setdefault(f"_{self.name}_lock", threading.Lock())
        with turn(lock):
            found = obj.__dict__.get(self.name, _MISSING)
            if found is _MISSING:
                found = obj.__dict__[self.name] = self.make(obj)
            return found
