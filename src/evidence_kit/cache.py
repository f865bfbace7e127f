"""A content-keyed cache, so an unchanged input is parsed (and checked) once.

Entries live in ``.evidence-kit-cache/`` at the project root, one file each, named by their kind
and key. The key is a SHA-256 over everything the entry was computed from: the bytes of the input
files (with their names), the versions of the libraries that parsed them (bibtexparser, PyYAML,
pandas, numpy, Python), and the bytes of this package's own modules, so an edited check or parser
never reads an entry made by the old code. A changed input gives another key; it cannot be
served stale.

An entry is a pickle behind a short header: a magic line, the format version, the key and an
HMAC-SHA256 of key and payload. The HMAC key is a random secret kept in the user's cache folder
(``$XDG_CACHE_HOME/evidence-kit/secret``, mode 0600), so a pickle that arrived with a project
(committed, unpacked, planted) is never unpickled: it does not verify. A missing, truncated,
corrupt or foreign entry is a miss, and the caller rebuilds it; the cache never raises for what
it finds on disk, and a cache folder that cannot be written is simply not used.

Writes go through ``writing.write_atomic``, so a reader sees a whole entry or none. They are not
synced to disk (that took 0.15 s of a large project's first run): an entry a crash leaves damaged
fails its MAC and is rebuilt.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import pickle
import stat
import sys
from functools import lru_cache
from pathlib import Path
from typing import Any, BinaryIO, Callable, Iterable

CACHE_DIR = ".evidence-kit-cache"
FORMAT = 2  # bump when the layout of the entries changes
MAGIC = b"evidence-kit cache\n"
KEEP = 4  # entries kept per kind; older ones are removed when a new one is written
LIBRARIES = ("bibtexparser", "PyYAML", "pandas", "numpy")


@lru_cache(maxsize=None)
def library_version(name: str) -> str:
    """The installed version of distribution ``name`` ("" if it is not installed).

    Read from the name of its ``NAME-VERSION.dist-info`` folder, the first on ``sys.path``, as
    ``importlib.metadata`` finds it, without importing that (24 ms, a quarter of a cached check);
    anything else (an egg, a zip) is left to ``importlib.metadata``.
    """
    wanted = _distribution(name)
    for folder in map(_dist_info_folders, sys.path):
        if wanted in folder:
            return folder[wanted]
    from importlib import metadata

    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return ""


def _distribution(name: str) -> str:
    return name.lower().replace("-", "_").replace(".", "_")


@lru_cache(maxsize=None)
def _dist_info_folders(entry: str) -> dict[str, str]:
    """Distribution name (normalised) -> version, of the ``.dist-info`` folders in ``entry``."""
    try:
        names = os.listdir(entry or ".")
    except OSError:  # a zip, a file, a folder that is gone
        return {}
    found: dict[str, str] = {}
    for folder in sorted(names):
        if folder.endswith(".dist-info") and "-" in folder:
            distribution, version = folder[: -len(".dist-info")].split("-", 1)
            found.setdefault(_distribution(distribution), version)
    return found


@lru_cache(maxsize=1)
def _package_digest() -> bytes:
    """SHA-256 over this package's modules and data files: any edit to the code changes it."""
    from . import __version__

    digest = hashlib.sha256(f"evidence-kit {__version__}\n".encode())
    here = Path(__file__).resolve().parent
    for path in sorted(here.glob("*.py")) + sorted(here.glob("*.yaml")):
        digest.update(path.name.encode() + b"\0")
        digest.update(path.read_bytes())
    return digest.digest()


def fingerprint() -> bytes:
    """What every key depends on besides the input: the code and the libraries that parse."""
    parts = [f"format {FORMAT}", f"python {sys.version}"]
    parts += [f"{name} {library_version(name)}" for name in LIBRARIES]
    return hashlib.sha256("\n".join(parts).encode() + _package_digest()).digest()


def key(kind: str, parts: Iterable[tuple[str, bytes | None]]) -> str:
    """The key of an entry of ``kind`` computed from the named byte strings in ``parts``.

    A part that is None (an absent file) is hashed differently from an empty one. Each name and
    length is hashed before its bytes, so two different lists of parts never give the same stream.
    """
    digest = hashlib.sha256(fingerprint())
    digest.update(kind.encode() + b"\0")
    for name, data in parts:
        encoded = name.encode("utf-8", "surrogateescape")
        digest.update(len(encoded).to_bytes(8, "big") + encoded)
        if data is None:
            digest.update(b"\xff" * 8)
        else:
            digest.update(len(data).to_bytes(8, "big"))
            digest.update(data)
    return digest.hexdigest()


def _secret_path() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or ""
    folder = Path(base) if base and Path(base).is_absolute() else Path.home() / ".cache"
    return folder / "evidence-kit" / "secret"


