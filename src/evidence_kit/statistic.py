"""Read statistics as health articles print them: "60-90%", "2:1 to 4:1", "<1 minute", "4 of 9".

``parse_statistic(text)`` reads one statistic into a ``Statistic``; ``find_statistics(text)``
finds every statistic inside a statement. Both are pure: text in, values out, no file I/O, and
``parse_statistic`` never raises: text it cannot read comes back with ``kind == "unreadable"``
and a one-line ``problem``. Values that are readable but impossible ("150%", "4:1 to 2:1",
"-5 years") are kept as printed, so that checks can report them; ``problems(stat)`` names them.

Values are normalised so that statistics can be compared:

- percentages become proportions (73% -> 0.73, unit "proportion");
- durations become seconds (1 minute -> 60.0, unit "seconds");
- years and months are read as ages in years (4 months -> 1/3, unit "years"). The text alone
  cannot tell an age from a span of years, so the unit decides: years and months give kind
  "age", seconds to weeks give kind "duration"; "aged"/"age" in front forces an age;
- ratios keep their value first/second (2:1 -> 2.0, unit "ratio") and the first group's share
  (2:1 -> 2/3) in ``share_low``/``share_high``.

Kinds (``KINDS``): "percent", "percent range", "ratio", "ratio range", "age", "age range",
"duration", "duration range", "count" ("n=61", "61 patients"), "proportion" ("4 of 9", "13/14",
"1 in 150,000", "two thirds"), "mean sd" (a mean with its SD and/or range), "confidence
interval", "rate", "rate range" ("5 per 100,000", "1.5 per 100 000 person-years") and
"unreadable".

A one-sided value records which side is open: "<1 minute" is low "open", high 60 "exclusive";
"over 20 years" is low 20 "exclusive", high "open"; "up to 5 minutes" is high 300 "inclusive".

``find_statistics`` reports the longest readable phrasing and never overlapping spans. A span
includes what changes the meaning ("over", "about", "between", "from", the unit) and leaves
out the population after it: in "onset between 7-15 years" it finds "between 7-15 years", in
"78-82% of patients" it finds "78-82%", in "13 of 14 families" it finds "13 of 14" (only a
count keeps its noun, which is what makes "61 patients" a statistic at all). A bare
number is never a statistic there (it may be a year, a page or a citation marker), and neither
is a number glued to letters ("SCN8A", "22q11.2", "COVID-19").
"""

from __future__ import annotations

import bisect
import functools
import decimal
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy

__all__ = [
    "KINDS",
    "UNITS",
    "BOUNDS",
    "Statistic",
    "Found",
    "parse_statistic",
    "find_statistics",
    "has_number",
    "format_statistic",
    "problems",
    "describe_value",
]

KINDS = (
    "percent",
    "percent range",
    "ratio",
    "ratio range",
    "age",
    "age range",
    "duration",
    "duration range",
    "count",
    "proportion",
    "mean sd",
    "confidence interval",
    "rate",
    "rate range",
    "unreadable",
)
UNITS = ("proportion", "ratio", "years", "seconds", "count", "per person-year")
INCLUSIVE, EXCLUSIVE, OPEN = "inclusive", "exclusive", "open"
BOUNDS = (INCLUSIVE, EXCLUSIVE, OPEN)

# No statistic is this long; a cap keeps pathological input cheap.
MAX_STATISTIC_CHARS = 2000


@dataclass(frozen=True)
class Statistic:
    """One statistic, read from ``text``.

    ``low``/``high`` are the normalised values (see the module docstring); a point value has
    ``low == high``. ``low_bound``/``high_bound`` are "inclusive", "exclusive" or "open" (an open
    side has value None). ``n``/``N`` are the counts where printed ("4 of 9": n=4, N=9; "n=61":
    N=61). For "mean sd", ``mean``/``sd`` hold the mean and SD, and ``low``/``high`` the printed
    range, or the mean when no range is printed. ``level`` is a confidence level (0.95).
    ``share_low``/``share_high`` are a ratio's first-group shares (2:1 -> 2/3). ``problem`` is
    set only when ``kind == "unreadable"``.
    """

    text: str
    kind: str
    low: float | None = None
    high: float | None = None
    low_bound: str | None = None
    high_bound: str | None = None
    unit: str | None = None
    n: int | None = None
    N: int | None = None
    mean: float | None = None
    sd: float | None = None
    level: float | None = None
    share_low: float | None = None
    share_high: float | None = None
    approximate: bool = False
    problem: str | None = None

    def format(self) -> str:
        """A canonical text that parses back to the same kind, values and bounds."""
        return format_statistic(self)

    def problems(self) -> list[str]:
        """Impossible values in this statistic, one line each (empty when none)."""
        return problems(self)


@dataclass(frozen=True)
class Found:
    """A statistic found in a statement: ``statement[start:end] == text``."""

    start: int
    end: int
    text: str
    statistic: Statistic


# ---------------------------------------------------------------------------------------------
# The grammar, as regex fragments. All patterns are compiled once, with re.ASCII so that case
# folding and \w, \s stay predictable on arbitrary Unicode; the few non-ASCII characters that
# matter (dashes, no-break and thin spaces, ±, ≤, ≥, ~) are listed explicitly.

_SP = r"[ \t\n\r\u00a0\u2009\u202f]"  # ordinary, no-break, thin and narrow no-break spaces
_S = _SP + "*"
_W = _SP + "+"
_DASH = "[-\u2010\u2011\u2012\u2013\u2014\u2015\u2212]"  # hyphens, en and em dash, minus
_HYPHEN = "[-\u2010\u2011]"

# A statistic cannot start inside a word or a number: this rules out "SCN8A", "22q11.2",
# "10.1038/s41572", "9/30/2025" and, with the second look-behind, "COVID-19" and "PRRT2-5".
_START = r"(?<![\w.,:/])(?<![A-Za-z0-9][-\u2010\u2011\u2212])"

_ONES = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]
_TEENS = ["ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen",
          "eighteen", "nineteen"]
