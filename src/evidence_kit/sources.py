"""Compare an article's figure with what its sources report.

Every statistic an article prints becomes an interval, and so does every source value a reviewer
recorded for it; the two are compared with plain interval arithmetic.

The article's interval is its parsed value: "60-90%" is [0.60, 0.90], "73%" the single value 0.73,
"<1 minute" everything below 60 s (the low side open, 60 excluded). Ratios are compared on the
first group's share: "2:1 to 4:1" is [2/3, 4/5].

A source's interval is, in this order:

1. with counts (n and N, as recorded or as printed in the value, "4 of 9"): the Wilson score 95%
   interval of n/N;
2. otherwise the value as printed: its range ("3-4:1", "1-20 years") or its point ("about 30%");
3. a value with no number in it ("described as common") gives no interval.

For each source, the article's interval A relates to the source's interval S as:

- ``within``: S lies inside A (A = S included): the article's figure covers what the source
  reports; or A is a single value inside S (a point figure inside the source's interval);
- ``narrower``: A is a range strictly inside S: the article states a tighter range than the
  source supports;
- ``wider``: A and S overlap but neither lies inside the other: the article's range reaches
  beyond the source's on one side;
- ``disjoint``: A and S have no value in common.

A source whose unit differs from the article's (seconds against years) is ``incomparable``, and one
without a number is ``no number``. The statistic's outcome is the least favourable relation over
its comparable sources (disjoint, then wider, then narrower, then within), so a figure that one
source contradicts is never hidden behind another that agrees; with no comparable source at all,
the outcome is ``no source``. Every relation is kept in the comparison table and named in the
finding's message.

The comparison runs on the ``check`` path, so this module imports nothing heavy at import time.
``wilson_interval`` is the closed-form score interval in plain arithmetic (on arrays for the
comparison table); the tests pin it to ``statsmodels.stats.proportion.proportion_confint(
method="wilson")`` and to published values.
The statsmodels functions, ``proportion_intervals`` (Wilson and Clopper-Pearson) and
``pooled_proportion`` (a DerSimonian-Laird random-effects pool on the logit scale), import
statsmodels when called; notebooks, plots and the report use them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from statistics import NormalDist
from typing import TYPE_CHECKING, Any, Iterable, Sequence

from .statistic import EXCLUSIVE, INCLUSIVE, OPEN, Statistic, describe_value, parse_statistic

if TYPE_CHECKING:
    import pandas as pd

    from .loader import Evidence

__all__ = [
    "Interval",
    "RELATIONS",
    "OUTCOMES",
    "interval_of",
    "source_interval",
    "relation",
    "outcome",
    "wilson_interval",
    "proportion_intervals",
    "random_effects",
    "pooled_proportion",
    "PooledProportion",
    "compare_sources",
    "source_outcomes",
    "source_intervals",
]

WITHIN, NARROWER, WIDER, DISJOINT = "within", "narrower", "wider", "disjoint"
INCOMPARABLE, NO_NUMBER, NO_SOURCE = "incomparable", "no number", "no source"
SET_ASIDE = "set aside"  # the reviewer marked the value as about another population or outcome
RELATIONS = (WITHIN, NARROWER, WIDER, DISJOINT, INCOMPARABLE, NO_NUMBER, SET_ASIDE)
# The statistic's outcome, least favourable first.
OUTCOMES = (DISJOINT, WIDER, NARROWER, WITHIN, NO_SOURCE)

SHARE = "share"  # the unit of a ratio compared on the first group's share
WILSON, PRINTED_RANGE, PRINTED_VALUE = "Wilson 95% of n/N", "printed range", "printed value"
LEVEL = 0.95
METHOD_WILSON, METHOD_EXACT = "wilson", "clopper-pearson"
METHOD_POOLED = "random effects (logit, DerSimonian-Laird)"
# Values that differ by less than this (relative) are the same value: "0.6" and 3/5.
_TOLERANCE = 1e-9


@lru_cache(maxsize=None)  # one parse per distinct text per run: the checks ask for each many times
def parsed(text: str) -> Statistic:
    """``parse_statistic`` with a cache: the checks read the same texts several times."""
    return parse_statistic(text)


@lru_cache(maxsize=None)
def printed_interval(text: str) -> "Interval | None":
    """``interval_of(parsed(text))``, once per distinct text per run."""
    return interval_of(parsed(text))


# ---------------------------------------------------------------------------------------------
# Intervals


@dataclass(frozen=True)
class Interval:
    """A set of values on one scale. ``low``/``high`` None means that side is open (unbounded)."""

    low: float | None
    high: float | None
    low_bound: str = INCLUSIVE
    high_bound: str = INCLUSIVE
    unit: str | None = None
    basis: str = PRINTED_VALUE

    @property
    def is_point(self) -> bool:
        return (self.low is not None and self.high is not None and _same(self.low, self.high)
                and self.low_bound == INCLUSIVE and self.high_bound == INCLUSIVE)

    def same_values(self, other: "Interval") -> bool:
        """The same set of values on the same scale (the basis aside)."""
        def same(a: float | None, b: float | None) -> bool:
            return a is b is None or (a is not None and b is not None and _same(a, b))

        return (same(self.low, other.low) and same(self.high, other.high) and self.unit == other.unit
                and self.low_bound == other.low_bound and self.high_bound == other.high_bound)

    def describe(self) -> str:
        """The interval in a reviewer's words: "60% to 90%", "below 60 s", "67% to 80% first group"."""
        if self.low is None and self.high is None:
            return "any value"
        if self.is_point:
            text = _number(self.low, self.unit)
        elif self.low is None:
            text = ("below " if self.high_bound == EXCLUSIVE else "up to ") + _number(self.high, self.unit)
        elif self.high is None:
            text = ("above " if self.low_bound == EXCLUSIVE else "from ") + _number(self.low, self.unit)
        else:
            text = f"{_number(self.low, self.unit)} to {_number(self.high, self.unit)}"
        return text + (" first group" if self.unit == SHARE else "")


