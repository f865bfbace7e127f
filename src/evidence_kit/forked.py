"""Work done in a forked copy of this process, on the second core: the loader parses (part of) a
large bibliography there, and the checks of a large project are shared with one (``checks.check``).

A forked process starts with this one's memory as it is, so nothing needs sending to it; what it
computes comes back as bytes through a pipe.
"""

from __future__ import annotations

import os
import pickle
import threading
from typing import Any


class Forked:
    """``function(*args)`` (returning bytes) run in a forked child; the bytes come back by a pipe.

    Anything that goes wrong in the child (an exception, a signal, no fork on this platform, other
    threads in this process that a fork would not copy) makes ``result()`` None, and the caller
    computes the value itself; the child never writes to the parent's output. The bytes are sent
    after their length, so a complete answer is told from a cut one without waiting for the child
    to exit: an exiting child frees its copy of the parent's memory, which takes a while (15 ms at
    100,000 claims), so it is reaped later (``reap``), not waited for.
    """

    def __init__(self, function: Any, *args: Any):
        self.pid = 0
        self.pipe = -1
        reap()
        if not hasattr(os, "fork") or threading.active_count() > 1:
            return
        read, write = os.pipe()
        try:
            pid = os.fork()
        except OSError:
            os.close(read)
            os.close(write)
            return
        if pid == 0:  # the child: compute, send, and leave without running the parent's exit code
            status = 1
            try:
                os.close(read)
                data = function(*args)
                with os.fdopen(write, "wb") as out:
                    out.write(len(data).to_bytes(8, "little"))
                    out.write(data)
                status = 0
            except BaseException:
                pass
            finally:
                os._exit(status)
        os.close(write)
        self.pid, self.pipe = pid, read

    def result(self) -> bytes | None:
        if not self.pid:
            return None
        with os.fdopen(self.pipe, "rb") as pipe:
            data = pipe.read()
        _EXITING.append(self.pid)
        self.pid = 0
        reap()
        size, data = int.from_bytes(data[:8], "little"), data[8:]
        return data if size == len(data) and len(data) else None

    def cancel(self) -> None:
        if not self.pid:
            return
        try:
            os.kill(self.pid, 9)
            os.close(self.pipe)
            os.waitpid(self.pid, 0)
        except OSError:
            pass
        self.pid = 0


# Children that have sent their answer and may still be exiting (see ``Forked``).
_EXITING: list[int] = []


def reap() -> None:
    """Collect the children of ``_EXITING`` that have exited, without waiting for the others; those
    are collected by a later call, or by the system when this process ends."""
    for pid in list(_EXITING):
        try:
            done, _ = os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:  # already collected, e.g. by a caller's own wait
            done = pid
        if done:
            _EXITING.remove(pid)


def unpickled(worker: Forked | None) -> Any:
    """What ``worker`` sent, unpickled, or None when there is none or it failed."""
    payload = worker.result() if worker is not None else None
    return None if payload is None else pickle.loads(payload)
