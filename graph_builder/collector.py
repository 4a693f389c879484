"""When Python's cyclic garbage collector runs during a build: the build's one place for it.

A build makes millions of objects with hardly any cycle; each full collection scans them all again. These
context managers keep the collector out of the way where measured (figures in each docstring). The viewer's own
device (gc.freeze once its caches are filled) lives with the viewer (app/viewer/warmup.py).
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def paused_gc() -> Iterator[None]:
    """No cyclic garbage collection while records are read and placed.

    They allocate millions of objects and hardly any cycle; each full
    collection rescans all of them: at national size, collections took more
    than half of reading and placing (measured: 8.9 s -> 3.5 s without them).
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


@contextmanager
def kept_from_collection() -> Iterator[None]:
    """What exists on entering (a built dataset: millions of objects) kept out of the cyclic collector's sight while
    inside: each full collection would scan it all again (two took 8 s while publishing at national size)."""
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


@contextmanager
def collected_apart() -> Iterator[None]:
    """The cyclic garbage made inside collected on leaving, without scanning the objects made before (kept from
    collection meanwhile).

    pyparsing's exceptions (SPARQL rules parsed while validating) hold frames, and through them every caller's
    locals: after an incremental rebuild's validation, its whole data (1.4 million objects at national size) could
    only be freed by a full collection (0.7 s) instead of as soon as the rebuild returns.
    """
    with kept_from_collection():
        try:
            yield
        finally:
            gc.collect()  # before the objects made before are seen again