def _number(value: float, unit: str | None) -> str:
    """Three significant digits in the unit a reviewer reads: 0.7333 -> "73.3%", 60.0 -> "60 s"."""
    if unit in ("proportion", SHARE):
        return f"{value * 100:.3g}%"
    return describe_value(float(f"{value:.3g}"), unit)


def _same(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=_TOLERANCE, abs_tol=1e-12)


def interval_of(stat: Statistic) -> Interval | None:
    """The printed value of ``stat`` as an interval; None when it has no usable number.

    Ratios become the first group's share (2:1 -> 2/3), so "2:1 to 4:1" and "67-80% male" can
    be compared; an open side stays open.
    """
    if stat.kind == "unreadable":
        return None
    low, high, unit = stat.low, stat.high, stat.unit
    if stat.kind in ("ratio", "ratio range"):
        low, high, unit = stat.share_low, stat.share_high, SHARE
    if low is None and high is None:
        return None
    for value in (low, high):
        if value is not None and not math.isfinite(value):
            return None
    low_bound = stat.low_bound or (OPEN if low is None else INCLUSIVE)
    high_bound = stat.high_bound or (OPEN if high is None else INCLUSIVE)
    point = low is not None and high is not None and _same(low, high)
    return Interval(low, high, low_bound, high_bound, unit, PRINTED_VALUE if point else PRINTED_RANGE)


@lru_cache(maxsize=None)
def _z(level: float) -> float:
    """The standard normal quantile of a two-sided ``level`` (1.96 for 95%)."""
    return NormalDist().inv_cdf(0.5 + level / 2)


def wilson_interval(count: int, nobs: int, level: float = LEVEL) -> tuple[float, float]:
    """The Wilson score interval for ``count`` of ``nobs`` (Wilson 1927; Newcombe 1998, method 3).

    Plain arithmetic, so the check command need not import statsmodels; the tests pin it to
    ``proportion_confint(count, nobs, method="wilson")``.
    """
    if nobs <= 0 or not 0 <= count <= nobs:
        raise ValueError(f"need 0 <= count <= nobs and nobs > 0, not {count} of {nobs}")
    low, high = _wilson(count, nobs, level)
    return float(low), float(high)


def _wilson(count: Any, nobs: Any, level: float = LEVEL) -> tuple[Any, Any]:
    """``wilson_interval``'s bounds for numbers or numpy arrays of valid counts."""
    import numpy as np

    z = _z(level)
    p = np.divide(count, nobs, dtype=float)
    centre = (p + z * z / (2 * nobs)) / (1 + z * z / nobs)
    half = z / (1 + z * z / nobs) * np.sqrt(p * (1 - p) / nobs + z * z / (4 * nobs * nobs))
    return np.maximum(0.0, centre - half), np.minimum(1.0, centre + half)


