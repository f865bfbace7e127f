"""Tests of evidence_kit.measures: the packaged vocabulary, user overrides, statistic checks."""

from __future__ import annotations

import pytest

from evidence_kit.errors import UnusableInput
from evidence_kit.measures import Measure, check_statistic, load_measures
from evidence_kit.statistic import KINDS, UNITS, parse_statistic

BRIEF_MEASURES = ["penetrance", "symptom prevalence", "sex ratio", "treatment response",
                  "age at onset", "episode duration", "prevalence", "incidence"]


def test_packaged_vocabulary_has_the_measures_the_evidence_uses():
    measures = load_measures()
    for name in BRIEF_MEASURES:
        measure = measures[name]
        assert measure.name == name
        assert measure.description
        assert measure.kinds and set(measure.kinds) <= set(KINDS) - {"unreadable"}
        assert measure.unit in UNITS or measure.unit is None
        if measure.low is not None and measure.high is not None:
            assert measure.low <= measure.high


def test_load_measures_returns_a_fresh_mapping():
    first = load_measures()
    first.pop("penetrance")
    assert "penetrance" in load_measures()


# Every statistic of seed 004 and of the research notes, with the measure it would be recorded as.
FITTING = [
    ("60-90%", "penetrance"),
    ("about 30%", "penetrance"),
    ("21%", "penetrance"),
    ("61%", "penetrance"),
    ("78-82% of patients", "symptom prevalence"),
    ("2:1 to 4:1", "sex ratio"),
    ("2-4:1", "sex ratio"),
    ("about 4:1", "sex ratio"),
    ("3-4:1", "sex ratio"),
    ("between 7-15 years", "age at onset"),
    ("1-20 years", "age at onset"),
    ("over 20 years", "age at onset"),
    ("13.1 ± 2.6 years", "age at onset"),
    ("<1 minute", "episode duration"),
    (">1 minute", "episode duration"),
    ("5–30 minutes", "episode duration"),
    ("73%", "treatment response"),
    ("4 of 9", "treatment response"),
    ("69% (42/61)", "treatment response"),
    ("13 of 14", "genetic yield"),
    ("9 of 20", "genetic yield"),
    ("1:150,000", "prevalence"),
    ("1 in 150,000", "prevalence"),
    ("5 per 100,000", "prevalence"),
    ("1.5 per 100 000 person-years", "incidence"),
    ("5 per 100,000", "incidence"),
    ("n=61", "sample size"),
    ("95% CI 1.2-3.4", "odds ratio"),
]


@pytest.mark.parametrize("text, measure", FITTING)
def test_fitting_statistics_have_no_problems(text, measure):
    assert check_statistic(parse_statistic(text), measure) == []


@pytest.mark.parametrize("text, measure, expected", [
    ("150%", "penetrance",
     "penetrance of 150% ('150%') is above the plausible maximum 100%"),
    ("73%", "age at onset",
     "'73%' is a percent; age at onset is given as age or age range or mean sd"),
    ("2 days", "episode duration",
     "episode duration of 172800 s ('2 days') is above the plausible maximum 86400 s"),
    ("30:1", "sex ratio",
     "sex ratio of 30:1 ('30:1') is above the plausible maximum 20:1"),
    ("1:40", "sex ratio",
     "sex ratio of 0.025:1 ('1:40') is below the plausible minimum 0.05:1"),
    ("over 120 years", "age at onset",
     "age at onset of 120 years ('over 120 years') is above the plausible maximum 100 years"),
    ("-5 years", "age at onset",
     "age at onset of -5 years ('-5 years') is below the plausible minimum 0 years"),
    ("PRRT2", "penetrance",
     "'PRRT2' cannot be read: not a statistic this parser can read: 'PRRT2'"),
    ("5%", "no such measure", "unknown measure 'no such measure'"),
])
def test_check_statistic_reports(text, measure, expected):
    assert check_statistic(parse_statistic(text), measure) == [expected]


def test_check_statistic_reports_each_end_of_a_range():
    found = check_statistic(parse_statistic("90-160%"), "penetrance")
    assert found == ["penetrance of 160% ('90-160%') is above the plausible maximum 100%"]
    found = check_statistic(parse_statistic("-10 to 120 years"), "age at onset")
    assert len(found) == 2


def test_check_statistic_converts_a_ratio_to_a_share_for_a_proportion():
    # 1:150,000 is one affected per 150,000 unaffected: a share of 1/150,001.
    assert check_statistic(parse_statistic("1:150,000"), "prevalence") == []
    assert check_statistic(parse_statistic("3:1"), "prevalence") == []


