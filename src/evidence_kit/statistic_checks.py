"""The statistics checks: pure functions from the evidence tables to findings.

Each check reads the ``statistics``, ``source_values`` and ``claims`` tables of an ``Evidence``,
parses the printed texts with ``parse_statistic`` and returns finding rows at the statistic's (or
the source value's) file and line. Nothing here imports statsmodels, scipy or plotly: the
comparison with sources is interval arithmetic (see ``sources``). ``STATISTIC_CHECKS`` is the
list ``checks.CHECKS`` runs.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, Callable

from .findings import finding, findings_at
from .schema import records, tuples, values
from .sources import (DISJOINT, NARROWER, NO_SOURCE, WIDER, WITHIN, compare_sources, parsed, printed_description,
                      printed_interval, source_summaries)
from .statistic import describe_value, find_statistics, problems, with_numbers

if TYPE_CHECKING:
    import pandas as pd

    from .loader import Evidence

Findings = list[dict[str, Any]]

__all__ = [
    "unreadable_statistics",
    "impossible_statistics",
    "impossible_source_values",
    "source_counts_disagree",
    "statistics_against_measures",
    "unrecorded_statistics",
    "uncited_statistics",
    "inconsistent_statistics",
    "statistics_against_sources",
    "STATISTIC_CHECKS",
    "VALUE_CHECKS",
]


_STATISTIC = ["article", "claim", "statistic", "text", "measure", "condition", "file", "line"]
_SOURCE = ["article", "claim", "statistic", "key", "value", "n", "N", "file", "line"]


def _at(row: dict[str, Any], key: str | None = None) -> dict[str, Any]:
    return {"file": row["file"], "line": row["line"], "article": row["article"], "claim": row["claim"],
            "key": key}


# --------------------------------------------------------------------------------------------
# The printed value itself


def _where(table: "pd.DataFrame", column: str, found: dict[Any, Any]) -> list[dict[str, Any]]:
    """The rows of ``table`` (as records of ``_STATISTIC``) whose ``column`` is a key of ``found``.

    The value checks decide once per distinct value (most statistics repeat a printed text) and
    then look at only the rows that have something to report.
    """
    if not found:
        return []
    return records(table[table[column].isin(list(found))], _STATISTIC)


def _texts(table: "pd.DataFrame", column: str = "text") -> set[Any]:
    return set(values(table[column]))


def unreadable_statistics(ev: "Evidence") -> Findings:
    """A recorded statistic whose text the parser cannot read."""
    unreadable = {text: stat.problem or "unreadable" for text in _texts(ev.statistics)
                  if (stat := parsed(text)).kind == "unreadable"}
    return [finding("statistic-unreadable", **_at(row), text=row["text"], problem=unreadable[row["text"]])
            for row in _where(ev.statistics, "text", unreadable)]


def impossible_statistics(ev: "Evidence") -> Findings:
    """A readable statistic that cannot be true: 150%, "4:1 to 2:1", a 0:1 ratio, "-5 years"."""
    impossible = {text: found for text in _texts(ev.statistics)
                  if (stat := parsed(text)).kind != "unreadable" and (found := problems(stat))}
    return [finding("statistic-impossible", **_at(row), text=row["text"], problem=problem)
            for row in _where(ev.statistics, "text", impossible) for problem in impossible[row["text"]]]


def _counts(table: "pd.DataFrame") -> tuple[Any, Any]:
    """The recorded n and N of each row as floats, NaN where not recorded."""
    import numpy as np

    return table["n"].to_numpy(float, na_value=np.nan), table["N"].to_numpy(float, na_value=np.nan)


def impossible_source_values(ev: "Evidence") -> Findings:
    """A source value that cannot be true, as printed or as counted (more events than patients)."""
    src = ev.source_values
    printed = {value: problems(stat) for value in _texts(src, "value") if (stat := parsed(value)).kind != "unreadable"}
    n, N = _counts(src)
    flagged = src["value"].map(lambda value: bool(printed.get(value))).to_numpy(bool) | (n > N) | (N == 0)
    out: Findings = []
    for row in records(src[flagged], _SOURCE):
        found = list(printed.get(row["value"], ()))
        n, N = row["n"], row["N"]
        if n is not None and N is not None and n > N:
            found.append(f"{n} of {N} counts more events than there are patients")
        if N == 0:
            found.append("N is 0")
        for problem in found:
            out.append(finding("source-value-impossible", **_at(row, row["key"]),
                               statistic=row["statistic"], value=row["value"], problem=problem))
    return out


_PERCENT = re.compile(r"(\d+(?:\.(\d+))?)\s*%")


def source_counts_disagree(ev: "Evidence") -> Findings:
    """Recorded n and N whose share does not round to the percentage the source prints."""
    import numpy as np

    src = ev.source_values
    # Per printed value: the single percentage it prints, and how far a share may be from it.
    printed = {}
    for value in _texts(src, "value"):
        stat, percent = parsed(value), _PERCENT.search(value)
        if percent is not None and stat.unit == "proportion" and stat.low is not None and stat.low == stat.high:
            # Half a unit in the last printed digit, and a little more for "about".
            printed[value] = (stat.low, 0.5 * 10 ** -len(percent[2] or "") / 100
                              + (0.05 if stat.approximate else 1e-9))
    low, tolerance = (src["value"].map({value: pair[i] for value, pair in printed.items()}).to_numpy(float, na_value=np.nan)
                      for i in (0, 1))
    n, N = _counts(src)
    with np.errstate(invalid="ignore", divide="ignore"):
        flagged = (N > 0) & (n <= N) & (np.abs(n / N - low) > tolerance)
    out: Findings = []
    for row in records(src[flagged], _SOURCE):
        n, N = row["n"], row["N"]
        out.append(finding("source-counts-disagree", **_at(row, row["key"]), statistic=row["statistic"],
                           n=n, N=N, share=describe_value(round(n / N, 4), "proportion"), value=row["value"]))
    return out


# --------------------------------------------------------------------------------------------
# The measure vocabulary


def statistics_against_measures(ev: "Evidence") -> Findings:
    """Unknown measures, kinds a measure is not given in, values outside its plausible range."""
    from .measures import check_statistic, load_measures

    # The project's own vocabulary when it has evidence/measures.yaml, else the packaged one.
    vocabulary = ev.measures if ev.measures is not None else load_measures()

    def verdict(text: Any, name: Any) -> tuple[str, dict[str, Any]] | None:
        """The finding's code and facts for a statistic printed ``text`` of measure ``name``."""
        stat = parsed(text)
        if stat.kind == "unreadable":
            return None
        measure = vocabulary.get(" ".join(str(name).split()).lower())
        if measure is None:
            return "statistic-measure-unknown", {"text": text, "measure": name}
        if stat.kind not in measure.kinds:
            return "statistic-unexpected-kind", {"text": text, "kind": stat.kind, "measure": measure.name,
                                                 "kinds": " or ".join(measure.kinds)}
        problems_found = check_statistic(stat, measure)
        if problems_found:  # one finding per statistic, naming each value out of range
            return "statistic-implausible", {"problem": "; ".join(problems_found)}
        return None

    stats = ev.statistics
    pairs = zip(values(stats["text"]), values(stats["measure"]))
    decided = {pair: found for pair in set(pairs) if (found := verdict(*pair)) is not None}
    rows = _where(stats, "text", {text: True for text, _ in decided})
    return [finding(code, **_at(row), **facts) for row in rows
            if (found := decided.get((row["text"], row["measure"]))) is not None for code, facts in [found]]