def _counts(value: Statistic, n: int | None, N: int | None) -> tuple[int, int] | None:
    """The counts behind a source value: recorded first, else as printed; None if unusable."""
    n = n if n is not None else value.n
    N = N if N is not None else value.N
    if n is None or N is None or N <= 0 or not 0 <= n <= N:
        return None
    return n, N


def source_interval(value: Statistic, n: int | None = None, N: int | None = None) -> Interval | None:
    """What a source reports as an interval: Wilson 95% of its counts, else its printed value.

    Counts are used for a proportion given as a single value ("4 of 9", "69%" with n and N
    recorded) or for a value with no number but recorded counts; a printed range keeps its ends.
    """
    printed = interval_of(value)
    counts = _counts(value, n, N)
    single = printed is None or (printed.is_point and printed.unit in ("proportion", "count"))
    if counts is not None and single and value.kind not in ("ratio", "ratio range"):
        low, high = wilson_interval(*counts)
        return Interval(low, high, INCLUSIVE, INCLUSIVE, "proportion", WILSON)
    return printed


def _starts_no_later(a: Interval, b: Interval) -> bool:
    """Does ``a`` reach at least as low as ``b``?"""
    if a.low is None:
        return True
    if b.low is None:
        return False
    if _same(a.low, b.low):
        return not (a.low_bound == EXCLUSIVE and b.low_bound == INCLUSIVE)
    return a.low < b.low


def _ends_no_earlier(a: Interval, b: Interval) -> bool:
    """Does ``a`` reach at least as high as ``b``?"""
    if a.high is None:
        return True
    if b.high is None:
        return False
    if _same(a.high, b.high):
        return not (a.high_bound == EXCLUSIVE and b.high_bound == INCLUSIVE)
    return a.high > b.high


def _contains(outer: Interval, inner: Interval) -> bool:
    return _starts_no_later(outer, inner) and _ends_no_earlier(outer, inner)


def _overlap(a: Interval, b: Interval) -> bool:
    # The later start against the earlier end.
    start = a if not _starts_no_later(a, b) else b
    end = a if not _ends_no_earlier(a, b) else b
    if start.low is None or end.high is None:
        return True
    if _same(start.low, end.high):
        return start.low_bound == INCLUSIVE and end.high_bound == INCLUSIVE
    return start.low < end.high


def _comparable(a: Interval, b: Interval) -> bool:
    return a.unit is None or b.unit is None or a.unit == b.unit


def relation(article: Interval, source: Interval | None) -> str:
    """How the article's interval relates to one source's: see the module docstring."""
    if source is None:
        return NO_NUMBER
    if not _comparable(article, source):
        return INCOMPARABLE
    if not _overlap(article, source):
        return DISJOINT
    if _contains(article, source) or article.is_point:
        return WITHIN
    if _contains(source, article):
        return NARROWER
    return WIDER


# The relations that decide a statistic's outcome, least favourable first.
_LEAST_FAVOURABLE = (DISJOINT, WIDER, NARROWER, WITHIN)


def outcome(relations: Iterable[str]) -> str:
    """The statistic's outcome: its least favourable comparable relation, or ``no source``."""
    found = set(relations)
    for candidate in _LEAST_FAVOURABLE:
        if candidate in found:
            return candidate
    return NO_SOURCE


# ---------------------------------------------------------------------------------------------
# Many intervals at once: the comparison table is built column by column (numpy) by the rules
# above; the tests check ``relations`` against ``relation`` on generated intervals.


