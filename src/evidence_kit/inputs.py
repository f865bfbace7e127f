"""A project's input files: where they are, how they are read, and digests of what they hold.

Nothing here imports pandas: a check whose report is cached looks only at these digests (see
``cache``), and prints the stored text without loading any table.
"""

from __future__ import annotations

import errno
import hashlib
import os
import stat
from pathlib import Path

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


def input_digest(root: str | Path) -> bytes:
    """SHA-256 over the names and bytes of every input of a check except full texts elsewhere.

    That is every file under ``evidence/`` (articles, waivers, ledger, full texts, whatever else a
    check may read there), the article files as the loader finds them, and ``references.bib``. With
    ``full_text_state`` of each full text it keys a cached report (see ``cache.check_project``).
    """
    root = Path(root)
    digest = hashlib.sha256()

    def add(path: Path) -> None:
        name = relative_name(path, root).encode("utf-8", "surrogateescape")
        try:
            data = regular_file_bytes(path)
        except OSError as exc:
            data = f"unreadable: {exc.__class__.__name__} {exc.errno}".encode()
            name = b"!" + name
        digest.update(len(name).to_bytes(8, "big") + name + len(data).to_bytes(8, "big") + data)

    articles = sorted((root / ARTICLES_DIR).glob("*.yaml"))  # also when evidence/articles is a link
    listed = {str(path) for path in articles}  # added below, once
    for folder, subfolders, files in os.walk(root / "evidence"):  # links to folders are not followed
        subfolders.sort()
        for name in sorted(files):
            path = os.path.join(folder, name)
            if path not in listed:
                add(Path(path))
    digest.update(b"articles\0")
    for path in articles:
        add(path)
    digest.update(b"bibliography\0")
    if (root / BIBLIOGRAPHY).is_file():
        add(root / BIBLIOGRAPHY)
    return digest.digest()


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
