"""What a reviewer looks at, statement by statement: plain data for the notebooks and the report.

Presentation comes after this module: the notebooks and ``html_report`` only lay out what these
functions return. Nothing here opens a file except ``find_root`` (which looks for one) and the
verdict form, which records through ``verdicts.record_verdict``.

``statement_view(evidence, claim)`` gathers everything known about one statement: where it stands
in the article's full text, its citations as printed with the references formatted in AMA style,
DOI and PMID links, its statistics with their parsed values and what the sources report, its
findings, and its verdicts (the latest per reviewer, and the whole history).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pandas as pd

from . import schema
from .inputs import ARTICLES_DIR
from .loader import Evidence, collapse

# How much of the full text to show on each side of a statement.
CONTEXT_CHARS = 180


# --------------------------------------------------------------------------------------------
# Finding the project


def find_root(root: str | Path | None = None, start: str | Path | None = None) -> Path:
    """The project folder: ``root`` when given, else the nearest folder at or above ``start``
    (default: the working directory) that holds ``evidence/articles``.

    A notebook opened from ``notebooks/`` therefore finds the project above it, and a papermill run
    can pass ``root`` explicitly.
    """
    if root is not None and str(root) != "":
        return Path(root).expanduser().resolve()
    here = Path(start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / ARTICLES_DIR).is_dir():
            return folder
    raise FileNotFoundError(f"no folder with {ARTICLES_DIR.as_posix()} at or above {here}; "
                            "pass the project folder as root")


# --------------------------------------------------------------------------------------------
# Links: only http(s), built from identifiers, never from free text


_DOI = re.compile(r"^10\.\d{4,9}/\S+$")
_PMID = re.compile(r"^\d{1,9}$")


def doi_url(doi: Any) -> str | None:
    """``https://doi.org/<doi>`` for a well-formed DOI, else None."""
    if not _present(doi):
        return None
    doi = str(doi).strip()
    if not _DOI.match(doi):
        return None
    return "https://doi.org/" + quote(doi, safe="/:;()._-")


def pmid_url(pmid: Any) -> str | None:
    """``https://pubmed.ncbi.nlm.nih.gov/<pmid>/`` for a numeric PMID, else None."""
    if not _present(pmid):
        return None
    pmid = str(pmid).strip()
    return f"https://pubmed.ncbi.nlm.nih.gov/{pmid}/" if _PMID.match(pmid) else None


def web_url(url: Any) -> str | None:
    """``url`` when it is an http(s) address, else None (no javascript:, data:, file: links)."""
    if not _present(url):
        return None
    url = str(url).strip()
    if re.match(r"^https?://[^\s\"'<>]+$", url, flags=re.IGNORECASE):
        return url
    return None


def _present(value: Any) -> bool:
    if value is None or value is pd.NA:
        return False
    if isinstance(value, float) and math.isnan(value):
        return False
    return str(value).strip() != ""


# --------------------------------------------------------------------------------------------
# One statement


@dataclass
class StatementView:
    """Everything the review shows for one statement."""

    article: str
    claim: str
    section: str | None
    statement: str
    citations: str  # as printed; "" when uncited
    file: str
    line: int
    context_before: str | None  # the full text just before the statement, when it was found
    context_after: str | None
    references: pd.DataFrame  # one row per printed citation: printed, number, key, reference, links
    statistics: pd.DataFrame  # one row per statistic, with its parsed value
    source_values: pd.DataFrame  # what the sources report for those statistics
    findings: pd.DataFrame  # the findings about this claim
    verdicts: pd.DataFrame  # the latest verdict of each reviewer
    history: pd.DataFrame  # every verdict recorded for the claim, oldest first
    conflict: bool  # reviewers' latest verdicts disagree

    @property
    def found_in_full_text(self) -> bool:
        return self.context_before is not None