@dataclass(frozen=True)
class Intervals:
    """Intervals as columns of numpy arrays, one element per interval: ``low``/``high`` floats
    (NaN: that side open), the bounds, unit and basis as objects; ``present`` is False where
    there is no interval at all (its other columns are then NaN or None)."""

    low: Any
    high: Any
    low_bound: Any
    high_bound: Any
    unit: Any
    basis: Any
    present: Any

    @classmethod
    def of(cls, intervals: Sequence[Interval | None]) -> "Intervals":
        import numpy as np

        def column(name: str) -> Any:
            return np.array([None if i is None else getattr(i, name) for i in intervals], object)

        def number(name: str) -> Any:
            return np.array([np.nan if i is None or getattr(i, name) is None else getattr(i, name)
                             for i in intervals], float)

        return cls(number("low"), number("high"), column("low_bound"), column("high_bound"), column("unit"),
                   column("basis"), np.array([i is not None for i in intervals], bool))

    def take(self, rows: Any) -> "Intervals":
        """The intervals at positions ``rows`` (numpy indexing)."""
        return Intervals(*(column[rows] for column in self._columns()))

    def where(self, mask: Any, other: "Intervals") -> "Intervals":
        """These intervals where ``mask`` is True, ``other``'s elsewhere."""
        import numpy as np

        return Intervals(*(np.where(mask, mine, theirs) for mine, theirs in zip(self._columns(), other._columns())))

    def is_point(self) -> Any:
        return (_same_many(self.low, self.high) & (self.low_bound == INCLUSIVE)
                & (self.high_bound == INCLUSIVE))

    def _columns(self) -> tuple[Any, ...]:
        return (self.low, self.high, self.low_bound, self.high_bound, self.unit, self.basis, self.present)


def _same_many(a: Any, b: Any) -> Any:
    """``_same`` elementwise (math.isclose's test); False where either is NaN."""
    import numpy as np

    return np.abs(a - b) <= np.maximum(_TOLERANCE * np.maximum(np.abs(a), np.abs(b)), 1e-12)


def _starts_no_later_many(a: Intervals, b: Intervals) -> Any:
    import numpy as np

    tie = ~((a.low_bound == EXCLUSIVE) & (b.low_bound == INCLUSIVE))
    return np.isnan(a.low) | (~np.isnan(b.low) & np.where(_same_many(a.low, b.low), tie, a.low < b.low))


def _ends_no_earlier_many(a: Intervals, b: Intervals) -> Any:
    import numpy as np

    tie = ~((a.high_bound == EXCLUSIVE) & (b.high_bound == INCLUSIVE))
    return np.isnan(a.high) | (~np.isnan(b.high) & np.where(_same_many(a.high, b.high), tie, a.high > b.high))


def _contains_many(outer: Intervals, inner: Intervals) -> Any:
    return _starts_no_later_many(outer, inner) & _ends_no_earlier_many(outer, inner)


def _overlap_many(a: Intervals, b: Intervals) -> Any:
    import numpy as np

    # The later start against the earlier end.
    a_later = ~_starts_no_later_many(a, b)
    start, start_bound = np.where(a_later, a.low, b.low), np.where(a_later, a.low_bound, b.low_bound)
    a_earlier = ~_ends_no_earlier_many(a, b)
    end, end_bound = np.where(a_earlier, a.high, b.high), np.where(a_earlier, a.high_bound, b.high_bound)
    meet = (start_bound == INCLUSIVE) & (end_bound == INCLUSIVE)
    return np.isnan(start) | np.isnan(end) | np.where(_same_many(start, end), meet, start < end)


def relations(article: Intervals, source: Intervals) -> Any:
    """``relation`` of each article interval to the source interval beside it, as a numpy array."""
    import numpy as np
    import pandas as pd

    out = np.full(len(article.low), WIDER, object)
    with np.errstate(invalid="ignore"):  # NaN (an open side) compares False, as it should
        out[_contains_many(source, article)] = NARROWER
        out[_contains_many(article, source) | article.is_point()] = WITHIN
        out[~_overlap_many(article, source)] = DISJOINT
    comparable = pd.isna(article.unit) | pd.isna(source.unit) | (article.unit == source.unit)
    out[~comparable] = INCOMPARABLE
    out[~source.present] = NO_NUMBER
    return out


# ---------------------------------------------------------------------------------------------
# The comparison tables


