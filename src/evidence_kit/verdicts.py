"""The verdict ledger: what reviewers decided about each claim, and why.

The ledger is ``evidence/verdicts.jsonl``, append-only text: one JSON object per line, keys sorted,
so a new verdict is one added line in a diff and the history is never rewritten. A record::

    {"certainty": "low", "claim": "004-c02", "locator": "Abstract", "quote": "...",
     "rationale": "...", "recorded": "2026-11-30T10:15:00.000000Z", "reviewer": "reviewer-a",
     "source": "balint2018dystonia", "verdict": "contradicted"}

``quote``, ``source`` and ``locator`` are optional, and so is ``resolves`` (true when the record
settles a disagreement between reviewers). The latest verdict per claim and reviewer counts.

Reading is pure: ``read_verdicts`` takes the ledger's text and its name and returns rows and
findings; the loader opens the file. Writing is ``append_record``: one ``write()`` per record on a
descriptor opened with ``O_APPEND`` and held under ``flock``, then ``fsync``, so two processes
appending at once never interleave and a crash leaves at most one incomplete last line, which the
next append steps over and the reader reports.

The table functions (``latest_verdicts``, ``conflicts``, ``current_verdicts``, ``verdicts_for``)
take the ``verdicts`` table and return tables of the same columns.
"""

from __future__ import annotations

import fcntl
import json
import os
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import EvidenceKitError
from .findings import finding

if TYPE_CHECKING:  # pandas is imported by the functions that build tables
    import pandas as pd

LEDGER = Path("evidence") / "verdicts.jsonl"

VERDICTS = ("supported", "partly supported", "contradicted", "cannot verify", "misattributed")
# Verdicts that block approval unless waived.
DISPUTED = ("contradicted", "misattributed", "cannot verify")
# GRADE certainty of the evidence, highest first.
CERTAINTIES = ("high", "moderate", "low", "very low")

REQUIRED = ("claim", "verdict", "rationale", "certainty", "reviewer", "recorded")
OPTIONAL = ("quote", "source", "locator")
FIELDS = (*REQUIRED, *OPTIONAL, "resolves")


class VerdictRejected(EvidenceKitError):
    """A verdict the ledger will not take (unknown claim, verdict, certainty or source)."""


# --------------------------------------------------------------------------------------------
# Records


def timestamp(moment: datetime | None = None) -> str:
    """``moment`` (default: now) as ISO 8601 UTC with microseconds: ``2026-11-30T10:15:00.000000Z``.

    One fixed width, so the text sorts in time order.
    """
    moment = datetime.now(timezone.utc) if moment is None else moment
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise VerdictRejected("the time of a verdict needs a time zone (use datetime.now(timezone.utc))")
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_timestamp(text: str) -> str | None:
    """``text`` normalised to ``timestamp``'s form, or None when it is not ISO 8601 with a zone."""
    try:
        moment = datetime.fromisoformat(text)
    except (TypeError, ValueError):
        return None
    if moment.tzinfo is None or moment.utcoffset() is None:
        return None
    return timestamp(moment)


def new_record(claim: str, verdict: str, reviewer: str, *, rationale: str, certainty: str,
               quote: str | None = None, source: str | None = None, locator: str | None = None,
               resolves: bool = False, now: datetime | None = None) -> dict[str, Any]:
    """One ledger record, validated against the vocabulary (not against the evidence).

    Raises ``VerdictRejected`` with a one-line reason.
    """
    if verdict not in VERDICTS:
        raise VerdictRejected(f"verdict {verdict!r} is not one of: {' | '.join(VERDICTS)}")
    if certainty not in CERTAINTIES:
        raise VerdictRejected(f"certainty {certainty!r} is not one of: {' | '.join(CERTAINTIES)}")
    record: dict[str, Any] = {"claim": claim, "verdict": verdict, "reviewer": reviewer,
                              "rationale": rationale, "certainty": certainty}
    for name, value in (("claim", claim), ("reviewer", reviewer), ("rationale", rationale)):
        if not isinstance(value, str) or not value.strip():
            raise VerdictRejected(f"a verdict needs a {name}")
        record[name] = value.strip()
    for name, value in (("quote", quote), ("source", source), ("locator", locator)):
        if value is not None and not isinstance(value, str):
            raise VerdictRejected(f"{name} must be text")
        if value is not None and value.strip():
            record[name] = value.strip()
    if resolves:
        record["resolves"] = True
    record["recorded"] = timestamp(now)
    return record


