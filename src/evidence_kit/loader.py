"""Load a project's evidence into pandas tables, from the files ``inputs`` finds and reads.

A project is a folder with ``evidence/articles/*.yaml`` (one file per article),
``references.bib`` and, optionally, ``evidence/waivers.yaml`` and the verdict ledger
``evidence/verdicts.jsonl``. ``load(root)`` reads them all and
returns an ``Evidence`` whose attributes are the tables declared in ``schema``.

Speed, for projects of tens of thousands of bib entries and claims: with ``cache=True`` the parsed
tables are kept in the project's content-keyed cache (see ``cache``), and after an edit only the
article files whose bytes changed are parsed again; when the bibliography
is large and not cached, a forked process parses it, or the share of it that lets both processes
finish together, while this one reads the evidence files and parses the rest.
"""

from __future__ import annotations

import gc
import hashlib
import os
import pickle
import sys
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cached_property, partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable, Iterator

from . import schema
from .bibliography import digested, halves as bibliography_halves, parse_blocks, read_bibliography
from .errors import UnusableInput, located
from .findings import finding
from .forked import Forked, unpickled
from .evidence_format import read_article_file, read_waivers_file, split_citations
from .inputs import ARTICLES_DIR, BIBLIOGRAPHY, MEASURES, WAIVERS, full_text_bytes, regular_file_bytes, relative_name
from .verdicts import LEDGER, read_verdicts

if TYPE_CHECKING:
    import pandas as pd


# Both inputs at least this large: parse the bibliography in a second process.
PARALLEL_BYTES = 1 << 20


@contextmanager
def paused_gc() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while many long-lived objects are being built.

    Each of its full collections walks every object made so far, and building the tables of
    100,000 claims set off dozens of them: half the time of reading the evidence files, a quarter
    of bibtexparser's. Nothing is lost: cycles made meanwhile are collected once it runs again.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def collapse(text: str) -> str:
    """Runs of whitespace (line breaks, indentation, non-breaking spaces) become one space."""
    # Every whitespace but the ASCII space is unprintable, so a printable text without two spaces
    # in a row, or one at either end, is already collapsed (most are; the test is the cheaper).
    if text.isprintable() and "  " not in text and text[:1] != " " and text[-1:] != " ":
        return text
    return " ".join(text.split())  # what re.sub(r"\s+", " ", text).strip() gives, several times faster


def collapse_all(texts: list[str]) -> list[str]:
    """``collapse`` of each text, for many texts at once.

    Most texts are already collapsed: here they are told apart from the others in numpy, a slice
    of ``_TEXTS_AT_ONCE`` texts at a time, joined by spaces as one array of bytes in which a
    control character or two spaces in a row (a space at a text's end meets the one that joins
    it) mark the texts that need ``collapse``, as do those not in ASCII. Exactly ``collapse``'s
    answer (tests compare them).
    """
    if len(texts) > _TEXTS_AT_ONCE:
        return [text for start in range(0, len(texts), _TEXTS_AT_ONCE)
                for text in collapse_all(texts[start:start + _TEXTS_AT_ONCE])]
    import numpy as np

    if not texts:
        return []
    # Every character one byte (any but ASCII a "?"), so that positions in the bytes are
    # positions in the text; a space before the first text and after the last.
    codes = np.frombuffer((" " + " ".join(texts) + " ").encode("ascii", "replace"), np.uint8)
    space = codes == 32
    pairs = np.flatnonzero(space[1:] & space[:-1])
    marked = np.concatenate((np.flatnonzero((codes < 32) | (codes == 127)), pairs, pairs + 1))
    starts = np.cumsum([1, *(len(text) + 1 for text in texts[:-1])])  # where each text begins
    out = list(texts)
    for row in {*(np.searchsorted(starts, marked, side="right") - 1).tolist(),
                *(row for row, text in enumerate(texts) if not text.isascii())}:
        out[row] = collapse(texts[row])
    return out


_TEXTS_AT_ONCE = 8192