def compare_sources(evidence: "Evidence") -> "pd.DataFrame":
    """One row per recorded source value: its interval and its relation to the article's figure.

    Statistics the parser cannot read are left out: ``statistic-unreadable`` reports them. Each
    distinct text is parsed once; the intervals and relations are computed column by column.
    """
    import numpy as np
    import pandas as pd

    from . import schema

    src = evidence.source_values
    stats = evidence.statistics
    text_of = dict(zip(schema.values(stats["statistic"]), schema.values(stats["text"])))
    texts = pd.Series(list(map(text_of.get, schema.values(src["statistic"]))), index=src.index, dtype=object)
    # Position -1 (no text, no value) takes the None appended to each list of distinct ones.
    codes, distinct = pd.factorize(texts)
    article = Intervals.of([*(printed_interval(text) for text in distinct), None]).take(codes)
    keep = article.present
    src, texts, article = src[keep], texts[keep], article.take(keep)
    codes, distinct = pd.factorize(src["value"])
    values = [*(parsed(value) for value in distinct), None]
    printed = Intervals.of([interval_of(value) if value is not None else None for value in values]).take(codes)
    ratio = np.array([value is not None and value.kind in ("ratio", "ratio range") for value in values])[codes]

    # The counts, recorded first, else as printed; a single proportion or count with usable
    # counts (or a value with no number) becomes their Wilson interval (see source_interval).
    def counts(column: str) -> Any:
        printed_counts = np.array([np.nan if v is None or getattr(v, column) is None else getattr(v, column)
                                   for v in values], float)[codes]
        recorded = src[column].to_numpy(float, na_value=np.nan)
        return np.where(np.isnan(recorded), printed_counts, recorded)

    n, N = counts("n"), counts("N")
    with np.errstate(invalid="ignore"):
        usable = (N > 0) & (n >= 0) & (n <= N)
    single = ~printed.present | (printed.is_point() & np.isin(printed.unit, ["proportion", "count"]))
    wilson = usable & single & ~ratio
    size = len(src)
    counted = Intervals(np.full(size, np.nan), np.full(size, np.nan), np.full(size, INCLUSIVE, object),
                        np.full(size, INCLUSIVE, object), np.full(size, "proportion", object),
                        np.full(size, WILSON, object), np.ones(size, bool))
    counted.low[wilson], counted.high[wilson] = _wilson(n[wilson], N[wilson])
    source = counted.where(wilson, printed)
    found = relations(article, source)
    found[(src["comparable"] == False).fillna(False).to_numpy(bool)] = SET_ASIDE  # noqa: E712 (a column)
    return schema.frame("source_comparisons", pd.DataFrame({
        "article": src["article"].array, "claim": src["claim"].array, "statistic": src["statistic"].array,
        "text": texts.array, "key": src["key"].array, "population": src["population"].array,
        "value": src["value"].array,
        "n": np.where(wilson, n, np.nan), "N": np.where(wilson, N, np.nan),
        "low": article.low, "high": article.high, "source_low": source.low, "source_high": source.high,
        "basis": source.basis, "unit": article.unit, "relation": found,
        "file": src["file"].array, "line": src["line"].array,
    }))


def source_outcomes(evidence: "Evidence", compared: "pd.DataFrame | None" = None) -> "pd.DataFrame":
    """One row per readable statistic with recorded sources: its outcome and each source's relation.

    ``compared`` is ``compare_sources(evidence)`` when the caller has it already.
    """
    from . import schema

    summaries = source_summaries(compare_sources(evidence) if compared is None else compared)
    stats = evidence.statistics
    stats = stats[stats["statistic"].isin(summaries.index)]
    ours = summaries.loc[stats["statistic"]]
    return schema.frame("source_outcomes", stats[["article", "claim", "statistic", "text", "measure", "condition",
                                                  "file", "line"]].assign(
        outcome=ours["outcome"].array, article_interval=[printed_description(t) for t in schema.values(stats["text"])],
        sources=ours["sources"].array))


def source_summaries(compared: "pd.DataFrame") -> "pd.DataFrame":
    """Per statistic (the index), from ``compare_sources``: its ``outcome``, the ``deciding_key``
    (the first source with the deciding relation, so a waiver can name it; None when there is no
    comparable source) and ``sources``, each source's relation, key and value, "; "-separated."""
    import numpy as np
    import pandas as pd

    from . import schema

    if compared.empty:
        return pd.DataFrame({name: [] for name in ("outcome", "deciding_key", "sources")},
                            index=pd.Index([], name="statistic"), dtype=object)
    # ``outcome`` for each statistic: the lowest rank among its sources (no source ranks last).
    rank = compared["relation"].map({relation: n for n, relation in enumerate(_LEAST_FAVOURABLE)})
    rank = rank.fillna(len(_LEAST_FAVOURABLE)).to_numpy(int)
    table = pd.DataFrame({"rank": rank, "key": compared["key"].array, "sources": _described_sources(compared)},
                         index=pd.Index(compared["statistic"].array, name="statistic"))
    # Most statistics have one source: their row is their summary. The others are grouped.
    several = table.index.duplicated(keep=False)
    summary = table[~several]
    if several.any():
        many = table[several]
        grouped = many.groupby(level="statistic", sort=False)
        best = grouped["rank"].min()
        first = many[many["rank"].to_numpy() == best.loc[many.index].to_numpy()]
        summary = pd.concat([summary, pd.DataFrame({
            "rank": best, "key": first[~first.index.duplicated()]["key"].reindex(best.index),
            "sources": grouped["sources"].agg("; ".join)})])
    ranks = summary["rank"].to_numpy(int)
    keys = np.where(ranks < len(_LEAST_FAVOURABLE), np.array(schema.values(summary["key"]), object), None)
    return pd.DataFrame({"outcome": np.array([*_LEAST_FAVOURABLE, NO_SOURCE], object)[ranks], "deciding_key": keys,
                         "sources": summary["sources"].array}, index=summary.index, dtype=object)