def record_line(record: dict[str, Any]) -> str:
    """The record as one ledger line: sorted keys, UTF-8 as is, newline-terminated."""
    return json.dumps(record, sort_keys=True, ensure_ascii=False, separators=(", ", ": ")) + "\n"


def append_record(path: str | Path, record: dict[str, Any]) -> None:
    """Append ``record`` to the ledger at ``path``, safely against concurrent writers and crashes.

    The file is opened with ``O_APPEND`` and locked with ``flock`` for the whole append; the line
    goes out in one ``write()`` (continued only if the kernel took part of it) and is ``fsync``-ed
    before the lock is released. If the file does not end in a newline, an earlier write was cut
    short: the record starts on a line of its own, and the reader reports the broken line.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    data = record_line(record).encode("utf-8")
    fd = os.open(path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        try:
            size = os.fstat(fd).st_size
            if size and os.pread(fd, 1, size - 1) != b"\n":
                data = b"\n" + data
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view):]
            os.fsync(fd)
            if size == 0:  # a new ledger: its name must reach the disk too
                from .writing import _sync_folder

                _sync_folder(path.parent)
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def record_verdict(root: str | Path, claim: str, verdict: str, reviewer: str, *, rationale: str,
                   certainty: str, quote: str | None = None, source: str | None = None,
                   locator: str | None = None, resolves: bool = False,
                   now: datetime | None = None) -> dict[str, Any]:
    """Record a reviewer's verdict on ``claim`` in the ledger of the project at ``root``.

    Checks that the claim exists, that ``verdict`` and ``certainty`` are in the vocabulary and that
    ``source``, when given, is a key of references.bib; raises ``VerdictRejected`` otherwise.
    Returns the record as appended.
    """
    from .loader import load  # the loader reads the ledger with this module's parser

    evidence = load(root)
    record = new_record(claim, verdict, reviewer, rationale=rationale, certainty=certainty, quote=quote,
                        source=source, locator=locator, resolves=resolves, now=now)
    if record["claim"] not in set(evidence.claims["claim"]):
        raise VerdictRejected(f"no article has a claim {record['claim']!r}")
    if "source" in record and record["source"] not in set(evidence.references["key"]):
        raise VerdictRejected(f"source {record['source']!r} is not a key of references.bib")
    append_record(Path(root) / LEDGER, record)
    return record


# --------------------------------------------------------------------------------------------
# Reading


def read_verdicts(data: str | bytes, file: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Parse the ledger's content into ``verdicts`` rows (without ``article``) and findings.

    Never raises for bad content. A line that is not a JSON object, or a record with a missing or
    mistyped field, an unknown verdict or certainty, or a bad date, becomes a finding at its line
    and is not counted; every other record is a row. Unknown claims and sources are left to the
    checks, which know the claims and the bibliography.
    """
    raw = data if isinstance(data, bytes) else data.encode("utf-8", errors="surrogatepass")
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    lines = raw.split(b"\n")  # only "\n" ends a record: JSON text may hold U+2028 and friends
    complete = len(lines) - 1  # the part after the last newline is not a finished line
    rows: list[dict[str, Any]] = []
    found: list[dict[str, Any]] = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        row, problems = _read_line(line, file, number, finished=number <= complete)
        found.extend(problems)
        if row is not None:
            rows.append(row)
    return rows, found