_TENS = ["twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
_WORD_VALUES = {w: i for i, w in enumerate(_ONES)} | {w: 10 + i for i, w in enumerate(_TEENS)}
_WORD_VALUES |= {w: 20 + 10 * i for i, w in enumerate(_TENS)}
_TENS_ONES = r"[-\s](?:" + "|".join(_ONES[1:]) + r")(?![A-Za-z])"
# "twenty-five" is one number, never the range "twenty" to "five"; the other words go longest
# first, so that "seventeen" is not read as "seven".
_WORDNUM = (
    r"(?:(?:" + "|".join(_TENS) + rf")(?:{_TENS_ONES}|(?!{_TENS_ONES}))"
    r"|" + "|".join(sorted(_ONES + _TEENS, key=len, reverse=True)) + r")(?![A-Za-z])"
)
# Digits are capped (400 either side of the point is more than any float needs) so that a huge
# digit run costs linear time and never overflows the decimal context.
_DIGITS = (
    r"(?:(?:[0-9]{1,3}(?:[,\u00a0\u2009\u202f][0-9]{3}){1,100}|[0-9]{1,400})(?:\.[0-9]{1,400})?"
    r"|\.[0-9]{1,400})(?![0-9])"
)
_UNUM = rf"(?:{_DIGITS}|{_WORDNUM})"  # unsigned
_NUM = rf"(?:[-\u2212]?{_DIGITS}|{_WORDNUM})"  # a sign only on digits: "-5 years"
_INT = r"(?:[0-9]{1,3}(?:,[0-9]{3}){1,4}|[0-9]{1,15})(?![0-9]|\.[0-9])"
_INTW = rf"(?:{_INT}|{_WORDNUM})"
# After "in" and "per" a space may separate thousands: "1 in 150 000", "5 per 100 000".
_SPACED_INT = r"(?:[0-9]{1,3}(?:[ ,\u00a0\u2009\u202f][0-9]{3}){1,4}|[0-9]{1,15})(?![0-9]|\.[0-9])"

_PCT = rf"(?:%|percent(?![A-Za-z])|per{_W}cent(?![A-Za-z])|pct(?![A-Za-z]))"
_TIME_UNIT = (
    rf"(?:years?(?:{_W}old)?|yrs?\.?|y|months?(?:{_W}old)?|mos?\.?|weeks?|wks?\.?|days?"
    r"|hours?|hrs?\.?|h|minutes?|mins?\.?|seconds?|secs?\.?|s|milliseconds?|msecs?|ms)(?![A-Za-z])"
)
# "5-year-old" is an age, but "5-year survival" is not, so a hyphen only joins "-...-old".
_TIME = rf"(?:{_S}{_TIME_UNIT}|{_HYPHEN}(?:year|month|week|day)s?{_HYPHEN}old(?![A-Za-z]))"
_ANY_UNIT = rf"(?:{_S}{_PCT}|{_TIME})"

_APPROX_WORDS = r"about|approximately|approx\.?|around|roughly|circa|ca\.|c\.|nearly|almost"


def _approx(name: str) -> str:
    return rf"(?P<{name}>[~\u2248\u223c]{_S}|(?:{_APPROX_WORDS}){_W})?"


_CMP_WORDS = [
    "more than", "greater than", "over", "above", "older than", "longer than", "exceeding",
    "in excess of", "at least", "no less than", "not less than", "less than", "fewer than",
    "under", "below", "younger than", "shorter than", "at most", "up to", "no more than",
    "not more than",
]
_CMP = (
    r"(?P<cmp>(?:<=|>=|=<|=>|[<>\u2264\u2265\u2a7d\u2a7e])" + _S + "|(?:"
    + "|".join(w.replace(" ", _W) for w in sorted(_CMP_WORDS, key=len, reverse=True))
    + ")" + _W + ")?"
)
# What each comparator means: (low bound, high bound); the value sits on the closed side.
_ABOVE, _AT_LEAST, _BELOW, _AT_MOST = (EXCLUSIVE, OPEN), (INCLUSIVE, OPEN), (OPEN, EXCLUSIVE), (OPEN, INCLUSIVE)
_CMP_MEANING = {
    "<": _BELOW, ">": _ABOVE, "<=": _AT_MOST, ">=": _AT_LEAST, "=<": _AT_MOST, "=>": _AT_LEAST,
    "\u2264": _AT_MOST, "\u2265": _AT_LEAST, "\u2a7d": _AT_MOST, "\u2a7e": _AT_LEAST,
    "more than": _ABOVE, "greater than": _ABOVE, "over": _ABOVE, "above": _ABOVE,
    "older than": _ABOVE, "longer than": _ABOVE, "exceeding": _ABOVE, "in excess of": _ABOVE,
    "at least": _AT_LEAST, "no less than": _AT_LEAST, "not less than": _AT_LEAST,
    "less than": _BELOW, "fewer than": _BELOW, "under": _BELOW, "below": _BELOW,
    "younger than": _BELOW, "shorter than": _BELOW,
    "at most": _AT_MOST, "up to": _AT_MOST, "no more than": _AT_MOST, "not more than": _AT_MOST,
}

_BETWEEN = rf"(?:(?P<between>between)|from){_W}"
# "and" separates a range only after "between" ("between 7 and 15 years").
_SEP = rf"(?P<sep>{_S}{_DASH}{_S}|{_W}to{_W}|(?(between){_W}and{_W}|(?!)))"
_SEP_PLAIN = rf"(?:{_S}{_DASH}{_S}|{_W}to{_W})"
_COLON = rf"(?::|{_W}:{_W})"  # "2:1" or "2 : 1", not "Table 2: 1 patient"
_NOT_RANGE = rf"(?!{_SEP_PLAIN}[-\u2212]?[0-9])"  # a mean is not the start of "10-13 years"
_FRACTIONS = {
    "half": (1, 2), "one half": (1, 2), "a half": (1, 2),
    "one third": (1, 3), "a third": (1, 3), "two thirds": (2, 3),
    "one quarter": (1, 4), "a quarter": (1, 4), "three quarters": (3, 4),
    "one fifth": (1, 5), "a fifth": (1, 5), "two fifths": (2, 5), "three fifths": (3, 5),
    "four fifths": (4, 5),
}
_POPULATION = (
    r"(?:patients?|cases?|families|family|participants?|subjects?|individuals?|people|persons?"
    r"|children|adults?|carriers?|probands?|women|men|infants?|adolescents?|responders?"
    r"|volunteers?|controls?|pedigrees?|kindreds?)"
)
# A text without any of these cannot hold an age or duration (every time unit and "-year-old"
# has one of the letters; "age 5" has "age"), or a count of people (_POPULATION's nouns).
_TIME_HINTS = ("y", "m", "w", "d", "h", "s", "age")
_POPULATION_HINTS = ("patient", "case", "famil", "participant", "subject", "individual", "people", "person",
                     "children", "adult", "carrier", "proband", "men", "infant", "adolescent", "responder",
                     "volunteer", "control", "pedigree", "kindred")
_PER_POPULATION = (
    rf"(?:person{_HYPHEN}years?|patient{_HYPHEN}years?|people|persons?|population|inhabitants"
    rf"|live{_W}births|births|individuals|children|adults|patients|women|men)"
)
_PER_YEAR = rf"(?:per{_W}(?:year|annum)|a{_W}year|each{_W}year|annually|/{_S}(?:year|yr))"
_SUFFIX_COUNTS = (  # "69% (42/61)", "69% (42 of 61)", "69% (n=61)"
    rf"(?:{_S}\({_S}(?:(?P<sn>{_INT}){_S}(?:/|{_W}of{_W})(?P<sN>{_INT})"
    rf"|n{_S}={_S}(?P<sN2>{_INT})){_S}\))?"
)


# ---------------------------------------------------------------------------------------------
# Numbers and units.

# Exact arithmetic for scaling by powers of ten and whole multiples (so "73%" is exactly the
# float 0.73), and a short context for divisions, which are rounded to a float anyway.
_EXACT = decimal.Context(prec=1000)
_DIV = decimal.Context(prec=40)


_NOT_DIGIT = re.compile(r"[^0-9.]")


def _number(text: str) -> Decimal:
    """The value of a number as printed: "150,000", "−5", "13.1", "four", "twenty-five"."""
    text = text.strip()
    if text[:1].isalpha():
        words = re.split(r"[-\s]+", text.lower())
        return Decimal(sum(_WORD_VALUES[w] for w in words))
    negative = text[:1] in "-\u2212"
    digits = text if text.isdigit() and text.isascii() else _NOT_DIGIT.sub("", text)
    value = Decimal(digits)
    return -value if negative else value


def _divide(a: Decimal, b: Decimal) -> float:
    return float(_DIV.divide(a, b))


def _percent(value: Decimal) -> float:
    return float(value.scaleb(-2, _EXACT))


_UNIT_KEYS = {
    "year": "year", "years": "year", "yr": "year", "yrs": "year", "y": "year",
    "month": "month", "months": "month", "mo": "month", "mos": "month",
    "week": "week", "weeks": "week", "wk": "week", "wks": "week",
    "day": "day", "days": "day",
    "hour": "hour", "hours": "hour", "hr": "hour", "hrs": "hour", "h": "hour",
    "minute": "minute", "minutes": "minute", "min": "minute", "mins": "minute",
    "second": "second", "seconds": "second", "sec": "second", "secs": "second", "s": "second",
    "millisecond": "millisecond", "milliseconds": "millisecond", "ms": "millisecond",
    "msec": "millisecond", "msecs": "millisecond",
}
_SECONDS = {
    "millisecond": Decimal("0.001"), "second": Decimal(1), "minute": Decimal(60),
    "hour": Decimal(3600), "day": Decimal(86400), "week": Decimal(604800),
}
# Ages are in years; a day is 1/365.25 year (the Julian year), a week seven days.
_DAYS = {"week": Decimal(7), "day": Decimal(1)}


def _unit_key(text: str | None) -> str | None:
    """"years old" -> "year", " min." -> "minute", "%" -> "percent"; None when no unit."""
    if not text:
        return None
    key = re.sub(r"[\s\u00a0\u2009\u202f.]+", " ", text.lower()).strip(" -\u2010\u2011")
    if key in ("%", "pct") or "cent" in key:  # "percent", "per cent"
        return "percent"
    key = re.sub(r"[-\u2010\u2011 ]+old$", "", key)
    return _UNIT_KEYS.get(key)


def _fill_units(units: list[str | None]) -> list[str | None]:
    """Each number takes its own unit, else the next one printed, else the previous one."""
    filled: list[str | None] = []
    for i, unit in enumerate(units):
        if unit is None:
            unit = next((u for u in units[i + 1:] if u), None) or next(
                (u for u in reversed(units[:i]) if u), None)
        filled.append(unit)
    return filled


def _dimension(units: list[str | None], aged: bool = False) -> str | None:
    """The shared unit of a group of numbers: "proportion", "years", "seconds" or None.

    Raises ValueError when percentages are mixed with times; the caller drops the match.
    """
    present = {u for u in units if u}
    if not present:
        return "years" if aged else None
    if "percent" in present:
        if len(present) > 1:
            raise ValueError("percent mixed with a time unit")
        return "proportion"
    if aged or present & {"year", "month"}:
        return "years"
    return "seconds"


def _convert(value: Decimal, unit: str | None, dimension: str | None) -> float:
    if dimension == "proportion":
        return _percent(value)
    if dimension == "years":
        if unit in (None, "year"):
            return float(value)
        if unit == "month":
            return _divide(value, Decimal(12))
        if unit in _DAYS:
            return _divide(_EXACT.multiply(value, _DAYS[unit]), Decimal("365.25"))
        return _divide(_EXACT.multiply(value, _SECONDS[unit]), Decimal("31557600"))
    if dimension == "seconds":
        return float(_EXACT.multiply(value, _SECONDS[unit or "second"]))
    return float(value)


def _point(value: float, cmp: str | None) -> tuple[float | None, float | None, str, str]:
    """(low, high, low_bound, high_bound) of a value with an optional comparator."""
    if not cmp:
        return value, value, INCLUSIVE, INCLUSIVE
    low_bound, high_bound = _CMP_MEANING[re.sub(r"[\s\u00a0\u2009\u202f]+", " ", cmp.strip().lower())]
    if low_bound == OPEN:
        return None, value, low_bound, high_bound
    return value, None, low_bound, high_bound


def _ratio(a: Decimal, b: Decimal) -> tuple[float | None, float | None]:
    """(value a/b, share a/(a+b)) of a ratio a:b; a zero second term gives inf (or None for 0:0)."""
    if b == 0:
        return (math.inf, 1.0) if a > 0 else (None, None)
    return _divide(a, b), _divide(a, a + b)


# ---------------------------------------------------------------------------------------------
# The forms: one compiled regex and one builder per phrasing family.

_Builder = Callable[[re.Match[str], str], "Statistic | None"]


@dataclass(frozen=True)
class _Form:
    name: str
    pattern: str
    build: _Builder
    hints: tuple[str, ...] = ()  # the form can only match if the lowered text has one of these
    priority: int = 1  # a lower priority loses any overlap, whatever its length

    @functools.cached_property
    def regex(self) -> re.Pattern[str]:
        """Compiled when first needed: compiling every form took 50 ms, a fifth of a small check."""
        return _compile(self.pattern)


def _compile(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.ASCII | re.IGNORECASE)


def _is_approx(g: dict[str, str | None]) -> bool:
    return bool(g.get("approx") or g.get("approx2"))


def _suffix_counts(g: dict[str, str | None]) -> tuple[int | None, int | None]:
    """n and N of a percentage's "(42/61)", "(42 of 61)" or "(n=61)"."""
    n, N = g["sn"], g["sN"] or g["sN2"]
    return (int(n.replace(",", "")) if n else None), (int(N.replace(",", "")) if N else None)


def _build_percent(m: re.Match[str], text: str) -> Statistic:
    g = m.groupdict()
    low, high, lb, hb = _point(_percent(_number(g["a"])), g["cmp"])
    n, N = _suffix_counts(g)
    return Statistic(text, "percent", low, high, lb, hb, "proportion", n=n, N=N,
                     approximate=_is_approx(g))


def _build_percent_range(m: re.Match[str], text: str) -> Statistic:
    g = m.groupdict()
    n, N = _suffix_counts(g)
    return Statistic(text, "percent range", _percent(_number(g["a"])), _percent(_number(g["b"])),
                     INCLUSIVE, INCLUSIVE, "proportion", n=n, N=N, approximate=_is_approx(g))


def _build_ratio(m: re.Match[str], text: str) -> Statistic:
    g = m.groupdict()
    value, share = _ratio(_number(g["a"]), _number(g["b"]))
    if value is None:  # 0:0 has no value; keep it readable so that problems() can name it
        return Statistic(text, "ratio", None, None, INCLUSIVE, INCLUSIVE, "ratio",
                         approximate=_is_approx(g))
    low, high, lb, hb = _point(value, g["cmp"])
    return Statistic(text, "ratio", low, high, lb, hb, "ratio",
                     share_low=share if low is not None else None,
                     share_high=share if high is not None else None, approximate=_is_approx(g))


def _build_ratio_range(m: re.Match[str], text: str) -> Statistic:
    g = m.groupdict()
    b1, b2 = _number(g["b1"]), _number(g["b2"])
    a1 = _number(g["a1"])
    a2 = _number(g["a2"]) if g["a2"] else b2  # "2-4:1" shares its second term
    low, share_low = _ratio(a1, a2)
    high, share_high = _ratio(b1, b2)
    return Statistic(text, "ratio range", low, high, INCLUSIVE, INCLUSIVE, "ratio",
                     share_low=share_low, share_high=share_high, approximate=_is_approx(g))


def _build_quantity(m: re.Match[str], text: str) -> Statistic | None:
    g = m.groupdict()
    unit = _unit_key(g["ua"])
    dimension = _dimension([unit], aged=bool(g["aged"]))
    if dimension not in ("years", "seconds"):
        return None
    low, high, lb, hb = _point(_convert(_number(g["a"]), unit, dimension), g["cmp"])
    kind = "age" if dimension == "years" else "duration"
    return Statistic(text, kind, low, high, lb, hb, dimension, approximate=_is_approx(g))


def _build_quantity_range(m: re.Match[str], text: str) -> Statistic | None:
    g = m.groupdict()
    units = _fill_units([_unit_key(g["ua"]), _unit_key(g["ub"])])
    dimension = _dimension(units, aged=bool(g["aged"]))
    if dimension not in ("years", "seconds"):
        return None
    low = _convert(_number(g["a"]), units[0], dimension)
    high = _convert(_number(g["b"]), units[1], dimension)
    kind = "age range" if dimension == "years" else "duration range"
    return Statistic(text, kind, low, high, INCLUSIVE, INCLUSIVE, dimension,
                     approximate=_is_approx(g))


def _build_proportion(m: re.Match[str], text: str) -> Statistic:
    g = m.groupdict()
    # "4 of 9" and "1 in 5" fill n and N; "13/14" fills n2 and N2.
    n, N = (g["n"], g["N"]) if g["n"] else (g["n2"], g["N2"])
    n_value, N_value = int(_number(n)), int(_number(N))
    value = _divide(Decimal(n_value), Decimal(N_value)) if N_value else None
    return Statistic(text, "proportion", value, value, INCLUSIVE, INCLUSIVE, "proportion",
                     n=n_value, N=N_value, approximate=_is_approx(g))


def _build_fraction(m: re.Match[str], text: str) -> Statistic:
    g = m.groupdict()
    words = re.sub(r"[-\s\u00a0]+", " ", g["fraction"].lower())
    words = words[:-1] if words.endswith("s") and words[:-1] in _FRACTIONS else words
    top, bottom = _FRACTIONS[words]
    value = top / bottom
    return Statistic(text, "proportion", value, value, INCLUSIVE, INCLUSIVE, "proportion",
                     approximate=_is_approx(g))


def _build_count(m: re.Match[str], text: str) -> Statistic:
    g = m.groupdict()
    value = _number(g["a"])
    cmp = g.get("cmp")
    if cmp and cmp.strip() == "=":
        cmp = None
    low, high, lb, hb = _point(float(value), cmp)
    # "n=61" and "61 patients" give the size of a group; a bare "61" or "n>100" does not.
    exact = not cmp and value == value.to_integral_value()
    N = int(value) if exact and (g.get("sym") or g.get("noun")) else None
    return Statistic(text, "count", low, high, lb, hb, "count", N=N, approximate=_is_approx(g))


def _build_rate(m: re.Match[str], text: str) -> Statistic | None:
    g = m.groupdict()
    per = _number(g["per"])
    if per == 0:
        return None
    unit = "per person-year" if g["year"] or (g["pop"] and "year" in g["pop"].lower()) else "proportion"
    low = _divide(_number(g["a"]), per)
    if g["b"]:
        return Statistic(text, "rate range", low, _divide(_number(g["b"]), per), INCLUSIVE,
                         INCLUSIVE, unit, approximate=_is_approx(g))
    low, high, lb, hb = _point(low, g["cmp"])
    return Statistic(text, "rate", low, high, lb, hb, unit, approximate=_is_approx(g))


def _build_mean(m: re.Match[str], text: str) -> Statistic | None:
    g = m.groupdict()
    sd_text, usd = (g["sd"], g["usd"]) if g["sd"] else (g["sd2"], g["usd2"])
    # Numbers in printed order, each with its own unit if it has one.
    numbers = [("mean", g["m"], g["um"]), ("sd", sd_text, usd),
               ("low", g["a"], g["ua"]), ("high", g["b"], g["ub"])]
    numbers = [(name, value, unit) for name, value, unit in numbers if value]
    raw_units = [_unit_key(unit) for _, _, unit in numbers]
    if g["ut"]:
        raw_units.append(_unit_key(g["ut"]))
    units = _fill_units(raw_units)
    dimension = _dimension(units)
    values = {name: _convert(_number(value), unit, dimension)
              for (name, value, _), unit in zip(numbers, units)}
    mean = values["mean"]
    low, high = values.get("low", mean), values.get("high", mean)
    return Statistic(text, "mean sd", low, high, INCLUSIVE, INCLUSIVE, dimension,
                     mean=mean, sd=values.get("sd"), approximate=_is_approx(g))


def _build_ci(m: re.Match[str], text: str) -> Statistic | None:
    g = m.groupdict()
    units = _fill_units([_unit_key(g["ua"]), _unit_key(g["ub"])])
    dimension = _dimension(units)
    level = _percent(_number(g["level"])) if g["level"] else None
    return Statistic(text, "confidence interval",
                     _convert(_number(g["a"]), units[0], dimension),
                     _convert(_number(g["b"]), units[1], dimension),
                     INCLUSIVE, INCLUSIVE, dimension, level=level)


_SD = (
    rf"(?:{_S}(?:\u00b1|\+/-|\+/\u2212|\+-){_S}(?P<sd>{_UNUM})(?P<usd>{_ANY_UNIT})?"
    rf"|{_S}[(\[]{_S}(?:SD|s\.d\.|standard{_W}deviation){_S}[:=,]?{_S}(?P<sd2>{_UNUM})"
    rf"(?P<usd2>{_ANY_UNIT})?{_S}[)\]])"
)
_RANGE = (
    rf"(?:{_S}(?P<ropen>[(\[])|{_S}[,;]|{_SP})?{_S}range{_S}[:=,]?{_S}(?P<a>{_NUM})(?P<ua>{_ANY_UNIT})?"
    rf"{_SEP_PLAIN}(?P<b>{_NUM})(?P<ub>{_ANY_UNIT})?(?(ropen){_S}[)\]]|)"
)
_MEAN_WORDS = rf"(?:mean|average)(?:{_W}(?:age|duration|onset|length|of|at|was|is))*(?:{_S}[:=]{_S}|{_W})"

# Longest, most specific forms first: on an overlap of equal length the earlier form wins.
_FORMS: list[_Form] = [
    _Form("confidence interval", (
        rf"{_START}(?:(?P<level>{_UNUM}){_S}(?:%|percent){_S})?(?:CI|C\.I\.|confidence{_W}interval)"
        rf"(?![A-Za-z])(?:{_S}[:,=])?{_S}(?P<open>[(\[])?{_S}(?P<a>{_NUM})(?P<ua>{_ANY_UNIT})?"
        rf"(?:{_SEP_PLAIN}|{_S}[,;]{_S})(?P<b>{_NUM})(?P<ub>{_ANY_UNIT})?(?(open){_S}[)\]]|)"),
        _build_ci, ("ci", "c.i.", "confidence")),
    _Form("mean", (
        rf"{_START}{_MEAN_WORDS}(?P<m>{_NUM}){_NOT_RANGE}(?P<um>{_ANY_UNIT})?{_NOT_RANGE}(?:{_SD})?"
        rf"(?:{_RANGE})?(?P<ut>{_ANY_UNIT})?"),
        _build_mean, ("mean", "average")),
    _Form("mean sd", (
        rf"{_START}(?P<m>{_NUM})(?P<um>{_ANY_UNIT})?{_SD}(?:{_RANGE})?(?P<ut>{_ANY_UNIT})?"),
        _build_mean, ("\u00b1", "+/", "+-", "sd", "s.d.", "standard deviation")),
    _Form("ratio range", (
        rf"{_START}{_approx('approx')}(?:{_BETWEEN})?(?P<a1>{_DIGITS})(?:{_COLON}(?P<a2>{_DIGITS}))?"
        rf"{_SEP}(?P<b1>{_DIGITS}){_COLON}(?P<b2>{_DIGITS})(?!{_S}:)"),
        _build_ratio_range, (":",)),
    _Form("ratio", (
        rf"{_START}{_approx('approx')}{_CMP}{_approx('approx2')}(?P<a>{_DIGITS}){_COLON}"
        rf"(?P<b>{_DIGITS})(?!{_S}:)"),
        _build_ratio, (":",)),
    _Form("rate", (
        rf"{_START}{_approx('approx')}{_CMP}{_approx('approx2')}(?P<a>{_NUM})(?:{_SEP_PLAIN}(?P<b>{_NUM}))?"
        rf"{_W}per{_W}(?P<per>{_SPACED_INT})(?:{_W}(?P<pop>{_PER_POPULATION}))?"
        rf"(?:{_S}(?P<year>{_PER_YEAR}))?(?![A-Za-z])"),
        _build_rate, ("per",)),
    _Form("percent range", (
        rf"{_START}{_approx('approx')}(?:{_BETWEEN})?(?P<a>{_NUM})(?:{_S}{_PCT})?{_SEP}(?P<b>{_NUM})"
        rf"{_S}{_PCT}{_SUFFIX_COUNTS}"),
        _build_percent_range, ("%", "cent", "pct")),
    _Form("percent", (
        rf"{_START}{_approx('approx')}{_CMP}{_approx('approx2')}(?P<a>{_NUM}){_S}{_PCT}{_SUFFIX_COUNTS}"),
        _build_percent, ("%", "cent", "pct")),
    _Form("proportion", (
        rf"{_START}{_approx('approx')}(?:(?P<n>{_INTW}){_W}(?:out{_W})?of{_W}(?:the{_W})?(?P<N>{_INTW})"
        rf"|(?P<n2>{_INT}){_S}/{_S}(?P<N2>{_INT})(?![0-9/]))"
        rf"(?:{_S}\({_S}{_NUM}{_S}%{_S}\))?"),
        _build_proportion, ("of", "/")),
    _Form("one in", (
        rf"{_START}{_approx('approx')}(?P<n>[0-9]|{_WORDNUM}){_W}in{_W}(?P<N>{_SPACED_INT}|{_WORDNUM})"),
        _build_proportion, (" in ",)),
    _Form("fraction", (
        rf"{_START}{_approx('approx')}(?P<fraction>(?:(?:one|a|two|three|four){_W}|(?:two|three|four){_HYPHEN})"
        rf"(?:thirds?|quarters?|fifths?)|(?:(?:one|a){_W})?half)"
        rf"(?={_W}of(?![A-Za-z])|{_S}[.,;:)\]]|{_S}$)"),
        _build_fraction, ("half", "third", "quarter", "fifth")),
    _Form("age or duration range", (
        rf"{_START}(?P<aged>(?:aged|ages?){_W})?{_approx('approx')}(?:{_BETWEEN})?(?P<a>{_NUM})"
        rf"(?P<ua>{_TIME})?{_SEP}(?P<b>{_NUM})(?(aged)|(?={_TIME}))(?P<ub>{_TIME})?"),
        _build_quantity_range, _TIME_HINTS),
    _Form("age or duration", (
        rf"{_START}(?P<aged>(?:aged|ages?){_W})?{_approx('approx')}{_CMP}{_approx('approx2')}"
        rf"(?P<a>{_NUM})(?(aged)|(?={_TIME}))(?P<ua>{_TIME})?"),
        _build_quantity, _TIME_HINTS),
    _Form("n =", (
        rf"(?<![\w.])(?P<sym>n){_S}(?P<cmp>=|<=|>=|[<>\u2264\u2265]){_S}(?P<a>{_INT})"),
        _build_count, ("n",)),
    # "61 patients" overlaps "13 of 14 families" and "4 of 9 patients"; it must lose to them.
    _Form("population count", (
        rf"{_START}{_approx('approx')}{_CMP}{_approx('approx2')}(?P<a>{_INTW}){_W}(?P<noun>{_POPULATION})"
        r"(?![A-Za-z]|[-\u2010\u2011][A-Za-z])"),  # not "1 person-year"
        _build_count, _POPULATION_HINTS, priority=0),
]


# Read only by parse_statistic: a bare number is a count there ("61", "up to 5"), but in free
# text it may be a year, a page or a citation marker.
_BARE = _compile(rf"{_approx('approx')}{_CMP}{_approx('approx2')}(?P<a>{_NUM})")
_BARE_RANGE = _compile(rf"{_NUM}{_SEP_PLAIN}{_NUM}")


def _by_first_letter(words: list[str]) -> str:
    """An alternation of ``words`` grouped by first letter: "t(?:en|wo)|f(?:ive)" tests each
    position's letter once, where "ten|two|five" tries every word (40% of the time of a search)."""
    groups: dict[str, list[str]] = {}
    for word in words:
        groups.setdefault(word[0], []).append(re.escape(word[1:]))
    return "|".join(f"{first}(?:{'|'.join(sorted(rests, key=len, reverse=True))})"
                    for first, rests in groups.items())


_NUMBER_WORDS = _ONES + _TEENS + _TENS + ["half", "third", "quarter", "fifth"]
_NUMBER_WORD = _compile(_by_first_letter(_NUMBER_WORDS))
_HAS_NUMBER = _compile(rf"[0-9]|(?<![A-Za-z])(?:{_NUMBER_WORD.pattern})")
_OUTER = _compile(r"^[\s(\[]*(.*?)[\s)\].,;:]*$")
# Words around a parsed statistic may name what it counts ("of patients", "ratio"), but a
# leftover number, symbol, dangling dash or range, comparator or unit word means the text was
# misread or holds more than the statistic, so parse_statistic refuses it.
_STRAY = _compile(
    r"[0-9%<>=+:/~\u00b1\u2248\u223c\u2264\u2265\u2a7d\u2a7e]"
    r"|(?<![A-Za-z])[-\u2010-\u2015\u2212]|[-\u2010-\u2015\u2212](?![A-Za-z])"
    r"|(?<![A-Za-z])(?:between|from|to|under|over|above|below|less|more|fewer|greater|least|most"
    r"|up|than|about|approximately|approx|around|roughly|nearly|almost|circa|per|percent|cent"
    r"|pct|range|sd|ci|aged|years?|months?|weeks?|days?|hours?|minutes?|mins?|seconds?|old)"
    r"(?![A-Za-z])"
)
# Where a statistic can start: a number, a symbol, or the first word of a prefix. Trying the
# forms only there (rather than scanning the whole text once per form) is several times faster.
_ANCHOR_WORDS = (
    _ONES + _TEENS + _TENS
    + ["half", "about", "approximately", "approx", "around", "roughly", "circa", "ca", "c",
       "nearly", "almost", "more", "greater", "over", "above", "older", "longer", "exceeding",
       "less", "fewer", "under", "below", "younger", "shorter", "between", "from", "aged", "age",
       "ages", "mean", "average", "n", "ci", "c.i", "confidence"]
)
_ANCHOR = _compile(
    rf"{_START}(?:[-\u2212]?\.?[0-9]|[~\u2248\u223c<>\u2264\u2265\u2a7d\u2a7e=]"
    rf"|(?:{'|'.join(sorted(_ANCHOR_WORDS, key=len, reverse=True))})(?![A-Za-z])"
    rf"|in(?={_W}excess)|at(?={_W}(?:least|most))|not?(?={_W}(?:more|less))|up(?={_W}to)"
    rf"|a(?={_W}(?:third|quarter|half|fifth)))"
)


# ---------------------------------------------------------------------------------------------
# Finding and parsing.


@dataclass(frozen=True)
class _Candidate:
    priority: int
    start: int
    end: int
    order: int
    statistic: Statistic


def _candidates(text: str) -> list[_Candidate]:
    forms = [(order, _FORMS[order]) for order in _hinted_forms(text)]
    found = []
    for anchor in _ANCHOR.finditer(text):
        start = anchor.start()
        for order, form in forms:
            match = form.regex.match(text, start)
            if match is None:
                continue
            try:
                statistic = form.build(match, match.group(0))
            except (ValueError, KeyError, ArithmeticError):
                statistic = None  # a match the builder rejects, e.g. percent mixed with years
            if statistic is not None:
                found.append(_Candidate(form.priority, start, match.end(), order, statistic))
    return found


def _hinted_forms(text: str) -> list[int]:
    """The positions in ``_FORMS`` of the forms without hints or with a hint in ``text`` (lowered).

    One search for all hints at once: where several start at one place it finds the longest, and
    the others there are its prefixes, whose forms count too (``_hint_search``).
    """
    search, forms_of, always = _hint_search()
    found = set(always)
    for hint in search.findall(text.lower()):
        found |= forms_of[hint]
    return sorted(found)


@functools.cache
def _hint_search() -> tuple[re.Pattern[str], dict[str, frozenset[int]], frozenset[int]]:
    """For ``_hinted_forms``: a search that finds, at each place in a text, the longest hint that
    starts there; the forms each hint stands for (its own, and those of the hints that are its
    prefixes); the forms without hints."""
    hints = sorted({hint for form in _FORMS for hint in form.hints}, key=len, reverse=True)
    search = re.compile("(?=(" + "|".join(map(re.escape, hints)) + "))")
    forms_of = {hint: frozenset(order for order, form in enumerate(_FORMS)
                                if any(hint.startswith(own) for own in form.hints)) for hint in hints}
    return search, forms_of, frozenset(order for order, form in enumerate(_FORMS) if not form.hints)


def _select(candidates: list[_Candidate]) -> list[_Candidate]:
    """Longest first (higher priority before that), then keep only non-overlapping spans."""
    candidates.sort(key=lambda c: (-c.priority, c.start - c.end, c.start, c.order))
    # The taken spans never overlap, so sorted by start they are sorted by end too: one bisect
    # finds the only two neighbours a new span could overlap.
    starts: list[int] = []
    taken: list[_Candidate] = []
    for candidate in candidates:
        i = bisect.bisect_right(starts, candidate.start)
        if i > 0 and taken[i - 1].end > candidate.start:
            continue
        if i < len(taken) and taken[i].start < candidate.end:
            continue
        starts.insert(i, candidate.start)
        taken.insert(i, candidate)
    return taken


def has_number(text: str) -> bool:
    """Whether ``text`` holds a digit or a number word: every statistic does."""
    return _HAS_NUMBER.search(text) is not None


def with_numbers(texts: list[str]) -> list[int]:
    """The positions in ``texts`` of those that hold a number: ``has_number``, for many texts at once.

    A search spends most of its time trying the number words at every letter. Here the texts are
    read ``_TEXTS_AT_ONCE`` at a time as one array of bytes (numpy), in which the digits and the
    word starts are found, and the number words are tried only at the starts of words that begin
    with the first three letters of one. The answer is exactly ``has_number``'s (tests compare them).
    """
    if len(texts) > _TEXTS_AT_ONCE:  # a few megabytes of arrays at a time, not hundreds
        return [start + i for start in range(0, len(texts), _TEXTS_AT_ONCE)
                for i in with_numbers(texts[start:start + _TEXTS_AT_ONCE])]
    import numpy as np

    if not texts:
        return []
    # One byte per character (all but ASCII become "?", neither a digit nor a letter), the texts
    # apart by a line break; two more at the end, so that every word start has two bytes after it.
    joined = "\n".join(texts) + "\n\n"
    codes = np.frombuffer(joined.encode("ascii", "replace"), np.uint8)
    ends = np.cumsum([len(text) + 1 for text in texts])  # where each text's line break is
    lower = codes | np.uint8(0x20)  # A-Z to a-z; no other byte lands on a letter
    letter = (lower - np.uint8(ord("a"))) < 26
    starts = np.flatnonzero(letter[1:] & ~letter[:-1]) + 1  # as (?<![A-Za-z]) with a letter after
    if letter[0]:
        starts = np.concatenate(([0], starts))
    key = np.zeros(len(starts), np.int32)
    for offset in range(3):  # the word's first three letters, each 0-25, or 26 for any other byte
        at = starts + offset
        key = key * 27 + np.where(letter[at], lower[at] - np.uint8(ord("a")), np.uint8(26))
    words = np.array([at for at in starts[_number_word_starts()[key]].tolist() if _NUMBER_WORD.match(joined, at)],
                     np.intp)
    digits = np.flatnonzero((codes - np.uint8(ord("0"))) < 10)
    return np.unique(np.searchsorted(ends, np.concatenate((digits, words)), side="right")).tolist()


_TEXTS_AT_ONCE = 8192


@functools.cache
def _number_word_starts() -> "numpy.ndarray":
    """For ``with_numbers``: True at the key of each number word's first three letters."""
    import numpy as np

    table = np.zeros(27 ** 3, bool)
    for word in _NUMBER_WORDS:
        a, b, c = (ord(letter) - ord("a") for letter in word[:3])
        table[(a * 27 + b) * 27 + c] = True
    return table


def find_statistics(text: str) -> list[Found]:
    """Every statistic printed in ``text``, in order, as non-overlapping ``Found`` spans.

    Where phrasings overlap the longest wins ("2:1 to 4:1" over "4:1", "95% CI 0.61-0.79" over
    "95%"). Bare numbers, gene names ("SCN8A", "22q11.2"), years and citation markers are not
    statistics. Each ``Found.statistic`` has ``text == Found.text``.
    """
    if not isinstance(text, str) or not _HAS_NUMBER.search(text):
        return []
    return [Found(c.start, c.end, text[c.start:c.end], c.statistic)
            for c in _select(_candidates(text))]


def _unreadable(text: str, problem: str) -> Statistic:
    return Statistic(text, "unreadable", problem=problem)


def _quote(text: str, limit: int = 60) -> str:
    return repr(text if len(text) <= limit else text[:limit] + "...")


def parse_statistic(text: str) -> Statistic:
    """Read one statistic as printed, e.g. "60-90%", "2:1 to 4:1", "<1 minute", "4 of 9".

    Words without digits around the statistic are allowed ("78-82% of patients", "(2:1 to 4:1
    ratio)"); a second number is not. A bare number reads as a count. Never raises: text that
    cannot be read gives ``kind == "unreadable"`` with a one-line ``problem``.
    """
    if not isinstance(text, str):
        return _unreadable(repr(text), f"not text but {type(text).__name__}")
    try:
        return _parse(text)
    except Exception as exc:  # noqa: BLE001 - the promise is "never raises"; tests look for this
        return _unreadable(text, f"internal error while reading: {type(exc).__name__}")


def _parse(text: str) -> Statistic:
    if not text.strip():
        return _unreadable(text, "empty text")
    if len(text) > MAX_STATISTIC_CHARS:
        return _unreadable(text, f"{len(text)} characters is too long for one statistic")
    found = _select(_candidates(text))
    if len(found) > 1:
        names = ", ".join(_quote(text[c.start:c.end]) for c in found)
        return _unreadable(text, f"more than one statistic: {names}")
    if len(found) == 1:
        span = found[0]
        rest = text[:span.start] + " " + text[span.end:]
        stray = _STRAY.search(rest)
        if stray:
            word = re.search(r"\S*" + re.escape(stray.group(0)) + r"\S*", rest[stray.start():])
            return _unreadable(
                text, f"{_quote(word.group(0) if word else stray.group(0))} is left over around "
                      f"the statistic {_quote(text[span.start:span.end])}")
        return span.statistic if span.statistic.text == text else replace(span.statistic, text=text)
    core = _OUTER.match(text)
    core_text = core.group(1) if core else text.strip()
    bare = _BARE.fullmatch(core_text)
    if bare:
        return replace(_build_count(bare, text), text=text)
    if _BARE_RANGE.fullmatch(core_text):
        return _unreadable(text, "a range without a unit: add %, years, minutes or :1")
    if not _HAS_NUMBER.search(text):
        # Full-width, Arabic-Indic or Roman digits, vulgar fractions: a number, but not one in 0-9.
        other = next((c for c in text if c.isnumeric()), None)
        if other is not None:
            return _unreadable(text, f"{other!r} (U+{ord(other):04X}) is a number this parser cannot "
                                     "read: type it with the digits 0-9")
        return _unreadable(text, "no number in the text")
    return _unreadable(text, f"not a statistic this parser can read: {_quote(text.strip())}")


# ---------------------------------------------------------------------------------------------
# Canonical text and impossible values.


def _decimal_text(value: float) -> str:
    """The shortest positional decimal that reads back as exactly ``value`` (no exponent)."""
    value = value or 0.0  # "-0" would read back as 0 anyway
    text = format(Decimal(repr(value)), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("", "-") else text


def _percent_text(value: float) -> str:
    # Shifting the decimal point of repr(value) is exact, and parsing shifts it back.
    value = value or 0.0
    text = format(Decimal(repr(value)).scaleb(2, _EXACT), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text + "%"


def _years_text(value: float) -> str:
    months = value * 12
    if 0 < abs(value) < 1 and months == int(months) and _divide(Decimal(int(months)), Decimal(12)) == value:
        return f"{int(months)} month" + ("" if abs(months) == 1 else "s")
    return f"{_decimal_text(value)} years"


def _seconds_text(value: float) -> str:
    if value and value % 60 == 0 and abs(value) < 2**53:
        minutes = int(value // 60)
        return f"{minutes} minute" + ("" if abs(minutes) == 1 else "s")
    return f"{_decimal_text(value)} seconds"


def _ratio_text(value: float | None) -> str:
    if value is None:
        return "0:0"
    if value == math.inf:
        return "1:0"
    if 0 < value < 1:
        second = 1 / value
        if second == int(second) and second < 2**53 and _divide(Decimal(1), Decimal(int(second))) == value:
            return f"1:{int(second)}"
    return f"{_decimal_text(value)}:1"


def _value_text(value: float, unit: str | None) -> str:
    if unit == "proportion":
        return _percent_text(value)
    if unit == "years":
        return _years_text(value)
    if unit == "seconds":
        return _seconds_text(value)
    if unit == "ratio":
        return _ratio_text(value)
    return _decimal_text(value)


_CMP_SYMBOL = {_BELOW: "<", _AT_MOST: "\u2264", _ABOVE: ">", _AT_LEAST: "\u2265"}


def _one_sided(stat: Statistic) -> tuple[str, float | None]:
    """The comparator text and the value of a point statistic ("" for a plain value)."""
    bounds = (stat.low_bound, stat.high_bound)
    symbol = _CMP_SYMBOL.get(bounds, "")
    return symbol, stat.high if stat.low_bound == OPEN else stat.low


def _per_text(value: float) -> tuple[str, str]:
    """A rate's value as "<a> per <10^k>", with the power chosen so that a >= 1 if possible."""
    for power in (0, 2, 3, 4, 5, 6, 7, 8, 9):
        if power == 9 or abs(value) * 10**power >= 1 or value == 0:
            scaled = format(Decimal(repr(value)).scaleb(power, _EXACT), "f")
            if "." in scaled:
                scaled = scaled.rstrip("0").rstrip(".")
            return scaled, f"{10**power:,}"
    raise AssertionError("unreachable")


def format_statistic(stat: Statistic) -> str:
    """A canonical text for ``stat``: parsing it gives the same kind, values and bounds.

    Ranges are written with " to " (so that negative values stay readable), ages in years (or
    months under two years), durations in seconds or whole minutes, ratios as "x:1".
    """
    about = "about " if stat.approximate else ""
    kind, unit = stat.kind, stat.unit
    symbol, value = _one_sided(stat)
    if kind == "unreadable":
        return stat.text
    if kind in ("percent", "ratio", "age", "duration") and value is not None:
        text = f"{about}{symbol}{_value_text(value, unit)}"
        if kind == "percent" and stat.N is not None:
            text += f" ({stat.n}/{stat.N})" if stat.n is not None else f" (n={stat.N})"
        return text
    if kind == "ratio":
        return f"{about}0:0"
    if kind in ("percent range", "ratio range", "age range", "duration range"):
        low, high = _value_text_or_none(stat.low, unit), _value_text_or_none(stat.high, unit)
        # "7 to 15 years" rather than "7 years to 15 years" when both ends share the unit word.
        low_number, _, low_word = low.partition(" ")
        if low_word and low_word == high.partition(" ")[2]:
            low = low_number
        text = f"{about}{low} to {high}"
        if kind == "percent range" and stat.N is not None:
            text += f" ({stat.n}/{stat.N})" if stat.n is not None else f" (n={stat.N})"
        return text
    if kind == "count":
        if stat.N is not None and not symbol:
            # "n=61" reads back, "about n=61" does not: an approximate size is "about 61 patients".
            return f"{about}{stat.N} patients" if about else f"n={stat.N}"
        return f"{about}{symbol}{_decimal_text(value) if value is not None else ''}"
    if kind == "proportion":
        if stat.n is not None and stat.N is not None:
            return f"{about}{stat.n} of {stat.N}"
        for words, (top, bottom) in _FRACTIONS.items():
            if not words.startswith("a ") and top / bottom == stat.low:
                return f"{about}{words}"
        return f"{about}{_percent_text(stat.low)}" if stat.low is not None else stat.text
    if kind in ("rate", "rate range"):
        per_year = " person-years" if unit == "per person-year" else ""
        if kind == "rate" and value is not None:
            a, per = _per_text(value)
            return f"{about}{symbol}{a} per {per}{per_year}"
        # Both ends of a range need one denominator: take the one the smaller end needs.
        smallest = min((v for v in (stat.low, stat.high) if v), key=abs, default=0.0)
        _, per = _per_text(smallest)
        power = len(per.replace(",", "")) - 1
        ends = [format(Decimal(repr(v)).scaleb(power, _EXACT), "f") for v in (stat.low, stat.high)]
        ends = [e.rstrip("0").rstrip(".") if "." in e else e for e in ends]
        return f"{about}{ends[0]} to {ends[1]} per {per}{per_year}"
    if kind == "mean sd":
        text = f"mean {_bare_text(stat.mean, unit)}"
        if stat.sd is not None:
            text += f" \u00b1 {_bare_text(stat.sd, unit)}"
        text += _unit_word(unit)
        if (stat.low, stat.high) != (stat.mean, stat.mean):
            text += f" (range {_bare_text(stat.low, unit)} to {_bare_text(stat.high, unit)}{_unit_word(unit)})"
        return text
    if kind == "confidence interval":
        level = f"{_percent_text(stat.level)} " if stat.level is not None else ""
        return (f"{level}CI {_bare_text(stat.low, unit)}{_unit_word(unit)} to "
                f"{_bare_text(stat.high, unit)}{_unit_word(unit)}")
    return stat.text


def _value_text_or_none(value: float | None, unit: str | None) -> str:
    return _ratio_text(None) if value is None else _value_text(value, unit)


def _bare_text(value: float | None, unit: str | None) -> str:
    """A number in ``unit`` without its unit word (percent keeps its %)."""
    if value is None:
        return "?"
    return _percent_text(value) if unit == "proportion" else _decimal_text(value)


def _unit_word(unit: str | None) -> str:
    return {"years": " years", "seconds": " seconds"}.get(unit or "", "")


def describe_value(value: float | None, unit: str | None) -> str:
    """A value in words a reviewer reads: 0.73 "proportion" -> "73%", 60 "seconds" -> "60 s"."""
    if value is None:
        return "none"
    if unit == "proportion":
        return f"{value * 100:.6g}%"
    if unit == "seconds":
        return f"{value:.6g} s"
    if unit == "years":
        return f"{value:.6g} years"
    if unit == "ratio":
        return f"{value:.6g}:1"
    if unit == "per person-year":
        return f"{value:.6g} per person-year"
    return f"{value:.6g}"


def problems(stat: Statistic) -> list[str]:
    """Impossible values in ``stat``, one line each; empty when the statistic is possible.

    Named: a proportion above 100% or below 0%, a range whose low end is above its high end, a
    ratio with a zero term, a negative age or duration, a count that is not a whole number, a
    proportion over zero, a confidence level outside 0..100%, a percentage that does not match
    its printed counts, a mean outside its own range. An unreadable statistic gives its problem.
    """
    if stat.kind == "unreadable":
        return [stat.problem or "unreadable"]
    found: list[str] = []
    unit = stat.unit
    points = [v for v in (stat.low, stat.high, stat.mean) if v is not None]
    shown = lambda v: describe_value(v, unit)  # noqa: E731
    if unit == "proportion":
        for value in dict.fromkeys(points):
            if value > 1:
                found.append(f"{shown(value)} is above 100%")
            elif value < 0:
                found.append(f"{shown(value)} is below 0%")
    if stat.low is not None and stat.high is not None and stat.low > stat.high:
        found.append(f"the range runs backwards: {shown(stat.low)} is above {shown(stat.high)}")
    if stat.kind in ("ratio", "ratio range"):
        ends = [(stat.low, stat.low_bound), (stat.high, stat.high_bound)]
        if any(bound != OPEN and (v is None or v == 0 or math.isinf(v)) for v, bound in ends):
            found.append("a ratio with a zero term")
    if unit in ("years", "seconds"):
        what = "age" if unit == "years" else "duration"
        for value in dict.fromkeys(points):
            if value < 0:
                found.append(f"negative {what}: {shown(value)}")
    if stat.sd is not None and stat.sd < 0:
        found.append(f"negative standard deviation: {shown(stat.sd)}")
    if stat.kind == "count":
        for value in dict.fromkeys(points):
            if not math.isfinite(value) or value != int(value):
                found.append(f"a count of {value:g} is not a whole number")
            elif value < 0:
                found.append(f"a negative count: {value:g}")
    if stat.kind == "proportion" and stat.N == 0:
        found.append(f"{stat.n} of 0: the denominator is zero")
    if stat.level is not None and not 0 < stat.level < 1:
        found.append(f"confidence level {describe_value(stat.level, 'proportion')} is not between 0 and 100%")
    if stat.kind == "percent" and stat.n is not None and stat.N and stat.low is not None:
        # Printed percentages are rounded, usually to whole percent: allow half a point.
        share = stat.n / stat.N
        if abs(stat.low - share) > 0.005 + 1e-9:
            found.append(f"{shown(stat.low)} does not match {stat.n}/{stat.N} ({share:.1%})")
    if stat.kind == "mean sd" and stat.mean is not None and stat.low is not None and stat.high is not None:
        if not stat.low <= stat.mean <= stat.high and stat.low <= stat.high:
            found.append(f"the mean {shown(stat.mean)} is outside its range "
                         f"{shown(stat.low)} to {shown(stat.high)}")
    return found