@dataclass
class Evidence:
    """Everything known about the articles under audit, as tables with fixed columns."""

    root: Path
    articles: pd.DataFrame
    listed_references: pd.DataFrame
    claims: pd.DataFrame
    citations: pd.DataFrame
    statistics: pd.DataFrame
    source_values: pd.DataFrame
    references: pd.DataFrame
    waivers: pd.DataFrame
    # Problems found while reading (bibliography blocks, unreadable full texts): findings rows.
    load_findings: list[dict[str, Any]] = field(default_factory=list)
    # Each article's full text, whitespace collapsed, or None when it could not be read.
    full_texts: dict[str, str | None] = field(default_factory=dict)
    # The verdict ledger, every readable record (see ``verdicts``).
    verdicts: pd.DataFrame = field(default_factory=lambda: schema.frame("verdicts"))
    # The measure vocabulary with the project's evidence/measures.yaml merged in; None when the
    # project has none, and the checks use the packaged vocabulary.
    measures: dict[str, Any] | None = None

    def table(self, name: str) -> pd.DataFrame:
        return getattr(self, name)

    @cached_property
    def statements(self) -> list[str]:
        """Each claim's statement with its whitespace collapsed (``collapse``), in the claims' order:
        the text the checks look for statistics in and look for in the full text."""
        return collapse_all(schema.values(self.claims["statement"]))

    @cached_property
    def statistic_texts(self) -> list[str]:
        """Each statistic's text with its whitespace collapsed, in the statistics' order: the text
        the checks look for in its claim's statement."""
        texts = schema.values(self.statistics["text"])
        collapsed = {text: collapse(text) for text in set(texts)}  # most statistics repeat a text
        return [collapsed[text] for text in texts]

    @cached_property
    def statistic_claim_rows(self) -> list[int]:
        """For each statistic, in order, the row in ``claims`` (and ``statements``) of its claim, or
        -1 when there is no such claim."""
        import pandas as pd

        return pd.Index(self.claims["claim"].array).get_indexer(self.statistics["claim"].array).tolist()


