"""librosa's numba kernels, compiled by one process of the machine at a time.

numba keeps compiled kernels on disk (``NUMBA_CACHE_DIR``, else beside librosa's sources). Two
processes that compile the same gufuncs at once can leave cache files that do not match, and every
process that loads them later dies of SIGSEGV (numba/numba#10128, open in numba 0.68). So a
process compiles only under an exclusive lock on a file beside that cache: one process compiles
and writes, the others wait, then load a complete cache.
"""

from __future__ import annotations

import fcntl
import logging
import os
import tempfile
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Final

log = logging.getLogger(__name__)

LOCK_NAME: Final = "beatthread-numba-cache.lock"


def lock_path() -> Path:
    """The lock file: in ``NUMBA_CACHE_DIR`` when set (it may be a shared volume), else in /tmp."""
    return Path(os.environ.get("NUMBA_CACHE_DIR") or tempfile.gettempdir()) / LOCK_NAME


@contextmanager
def _machine_lock() -> Iterator[None]:
    path = lock_path()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle = path.open("a")
    except OSError as error:  # no lock is no worse than numba without one
        log.warning("cannot open %s (%s): compiling without the lock", path, error)
        handle = None
    if handle is None:  # outside the except: a compile error is not chained to the OSError
        yield
        return
    with handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


class CompileOnce:
    """Runs ``compile_all`` (work that touches every kernel) once per process, under the lock.

    Callers of any thread wait until it has run; after that :meth:`ensure` costs one flag read.
    """

    def __init__(self, compile_all: Callable[[], None]) -> None:
        self._compile_all = compile_all
        self._lock = threading.Lock()
        self._done = False

    def ensure(self) -> None:
        """Compile (or load from the cache) every kernel, unless this process already has."""
        if self._done:
            return
        with self._lock:
            if self._done:
                return
            with _machine_lock():
                self._compile_all()
            self._done = True