def statement_view(evidence: Evidence, claim: str, findings: pd.DataFrame | None = None,
                   reviewer: str | None = None) -> StatementView:
    """Everything known about ``claim``; ``findings`` defaults to a fresh ``check(evidence)``.

    With ``reviewer``, the verdicts shown are that reviewer's only (the blind view).
    """
    rows = evidence.claims[evidence.claims["claim"] == claim]
    if rows.empty:
        raise KeyError(f"no claim {claim!r} in the evidence")
    row = rows.iloc[0]
    if findings is None:
        from .checks import check

        findings = check(evidence)
    before, after = statement_context(evidence, claim)
    verdicts, history, conflict = claim_verdicts(evidence, claim, reviewer)
    return StatementView(
        article=str(row["article"]), claim=claim, section=_text(row["section"]),
        statement=str(row["statement"]), citations=str(row["citations"] or ""),
        file=str(row["file"]), line=int(row["line"]),
        context_before=before, context_after=after,
        references=claim_references(evidence, claim),
        statistics=claim_statistics(evidence, claim),
        source_values=claim_source_values(evidence, claim),
        findings=claim_findings(findings, claim, blind=reviewer is not None),
        verdicts=verdicts, history=history, conflict=conflict,
    )


def article_review(evidence: Evidence, article: str, findings: pd.DataFrame | None = None,
                   reviewer: str | None = None) -> list[StatementView]:
    """A ``StatementView`` for every claim of ``article``, in the order of its evidence file."""
    if article not in set(evidence.articles["article"]):
        known = ", ".join(sorted(evidence.articles["article"]))
        raise KeyError(f"no article {article!r} in the evidence (articles: {known})")
    if findings is None:
        from .checks import check

        findings = check(evidence)
    claims = evidence.claims[evidence.claims["article"] == article]
    return [statement_view(evidence, claim, findings, reviewer) for claim in claims["claim"]]


def statement_context(evidence: Evidence, claim: str,
                      chars: int = CONTEXT_CHARS) -> tuple[str | None, str | None]:
    """The full text before and after the statement (whitespace collapsed), cut at word
    boundaries; ``(None, None)`` when the full text is missing or does not contain the statement."""
    row = evidence.claims[evidence.claims["claim"] == claim].iloc[0]
    text = evidence.full_texts.get(str(row["article"]))
    if not text:
        return None, None
    statement = collapse(str(row["statement"]))
    at = text.find(statement)
    if at < 0 or not statement:
        return None, None
    start, end = at, at + len(statement)
    before = text[max(0, start - chars):start]
    after = text[end:end + chars]
    if start - chars > 0:
        before = "…" + before.split(" ", 1)[-1] if " " in before else "…" + before
    if end + chars < len(text):
        after = (after.rsplit(" ", 1)[0] if " " in after else after) + "…"
    return before, after


def claim_references(evidence: Evidence, claim: str) -> pd.DataFrame:
    """The claim's citations as printed, each with its bib key, its reference formatted in AMA
    style, and DOI and PubMed links."""
    cites = evidence.citations[evidence.citations["claim"] == claim]
    keys = [k for k in cites["key"].dropna().astype(str).unique()]
    refs = reference_table(evidence, keys)
    out = cites[["printed", "number", "key"]].merge(refs, on="key", how="left")
    return out.reset_index(drop=True)


REFERENCE_COLUMNS = ["key", "reference", "title", "year", "doi", "doi_url", "pmid", "pmid_url", "defined"]


def reference_table(evidence: Evidence, keys: Iterable[str]) -> pd.DataFrame:
    """One row per bib key: the AMA-formatted reference, its DOI and PMID with their links, and
    whether references.bib defines the key at all."""
    keys = list(dict.fromkeys(str(k) for k in keys))
    bib = evidence.references.drop_duplicates("key").set_index("key")
    defined = [k for k in keys if k in bib.index]
    formatted = formatted_references(evidence.references, defined)
    rows = []
    for key in keys:
        if key in bib.index:
            entry = bib.loc[key]
            doi, pmid = _text(entry["doi"]), _text(entry["pmid"])
            rows.append({"key": key, "reference": formatted.get(key), "title": _text(entry["title"]),
                         "year": _text(entry["year"]), "doi": doi, "doi_url": doi_url(doi),
                         "pmid": pmid, "pmid_url": pmid_url(pmid), "defined": True})
        else:
            rows.append({"key": key, "reference": None, "title": None, "year": None, "doi": None,
                         "doi_url": None, "pmid": None, "pmid_url": None, "defined": False})
    return pd.DataFrame(rows, columns=REFERENCE_COLUMNS).astype(
        {c: schema.STR for c in REFERENCE_COLUMNS if c != "defined"} | {"defined": "boolean"})


