"""A project's input files: where they are, how they are read, and digests of what they hold.

Nothing here imports pandas: a check whose report is cached looks only at these digests (see
``cache``), and prints the stored text without loading any table.
"""

from __future__ import annotations

import errno
import hashlib
import os
import stat
import time
from pathlib import Path
from typing import Any, Iterator

ARTICLES_DIR = Path("evidence") / "articles"
BIBLIOGRAPHY = Path("references.bib")
WAIVERS = Path("evidence") / "waivers.yaml"
# A project's own measures, merged over the packaged vocabulary (see measures.py); optional.
MEASURES = Path("evidence") / "measures.yaml"


def relative_name(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return str(path)


def regular_file_bytes(path: Path) -> bytes:
    """The bytes of ``path`` (links followed), which must be a regular file.

    A FIFO would block the read forever and a device such as /dev/zero never end, so anything
    else raises ``OSError`` without reading.
    """
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)  # opening a FIFO must not wait for a writer
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise OSError(errno.EINVAL, "not a regular file (a folder, FIFO, device or socket)")
        with os.fdopen(fd, "rb", closefd=False) as data:
            return data.read()
    finally:
        os.close(fd)


def _input_files(root: Path) -> Iterator[Path | bytes]:
    """Every input of a check except full texts elsewhere, in a fixed order, with two markers.

    That is every file under ``evidence/`` (articles, waivers, ledger, full texts, whatever else a
    check may read there), then the article files as the loader finds them, then ``references.bib``.
    """
    articles = sorted((root / ARTICLES_DIR).glob("*.yaml"))  # also when evidence/articles is a link
    listed = {str(path) for path in articles}  # given below, once
    for folder, subfolders, files in os.walk(root / "evidence"):  # links to folders are not followed
        subfolders.sort()
        for name in sorted(files):
            path = os.path.join(folder, name)
            if path not in listed:
                yield Path(path)
    yield b"articles\0"
    yield from articles
    yield b"bibliography\0"
    if (root / BIBLIOGRAPHY).is_file():
        yield root / BIBLIOGRAPHY


def input_digest(root: str | Path) -> bytes:
    """SHA-256 over the names and bytes of every input of a check except full texts elsewhere.

    With ``full_text_state`` of each full text it keys a cached report (see ``cache.check_project``).
    """
    root = Path(root)
    digest = hashlib.sha256()
    for path in _input_files(root):
        if isinstance(path, bytes):
            digest.update(path)
            continue
        name = relative_name(path, root).encode("utf-8", "surrogateescape")
        try:
            data = regular_file_bytes(path)
        except OSError as exc:
            data = f"unreadable: {exc.__class__.__name__} {exc.errno}".encode()
            name = b"!" + name
        digest.update(len(name).to_bytes(8, "big") + name + len(data).to_bytes(8, "big") + data)
    return digest.digest()


# A file changed this close to (or after) the moment its state was taken may have been changed
# again within the same tick of the file system's clock, leaving the same times: its bytes are
# compared instead (as git does with "racily clean" files). FAT keeps times to 2 seconds.
RACY_NS = 3_000_000_000


def input_state(root: str | Path) -> tuple[tuple[Any, ...], ...]:
    """What the file system says of every input ``input_digest`` reads: which file, its size and
    its times of change; taken before the digest, equal afterwards only if no input was changed.

    Changing a file's bytes sets its ctime, which no user can set back. A state holding a time
    within ``RACY_NS`` of ``time.time_ns()`` when it was taken is never equal to a later one.
    """
    root = Path(root)
    soon = time.time_ns() - RACY_NS
    state: list[tuple[Any, ...]] = []
    for path in _input_files(root):
        if isinstance(path, bytes):
            continue
        try:
            st = os.stat(path)
        except OSError as exc:
            state.append((str(path), exc.errno))
            continue
        racy = max(st.st_mtime_ns, st.st_ctime_ns) >= soon
        state.append((str(path), st.st_dev, st.st_ino, st.st_mode, st.st_size, st.st_mtime_ns, st.st_ctime_ns,
                      object() if racy else None))  # object() equals nothing but itself
    return tuple(state)


def full_text_state(root: str | Path, relative: str) -> str:
    """What a check sees of a full text: the SHA-256 of its bytes, or why it cannot be read."""
    data, reason = full_text_bytes(Path(root), relative)
    return f"sha256 {hashlib.sha256(data).hexdigest()}" if data is not None else f"unusable: {reason}"


def full_text_bytes(root: Path, relative: str) -> tuple[bytes | None, str | None]:
    """The full text's bytes, or None and why it cannot be used."""
    try:
        base = root.resolve()
        path = (root / relative).resolve(strict=True)
    except FileNotFoundError:
        return None, "does not exist"
    except (OSError, RuntimeError) as exc:  # symlink loops raise either, by Python version
        return None, f"cannot be resolved ({exc.__class__.__name__})"
    except ValueError:  # a NUL character, which no path can hold
        return None, "is not a path (it holds a NUL character)"
    if not path.is_relative_to(base):
        return None, "is outside the project"
    if not path.is_file():
        return None, "is not a file"
    try:
        return regular_file_bytes(path), None
    except OSError as exc:
        return None, f"cannot be read ({exc.strerror})"