def _secret() -> bytes | None:
    """The user's HMAC secret, created on first use; None when it cannot be read or made."""
    from .writing import WouldOverwrite, write_new

    path = _secret_path()
    for _ in range(2):
        try:
            data = path.read_bytes()
            if len(data) >= 32:
                return data
            return None  # not ours, or damaged: do not trust it, do not overwrite it
        except FileNotFoundError:
            pass
        except OSError:
            return None
        try:
            path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            write_new(path, os.urandom(32))  # a private temporary file, linked into place
        except WouldOverwrite:
            continue  # another process made it first: read theirs
        except OSError:
            return None
    return None


def _read_regular_file(path: Path) -> bytes | None:
    """The bytes of ``path`` if it is a regular file, not a link; None otherwise.

    An entry planted as a FIFO or a link to /dev/zero would hang the check or fill the memory.
    """
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return None
        with os.fdopen(fd, "rb", closefd=False) as entry:
            return entry.read()
    except OSError:
        return None
    finally:
        os.close(fd)


class _Signed:
    """A file that feeds every byte written to it into a MAC as well."""

    def __init__(self, out: BinaryIO, mac: "hmac.HMAC"):
        self.out, self.mac = out, mac

    def write(self, data: Any) -> int:
        self.mac.update(data)
        return self.out.write(data)


class Store:
    """The entries of one cache folder."""

    def __init__(self, folder: Path, secret: bytes):
        self.folder = folder
        self.secret = secret

    @classmethod
    def for_project(cls, root: str | Path) -> "Store | None":
        """The project's cache, or None when there can be none (no secret, a symlinked folder)."""
        folder = Path(root) / CACHE_DIR
        if folder.is_symlink():
            return None  # never follow a link a project brought along
        secret = _secret()
        return None if secret is None else cls(folder, secret)

    def path(self, kind: str, key: str) -> Path:
        return self.folder / f"{kind}-{key}.pickle"

    def _mac(self, key: str, payload: bytes | memoryview) -> bytes:
        mac = hmac.new(self.secret, key.encode() + b"\n", hashlib.sha256)
        mac.update(payload)
        return mac.hexdigest().encode()

    def has(self, kind: str, key: str) -> bool:
        """Whether an entry is stored under ``kind`` and ``key`` (``get`` may still find it unusable)."""
        return self.path(kind, key).is_file()

    def get(self, kind: str, key: str) -> Any | None:
        """The value stored under ``kind`` and ``key``, or None for a missing or unusable entry."""
        data = _read_regular_file(self.path(kind, key))
        if data is None:
            return None
        header = MAGIC + f"{FORMAT}\n{key}\n".encode()
        if not data.startswith(header):
            return None
        end = data.find(b"\n", len(header))
        if end < 0:
            return None
        view = memoryview(data)[end + 1:]
        if not hmac.compare_digest(data[len(header):end], self._mac(key, view)):
            return None
        try:
            return pickle.loads(view)
        except Exception:  # a verified entry from an incompatible build: rebuild it
            return None

    def newest(self, kind: str) -> Any | None:
        """The value of the most recently written entry of ``kind``, or None."""
        try:
            entries = sorted(self.folder.glob(f"{kind}-*.pickle"), key=lambda p: p.stat().st_mtime_ns, reverse=True)
        except OSError:
            return None
        for path in entries[:1]:
            return self.get(kind, path.name[len(kind) + 1:-len(".pickle")])
        return None

    def put(self, kind: str, key: str, value: Any) -> bool:
        """Store ``value``; True when it was written. Failures to write are not errors."""
        # Pickled straight into the file: a buffer of a large project's tables kept the memory it
        # took (30 MB) for the rest of the run.
        try:
            return self._write(kind, key, lambda out: pickle.dump(value, out, protocol=pickle.HIGHEST_PROTOCOL))
        except (pickle.PicklingError, TypeError, AttributeError, RecursionError):
            return False

    def put_pickled(self, kind: str, key: str, payload: bytes) -> bool:
        """Store a value already pickled (by ``pickle.dumps``); True when it was written."""
        return self._write(kind, key, lambda out: out.write(payload))

    def _write(self, kind: str, key: str, write_payload: Callable[[Any], Any]) -> bool:
        """Write the header with a blank MAC, the payload through the MAC, then the MAC."""
        from .writing import write_atomic

        mac = hmac.new(self.secret, key.encode() + b"\n", hashlib.sha256)

        def write(out: BinaryIO) -> None:
            out.write(MAGIC + f"{FORMAT}\n{key}\n".encode())
            blank = out.tell()
            out.write(b"0" * 64 + b"\n")
            write_payload(_Signed(out, mac))
            out.seek(blank)
            out.write(mac.hexdigest().encode())

        try:
            self.folder.mkdir(exist_ok=True)
            write_atomic(self.path(kind, key), write, durable=False)
        except OSError:
            return False
        self._prune(kind, keep=self.path(kind, key))
        return True

    def _prune(self, kind: str, keep: Path) -> None:
        try:
            entries = sorted(self.folder.glob(f"{kind}-*.pickle"), key=lambda p: p.stat().st_mtime_ns,
                             reverse=True)
            for old in [p for p in entries if p != keep][KEEP - 1:]:
                old.unlink(missing_ok=True)
        except OSError:
            pass