# --------------------------------------------------------------------------------------------
# Statements and citations


def _spans(statement: str, text: str) -> list[tuple[int, int]]:
    spans, start = [], statement.find(text)
    while text and start >= 0:
        spans.append((start, start + len(text)))
        start = statement.find(text, start + 1)
    return spans


def unrecorded_statistics(ev: "Evidence") -> Findings:
    """A number the statement prints that no recorded statistic covers (``find_statistics``)."""
    statements = ev.statements
    covered: dict[int, list[tuple[int, int]]] = {}  # by claim row: where its recorded texts are
    for text, row in zip(ev.statistic_texts, ev.statistic_claim_rows):
        if row >= 0:
            covered.setdefault(row, []).extend(_spans(statements[row], text))
    # A statistic outside the covered spans has its number outside them too: with the recorded
    # texts blanked out, most statements have no number left and need no search.
    rests = list(statements)
    for row, spans in covered.items():
        for start, end in spans:
            rests[row] = rests[row][:start] + " " * (end - start) + rests[row][end:]
    out: Findings = []
    rows = with_numbers(rests)
    for row, (article, claim, file, line) in zip(rows, tuples(ev.claims.iloc[rows], ["article", "claim", "file", "line"])):
        spans = covered.get(row, ())
        for found in find_statistics(statements[row]):
            if not any(found.start < end and start < found.end for start, end in spans):
                out.append(finding("statistic-unrecorded", file=file, line=line, article=article, claim=claim,
                                   text=found.text))
    return out