def formatted_references(references: pd.DataFrame, keys: list[str]) -> dict[str, str]:
    """Each key's reference as plain text in AMA style, through ``citation_style`` (CSL)."""
    if not keys:
        return {}
    from .citation_style import format_references

    return {key: str(text) for key, text in format_references(references, keys, style="ama").items()}


# --------------------------------------------------------------------------------------------
# Statistics


PARSED_COLUMNS = ["kind", "low", "high", "unit", "parsed"]


def parsed_value(text: Any) -> dict[str, Any]:
    """A statistic's text read by ``parse_statistic``: kind, low, high, unit, and a short reading
    (``percent range: 0.6 to 0.9 proportion``); unreadable text says why."""
    if not _present(text):
        return {c: None for c in PARSED_COLUMNS}
    from .statistic import parse_statistic

    value = parse_statistic(str(text))
    if value.kind == "unreadable":
        return {"kind": value.kind, "low": None, "high": None, "unit": None,
                "parsed": f"unreadable: {value.problem}"}
    return {"kind": value.kind, "low": value.low, "high": value.high, "unit": value.unit,
            "parsed": _reading(value)}


def _reading(value: Any) -> str:
    """``percent range: 0.6 to 0.9 proportion``; open sides as ``< 60 seconds``, ``> 20 years``."""
    def show(x: float) -> str:
        return f"{x:.3g}"

    low, high = value.low, value.high
    if low is None and high is not None:
        span = ("< " if value.high_bound == "exclusive" else "≤ ") + show(high)
    elif high is None and low is not None:
        span = ("> " if value.low_bound == "exclusive" else "≥ ") + show(low)
    elif low is not None and low == high:
        span = show(low)
    elif low is not None and high is not None:
        span = f"{show(low)} to {show(high)}"
    else:
        span = "no value"
    unit = f" {value.unit}" if value.unit and value.unit != "ratio" else ""
    parts = [f"{value.kind}: {span}{unit}"]
    if value.share_low is not None:
        share = show(value.share_low) if value.share_low == value.share_high else \
            f"{show(value.share_low)} to {show(value.share_high)}"
        parts.append(f"first-group share {share}")
    if value.n is not None or value.N is not None:
        parts.append(", ".join(f"{name}={count}" for name, count in (("n", value.n), ("N", value.N))
                               if count is not None))
    return "; ".join(parts)


STATISTIC_COLUMNS = ["statistic", "text", "measure", "condition", *PARSED_COLUMNS, "file", "line"]


def claim_statistics(evidence: Evidence, claim: str) -> pd.DataFrame:
    """The claim's statistics as printed, with their parsed values."""
    return statistics_table(evidence, evidence.statistics["claim"] == claim)


def statistics_table(evidence: Evidence, mask: pd.Series | None = None) -> pd.DataFrame:
    """Statistics (all, or those ``mask`` selects) with their parsed values; the researchers'
    table adds article and claim."""
    stats = evidence.statistics if mask is None else evidence.statistics[mask]
    parsed = pd.DataFrame([parsed_value(t) for t in stats["text"]], columns=PARSED_COLUMNS,
                          index=stats.index)
    out = pd.concat([stats[["article", "claim", "statistic", "text", "measure", "condition"]], parsed,
                     stats[["file", "line"]]], axis=1)
    if mask is not None:
        out = out.drop(columns=["article", "claim"])
    return out.reset_index(drop=True)


SOURCE_VALUE_COLUMNS = ["statistic", "key", "reference", "population", "value", *PARSED_COLUMNS,
                        "n", "N", "locator", "note"]


def claim_source_values(evidence: Evidence, claim: str) -> pd.DataFrame:
    """What the sources report for the claim's statistics, with parsed values and the source's
    reference formatted."""
    values = evidence.source_values[evidence.source_values["claim"] == claim]
    return source_values_table(evidence, values)


def source_values_table(evidence: Evidence, values: pd.DataFrame | None = None) -> pd.DataFrame:
    values = evidence.source_values if values is None else values
    refs = reference_table(evidence, values["key"].dropna().astype(str))[["key", "reference"]]
    parsed = pd.DataFrame([parsed_value(v) for v in values["value"]], columns=PARSED_COLUMNS,
                          index=values.index)
    out = pd.concat([values, parsed], axis=1).merge(refs, on="key", how="left")
    return out[SOURCE_VALUE_COLUMNS].reset_index(drop=True)


