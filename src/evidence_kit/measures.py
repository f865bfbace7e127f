"""The vocabulary of measures: what a statistic measures, and what values of it are plausible.

The packaged ``measures.yaml`` lists measures such as penetrance, sex ratio or age at onset,
each with the statistic kinds that can express it, the unit its values are compared in and a
plausible range. ``load_measures(text)`` merges a project's own YAML text over it (the caller
reads the project's file; this module opens only its packaged data). ``check_statistic`` says
what is wrong with a statistic as a value of a measure: a kind the measure is not given in, or a
value outside the plausible range.
"""

from __future__ import annotations

import functools
import importlib.resources
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import yaml

from .errors import UnusableInput, located
from .statistic import KINDS, UNITS, Statistic, describe_value

__all__ = ["Measure", "FIELDS", "load_measures", "check_statistic"]

FIELDS = ("description", "kinds", "unit", "plausible")
_REQUIRED = ("description", "kinds", "unit")
_KINDS = tuple(k for k in KINDS if k != "unreadable")
PACKAGED_SOURCE = "evidence_kit/measures.yaml"


@dataclass(frozen=True)
class Measure:
    """One measure: ``low``/``high`` are its plausible range in ``unit`` (None: no limit)."""

    name: str
    description: str
    kinds: tuple[str, ...]
    unit: str | None
    low: float | None = None
    high: float | None = None


# The packaged vocabulary is read on every check: libyaml's safe loader where PyYAML has it. A
# user's file goes through the pure-Python one, whose error messages name the line more precisely.
_FAST_SAFE_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _name(key: str) -> str:
    """Measure names compare without regard to case or repeated spaces."""
    return " ".join(key.split()).lower()


def _read(text: str, source: str, loader: Any = yaml.SafeLoader) -> dict[str, tuple[dict[str, Any], int | None]]:
    """The raw measures of one YAML text: name -> (fields, line of the name)."""
    try:
        # compose keeps the line numbers and duplicate keys that safe_load loses; safe_load
        # builds the values, plain data only, never arbitrary objects.
        root = yaml.compose(text, Loader=loader)
        data = yaml.load(text, Loader=loader)  # noqa: S506 - always a safe loader: plain data only
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        reason = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise UnusableInput.at(source, line, f"not valid YAML: {reason}") from None
    if root is None:
        return {}
    problems: list[str] = []
    if not isinstance(root, yaml.MappingNode) or not isinstance(data, dict):
        raise UnusableInput.at(source, root.start_mark.line + 1, "expected a mapping with 'measures:'")
    for key_node, _ in root.value:
        if key_node.value != "measures":
            problems.append(located(source, key_node.start_mark.line + 1,
                                    f"unknown top-level field {key_node.value!r}; expected 'measures'"))
    measures_node = next((v for k, v in root.value if k.value == "measures"), None)
    measures = data.get("measures")
    if measures_node is None or measures is None:
        if problems:
            raise UnusableInput(problems)
        return {}
    if not isinstance(measures_node, yaml.MappingNode) or not isinstance(measures, dict):
        raise UnusableInput(problems + [located(source, measures_node.start_mark.line + 1,
                                                "'measures' must map measure names to fields")])
    # Duplicates and unknown fields are seen on the nodes; the values come from safe_load.
    lines: dict[str, int] = {}
    for key_node, value_node in measures_node.value:
        line = key_node.start_mark.line + 1
        name = _name(str(key_node.value))
        if name in lines:
            problems.append(located(source, line, f"measure {name!r} is also defined at line {lines[name]}"))
            continue
        lines[name] = line
        if not isinstance(value_node, yaml.MappingNode):
            continue  # reported below, from the value
        seen: set[str] = set()
        for field_node, _ in value_node.value:
            field = str(field_node.value)
            field_line = field_node.start_mark.line + 1
            if field in seen:
                problems.append(located(source, field_line, f"measure {name!r}: field {field!r} is given twice"))
            elif field not in FIELDS:
                problems.append(located(source, field_line, f"measure {name!r}: unknown field {field!r}; "
                                                            f"expected one of {', '.join(FIELDS)}"))
            seen.add(field)
    raw: dict[str, tuple[dict[str, Any], int | None]] = {}
    for key, fields in measures.items():
        name = _name(str(key))
        line = lines.get(name)
        if not isinstance(key, str):
            problems.append(located(source, line, f"measure name {key!r} must be text"))
        elif not isinstance(fields, dict):
            problems.append(located(source, line, f"measure {name!r} must be a mapping of fields"))
        else:
            raw[name] = ({k: v for k, v in fields.items() if k in FIELDS}, line)
    if problems:
        raise UnusableInput(problems)
    return raw


def _where(source: str, line: int | None) -> str:
    return source if line is None else f"{source}:{line}"


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and not math.isnan(value)


