"""The columns and dtypes of every table, declared once.

Each table is a mapping of column name to pandas dtype. ``frame(name, rows)`` is the only way the
package builds one of these tables, so every table that leaves the loader or a check has exactly
these columns, in this order, with these dtypes. The declarations are the documentation of the
tables; the README lists them too.

Every table that comes from a file carries ``file`` (path relative to the project root) and
``line`` (1-based), so every finding can point at ``evidence/articles/004.yaml:42``.

pandas is imported when a table is first built, not with this module: ``loader.load`` starts
parsing a large bibliography in a second process before this process spends 0.2 s importing it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

STR = "string[python]"  # the same storage whether or not pyarrow is installed
INT = "Int64"
FLOAT = "Float64"
BOOL = "boolean"

# Where a row came from; appended to every table read from a file.
ORIGIN = {"file": STR, "line": INT}

# A statistic as parse_statistic reads it (see statistic.Statistic): values normalised to
# proportions, seconds, years or ratios; a ratio also as its first group's share.
PARSED = {
    "kind": STR,  # percent | percent range | ratio | ... | unreadable
    "low": FLOAT,  # <NA> when that side is open
    "high": FLOAT,
    "low_bound": STR,  # inclusive | exclusive | open
    "high_bound": STR,
    "unit": STR,  # proportion | ratio | years | seconds | count | per person-year
    "n": INT,
    "N": INT,
    "share_low": FLOAT,  # a ratio's first-group share: 2:1 -> 0.667
    "share_high": FLOAT,
    "approximate": BOOL,  # "about", "~"
    "problem": STR,  # why the text is unreadable
}

TABLES: dict[str, dict[str, str]] = {
    # One row per article under audit.
    "articles": {
        "article": STR,  # the article's id, e.g. "004"
        "title": STR,
        "publisher": STR,
        "url": STR,
        "accessed": STR,  # ISO date the full text was taken
        "status": STR,  # submitted | under review | approved
        "full_text": STR,  # path of the full text, relative to the project root
        "origin": STR,  # where the full text came from
        **ORIGIN,
    },
    # The article's reference list as printed: number -> bib key.
    "listed_references": {
        "article": STR,
        "number": INT,
        "key": STR,
        **ORIGIN,
    },
    # One row per factual statement.
    "claims": {
        "article": STR,
        "claim": STR,  # stable id, unique across the project
        "section": STR,
        "statement": STR,  # verbatim as in the article
        "citations": STR,  # as printed, e.g. "3, 1"; "" when uncited
        **ORIGIN,
    },
    # One row per claim and cited reference.
    "citations": {
        "article": STR,
        "claim": STR,
        "printed": STR,  # the marker as printed, e.g. "3"
        "number": INT,  # the printed number, when it is one
        "key": STR,  # resolved bib key; <NA> when the number is not in the reference list
        **ORIGIN,
    },
    # One row per statistic stated in a claim.
    "statistics": {
        "article": STR,
        "claim": STR,
        "statistic": STR,  # id: "<claim>/<n>"
        "text": STR,  # as printed in the statement
        "measure": STR,
        "condition": STR,
        **ORIGIN,
    },
    # What a source reports for a statistic, as a reviewer recorded it.
    "source_values": {
        "article": STR,
        "claim": STR,
        "statistic": STR,
        "key": STR,  # the source's bib key
        "population": STR,
        "value": STR,  # as printed in the source
        "n": INT,
        "N": INT,
        "locator": STR,  # where in the source
        "note": STR,
        "comparable": BOOL,  # false: about another population or outcome, set aside
        **ORIGIN,
    },
    # The statistics with their printed text parsed (statistics_table.parsed_statistics).
    "parsed_statistics": {
        "article": STR,
        "claim": STR,
        "statistic": STR,
        "text": STR,
        "measure": STR,
        "condition": STR,
        **PARSED,
        **ORIGIN,
    },
    # The source values with their printed value parsed; n and N as recorded, else as printed.
    "parsed_source_values": {
        "article": STR,
        "claim": STR,
        "statistic": STR,
        "key": STR,
        "population": STR,
        "value": STR,
        "locator": STR,
        "note": STR,
        "comparable": BOOL,
        **PARSED,
        **ORIGIN,
    },
    # One row per bibliography entry.
    "references": {
        "key": STR,
        "type": STR,
        "title": STR,
        "authors": STR,
        "year": STR,
        "journal": STR,
        "volume": STR,
        "number": STR,  # the issue
        "pages": STR,
        "doi": STR,  # normalised: lower case, no resolver prefix
        "pmid": STR,
        **ORIGIN,
    },
    # A waiver accepts one kind of finding knowingly, with the reviewer's reason.
    "waivers": {
        "waiver": STR,  # id: "<file>:<line>"
        "code": STR,
        "article": STR,
        "claim": STR,
        "key": STR,
        "reason": STR,
        "reviewer": STR,
        **ORIGIN,
    },
    # The verdict ledger, one row per record in evidence/verdicts.jsonl; history kept.
    "verdicts": {
        "article": STR,  # the claim's article; <NA> when no article has the claim
        "claim": STR,
        "verdict": STR,  # supported | partly supported | contradicted | cannot verify | misattributed
        "certainty": STR,  # GRADE: high | moderate | low | very low
        "rationale": STR,
        "quote": STR,  # from the source
        "source": STR,  # the source's bib key
        "locator": STR,  # where in the source
        "reviewer": STR,
        "recorded": STR,  # ISO 8601 UTC, e.g. 2026-11-30T10:15:00.000000Z; sorts in time order
        "resolves": BOOL,  # settles a disagreement between reviewers on the claim
        **ORIGIN,
    },
    # What the checks report.
    "findings": {
        "code": STR,
        "severity": STR,  # error | warning | info
        "file": STR,
        "line": INT,
        "message": STR,
        "article": STR,
        "claim": STR,
        "key": STR,
        "waived": BOOL,
        "waiver_reason": STR,
    },
    # Completeness of each article's citations.
    "completeness": {
        "article": STR,
        "claims": INT,
        "claims_cited": INT,
        "share_claims_cited": FLOAT,
        "statistics": INT,
        "statistics_cited": INT,
        "share_statistics_cited": FLOAT,
        "references_cited": INT,
        "references_identified": INT,
        "share_references_identified": FLOAT,
    },
    # Each recorded source value against the article's figure (sources.compare_sources).
    "source_comparisons": {
        "article": STR,
        "claim": STR,
        "statistic": STR,
        "text": STR,  # the article's figure as printed
        "key": STR,  # the source
        "population": STR,
        "value": STR,  # the source's value as printed
        "n": INT,  # the counts behind a Wilson interval
        "N": INT,
        "low": FLOAT,  # the article's interval, on the compared scale; <NA> when open
        "high": FLOAT,
        "source_low": FLOAT,  # the source's interval
        "source_high": FLOAT,
        "basis": STR,  # Wilson 95% of n/N | printed range | printed value; <NA>: no number
        "unit": STR,  # proportion | share | years | seconds | ...
        "relation": STR,  # within | narrower | wider | disjoint | incomparable | no number
        **ORIGIN,  # the source value's line
    },
    # Per statistic with recorded sources: the comparison's outcome.
    "source_outcomes": {
        "article": STR,
        "claim": STR,
        "statistic": STR,
        "text": STR,
        "measure": STR,
        "condition": STR,
        "outcome": STR,  # disjoint | wider | narrower | within | no source
        "article_interval": STR,  # the article's interval in words
        "sources": STR,  # each source's relation, "; "-separated
        **ORIGIN,  # the statistic's line
    },
    # Sources with counts: proportion and 95% intervals; a pooled row per statistic (statsmodels).
    "source_intervals": {
        "article": STR,
        "claim": STR,
        "statistic": STR,
        "key": STR,  # <NA> on a pooled row
        "value": STR,
        "n": INT,
        "N": INT,
        "proportion": FLOAT,  # n/N, or the pooled proportion
        "method": STR,  # wilson | clopper-pearson | random effects (logit, DerSimonian-Laird)
        "low": FLOAT,
        "high": FLOAT,
        "tau2": FLOAT,  # pooled rows: between-source variance on the logit scale
        "i2": FLOAT,
    },
}


class SchemaError(ValueError):
    """A table does not have the declared columns or dtypes: a bug, not bad input."""


def columns(name: str) -> dict[str, str]:
    return TABLES[name]


def frame(name: str, rows: Iterable[Mapping[str, Any]] | pd.DataFrame | None = None) -> pd.DataFrame:
    """Build table ``name`` from rows (dicts, or a DataFrame), with exactly its declared columns.

    Missing columns are filled with <NA>; extra columns are an error, so a typo in a column name
    cannot silently create a new one.
    """
    import pandas as pd

    spec = TABLES[name]
    if rows is None:
        data = pd.DataFrame(columns=list(spec))
    elif isinstance(rows, pd.DataFrame):
        data = rows
    else:
        data = pd.DataFrame.from_records(list(rows), columns=None)
    extra = [c for c in data.columns if c not in spec]
    if extra:
        raise SchemaError(f"table {name!r}: undeclared columns {extra}")
    data = data.reindex(columns=list(spec))
    try:
        return data.astype(spec).reset_index(drop=True)
    except (TypeError, ValueError) as exc:
        raise SchemaError(f"table {name!r}: {exc}") from exc


def values(column: pd.Series) -> list[Any]:
    """The values of ``column`` as Python objects, with <NA> and NaN as None."""
    out = column.tolist()
    missing = column.isna()
    if missing.any():
        out = [None if gap else value for value, gap in zip(out, missing.tolist())]
    return out


def tuples(table: pd.DataFrame, columns: Iterable[str]) -> Iterable[tuple[Any, ...]]:
    """The rows of ``table`` as tuples of the named columns, <NA> and NaN as None."""
    return zip(*(values(table[name]) for name in columns))


def records(table: pd.DataFrame, columns: Iterable[str] | None = None) -> list[dict[str, Any]]:
    """The rows of ``table`` as dicts of the named columns (all by default), <NA> and NaN as None.

    Column by column rather than through ``astype(object)`` and ``to_dict``: on the tables of a
    small project the checks spent more time in pandas' per-call overhead than in checking.
    """
    names = list(table.columns if columns is None else columns)
    return [dict(zip(names, row)) for row in tuples(table, names)]


def validate(name: str, table: pd.DataFrame) -> pd.DataFrame:
    """Check that ``table`` has exactly the declared columns and dtypes; return it."""
    from pandas.api.types import pandas_dtype

    spec = TABLES[name]
    if list(table.columns) != list(spec):
        raise SchemaError(f"table {name!r}: columns {list(table.columns)} != {list(spec)}")
    wrong = {c: repr(table[c].dtype) for c, t in spec.items() if table[c].dtype != pandas_dtype(t)}
    if wrong:
        raise SchemaError(f"table {name!r}: wrong dtypes {wrong}")
    return table