def check_project(root: str | Path = ".", *, cache: bool = True) -> tuple[Any, Any]:
    """Load and check the project at ``root``: ``(findings, completeness)``, the two tables
    ``checks.check`` and ``checks.completeness`` return.

    With ``cache``, a project whose every input is unchanged (``inputs.input_digest``: the files
    under ``evidence/``, the article files and ``references.bib``; ``inputs.full_text_state`` of each
    full text), checked by the same code and libraries, gets the stored tables without loading or
    checking anything; otherwise the parsed tables that are still valid are reused (``load``).
    """
    return _ProjectRun(Path(root), cache).report()


def check_command(root: str | Path = ".", fmt: str = "text", threshold: str = "error", *,
                  cache: bool = True) -> tuple[str, int]:
    """What ``evidence-kit check`` prints for the project at ``root``, and its exit status.

    With ``cache``, an unchanged project prints the stored text of the run that made it, for the
    same format and threshold, under the same conditions as ``check_project``.
    """
    return _ProjectRun(Path(root), cache).printed(fmt, threshold)


class _ProjectRun:
    """One check of one project, looking in the cache first and storing what it computes."""

    def __init__(self, root: Path, cache: bool):
        from .inputs import input_digest, input_state

        self.root = root
        self.store = Store.for_project(root) if cache else None
        # The state first: a file changed while the digest reads it has another state afterwards.
        self.state = input_state(root) if self.store is not None else ()
        self.inputs = input_digest(root) if self.store is not None else b""
        self.full_texts: dict[str, str] | None = None
        self.stored_once: bool | None = None

    def _key(self, kind: str, *extra: str) -> str:
        """The entry's key; "" without a store (computing it reads every module of the package)."""
        if self.store is None:
            return ""
        return key(kind, [("inputs", self.inputs), *((f"option {i}", e.encode()) for i, e in enumerate(extra))])

    def _get(self, kind: str, entry_key: str) -> dict[str, Any] | None:
        from .inputs import full_text_state

        entry = self.store.get(kind, entry_key) if self.store is not None else None
        if not isinstance(entry, dict) or not isinstance(entry.get("full_texts"), dict):
            return None
        if any(full_text_state(self.root, path) != state for path, state in entry["full_texts"].items()):
            return None
        return entry

    def _put(self, kind: str, entry_key: str, value: dict[str, Any]) -> None:
        """Store ``value`` unless an input changed while it was being computed: the files' state is
        as before, or else (a file changed just before the run, or its state did) their bytes are."""
        from .inputs import input_digest, input_state

        if self.store is None or self.full_texts is None:
            return
        if self.stored_once is None:
            self.stored_once = input_state(self.root) == self.state or input_digest(self.root) == self.inputs
        if self.stored_once:
            self.store.put(kind, entry_key, {"full_texts": self.full_texts, **value})

    def report(self) -> tuple[Any, Any]:
        report_key = self._key("report")
        entry = self._get("report", report_key)
        if entry is not None:
            self.full_texts = entry["full_texts"]
            return entry["findings"], entry["completeness"]
        from .inputs import full_text_state
        from .loader import load

        # Loaded before the checks are imported: load starts a large bibliography's second
        # process before pandas is imported.
        writes: list[Callable[[], Any]] = []  # the parsed tables, stored while the checks run
        evidence = load(self.root, cache=self.store is not None, writes=writes)
        from .checks import check, completeness

        findings, table = check(evidence, alongside=writes), completeness(evidence)
        if self.store is not None:
            self.full_texts = {path: full_text_state(self.root, path)
                               for path in evidence.articles["full_text"].dropna()}
            del evidence  # the tables of a large project: free them before pickling the report
            self._put("report", report_key, {"findings": findings, "completeness": table})
        return findings, table

    def printed(self, fmt: str, threshold: str) -> tuple[str, int]:
        printed_key = self._key("printed", fmt, threshold)
        entry = self._get("printed", printed_key)
        if entry is not None and isinstance(entry.get("text"), str) and isinstance(entry.get("status"), int):
            return entry["text"], entry["status"]
        findings, table = self.report()
        from .checks import failing  # after report(): see there
        from .output import render

        text = render(findings, table, fmt, threshold)
        status = 1 if len(failing(findings, threshold)) else 0
        self._put("printed", printed_key, {"text": text, "status": status})
        return text, status
