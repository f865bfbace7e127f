"""Load a project's evidence into pandas tables: the only module that opens the evidence files.

A project is a folder with ``evidence/articles/*.yaml`` (one file per article),
``references.bib`` and, optionally, ``evidence/waivers.yaml`` and the verdict ledger
``evidence/verdicts.jsonl``. ``load(root)`` reads them all and
returns an ``Evidence`` whose attributes are the tables declared in ``schema``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from . import schema
from .bibliography import read_bibliography
from .errors import UnusableInput, located
from .findings import finding
from .evidence_format import read_article_file, read_waivers_file, split_citations
from .verdicts import LEDGER, read_verdicts

ARTICLES_DIR = Path("evidence") / "articles"
BIBLIOGRAPHY = Path("references.bib")
WAIVERS = Path("evidence") / "waivers.yaml"

_SPACE = re.compile(r"\s+")


def collapse(text: str) -> str:
    """Runs of whitespace (line breaks, indentation, non-breaking spaces) become one space."""
    return _SPACE.sub(" ", text).strip()


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

    def table(self, name: str) -> pd.DataFrame:
        return getattr(self, name)


def load(root: str | Path = ".") -> Evidence:
    """Load the evidence of the project at ``root``.

    Raises ``UnusableInput`` (one ``file:line: message`` per problem) when the evidence files
    cannot be used at all; problems the checks can report become findings instead.
    """
    root = Path(root)
    if not root.is_dir():
        raise UnusableInput.at(str(root), None, "no such project folder")
    article_files = sorted((root / ARTICLES_DIR).glob("*.yaml"))
    if not article_files:
        raise UnusableInput.at(str(root / ARTICLES_DIR), None, "no article evidence files (*.yaml) here")

    problems: list[str] = []
    records: list[tuple[str, dict[str, Any]]] = []
    for path in article_files:
        name = _relative(path, root)
        try:
            records.append((name, read_article_file(_read_text(path, name), name)))
        except UnusableInput as exc:
            problems.extend(exc.problems)
    waivers: list[dict[str, Any]] = []
    if (root / WAIVERS).exists():
        name = WAIVERS.as_posix()
        try:
            waivers = read_waivers_file(_read_text(root / WAIVERS, name), name)
        except UnusableInput as exc:
            problems.extend(exc.problems)
    if problems:
        raise UnusableInput(problems)

    tables = _tables(records)
    bib_path = root / BIBLIOGRAPHY
    load_findings: list[dict[str, Any]] = []
    if bib_path.is_file():
        references, load_findings = read_bibliography(_read_bytes(bib_path, BIBLIOGRAPHY.as_posix()),
                                                      BIBLIOGRAPHY.as_posix())
    else:
        references = schema.frame("references")
    full_texts: dict[str, str | None] = {}
    for article in tables["articles"].itertuples():
        text, reason = _read_full_text(root, article.full_text)
        full_texts[article.article] = text
        if reason:
            load_findings.append(_full_text_finding(article, reason))
    verdicts = _verdict_table(root, tables["claims"], load_findings)
    return Evidence(root=root, references=references, waivers=_waiver_table(waivers),
                    load_findings=load_findings, full_texts=full_texts, verdicts=verdicts, **tables)


def _tables(records: list[tuple[str, dict[str, Any]]]) -> dict[str, pd.DataFrame]:
    """Flatten the article records into the tables; duplicate ids are unusable input."""
    rows: dict[str, list[dict[str, Any]]] = {name: [] for name in
                                              ("articles", "listed_references", "claims", "citations",
                                               "statistics", "source_values")}
    problems: list[str] = []
    seen_articles: dict[str, str] = {}
    seen_claims: dict[str, str] = {}
    for file, record in records:
        art = record["article"]
        article = art["id"]
        where = located(file, art["line"], "")
        if article in seen_articles:
            problems.append(f"{where}article id {article!r} is already used at {seen_articles[article]}")
            continue
        seen_articles[article] = where.rstrip(": ")
        rows["articles"].append({"article": article, "title": art["title"], "publisher": art.get("publisher"),
                                 "url": art.get("url"), "accessed": art.get("accessed"),
                                 "status": art["status"], "full_text": art["full_text"],
                                 "origin": art.get("origin"), "file": file, "line": art["line"]})
        numbered = {number: key for number, key, _ in art.get("references") or []}
        rows["listed_references"].extend(
            {"article": article, "number": number, "key": key, "file": file, "line": line}
            for number, key, line in art.get("references") or [])
        for claim in record["claims"]:
            cid, line = claim["id"], claim["line"]
            if cid in seen_claims:
                problems.append(located(file, line, f"claim id {cid!r} is already used at {seen_claims[cid]}"))
                continue
            seen_claims[cid] = f"{file}:{line}"
            printed = claim.get("citations") or ""
            rows["claims"].append({"article": article, "claim": cid, "section": claim.get("section"),
                                   "statement": claim["statement"], "citations": printed,
                                   "file": file, "line": line})
            rows["citations"].extend(
                {"article": article, "claim": cid, "printed": token, "number": number,
                 "key": numbered.get(number) if number is not None else None, "file": file, "line": line}
                for token, number in split_citations(printed))
            for i, stat in enumerate(claim.get("statistics") or [], start=1):
                sid = f"{cid}/{i}"
                rows["statistics"].append({"article": article, "claim": cid, "statistic": sid,
                                           "text": stat["text"], "measure": stat["measure"],
                                           "condition": stat.get("condition"), "file": file,
                                           "line": stat["line"]})
                rows["source_values"].extend(
                    {"article": article, "claim": cid, "statistic": sid, "key": src["key"],
                     "population": src.get("population"), "value": src["value"], "n": src.get("n"),
                     "N": src.get("N"), "locator": src.get("locator"), "note": src.get("note"),
                     "file": file, "line": src["line"]}
                    for src in stat.get("sources") or [])
    if problems:
        raise UnusableInput(problems)
    return {name: schema.frame(name, table_rows) for name, table_rows in rows.items()}


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


def _relative(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return str(path)


def _read_bytes(path: Path, name: str) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise UnusableInput.at(name, None, f"cannot read: {exc.strerror or exc}") from None


def _read_text(path: Path, name: str) -> str:
    data = _read_bytes(path, name)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise UnusableInput.at(name, line, "not UTF-8 text; save the file as UTF-8") from None


def _read_full_text(root: Path, relative: str) -> tuple[str | None, str | None]:
    """The full text, whitespace collapsed, or None and why it cannot be used."""
    try:
        base = root.resolve()
        path = (root / relative).resolve(strict=True)
    except FileNotFoundError:
        return None, "does not exist"
    except (OSError, RuntimeError) as exc:  # symlink loops raise either, by Python version
        return None, f"cannot be resolved ({exc.__class__.__name__})"
    if not path.is_relative_to(base):
        return None, "is outside the project"
    if not path.is_file():
        return None, "is not a file"
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except OSError as exc:
        return None, f"cannot be read ({exc.strerror})"
    except UnicodeDecodeError:
        return None, "is not UTF-8 text"
    return collapse(text), None


def _full_text_finding(article: Any, reason: str) -> dict[str, Any]:
    return finding("full-text-missing", file=article.file, line=article.line, article=article.article,
                   full_text=article.full_text, reason=reason)