def load(root: str | Path = ".", *, cache: bool = False, parallel: bool | None = None,
         writes: list[Callable[[], Any]] | None = None) -> Evidence:
    """Load the evidence of the project at ``root``.

    Raises ``UnusableInput`` (one ``file:line: message`` per problem) when the evidence files
    cannot be used at all; problems the checks can report become findings instead.

    ``cache=True`` reuses what earlier runs parsed from identical files (the bibliography, the
    evidence files together or, after an edit, each unchanged article file) and stores what it
    parses for the next run, in ``ROOT/.evidence-kit-cache``; given a list ``writes``, what it would
    store is appended there instead, as jobs for the caller to run (``checks.check`` runs them
    alongside the checks). ``parallel`` decides whether a large bibliography is parsed in a second
    process; the default decides by size.
    """
    root = Path(root)
    if not root.is_dir():
        raise UnusableInput.at(str(root), None, "no such project folder")
    article_files = sorted((root / ARTICLES_DIR).glob("*.yaml"))
    if not article_files:
        raise UnusableInput.at(str(root / ARTICLES_DIR), None, "no article evidence files (*.yaml) here")

    # Read every input once: the bytes are both parsed and hashed for the cache. A file that cannot
    # be read is reported where it was before, among the evidence problems or at the bibliography.
    unreadable: dict[str, list[str]] = {}
    raw = [(name, _try_read(path, name, unreadable)) for name, path in
           ((relative_name(path, root), path) for path in article_files)]
    waivers_raw = _try_read(root / WAIVERS, WAIVERS.as_posix(), unreadable) if (root / WAIVERS).exists() else None
    bib_path = root / BIBLIOGRAPHY
    # Anything there is read: a folder, FIFO or dangling link named references.bib is reported, not
    # taken for a project without a bibliography.
    bib_raw = _try_read(bib_path, BIBLIOGRAPHY.as_posix(), unreadable) if os.path.lexists(bib_path) else None

    store = _store(root) if cache and not unreadable else None

    def write(put: Callable[..., Any], *args: Any) -> None:
        """A cache write: now, or as a job in ``writes``."""
        if writes is None:
            put(*args)
        else:
            writes.append(partial(put, *args))

    evidence_key = bib_key = ""
    digests: dict[str, str] = {}  # article file -> SHA-256 of its bytes, with a cache
    tables: dict[str, pd.DataFrame] | None = None
    bibliography: tuple[pd.DataFrame, list[dict[str, Any]]] | None = None
    if store is not None:
        from .cache import fingerprint, key

        digests = {name: hashlib.sha256(data or b"").hexdigest() for name, data in raw}
        evidence_key = key("evidence", [*((name, digests[name].encode()) for name, _ in raw),
                                        (WAIVERS.as_posix(), waivers_raw)])
        if bib_raw is not None:
            bib_key = key("bibliography", [(BIBLIOGRAPHY.as_posix(), bib_raw)])
            bibliography = store.get("bibliography", bib_key)

    # The second process starts before anything here imports pandas or unpickles stored tables.
    worker = halves = None
    if (bibliography is None and bib_raw is not None
            and (parallel or (parallel is None and len(bib_raw) >= PARALLEL_BYTES))):
        stored = store is not None and store.has("evidence", evidence_key)
        evidence_bytes = 0 if stored else sum(len(data or b"") for _, data in raw)
        share = _tail_share(len(bib_raw), evidence_bytes, importing="pandas" not in sys.modules)
        halves = bibliography_halves(bib_raw, BIBLIOGRAPHY.as_posix(), share) if share < 0.9 else None
        if halves is not None:
            worker = Forked(_blocks_payload, halves.tail, halves.tail_line, BIBLIOGRAPHY.as_posix(), halves.strings)
        else:
            worker = Forked(_bibliography_payload, bib_raw, store, bib_key)
    try:
        if store is not None:
            tables = _stored_tables(store.get("evidence", evidence_key))
        if tables is None:
            # After an edit, the rows of the files that did not change come from the last tables.
            earlier = _earlier_rows(store.newest("evidence"), digests, fingerprint()) if store is not None else None
            with paused_gc():
                tables = _evidence_tables(raw, waivers_raw, unreadable, earlier)
            del raw  # a large project's bytes: free them before the next allocations
            if store is not None:
                write(store.put, "evidence", evidence_key,  # a copy: the waivers are popped below
                      {"tables": dict(tables), "files": digests, "made by": fingerprint()})
        if BIBLIOGRAPHY.as_posix() in unreadable:
            raise UnusableInput(unreadable[BIBLIOGRAPHY.as_posix()])
        if bibliography is None and bib_raw is not None:
            # The forked process stored what it sent whole; a table built here is stored here.
            sent_whole = unpickled(worker) if halves is None else None
            with paused_gc():
                if halves is not None:
                    bibliography = halves.read(lambda: unpickled(worker))
                else:
                    bibliography = sent_whole or read_bibliography(bib_raw, BIBLIOGRAPHY.as_posix())
            if store is not None and sent_whole is None:
                write(store.put, "bibliography", bib_key, bibliography)
    finally:
        if worker is not None:
            worker.cancel()

    if bibliography is None:
        references, load_findings = schema.frame("references"), []
    else:
        references, load_findings = bibliography
    waivers = tables.pop("waivers")
    full_texts: dict[str, str | None] = {}
    for article in tables["articles"].itertuples():
        text, reason = _read_full_text(root, article.full_text)
        full_texts[article.article] = text
        if reason:
            load_findings.append(_full_text_finding(article, reason))
    verdicts = _verdict_table(root, tables["claims"], load_findings)
    return Evidence(root=root, references=references, waivers=waivers,
                    load_findings=load_findings, full_texts=full_texts, verdicts=verdicts,
                    measures=_measures(root), **tables)


def _measures(root: Path) -> dict[str, Any] | None:
    """The project's measures merged over the packaged ones; ``UnusableInput`` names file:line."""
    path = root / MEASURES
    if not path.is_file():
        return None
    from .measures import load_measures

    name = MEASURES.as_posix()
    return load_measures(_read_text(path, name), name)