def _described_sources(compared: "pd.DataFrame") -> list[str]:
    """Each source in a few words: "within: jones2019 '4 of 9' (Wilson 95% 18.9% to 73.3%)".

    Column by column: the Wilson range of a proportion or share is written as ``Interval.describe``
    writes it ("18.9% to 73.3%"), and any other interval by ``describe`` itself.
    """
    import numpy as np

    from . import schema

    low, high = (compared[name].to_numpy(float, na_value=np.nan) for name in ("source_low", "source_high"))
    unit = compared["unit"].to_numpy(object)
    wilson = (compared["basis"] == WILSON).fillna(False).to_numpy(bool) & ~(np.isnan(low) & np.isnan(high))
    ranges = wilson & np.isin(unit, ["proportion", SHARE]) & ~np.isnan(low) & ~np.isnan(high)
    ranges &= ~_same_many(low, high)
    bases = np.full(len(compared), "", object)  # what follows the source's value, if anything
    bases[ranges] = list(map(" (Wilson 95% {:.3g}% to {:.3g}%{})".format, (low[ranges] * 100).tolist(),
                             (high[ranges] * 100).tolist(), np.where(unit[ranges] == SHARE, " first group", "").tolist()))
    for row in np.flatnonzero(wilson & ~ranges).tolist():
        interval = Interval(None if np.isnan(low[row]) else float(low[row]),
                            None if np.isnan(high[row]) else float(high[row]), unit=unit[row])
        bases[row] = f" (Wilson 95% {interval.describe()})"
    return list(map("{}: {} {!r}{}".format, *(schema.values(compared[name]) for name in ("relation", "key", "value")),
                    bases.tolist()))


@lru_cache(maxsize=None)
def printed_description(text: str) -> str | None:
    """``printed_interval(text).describe()``, once per distinct text per run."""
    interval = printed_interval(text)
    return interval.describe() if interval is not None else None


# ---------------------------------------------------------------------------------------------
# Intervals and pooling with statsmodels (imported when called: not on the check path)


def proportion_intervals(count: int, nobs: int, level: float = LEVEL) -> dict[str, tuple[float, float]]:
    """Wilson and Clopper-Pearson ("exact") intervals for ``count`` of ``nobs``, from statsmodels."""
    from statsmodels.stats.proportion import proportion_confint

    alpha = 1 - level
    out = {}
    for name, method in ((METHOD_WILSON, "wilson"), (METHOD_EXACT, "beta")):
        low, high = proportion_confint(count, nobs, alpha=alpha, method=method)
        out[name] = (float(low), float(high))
    return out


@dataclass(frozen=True)
class RandomEffects:
    """A DerSimonian-Laird random-effects pool on the scale of the effects given."""

    estimate: float
    se: float
    low: float
    high: float
    tau2: float
    i2: float
    q: float
    k: int