def uncited_statistics(ev: "Evidence") -> Findings:
    """A statistic in a claim that cites nothing."""
    import numpy as np

    markers = values(ev.claims["citations"])
    # The claim's printed markers are blank (None, "" or only whitespace): faster than str.strip.
    blank = np.array([row < 0 or not (marks := markers[row]) or marks.isspace() for row in ev.statistic_claim_rows],
                     bool)
    uncited = ev.statistics[blank]
    return [finding("statistic-uncited", **_at(row), text=row["text"]) for row in records(uncited, _STATISTIC)]


# --------------------------------------------------------------------------------------------
# Across articles


def _topic(value: Any) -> str:
    return " ".join(str(value).split()).casefold()


def inconsistent_statistics(ev: "Evidence") -> Findings:
    """The same measure of the same condition stated differently in two articles.

    Statistics are grouped by measure and condition (case and spacing ignored; a statistic
    without a condition is not compared) and compared as intervals. Each statistic that differs
    from one in another article gets one finding naming the other statistics.
    """
    import numpy as np

    stats = ev.statistics
    # Only topics stated in two articles or more can disagree: the rows of the others are not read.
    measures, conditions = values(stats["measure"]), values(stats["condition"])
    topic = {value: _topic(value) for value in {*measures, *conditions}}
    topics = [(topic[m], topic[c]) if c is not None else None for m, c in zip(measures, conditions)]
    articles: dict[tuple[str, str], set[str]] = {}
    for key, article in zip(topics, values(stats["article"])):
        articles.setdefault(key, set()).add(article)
    shared = np.array([key is not None and len(articles[key]) > 1 for key in topics], bool)
    groups: dict[tuple[str, str], list[tuple[dict[str, Any], Any]]] = {}
    for row in records(stats[shared], _STATISTIC):
        interval = printed_interval(row["text"])
        if row["condition"] is None or interval is None:
            continue
        groups.setdefault((_topic(row["measure"]), _topic(row["condition"])), []).append((row, interval))
    out: Findings = []
    for members in groups.values():
        for row, interval in members:
            others = [f"{other['text']!r} in article {other['article']} ({other['file']}:{other['line']})"
                      for other, theirs in members
                      if other["article"] != row["article"] and not interval.same_values(theirs)]
            if others:
                out.append(finding("statistic-inconsistent", **_at(row), text=row["text"],
                                   measure=row["measure"], condition=row["condition"],
                                   others="; ".join(others)))
    return out


# --------------------------------------------------------------------------------------------
# Against the sources


_OUTCOME_CODES = {
    WITHIN: "statistic-within-sources",
    NARROWER: "statistic-narrower-than-sources",
    WIDER: "statistic-wider-than-sources",
    DISJOINT: "statistic-disjoint-from-sources",
    NO_SOURCE: "statistic-no-source",
}


def statistics_against_sources(ev: "Evidence") -> "pd.DataFrame":
    """Each readable statistic against its recorded sources: one finding with the outcome.

    The finding's key is the first source with the deciding relation (so a waiver can name it).
    A statistic with no recorded source value at all is ``statistic-no-source`` too: it cannot be
    checked either, and the message says why.
    """
    import numpy as np
    import pandas as pd

    summaries = source_summaries(compare_sources(ev))
    stats = ev.statistics
    codes, texts = pd.factorize(stats["text"])  # each distinct text read once
    described = np.array([printed_description(text) for text in texts] + [None], object)[codes]
    # statistic-unreadable says why of the others
    readable = pd.notna(described)
    stats = stats[readable]
    ours = summaries.reindex(stats["statistic"])
    outcome = ours["outcome"].fillna(NO_SOURCE).to_numpy()
    table = stats.assign(key=ours["deciding_key"].array,
                         sources=ours["sources"].fillna("no source value is recorded").array,
                         interval=described[readable])
    return findings_at([_OUTCOME_CODES[result] for result in outcome], table, ["text", "interval", "sources"])


STATISTIC_CHECKS: list[Callable[["Evidence"], Findings]] = [
    unreadable_statistics,
    impossible_statistics,
    impossible_source_values,
    source_counts_disagree,
    statistics_against_measures,
    unrecorded_statistics,
    uncited_statistics,
    inconsistent_statistics,
    statistics_against_sources,
]

# The checks that read each statistic's parsed value (``parsed``, ``printed_interval``): in one
# process they share one parse of each distinct text (see ``checks.check``).
VALUE_CHECKS: list[Callable[["Evidence"], Findings]] = [
    unreadable_statistics,
    impossible_statistics,
    impossible_source_values,
    source_counts_disagree,
    statistics_against_measures,
    inconsistent_statistics,
    statistics_against_sources,
]