def _store(root: Path) -> Any:
    from .cache import Store

    return Store.for_project(root)


def _stored_tables(entry: Any) -> dict[str, pd.DataFrame] | None:
    """The tables of a stored evidence entry (a copy: the caller pops the waivers)."""
    if not isinstance(entry, dict) or not isinstance(entry.get("tables"), dict):
        return None
    return dict(entry["tables"])


def _earlier_rows(entry: Any, digests: dict[str, str], made_by: bytes) -> dict[str, pd.DataFrame] | None:
    """The rows of the last stored tables that came from files whose bytes have not changed.

    Only tables made by this code with these libraries (``made_by``, the cache's fingerprint) count.
    """
    tables, files = _stored_tables(entry), entry.get("files") if isinstance(entry, dict) else None
    if tables is None or not isinstance(files, dict) or entry.get("made by") != made_by:
        return None
    same = {name for name, digest in files.items() if digests.get(name) == digest}
    if not same:
        return None
    return {name: table[table["file"].isin(same)] for name, table in tables.items() if name != "waivers"}


def _evidence_tables(raw: list[tuple[str, bytes | None]], waivers_raw: bytes | None,
                     unreadable: dict[str, list[str]],
                     earlier: dict[str, pd.DataFrame] | None = None) -> dict[str, pd.DataFrame]:
    """The evidence tables and the waivers table from the files' bytes; raises ``UnusableInput``.

    Each file's record is flattened into the tables as soon as it is read, so the records of all
    files are never in memory at once. Duplicate ids are reported only when every file could be read.
    ``earlier`` holds rows parsed before from files with the same bytes: those files are not parsed
    again (unless ids then repeat across files, when everything is, for the same report).
    """
    problems: list[str] = []
    reused = set(earlier["articles"]["file"]) if earlier is not None else set()

    def records() -> Iterator[tuple[str, dict[str, Any]]]:
        for name, data in raw:
            if name not in reused:
                record = _parsed(read_article_file, data, name, unreadable, problems)
                if record is not None:
                    yield name, record

    duplicates: UnusableInput | None = None
    try:
        tables = _tables(records())
    except UnusableInput as exc:
        duplicates = exc
    if earlier is not None and not problems:
        tables = _merged(earlier, tables, [name for name, _ in raw]) if duplicates is None else None
        if tables is None:  # ids repeat across files: read them all, so the report names each place
            return _evidence_tables(raw, waivers_raw, unreadable)
    waivers: list[dict[str, Any]] = []
    name = WAIVERS.as_posix()
    if waivers_raw is not None or name in unreadable:
        waivers = _parsed(read_waivers_file, waivers_raw, name, unreadable, problems) or []
    if problems:
        raise UnusableInput(problems)
    if duplicates is not None:
        raise duplicates
    tables["waivers"] = _waiver_table(waivers)
    return tables


def _parsed(read: Callable[[str, str], Any], data: bytes | None, name: str, unreadable: dict[str, list[str]],
            problems: list[str]) -> Any:
    """``read(text, name)`` of a file's bytes; None, its problems added to ``problems``, when the file
    could not be read or used."""
    try:
        if data is None:
            raise UnusableInput(unreadable[name])
        return read(_decode(data, name), name)
    except UnusableInput as exc:
        problems.extend(exc.problems)
        return None


# Seconds per megabyte of each step, measured on the benchmark's corpus. They decide how much of
# the bibliography the second process parses: bibtexparser's parse, the reader's rows from the
# parsed blocks, the second process's ``digested`` blocks and sending them, and reading the
# evidence files; and what importing pandas adds to this process's side, when it has not yet
# (tuned: the import takes 0.15 s, but this process also started the other).
_PARSE_BIB, _READ_BIB, _DIGEST_BIB, _READ_EVIDENCE = 0.087, 0.024, 0.028, 0.059
_IMPORT_PANDAS = 0.08