def random_effects(effects: Sequence[float], variances: Sequence[float], level: float = LEVEL) -> RandomEffects:
    """Pool ``effects`` with known ``variances`` by DerSimonian-Laird, via statsmodels' ``combine_effects``."""
    import numpy as np
    from statsmodels.stats.meta_analysis import combine_effects

    eff, var = np.asarray(effects, dtype=float), np.asarray(variances, dtype=float)
    if len(eff) < 2 or len(eff) != len(var):
        raise ValueError("random_effects needs two or more effects, each with its variance")
    result = combine_effects(eff, var, method_re="dl", alpha=1 - level)
    fixed, random = result.conf_int(alpha=1 - level, use_t=False)[:2]
    if result.tau2 > 0:
        return RandomEffects(float(result.mean_effect_re), float(result.sd_eff_w_re), float(random[0]),
                             float(random[1]), float(result.tau2), float(result.i2), float(result.q), len(eff))
    # DerSimonian and Laird's estimator is max(0, (Q - df) / C). statsmodels (0.14, 0.15) returns
    # the negative moment estimate unclipped when Q < df, which would weight the sources wrongly;
    # with tau2 = 0 the random-effects pool is the fixed-effect one, which statsmodels gives too.
    return RandomEffects(float(result.mean_effect_fe), float(result.sd_eff_w_fe), float(fixed[0]),
                         float(fixed[1]), 0.0, 0.0, float(result.q), len(eff))


@dataclass(frozen=True)
class PooledProportion:
    """A random-effects pooled proportion, back-transformed from the logit scale."""

    estimate: float
    low: float
    high: float
    tau2: float  # between-source variance on the logit scale
    i2: float
    k: int
    corrected: bool  # 0.5 was added to the cells of a source with 0 or all events


def pooled_proportion(counts: Sequence[int], totals: Sequence[int], level: float = LEVEL) -> PooledProportion:
    """Pool two or more proportions ``counts[i]`` of ``totals[i]`` on the logit scale (DerSimonian-Laird).

    Each source's logit is log(x / (N - x)) with variance 1/x + 1/(N - x). A source with no
    events or all events has 0.5 added to both cells (the usual continuity correction), so it
    still counts; ``corrected`` says so.
    """
    if len(counts) != len(totals) or len(counts) < 2:
        raise ValueError("pooled_proportion needs two or more sources, each with count and total")
    logits, variances, corrected = [], [], False
    for x, N in zip(counts, totals):
        if N <= 0 or not 0 <= x <= N:
            raise ValueError(f"need 0 <= count <= total and total > 0, not {x} of {N}")
        events, others = float(x), float(N - x)
        if x == 0 or x == N:
            events, others, corrected = events + 0.5, others + 0.5, True
        logits.append(math.log(events / others))
        variances.append(1 / events + 1 / others)
    pooled = random_effects(logits, variances, level)
    expit = lambda v: 1 / (1 + math.exp(-v))  # noqa: E731
    return PooledProportion(expit(pooled.estimate), expit(pooled.low), expit(pooled.high), pooled.tau2,
                            pooled.i2, pooled.k, corrected)


def source_intervals(evidence: "Evidence", level: float = LEVEL) -> "pd.DataFrame":
    """Per source value with counts: its proportion with its Wilson and Clopper-Pearson intervals.

    One row per source and ``method`` ("wilson", "clopper-pearson"), and, for a statistic with
    two or more sources with counts, one row of method "random effects (logit, DerSimonian-Laird)"
    with the pooled proportion, its interval, tau2 and I2. For notebooks, plots and the report:
    this imports statsmodels.
    """
    from . import schema

    rows: list[dict[str, Any]] = []
    groups: dict[str, list[dict[str, Any]]] = {}
    for src in schema.records(evidence.source_values, ["article", "claim", "statistic", "key", "value", "n", "N"]):
        counts = _counts(parsed(src["value"]), src["n"], src["N"])
        if counts is None:
            continue
        base = {**{k: src[k] for k in ("article", "claim", "statistic", "key", "value")},
                "n": counts[0], "N": counts[1], "proportion": counts[0] / counts[1]}
        groups.setdefault(src["statistic"], []).append(base)
        for method, (low, high) in proportion_intervals(*counts, level=level).items():
            rows.append({**base, "method": method, "low": low, "high": high})
    for statistic, members in groups.items():
        if len(members) < 2:
            continue
        pool = pooled_proportion([m["n"] for m in members], [m["N"] for m in members], level)
        first = members[0]
        rows.append({"article": first["article"], "claim": first["claim"], "statistic": statistic,
                     "key": None, "value": f"pool of {pool.k} sources",
                     "n": sum(m["n"] for m in members), "N": sum(m["N"] for m in members),
                     "proportion": pool.estimate, "method": METHOD_POOLED, "low": pool.low,
                     "high": pool.high, "tau2": pool.tau2, "i2": pool.i2})
    return schema.frame("source_intervals", rows)