def _measure(name: str, fields: dict[str, Any], where: str) -> tuple[Measure | None, list[str]]:
    """Validate one measure's merged fields; ``where`` is ``file:line`` of its name."""
    problems = [f"{where}: measure {name!r} lacks field {f!r}" for f in _REQUIRED if f not in fields]
    if problems:
        return None, problems
    description, kinds, unit = fields["description"], fields["kinds"], fields["unit"]
    plausible = fields.get("plausible")
    if not isinstance(description, str):
        problems.append(f"{where}: measure {name!r}: description must be text")
    if not isinstance(kinds, list) or not kinds or not all(isinstance(k, str) for k in kinds):
        problems.append(f"{where}: measure {name!r}: kinds must be a list of statistic kinds")
        kinds = []
    for kind in kinds:
        if kind not in _KINDS:
            problems.append(f"{where}: measure {name!r}: unknown kind {kind!r}; "
                            f"expected one of {', '.join(_KINDS)}")
    if unit is not None and unit not in UNITS:
        problems.append(f"{where}: measure {name!r}: unknown unit {unit!r}; "
                        f"expected one of {', '.join(UNITS)} or null")
    low = high = None
    if plausible is not None:
        if (not isinstance(plausible, list) or len(plausible) != 2
                or not all(v is None or _number(v) for v in plausible)):
            problems.append(f"{where}: measure {name!r}: plausible must be [low, high], "
                            f"numbers or null")
        else:
            low, high = (None if v is None else float(v) for v in plausible)
            if low is not None and high is not None and low > high:
                problems.append(f"{where}: measure {name!r}: plausible low {low:g} is above high {high:g}")
            if unit == "proportion" and any(v is not None and not 0 <= v <= 1 for v in (low, high)):
                # A likely slip: the range written in percent rather than as a proportion.
                problems.append(f"{where}: measure {name!r}: a proportion's plausible range lies "
                                f"in 0..1 (write 0.6 for 60%)")
    if problems:
        return None, problems
    return Measure(name, description, tuple(kinds), unit, low, high), []


@functools.lru_cache(maxsize=1)
def _packaged_text() -> str:
    # Package data, not a user's file: it ships inside the package and is read only here.
    return importlib.resources.files(__package__).joinpath("measures.yaml").read_text(encoding="utf-8")


@functools.lru_cache(maxsize=1)
def _packaged() -> dict[str, Measure]:
    return _merge(_read(_packaged_text(), PACKAGED_SOURCE, _FAST_SAFE_LOADER), {}, "")


def _merge(base: dict[str, tuple[dict[str, Any], int | None]],
           over: dict[str, tuple[dict[str, Any], int | None]], source: str) -> dict[str, Measure]:
    measures: dict[str, Measure] = {}
    problems: list[str] = []
    for name in list(base) + [n for n in over if n not in base]:
        fields, line = base.get(name, ({}, None))
        where = _where(PACKAGED_SOURCE, line)
        if name in over:
            user_fields, line = over[name]
            fields = {**fields, **user_fields}
            where = _where(source, line)
        measure, found = _measure(name, fields, where)
        problems += found
        if measure is not None:
            measures[name] = measure
    if problems:
        raise UnusableInput(problems)
    return measures


def load_measures(text: str | None = None, source: str = "<measures>") -> dict[str, Measure]:
    """The measures: the packaged ones, with a project's YAML ``text`` merged over them.

    ``text`` has the packaged file's shape (``measures: {name: {description, kinds, unit,
    plausible}}``). A measure it names replaces the packaged fields it gives and keeps the
    others; a new measure must give description, kinds and unit. ``source`` names the text in
    messages (the caller's file path). Raises ``UnusableInput`` listing every problem, each as
    ``source:line: message``.
    """
    packaged = _packaged()
    if text is None:
        return dict(packaged)
    base = _read(_packaged_text(), PACKAGED_SOURCE)
    return _merge(base, _read(text, source), source)


def _values_in(stat: Statistic, unit: str | None) -> list[float] | None:
    """The statistic's values in ``unit``; None when its unit cannot be converted."""
    values = [v for v in dict.fromkeys((stat.low, stat.high, stat.mean)) if v is not None]
    if stat.unit == unit:
        return values
    # A rate per person often leaves its period ("per year") implicit: compare the numbers.
    if {stat.unit, unit} <= {"proportion", "per person-year"}:
        return values
    if stat.unit == "ratio" and unit == "proportion":
        return [v for v in dict.fromkeys((stat.share_low, stat.share_high)) if v is not None]
    if stat.unit == "proportion" and unit == "ratio":
        return [v / (1 - v) if v != 1 else math.inf for v in values]
    return None


def check_statistic(stat: Statistic, measure: Measure | str,
                    measures: Mapping[str, Measure] | None = None) -> list[str]:
    """What is wrong with ``stat`` as a value of ``measure``, one line each (empty when fine).

    ``measure`` is a ``Measure`` or a name looked up in ``measures`` (default: the packaged
    vocabulary). Reported: an unknown measure name, an unreadable statistic, a kind the measure
    is not given in, a unit that cannot be converted, a value outside the plausible range.
    Impossible values as such (150%, a backwards range) are ``statistic.problems``' business.
    """
    if isinstance(measure, str):
        vocabulary = load_measures() if measures is None else measures
        found = vocabulary.get(_name(measure))
        if found is None:
            return [f"unknown measure {measure!r}"]
        measure = found
    if stat.kind == "unreadable":
        return [f"{stat.text!r} cannot be read: {stat.problem}"]
    problems: list[str] = []
    if stat.kind not in measure.kinds:
        problems.append(f"{stat.text!r} is a {stat.kind}; {measure.name} is given as "
                        f"{' or '.join(measure.kinds)}")
        return problems
    values = _values_in(stat, measure.unit)
    if values is None:
        problems.append(f"{stat.text!r} is in {stat.unit or 'no unit'}; {measure.name} is "
                        f"measured in {measure.unit or 'no unit'}")
        return problems
    for value in values:
        if measure.low is not None and value < measure.low:
            problems.append(f"{measure.name} of {describe_value(value, measure.unit)} ({stat.text!r}) "
                            f"is below the plausible minimum {describe_value(measure.low, measure.unit)}")
        if measure.high is not None and value > measure.high:
            problems.append(f"{measure.name} of {describe_value(value, measure.unit)} ({stat.text!r}) "
                            f"is above the plausible maximum {describe_value(measure.high, measure.unit)}")
    return problems