def _tail_share(bib_bytes: int, evidence_bytes: int, importing: bool = False) -> float:
    """The share of the bibliography to parse in the second process so both finish together.

    The second process parses its share, digests and sends the blocks; this one meanwhile
    imports pandas (when ``importing``), reads the evidence files, parses the rest and reads it.
    (Adding the digested rows comes after.)
    """
    megabyte = 1e6
    this = ((_IMPORT_PANDAS if importing else 0.0) + evidence_bytes / megabyte * _READ_EVIDENCE
            + bib_bytes / megabyte * (_PARSE_BIB + _READ_BIB))
    both = bib_bytes / megabyte * (2 * _PARSE_BIB + _READ_BIB + _DIGEST_BIB)
    return this / both if both else 1.0


def _blocks_payload(text: str, first_line: int, file: str, strings_before: str) -> bytes:
    """The ``digested`` blocks of a part of the bibliography, pickled."""
    with paused_gc():
        return pickle.dumps(digested(parse_blocks(text, first_line), file, strings_before),
                            protocol=pickle.HIGHEST_PROTOCOL)


def _merged(earlier: dict[str, pd.DataFrame], fresh: dict[str, pd.DataFrame],
            files: list[str]) -> dict[str, pd.DataFrame] | None:
    """Earlier and fresh rows in file order, as one parse of every file gives them; None when an
    article or claim id is used in two files."""
    import pandas as pd

    position = {name: i for i, name in enumerate(files)}
    tables = {}
    for name, table in fresh.items():
        both = pd.concat([earlier[name], table], ignore_index=True)
        order = both["file"].map(position).to_numpy().argsort(kind="stable")
        tables[name] = schema.frame(name, both.iloc[order].reset_index(drop=True))
    if tables["articles"]["article"].duplicated().any() or tables["claims"]["claim"].duplicated().any():
        return None
    return tables


def _bibliography_payload(data: bytes, store: Any, key: str) -> bytes:
    """``read_bibliography`` of ``data``, pickled (and stored under ``key`` when there is a store)."""
    with paused_gc():
        payload = pickle.dumps(read_bibliography(data, BIBLIOGRAPHY.as_posix()), protocol=pickle.HIGHEST_PROTOCOL)
    if store is not None:
        store.put_pickled("bibliography", key, payload)
    return payload


def _tables(records: Iterable[tuple[str, dict[str, Any]]]) -> dict[str, pd.DataFrame]:
    """Flatten the article records into the tables; duplicate ids are unusable input.

    The tables are built column by column (a list per column), which pandas turns into a frame
    several times faster than a list of row dicts; a printed citation is split once per distinct
    text.
    """
    import pandas as pd  # when the first table is built (see schema)

    names = ("articles", "listed_references", "claims", "citations", "statistics", "source_values")
    columns = {name: {column: [] for column in schema.columns(name)} for name in names}
    articles, listed, claims, citations, statistics, sources = (columns[name] for name in names)
    problems: list[str] = []
    seen_articles: dict[str, str] = {}
    seen_claims: dict[str, str] = {}
    markers: dict[str, list[tuple[str, int | None]]] = {}
    for file, record in records:
        art = record["article"]
        article = art["id"]
        where = located(file, art["line"], "")
        if article in seen_articles:
            problems.append(f"{where}article id {article!r} is already used at {seen_articles[article]}")
            continue
        seen_articles[article] = where.rstrip(": ")
        for column in ("title", "publisher", "url", "accessed", "status", "full_text", "origin", "line"):
            articles[column].append(art.get(column))
        articles["article"].append(article)
        articles["file"].append(file)
        references = art.get("references") or []
        numbered = {number: key for number, key, _ in references}
        for number, key, line in references:
            listed["article"].append(article)
            listed["number"].append(number)
            listed["key"].append(key)
            listed["file"].append(file)
            listed["line"].append(line)
        for claim in record["claims"]:
            cid, line = claim["id"], claim["line"]
            if cid in seen_claims:
                problems.append(located(file, line, f"claim id {cid!r} is already used at {seen_claims[cid]}"))
                continue
            seen_claims[cid] = f"{file}:{line}"
            printed = claim.get("citations") or ""
            claims["article"].append(article)
            claims["claim"].append(cid)
            claims["section"].append(claim.get("section"))
            claims["statement"].append(claim["statement"])
            claims["citations"].append(printed)
            claims["file"].append(file)
            claims["line"].append(line)
            split = markers.get(printed)
            if split is None:
                split = markers[printed] = split_citations(printed)
            for token, number in split:
                citations["article"].append(article)
                citations["claim"].append(cid)
                citations["printed"].append(token)
                citations["number"].append(number)
                citations["key"].append(numbered.get(number) if number is not None else None)
                citations["file"].append(file)
                citations["line"].append(line)
            for i, figure in enumerate(claim.get("statistics") or [], start=1):
                sid = f"{cid}/{i}"
                statistics["article"].append(article)
                statistics["claim"].append(cid)
                statistics["statistic"].append(sid)
                statistics["text"].append(figure["text"])
                statistics["measure"].append(figure["measure"])
                statistics["condition"].append(figure.get("condition"))
                statistics["file"].append(file)
                statistics["line"].append(figure["line"])
                for src in figure.get("sources") or []:
                    sources["article"].append(article)
                    sources["claim"].append(cid)
                    sources["statistic"].append(sid)
                    for column in ("key", "population", "value", "n", "N", "locator", "note", "comparable",
                                   "line"):
                        sources[column].append(src.get(column))
                    sources["file"].append(file)
    if problems:
        raise UnusableInput(problems)
    return {name: schema.frame(name, pd.DataFrame(columns[name])) for name in names}


