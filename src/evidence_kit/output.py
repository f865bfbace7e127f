"""Render the findings of a check for people and for CI: text, JSON, JUnit XML, GitHub annotations.

Presentation only: every function takes the findings and completeness tables and returns text.
"""

from __future__ import annotations

import json
import re
from typing import Any, Iterator
from xml.etree import ElementTree as ET

import pandas as pd

from . import schema
from .findings import SEVERITY_RANK

FORMATS = ("text", "json", "junit", "github")


def summary(findings: pd.DataFrame, completeness: pd.DataFrame, threshold: str) -> dict[str, Any]:
    """Counts of findings by severity (waived apart), whether CI fails, completeness per article."""
    waived = findings["waived"].fillna(False).astype(bool)
    active = findings[~waived]
    counts = {sev: int((active["severity"] == sev).sum()) for sev in SEVERITY_RANK}
    failing = int((active["severity"].map(SEVERITY_RANK) >= SEVERITY_RANK[threshold]).sum())
    return {
        "findings": int(len(findings)),
        "errors": counts["error"],
        "warnings": counts["warning"],
        "infos": counts["info"],
        "waived": int(waived.sum()),
        "fail_on": threshold,
        "failing": failing,
        "passed": failing == 0,
        "completeness": schema.records(completeness),  # JSON-ready: Python numbers, None for <NA>
    }


def _location(row: dict[str, Any]) -> str:
    return f"{row['file']}:{row['line']}" if row["line"] is not None else str(row["file"])


def render(findings: pd.DataFrame, completeness: pd.DataFrame, fmt: str = "text",
           threshold: str = "error") -> str:
    facts = summary(findings, completeness, threshold)
    columns = {name: schema.values(findings[name]) for name in findings.columns}
    if fmt != "json":  # JSON escapes what it must; the others reach terminals and XML parsers
        columns = {name: values if findings[name].dtype.kind in "iufb" else _visible_column(values)
                   for name, values in columns.items()}  # numbers and flags hold no text
        facts["completeness"] = [visible(c) for c in facts["completeness"]]
    rows = _Rows(columns)
    return {"text": _text, "json": _json, "junit": _junit, "github": _github}[fmt](rows, facts)


class _Rows:
    """The findings as dicts, made one at a time on each pass: 60,000 at once took 30 MB."""

    def __init__(self, columns: dict[str, list[Any]]):
        self.columns = columns

    def __iter__(self) -> Iterator[dict[str, Any]]:
        names = list(self.columns)
        return (dict(zip(names, row)) for row in zip(*self.columns.values()))

    def __len__(self) -> int:
        return len(next(iter(self.columns.values()), []))


# Control characters (but tab and newline) and the non-characters XML cannot hold: from a pasted
# bibliography they would drive the terminal (ESC [2J clears it) or make the JUnit XML unreadable.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\ufffe\uffff]")


def visible(row: dict[str, Any]) -> dict[str, Any]:
    """``row`` with every control character in its texts shown as an escape: ESC is \\x1b."""
    return {key: _CONTROL.sub(_escape_control, value) if isinstance(value, str) else value
            for key, value in row.items()}


def _visible_column(values: list[Any]) -> list[Any]:
    """``visible`` for one column: most columns hold no control character, and are kept whole."""
    try:
        texts = "".join(filter(None, values))  # a text column: texts and None
    except TypeError:
        texts = "".join(value for value in values if isinstance(value, str))
    if not _CONTROL.search(texts):
        return values
    return [_CONTROL.sub(_escape_control, value) if isinstance(value, str) else value for value in values]