def _read_line(line: bytes, file: str, number: int,
               finished: bool) -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
    def unreadable(reason: str) -> tuple[None, list[dict[str, Any]]]:
        if not finished:
            reason += " (the last line has no newline: was a write cut short?)"
        return None, [finding("verdict-unreadable", file=file, line=number, reason=reason)]

    try:
        text = line.decode("utf-8")
    except UnicodeDecodeError as exc:
        return unreadable(f"byte {exc.start + 1} is not UTF-8")
    try:
        record = json.loads(text)
    except ValueError as exc:
        return unreadable(f"not JSON: {getattr(exc, 'msg', exc)} at column {getattr(exc, 'colno', '?')}")
    if not isinstance(record, dict):
        return unreadable(f"a JSON {type(record).__name__}, not an object")

    claim = record.get("claim") if isinstance(record.get("claim"), str) else None
    problems: list[dict[str, Any]] = []

    def invalid(reason: str) -> None:
        problems.append(finding("verdict-invalid", file=file, line=number, claim=claim, reason=reason))

    for name in record:
        if name not in FIELDS:
            invalid(f"has unknown field {name!r} (known: {', '.join(FIELDS)})")
    for name in REQUIRED:
        value = record.get(name)
        if value is None:
            invalid(f"lacks required field {name!r}")
        elif not isinstance(value, str) or not value.strip():
            invalid(f"field {name!r} must be non-empty text, not {json.dumps(value, ensure_ascii=False)[:40]}")
    for name in OPTIONAL:
        value = record.get(name)
        if value is not None and not isinstance(value, str):
            invalid(f"field {name!r} must be text, not {json.dumps(value, ensure_ascii=False)[:40]}")
    resolves = record.get("resolves", False)
    if not isinstance(resolves, bool):
        invalid(f"field 'resolves' must be true or false, not {json.dumps(resolves)[:40]}")
    verdict, certainty, recorded = record.get("verdict"), record.get("certainty"), record.get("recorded")
    if isinstance(verdict, str) and verdict.strip() and verdict not in VERDICTS:
        problems.append(finding("verdict-unknown-verdict", file=file, line=number, claim=claim,
                                verdict=verdict, choices=" | ".join(VERDICTS)))
    if isinstance(certainty, str) and certainty.strip() and certainty not in CERTAINTIES:
        invalid(f"certainty {certainty!r} is not one of: {' | '.join(CERTAINTIES)}")
    when = parse_timestamp(recorded) if isinstance(recorded, str) else None
    if isinstance(recorded, str) and recorded.strip() and when is None:
        problems.append(finding("verdict-bad-date", file=file, line=number, claim=claim, recorded=recorded))
    if problems:
        return None, problems
    row = {name: record.get(name) for name in (*REQUIRED, *OPTIONAL)}
    row.update(recorded=when, resolves=resolves, file=file, line=number)
    return row, []


# --------------------------------------------------------------------------------------------
# The table


def _chronological(verdicts: pd.DataFrame) -> pd.DataFrame:
    # Timestamps sort as text; the line breaks ties (and orders records with equal times).
    return verdicts.sort_values(["recorded", "file", "line"], kind="stable", na_position="first")


def verdicts_for(verdicts: pd.DataFrame, claim: str | None = None,
                 reviewer: str | None = None) -> pd.DataFrame:
    """The history of ``claim`` (all claims when None), oldest first.

    With ``reviewer``, only that reviewer's records: the blind view, in which a reviewer works
    without seeing anyone else's verdicts.
    """
    from . import schema

    mask = verdicts["claim"].notna()
    if claim is not None:
        mask &= verdicts["claim"] == claim
    if reviewer is not None:
        mask &= verdicts["reviewer"] == reviewer
    return schema.frame("verdicts", _chronological(verdicts[mask.fillna(False).astype(bool)]))


def latest_verdicts(verdicts: pd.DataFrame) -> pd.DataFrame:
    """The latest verdict per claim and reviewer (the one that counts), sorted by claim, reviewer."""
    from . import schema

    latest = _chronological(verdicts).drop_duplicates(["claim", "reviewer"], keep="last")
    return schema.frame("verdicts", latest.sort_values(["claim", "reviewer"], kind="stable"))


def _standing(verdicts: pd.DataFrame) -> pd.DataFrame:
    """Per claim, the latest verdict of each reviewer since the claim's latest resolution.

    A record with ``resolves`` settles every earlier record on its claim; what reviewers record
    after it can disagree again.
    """
    ordered = _chronological(verdicts).reset_index(drop=True)
    ordered["_order"] = range(len(ordered))
    settled = ordered[ordered["resolves"].fillna(False).astype(bool)].groupby("claim")["_order"].max()
    since = ordered["claim"].map(settled).fillna(-1)
    current = ordered[ordered["_order"] >= since]
    return current.drop_duplicates(["claim", "reviewer"], keep="last").drop(columns="_order")


def conflicts(verdicts: pd.DataFrame) -> pd.DataFrame:
    """Claims on which reviewers disagree, unresolved: the standing verdict of each reviewer.

    Reviewers agree when their latest verdicts are the same word; a later record with
    ``resolves`` true settles the disagreement.
    """
    from . import schema

    standing = _standing(verdicts)
    split = standing.groupby("claim")["verdict"].transform("nunique") > 1
    return schema.frame("verdicts", standing[split].sort_values(["claim", "reviewer"], kind="stable"))


def current_verdicts(verdicts: pd.DataFrame) -> pd.DataFrame:
    """The verdict that stands on each claim: one row per claim, the latest record that agrees.

    Claims in conflict are left out (see ``conflicts``); so are claims nobody has reviewed.
    """
    from . import schema

    standing = _standing(verdicts)
    agreed = standing[standing.groupby("claim")["verdict"].transform("nunique") == 1]
    latest = _chronological(agreed).drop_duplicates("claim", keep="last")
    return schema.frame("verdicts", latest.sort_values("claim", kind="stable"))