# --------------------------------------------------------------------------------------------
# Findings and verdicts


# Findings about the ledger; their messages can name other reviewers' verdicts.
LEDGER_CODE_PREFIXES = ("verdict-", "approved-claim-")


def claim_findings(findings: pd.DataFrame, claim: str, blind: bool = False) -> pd.DataFrame:
    """The findings about ``claim``; ``blind`` leaves out those about the verdict ledger, so a
    reviewer working blind does not read another reviewer's verdict in a conflict message."""
    mine = findings[(findings["claim"] == claim).fillna(False)]
    if blind:
        mine = mine[~mine["code"].str.startswith(LEDGER_CODE_PREFIXES).fillna(False)]
    return mine.reset_index(drop=True)


def filter_findings(findings: pd.DataFrame, article: str | None = None, severity: str | None = None,
                    code: str | None = None, waived: bool | None = None) -> pd.DataFrame:
    """The findings that match every filter given (None means any)."""
    mask = pd.Series(True, index=findings.index)
    if article is not None:
        mask &= findings["article"].fillna("") == article
    if severity is not None:
        mask &= findings["severity"] == severity
    if code is not None:
        mask &= findings["code"] == code
    if waived is not None:
        mask &= findings["waived"].fillna(False).astype(bool) == waived
    return findings[mask.fillna(False).astype(bool)].reset_index(drop=True)


def claim_verdicts(evidence: Evidence, claim: str,
                   reviewer: str | None = None) -> tuple[pd.DataFrame, pd.DataFrame, bool]:
    """The latest verdict of each reviewer on ``claim``, its whole history (oldest first), and
    whether the reviewers' standing verdicts conflict.

    With ``reviewer``, only that reviewer's records (the blind view), and never a conflict: a
    reviewer works without seeing anyone else's verdicts.
    """
    from .verdicts import conflicts, latest_verdicts, verdicts_for

    history = verdicts_for(evidence.verdicts, claim, reviewer).reset_index(drop=True)
    latest = latest_verdicts(history).reset_index(drop=True)
    conflict = reviewer is None and bool((conflicts(history)["claim"] == claim).any())
    return latest, history, conflict


# --------------------------------------------------------------------------------------------
# Articles


def article_summary(evidence: Evidence, findings: pd.DataFrame) -> pd.DataFrame:
    """One row per article: its facts, citation completeness, findings by severity (waived apart)
    and how many claims have a verdict."""
    from .checks import completeness

    articles = evidence.articles[["article", "title", "publisher", "url", "status"]]
    table = articles.merge(completeness(evidence), on="article", how="left")
    active = findings[~findings["waived"].fillna(False).astype(bool)]
    for severity in ("error", "warning", "info"):
        counts = active[active["severity"] == severity].groupby("article").size()
        table[f"{severity}s"] = table["article"].map(counts).fillna(0).astype("Int64")
    waived = findings[findings["waived"].fillna(False).astype(bool)].groupby("article").size()
    table["waived"] = table["article"].map(waived).fillna(0).astype("Int64")
    from .verdicts import latest_verdicts

    reviewed = latest_verdicts(evidence.verdicts).groupby("article")["claim"].nunique()
    table["claims_with_verdict"] = table["article"].map(reviewed).fillna(0).astype("Int64")
    return table


def verdict_counts(evidence: Evidence) -> pd.DataFrame:
    """Per article and verdict, how many latest verdicts say so (one per claim and reviewer)."""
    from .verdicts import latest_verdicts

    latest = latest_verdicts(evidence.verdicts)
    return latest.groupby(["article", "verdict"]).size().rename("count").reset_index()


def _text(value: Any) -> str | None:
    return str(value) if _present(value) else None


def findings_by_code(findings: pd.DataFrame) -> pd.DataFrame:
    """How many findings of each code and severity, and how many of them are waived."""
    waived = findings["waived"].fillna(False).astype(bool)
    table = (findings.assign(waived=waived).groupby(["severity", "code"])
             .agg(findings=("code", "size"), waived=("waived", "sum")).reset_index())
    table["rank"] = table["severity"].map({"error": 0, "warning": 1, "info": 2})
    return table.sort_values(["rank", "code"]).drop(columns="rank").reset_index(drop=True)


# --------------------------------------------------------------------------------------------
# Widgets for the notebooks (ipywidgets is imported only here, when a notebook asks)


