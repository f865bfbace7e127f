"""The HTML report: a static site a reviewer can open offline or send to a colleague.

``write_report(evidence, out)`` writes ``index.html`` (every article, its completeness, a summary of
the findings, the plots) and one page per article (each statement in its context, its citations
with the references formatted, its statistics, findings and latest verdicts), with ``plotly.min.js``
beside them so the plots draw without a network.

Safety: every text from the evidence and the bibliography goes through Jinja2's autoescaping; links
are built only from DOIs, PMIDs and http(s) addresses (``review.doi_url`` and friends). The folder
``out`` is never taken from a reviewer: the report refuses a folder that holds anything but a report
this module wrote (it leaves a marker file), and it writes through ``writing``.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pandas as pd

from . import __version__
from .loader import Evidence
from .review import (StatementView, article_review, article_summary, findings_by_code, reference_table,
                     verdict_counts, web_url)
from .writing import WouldOverwrite, write_atomic, write_new

MARKER = ".evidence-kit-report.json"
PLOTLY_JS = "plotly.min.js"
# The plots of the index page: plots.py function name, and the heading shown above it.
INDEX_PLOTS = [
    ("completeness_plot", "Citation completeness"),
    ("statistics_by_measure", "Statistics by measure"),
    ("sex_ratio_plot", "Sex ratios"),
]


def _environment() -> Any:
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.PackageLoader("evidence_kit", "templates"),
        autoescape=True,  # every value is escaped unless it is Markup we made ourselves
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["percent"] = _percent
    env.filters["blank"] = lambda v: "" if _missing(v) else v
    env.filters["number"] = _number
    env.filters["slug"] = _slug
    env.filters["when"] = _when
    return env


# --------------------------------------------------------------------------------------------
# Values for the templates


def _missing(value: Any) -> bool:
    if value is None or value is pd.NA:
        return True
    return isinstance(value, float) and math.isnan(value)


def _percent(value: Any) -> str:
    return "–" if _missing(value) else f"{float(value):.0%}"


def _number(value: Any) -> str:
    if _missing(value):
        return ""
    number = float(value)
    return f"{number:.4g}" if not number.is_integer() or abs(number) >= 1e6 else str(int(number))


def _when(recorded: Any) -> str:
    """``2026-11-30T10:15:00.000000Z`` as ``2026-11-30 10:15 UTC``; anything else as it is."""
    text = "" if _missing(recorded) else str(recorded)
    match = re.fullmatch(r"(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})[\d:.]*Z", text)
    return f"{match.group(1)} {match.group(2)} UTC" if match else text


def _slug(text: Any) -> str:
    return re.sub(r"[^A-Za-z0-9_-]+", "-", str(text)).strip("-") or "x"


def records(table: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows as dicts with <NA> and NaN as None, for templates."""
    return [{k: (None if _missing(v) else v) for k, v in row.items()}
            for row in table.astype(object).to_dict("records")]


def _page_names(articles: list[str]) -> dict[str, str]:
    """A safe, unique file name per article id (ids come from hand-edited files)."""
    names: dict[str, str] = {}
    used: set[str] = set()
    for article in articles:
        base = "article-" + _slug(article)
        name, n = base, 1
        while name.lower() in used:
            n += 1
            name = f"{base}-{n}"
        used.add(name.lower())
        names[article] = name + ".html"
    return names


# --------------------------------------------------------------------------------------------
# Plots


@dataclass
class Plot:
    title: str
    html: str  # the plot's <div> and <script>; plotly escapes "<" inside its JSON


def _plot(figure: Any, div_id: str, title: str) -> Plot:
    from markupsafe import Markup

    html = figure.to_html(full_html=False, include_plotlyjs=False, div_id=div_id,
                          config={"displaylogo": False, "responsive": True})
    return Plot(title=title, html=Markup(html))


def index_plots(evidence: Evidence) -> list[Plot]:
    from . import plots

    return [_plot(getattr(plots, name)(evidence), f"plot-{_slug(name)}", title)
            for name, title in INDEX_PLOTS]


def article_plots(evidence: Evidence, article: str) -> list[Plot]:
    """An evidence strip for each measure the article states."""
    from . import plots

    measures = evidence.statistics.loc[evidence.statistics["article"] == article, "measure"]
    return [_plot(plots.evidence_strip(evidence, measure), f"plot-{_slug(measure)}", f"Evidence for {measure}")
            for measure in dict.fromkeys(measures.dropna().astype(str))]


# --------------------------------------------------------------------------------------------
# Rendering


def statement_html(view: StatementView) -> str:
    """One statement as an HTML fragment with its stylesheet, as the report shows it (the review
    notebook displays it)."""
    body = _environment().get_template("_statement.html").render(view=_statement(view))
    return f'{stylesheet()}<div class="ek">{body}</div>'



def stylesheet() -> str:
    """The report's CSS in a <style> element, for pages and notebooks."""
    return _environment().get_template("_style.html").render()