def _waiver_table(waivers: list[dict[str, Any]]) -> pd.DataFrame:
    file = WAIVERS.as_posix()
    return schema.frame("waivers", ({"waiver": f"{file}:{w['line']}", "code": w["code"],
                                     "article": w.get("article"), "claim": w.get("claim"),
                                     "key": w.get("key"), "reason": w["reason"],
                                     "reviewer": w.get("reviewer"), "file": file, "line": w["line"]}
                                    for w in waivers))


def _verdict_table(root: Path, claims: pd.DataFrame, load_findings: list[dict[str, Any]]) -> pd.DataFrame:
    """The ledger's readable records, each with its claim's article; its problems go to findings."""
    if not (root / LEDGER).is_file():
        return schema.frame("verdicts")
    rows, found = read_verdicts(_read_bytes(root / LEDGER, LEDGER.as_posix()), LEDGER.as_posix())
    load_findings.extend(found)
    article_of = dict(zip(claims["claim"], claims["article"]))
    for row in rows:
        row["article"] = article_of.get(row["claim"])
    return schema.frame("verdicts", rows)


def _read_bytes(path: Path, name: str) -> bytes:
    try:
        return regular_file_bytes(path)
    except OSError as exc:
        raise UnusableInput.at(name, None, f"cannot read: {exc.strerror or exc}") from None


def _try_read(path: Path, name: str, unreadable: dict[str, list[str]]) -> bytes | None:
    """The bytes of ``path``, or None with the problem recorded under ``name``."""
    try:
        return _read_bytes(path, name)
    except UnusableInput as exc:
        unreadable[name] = exc.problems
        return None


def _read_text(path: Path, name: str) -> str:
    return _decode(_read_bytes(path, name), name)


def _decode(data: bytes, name: str) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise UnusableInput.at(name, line, "not UTF-8 text; save the file as UTF-8") from None


def _read_full_text(root: Path, relative: str) -> tuple[str | None, str | None]:
    """The full text, whitespace collapsed, or None and why it cannot be used."""
    data, reason = full_text_bytes(root, relative)
    if data is None:
        return None, reason
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None, "is not UTF-8 text"
    return collapse(text), None


def _full_text_finding(article: Any, reason: str) -> dict[str, Any]:
    return finding("full-text-missing", file=article.file, line=article.line, article=article.article,
                   full_text=article.full_text, reason=reason)