def _escape_control(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def _percent(value: float | None) -> str:
    return "-" if value is None else f"{value:.0%}"


def _text(rows: _Rows, facts: dict[str, Any]) -> str:
    # Column by column, as _location would place each row: tens of thousands of findings are common.
    c = rows.columns
    places = [str(file) if line is None else f"{file}:{line}" for file, line in zip(c["file"], c["line"])]
    lines = [f"{place}: {severity} [{code}] {message}" for place, severity, code, message, waived
             in zip(places, c["severity"], c["code"], c["message"], c["waived"]) if not waived]
    waived = [f"  {place}: [{code}] {message} -- {reason}" for place, code, message, reason, waived
              in zip(places, c["code"], c["message"], c["waiver_reason"], c["waived"]) if waived]
    if waived:
        lines.append(f"\nwaived ({len(waived)}):")
        lines.extend(waived)
    if facts["completeness"]:
        lines.append("\ncompleteness        claims cited   statistics cited   cited refs with DOI/PMID")
        for c in facts["completeness"]:
            lines.append(
                f"  article {c['article']:<10} {c['claims_cited']:>3}/{c['claims']:<3} {_percent(c['share_claims_cited']):>5}"
                f"   {c['statistics_cited']:>3}/{c['statistics']:<3} {_percent(c['share_statistics_cited']):>5}"
                f"   {c['references_identified']:>3}/{c['references_cited']:<3} "
                f"{_percent(c['share_references_identified']):>5}")
    verdict = "passed" if facts["passed"] else "FAILED"
    lines.append(f"\n{verdict}: {facts['errors']} errors, {facts['warnings']} warnings, "
                 f"{facts['waived']} waived (fail on {facts['fail_on']})")
    return "\n".join(lines).lstrip("\n") + "\n"


def _json(rows: _Rows, facts: dict[str, Any]) -> str:
    return json.dumps({"findings": list(rows), "summary": facts}, indent=2, ensure_ascii=False) + "\n"


def _junit(rows: _Rows, facts: dict[str, Any]) -> str:
    """One test case per finding: a failure at or above the threshold, skipped when waived."""
    suite = ET.Element("testsuite", name="evidence-kit check", tests=str(max(len(rows), 1)),
                       failures=str(facts["failing"]), errors="0", skipped=str(facts["waived"]))
    rank = SEVERITY_RANK[facts["fail_on"]]
    for r in rows:
        case = ET.SubElement(suite, "testcase", classname=r["code"], name=f"{_location(r)} {r['message']}",
                             file=str(r["file"]))
        if r["line"] is not None:
            case.set("line", str(r["line"]))
        if r["waived"]:
            ET.SubElement(case, "skipped", message=f"waived: {r['waiver_reason']}")
        elif SEVERITY_RANK[r["severity"]] >= rank:
            failure = ET.SubElement(case, "failure", type=r["code"], message=r["message"])
            failure.text = f"{_location(r)}: {r['severity']} [{r['code']}] {r['message']}"
        else:
            out = ET.SubElement(case, "system-out")
            out.text = f"{r['severity']}: {r['message']}"
    if not rows:
        ET.SubElement(suite, "testcase", classname="evidence-kit", name="no findings")
    suites = ET.Element("testsuites", name="evidence-kit", tests=suite.get("tests", "0"),
                        failures=suite.get("failures", "0"))
    suites.append(suite)
    ET.indent(suites)
    return ET.tostring(suites, encoding="unicode", xml_declaration=True) + "\n"


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def _github(rows: _Rows, facts: dict[str, Any]) -> str:
    """GitHub Actions workflow commands; waived findings are notices."""
    level = {"error": "error", "warning": "warning", "info": "notice"}
    lines = []
    for r in rows:
        kind = "notice" if r["waived"] else level[r["severity"]]
        props = [f"file={_escape_property(str(r['file']))}"]
        if r["line"] is not None:
            props.append(f"line={r['line']}")
        props.append(f"title={_escape_property(r['code'])}")
        message = r["message"] + (f" (waived: {r['waiver_reason']})" if r["waived"] else "")
        lines.append(f"::{kind} {','.join(props)}::{_escape_data(message)}")
    verdict = "passed" if facts["passed"] else "failed"
    lines.append(f"evidence-kit check {verdict}: {facts['errors']} errors, {facts['warnings']} warnings, "
                 f"{facts['waived']} waived")
    return "\n".join(lines) + "\n"