def _statement(view: StatementView) -> dict[str, Any]:
    return {
        "article": view.article, "claim": view.claim, "section": view.section,
        "statement": view.statement, "citations": view.citations, "file": view.file, "line": view.line,
        "context_before": view.context_before, "context_after": view.context_after,
        "references": records(view.references), "statistics": records(view.statistics),
        "source_values": records(view.source_values), "findings": records(view.findings),
        "verdicts": records(view.verdicts), "history": records(view.history), "conflict": view.conflict,
    }


def _sections(views: list[StatementView]) -> list[tuple[str, list[dict[str, Any]]]]:
    sections: list[tuple[str, list[dict[str, Any]]]] = []
    for view in views:
        name = view.section or "(no section)"
        if not sections or sections[-1][0] != name:
            sections.append((name, []))
        sections[-1][1].append(_statement(view))
    return sections


def render_site(evidence: Evidence, findings: pd.DataFrame | None = None,
                generated: datetime | None = None) -> dict[str, str]:
    """The report's pages, by file name (without plotly.min.js)."""
    if findings is None:
        from .checks import check

        findings = check(evidence)
    env = _environment()
    when = (generated or datetime.now(timezone.utc)).strftime("%Y-%m-%d %H:%M UTC")
    articles = list(evidence.articles["article"].astype(str))
    pages = _page_names(articles)
    summary = records(article_summary(evidence, findings))
    for row in summary:
        row["page"] = pages[row["article"]]
        row["url"] = web_url(row["url"])
    counts = verdict_counts(evidence)
    from .verdicts import VERDICTS

    matrix = [{"article": a, "page": pages[a],
               "counts": [int(counts.loc[(counts["article"] == a) & (counts["verdict"] == v), "count"].sum())
                          for v in VERDICTS]}
              for a in articles if (counts["article"] == a).any()]
    common = {"version": __version__, "generated": when, "plotly_js": PLOTLY_JS}
    active = findings[~findings["waived"].fillna(False).astype(bool)]
    out = {"index.html": env.get_template("index.html").render(
        **common, title="Evidence audit", articles=summary, findings_by_code=records(findings_by_code(findings)),
        findings=records(active), waived=int(len(findings) - len(active)), pages=pages,
        verdicts=matrix, verdict_names=list(VERDICTS), plots=index_plots(evidence))}
    listed = evidence.listed_references
    for row in summary:
        article = row["article"]
        views = article_review(evidence, article, findings)
        refs = listed[listed["article"] == article][["number", "key"]]
        refs = refs.merge(reference_table(evidence, refs["key"].astype(str)), on="key", how="left")
        out[pages[article]] = env.get_template("article.html").render(
            **common, title=f"Article {article}: {row['title']}", article=row,
            references=records(refs), sections=_sections(views), statements=len(views),
            findings=records(findings[(findings["article"] == article).fillna(False)
                                      & findings["claim"].isna()]),
            verdicts=records(counts[counts["article"] == article]),
            plots=article_plots(evidence, article))
    return out


# --------------------------------------------------------------------------------------------
# Writing


def _previous_report(out: Path) -> list[str] | None:
    """The files a previous report in ``out`` wrote, or None when ``out`` is not such a report."""
    try:
        marker = json.loads((out / MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(marker, dict) or marker.get("tool") != "evidence-kit report":
        return None
    files = marker.get("files")
    return [f for f in files if isinstance(f, str)] if isinstance(files, list) else []


def write_report(evidence: Evidence, out: str | Path, findings: pd.DataFrame | None = None) -> Path:
    """Write the report into the folder ``out``; return the path of its index.html.

    ``out`` may be new, empty, or a report this function wrote before (its marker file says so),
    which is then replaced. Anything else raises ``WouldOverwrite``: a folder of a reviewer's own
    files is never written into.
    """
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise WouldOverwrite(f"{out}: exists and is not a folder; not writing a report there")
    previous = _previous_report(out) if out.is_dir() else None
    if out.is_dir() and previous is None and any(out.iterdir()):
        raise WouldOverwrite(f"{out}: this folder holds files that are not an evidence-kit report; "
                             "not writing into it (choose a new or empty folder)")
    pages = render_site(evidence, findings)
    files = [PLOTLY_JS, *pages]
    marker = json.dumps({"tool": "evidence-kit report", "version": __version__, "files": files},
                        indent=2) + "\n"
    # The marker goes first, so a report cut short is still recognised (and replaced) next time.
    if previous is None:
        write_new(out / MARKER, marker)
    else:
        write_atomic(out / MARKER, marker)
    from plotly.offline import get_plotlyjs

    write_atomic(out / PLOTLY_JS, get_plotlyjs())
    for name, html in pages.items():
        write_atomic(out / name, html)
    for stale in set(previous or ()) - set(files):
        # Only plain file names this module wrote before; never a path that leaves the folder.
        if re.fullmatch(r"[A-Za-z0-9._-]+\.(html|js)", stale):
            (out / stale).unlink(missing_ok=True)
    return out / "index.html"