def test_check_statistic_takes_a_measure_object_and_a_vocabulary():
    measure = Measure("tic frequency", "Tics per hour.", ("count",), "count", 0, 100)
    assert check_statistic(parse_statistic("n=500"), measure) == [
        "tic frequency of 500 ('n=500') is above the plausible maximum 100"]
    assert check_statistic(parse_statistic("n=5"), "Tic  Frequency", {"tic frequency": measure}) == []


def test_measure_names_ignore_case_and_spacing():
    assert check_statistic(parse_statistic("60-90%"), "Penetrance") == []
    assert check_statistic(parse_statistic("60-90%"), " age  at onset ") != []


def test_user_text_overrides_fields_and_adds_measures():
    measures = load_measures(
        "measures:\n"
        "  penetrance:\n"
        "    plausible: [0.1, 0.95]\n"
        "  Tic count:\n"
        "    description: Motor tics counted in one hour.\n"
        "    kinds: [count]\n"
        "    unit: count\n",
        source="evidence/measures.yaml",
    )
    penetrance = measures["penetrance"]
    assert (penetrance.low, penetrance.high) == (0.1, 0.95)
    assert penetrance.kinds == ("percent", "percent range", "proportion")  # kept from the package
    assert measures["tic count"].low is None
    assert "sex ratio" in measures
    assert check_statistic(parse_statistic("97%"), "penetrance", measures) == [
        "penetrance of 97% ('97%') is above the plausible maximum 95%"]


def test_empty_user_text_changes_nothing():
    assert load_measures("") == load_measures()
    assert load_measures("measures:\n") == load_measures()


@pytest.mark.parametrize("text, message", [
    ("measures: [", "user.yaml:1: not valid YAML"),
    ("- a list", "user.yaml:1: expected a mapping with 'measures:'"),
    ("other: 1", "user.yaml:1: unknown top-level field 'other'; expected 'measures'"),
    ("measures: 3", "user.yaml:1: 'measures' must map measure names to fields"),
    ("measures:\n  penetrance: 5\n", "user.yaml:2: measure 'penetrance' must be a mapping of fields"),
    ("measures:\n  penetrance:\n    bounds: [0, 1]\n",
     "user.yaml:3: measure 'penetrance': unknown field 'bounds'; expected one of description, kinds, "
     "unit, plausible"),
    ("measures:\n  penetrance:\n    unit: proportion\n    unit: ratio\n",
     "user.yaml:4: measure 'penetrance': field 'unit' is given twice"),
    ("measures:\n  x:\n    description: a\n  X:\n    description: b\n",
     "user.yaml:4: measure 'x' is also defined at line 2"),
    ("measures:\n  new:\n    description: A new measure.\n",
     "user.yaml:2: measure 'new' lacks field 'kinds'"),
    ("measures:\n  penetrance:\n    kinds: [percent, percentage]\n",
     "user.yaml:2: measure 'penetrance': unknown kind 'percentage'"),
    ("measures:\n  penetrance:\n    unit: percent\n",
     "user.yaml:2: measure 'penetrance': unknown unit 'percent'"),
    ("measures:\n  penetrance:\n    plausible: [0, 100]\n",
     "user.yaml:2: measure 'penetrance': a proportion's plausible range lies in 0..1"),
    ("measures:\n  penetrance:\n    plausible: [0.9, 0.1]\n",
     "user.yaml:2: measure 'penetrance': plausible low 0.9 is above high 0.1"),
    ("measures:\n  penetrance:\n    plausible: [0, yes]\n",
     "user.yaml:2: measure 'penetrance': plausible must be [low, high], numbers or null"),
    ("measures:\n  penetrance:\n    description: 5\n",
     "user.yaml:2: measure 'penetrance': description must be text"),
    ("measures:\n  1: {}\n", "user.yaml:2: measure name 1 must be text"),
])
def test_bad_user_text_is_unusable_input_with_file_and_line(text, message):
    with pytest.raises(UnusableInput) as raised:
        load_measures(text, source="user.yaml")
    assert any(problem.startswith(message) for problem in raised.value.problems), raised.value.problems


def test_yaml_tags_that_would_build_objects_are_refused():
    with pytest.raises(UnusableInput, match="not valid YAML"):
        load_measures("measures:\n  x: !!python/object/apply:os.system ['true']\n", source="user.yaml")


def test_every_problem_is_reported_at_once():
    with pytest.raises(UnusableInput) as raised:
        load_measures("measures:\n  a:\n    colour: red\n  b:\n    size: 1\n", source="user.yaml")
    assert len(raised.value.problems) == 2