def findings_browser(findings: pd.DataFrame) -> Any:
    """Drop-downs (article, severity, code, waived) over a table of the matching findings."""
    import ipywidgets as widgets
    from IPython.display import display

    def choices(column: str) -> list[tuple[str, str | None]]:
        values = sorted(findings[column].dropna().astype(str).unique())
        return [("any", None), *[(v, v) for v in values]]

    article = widgets.Dropdown(options=choices("article"), description="Article")
    severity = widgets.Dropdown(options=[("any", None), ("error", "error"), ("warning", "warning"),
                                         ("info", "info")], description="Severity")
    code = widgets.Dropdown(options=choices("code"), description="Code")
    waived = widgets.Dropdown(options=[("any", None), ("open", False), ("waived", True)],
                              value=None, description="Waived")
    table = widgets.Output()

    def show(_: Any = None) -> None:
        table.clear_output(wait=True)
        with table:
            shown = filter_findings(findings, article.value, severity.value, code.value, waived.value)
            columns = ["file", "line", "severity", "code", "message", "waiver_reason"]
            display(shown[columns].style.hide(axis="index").format(na_rep=""))

    for control in (article, severity, code, waived):
        control.observe(show, names="value")
    show()
    return widgets.VBox([widgets.HBox([article, severity, code, waived]), table])


def verdict_form(evidence: Evidence, article: str, reviewer: str | None = None) -> Any:
    """A form that records a verdict on one of ``article``'s claims through
    ``verdicts.record_verdict``, and says what it recorded or why the ledger refused it."""
    import ipywidgets as widgets

    from .errors import EvidenceKitError
    from .verdicts import CERTAINTIES, VERDICTS, record_verdict

    claims = evidence.claims[evidence.claims["article"] == article]
    wide = widgets.Layout(width="90%")
    claim = widgets.Dropdown(options=[(f"{c} {s[:70]}", c) for c, s in zip(claims["claim"], claims["statement"])],
                             description="Claim", layout=wide)
    verdict = widgets.Dropdown(options=list(VERDICTS), description="Verdict")
    certainty = widgets.Dropdown(options=list(CERTAINTIES), description="Certainty")
    who = widgets.Text(value=reviewer or "", description="Reviewer")
    rationale = widgets.Textarea(description="Rationale", placeholder="why, in a sentence or two", layout=wide)
    quote = widgets.Textarea(description="Quote", placeholder="the source's words, optional", layout=wide)
    source = widgets.Dropdown(description="Source")
    locator = widgets.Text(description="Locator", placeholder="e.g. Abstract, Table 2")
    resolves = widgets.Checkbox(description="settles a disagreement between reviewers", value=False)
    button = widgets.Button(description="Record verdict", button_style="primary")
    message = widgets.Label()  # plain text: what was recorded, or why not

    def sources(_: Any = None) -> None:
        keys = [*claim_references(evidence, claim.value)["key"].dropna(),
                *evidence.source_values.loc[evidence.source_values["claim"] == claim.value, "key"].dropna()]
        source.options = [("(none)", None), *[(k, k) for k in dict.fromkeys(map(str, keys))]]

    def record(_: Any) -> None:
        try:
            done = record_verdict(evidence.root, claim.value, verdict.value, who.value,
                                  rationale=rationale.value, certainty=certainty.value,
                                  quote=quote.value or None, source=source.value,
                                  locator=locator.value or None, resolves=resolves.value)
        except EvidenceKitError as exc:
            message.value = f"Not recorded: {exc}"
            return
        message.value = (f"Recorded: {done['claim']} {done['verdict']} ({done['certainty']}) by "
                         f"{done['reviewer']} at {done['recorded']}. Run the statements cell again to see it.")

    claim.observe(sources, names="value")
    sources()
    button.on_click(record)
    form = widgets.VBox([claim, widgets.HBox([verdict, certainty, who]), rationale, quote,
                         widgets.HBox([source, locator]), resolves, button, message])
    # The controls by name, so code (and tests) can fill the form and press the button.
    form.controls = {"claim": claim, "verdict": verdict, "certainty": certainty, "reviewer": who,
                     "rationale": rationale, "quote": quote, "source": source, "locator": locator,
                     "resolves": resolves, "button": button, "message": message}
    return form
