"""Writing files safely: the only way the toolkit writes what a reviewer may keep.

``write_new`` and ``write_atomic`` write a temporary file beside the target and rename it into
place, so a reader never sees half a file and a crash never leaves one.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import BinaryIO, Callable, Union

from .errors import EvidenceKitError


class WouldOverwrite(EvidenceKitError):
    """The target exists and the toolkit does not overwrite what a reviewer may have edited."""


# What to write: text, bytes, or a function that writes to the (binary, seekable) file itself.
Content = Union[str, bytes, memoryview, Callable[[BinaryIO], None]]


def write_atomic(path: str | Path, data: Content, *, durable: bool = True) -> Path:
    """Write ``data`` to ``path`` through a temporary file and an atomic rename.

    ``durable`` syncs the file and its folder to disk first. Only what can be made again may skip
    it (the cache: an entry a crash left half-written fails its MAC and is rebuilt).
    """
    path = Path(path)
    tmp = _synced_temporary(path, data, durable)
    try:
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    if durable:
        _sync_folder(path.parent)
    return path


def write_new(path: str | Path, data: Content) -> Path:
    """Like ``write_atomic``, but refuse (``WouldOverwrite``) when ``path`` already exists.

    The final step is a hard link, which fails if the target appeared meanwhile, so two writers
    racing for one name cannot both succeed.
    """
    path = Path(path)
    if path.exists():
        raise WouldOverwrite(f"{path}: already exists; not overwriting it (choose another name or remove it)")
    tmp = _synced_temporary(path, data)
    try:
        os.link(tmp, path)
    except FileExistsError:
        raise WouldOverwrite(f"{path}: already exists; not overwriting it") from None
    finally:
        tmp.unlink(missing_ok=True)
    _sync_folder(path.parent)
    return path


def _synced_temporary(path: Path, data: Content, durable: bool = True) -> Path:
    """A temporary file beside ``path`` holding ``data``, flushed to disk when ``durable``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as out:
            if callable(data):
                data(out)
            else:
                out.write(data.encode("utf-8") if isinstance(data, str) else data)
            out.flush()
            if durable:
                os.fsync(out.fileno())
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return Path(tmp)


def _sync_folder(folder: Path) -> None:
    """Make the new name itself durable: a rename is only on disk once its folder is synced."""
    try:
        fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    except OSError:  # not every file system lets a folder be opened; the data is synced already
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
