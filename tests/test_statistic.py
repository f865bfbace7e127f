"""Tests of evidence_kit.statistic: a table of real phrasings, the seed article, properties."""

from __future__ import annotations

import csv
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from evidence_kit.statistic import (
    BOUNDS,
    KINDS,
    UNITS,
    Found,
    Statistic,
    find_statistics,
    format_statistic,
    parse_statistic,
    problems,
)

TABLE = Path(__file__).with_name("statistic_phrasings.csv")
FLOAT_FIELDS = ("low", "high", "mean", "sd", "level", "share_low", "share_high")
INT_FIELDS = ("n", "N")
TEXT_FIELDS = ("kind", "low_bound", "high_bound", "unit")


def _rows() -> list[dict[str, str]]:
    with TABLE.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _expected_float(cell: str) -> float | None:
    # Cells are exact: decimals ("0.73") or fractions ("13/14"), read without float rounding.
    return None if cell == "" else float(Fraction(cell))


ROWS = _rows()


def test_the_table_is_big_enough_and_has_no_duplicates():
    texts = [row["text"] for row in ROWS]
    assert len(texts) >= 60
    assert len(texts) == len(set(texts))


@pytest.mark.parametrize("row", ROWS, ids=[row["text"] for row in ROWS])
def test_phrasing(row):
    stat = parse_statistic(row["text"])
    assert stat.text == row["text"]
    assert stat.problem is None, stat.problem
    for field in TEXT_FIELDS:
        assert getattr(stat, field) == (row[field] or None), field
    for field in FLOAT_FIELDS:
        expected = _expected_float(row[field])
        actual = getattr(stat, field)
        if expected is None:
            assert actual is None, field
        else:
            assert actual == pytest.approx(expected, rel=1e-12, abs=0), field
    for field in INT_FIELDS:
        assert getattr(stat, field) == (int(row[field]) if row[field] else None), field
    assert stat.approximate == (row["approximate"] == "yes")


@pytest.mark.parametrize("row", ROWS, ids=[row["text"] for row in ROWS])
def test_phrasing_round_trips_through_its_canonical_text(row):
    stat = parse_statistic(row["text"])
    again = parse_statistic(stat.format())
    assert _essence(again) == _essence(stat), stat.format()


def test_exact_values_not_float_arithmetic():
    # 73/100 and 0.73 are the same float, but 0.07 * 1 != 7 / 100 in general: the parser must
    # give the float nearest the printed decimal.
    assert parse_statistic("7%").low == 0.07
    assert parse_statistic("0.1%").low == 0.001
    assert parse_statistic("57.3%").low == 0.573


UNREADABLE = [
    "",
    "   ",
    "PRRT2",
    "22q11.2",
    "SCN8A",
    "KMT2B",
    "TOR1A",
    "3, 1",
    "no numbers here",
    "September 30, 2025",
    "1-20",
    "60-90% in 13 of 14 families",
    "69% responders among 61",
    "x" * 5000,
]


@pytest.mark.parametrize("text", UNREADABLE)
def test_unreadable(text):
    stat = parse_statistic(text)
    assert stat.kind == "unreadable"
    assert stat.problem and "\n" not in stat.problem
    assert stat.low is None and stat.high is None
    assert problems(stat) == [stat.problem]


def test_unreadable_says_why():
    assert "more than one statistic" in parse_statistic("60-90% in 13 of 14 families").problem
    assert "without a unit" in parse_statistic("1-20").problem
    assert "'61'" in parse_statistic("69% responders among 61").problem
    assert parse_statistic("").problem == "empty text"


def test_a_bare_number_is_a_count_when_parsed_on_its_own():
    stat = parse_statistic("61")
    assert (stat.kind, stat.low, stat.high, stat.N) == ("count", 61.0, 61.0, None)
    stat = parse_statistic("up to 5")
    assert (stat.kind, stat.low, stat.high, stat.low_bound, stat.high_bound) == (
        "count", None, 5.0, "open", "inclusive")


@pytest.mark.parametrize("text, expected", [
    ("150%", ["150% is above 100%"]),
    ("-5%", ["-5% is below 0%"]),
    ("4:1 to 2:1", ["the range runs backwards: 4:1 is above 2:1"]),
    ("90-60%", ["the range runs backwards: 90% is above 60%"]),
    ("0:1", ["a ratio with a zero term"]),
    ("1:0", ["a ratio with a zero term"]),
    ("0:0", ["a ratio with a zero term"]),
    ("-5 years", ["negative age: -5 years"]),
    ("-30 seconds", ["negative duration: -30 s"]),
    ("15 of 14", ["107.143% is above 100%"]),
    ("4 of 0", ["4 of 0: the denominator is zero"]),
    ("150% CI 1-2", ["confidence level 150% is not between 0 and 100%"]),
    ("69% (12/61)", ["69% does not match 12/61 (19.7%)"]),
    ("mean 30 (range 5-23)", ["the mean 30 is outside its range 5 to 23"]),
    ("2.5", ["a count of 2.5 is not a whole number"]),
])
def test_problems_name_impossible_values(text, expected):
    stat = parse_statistic(text)
    assert stat.kind != "unreadable", stat.problem
    assert problems(stat) == expected
    assert stat.problems() == expected


@pytest.mark.parametrize("text", [row["text"] for row in ROWS
                                  if row["source"] not in ("impossible",)])
def test_possible_values_have_no_problems(text):
    assert problems(parse_statistic(text)) == []


def test_statistic_is_frozen():
    stat = parse_statistic("73%")
    with pytest.raises(AttributeError):
        stat.low = 0.5  # type: ignore[misc]


def test_format_is_canonical():
    assert format_statistic(parse_statistic("60–90 per cent")) == "60% to 90%"
    assert parse_statistic("between 7-15 years").format() == "7 to 15 years"
    assert parse_statistic("<1 minute").format() == "<1 minute"
    assert parse_statistic("over 20 years").format() == ">20 years"
    assert parse_statistic("2-4:1").format() == "2:1 to 4:1"
    assert parse_statistic("1:150,000").format() == "1:150000"
    assert parse_statistic("from four months to 57 years").format() == "4 months to 57 years"
    assert parse_statistic("69% (42/61)").format() == "69% (42/61)"
    assert parse_statistic("~4:1").format() == "about 4:1"


# ---------------------------------------------------------------------------------------------
# find_statistics on the seed article, copied here so that the tests read nothing outside tests/.

SEED_004 = """\
What causes leg dystonia?

Medical Advisory BoardAll articles are reviewed for accuracy by our Medical Advisory Board
Educational purpose only • Exercise caution as content is pending human review
Article Review Status
Submitted
Under Review
Approved

Last updated: September 30, 2025View editorial policy

Personalize

Help us tailor your experience

Which best describes you? Your choice helps us use language that's most understandable for you.

Causes of Leg Dystonia

Leg dystonia is primarily caused by genetic factors, medication side effects, or secondary neurological conditions affecting the basal ganglia, with PRRT2 gene mutations being the most common genetic cause of paroxysmal kinesigenic dyskinesia affecting the legs. 1

Primary Causes of Leg Dystonia

Genetic Factors

  • Hereditary primary dystonias: These have an autosomal dominant inheritance with 60-90% penetrance 1
  • Key genetic mutations associated with leg dystonia:
    • PRRT2 gene mutations (most common cause of paroxysmal kinesigenic dyskinesia)
    • Other implicated genes: PNKD, SLC2A1, SCN8A, KCNMA1, KCNA19, DEPDC5 1
    • TOR1A, THAP1, GCH1, and KMT2B mutations (associated with various forms of dystonia) 2

Medication-Induced Dystonia

  • High-risk medications:
    • High-potency typical antipsychotics
    • Antiemetics
    • Certain antidepressants 1
  • Risk factors: Young age, male gender, and use of high-potency antipsychotics 1

Secondary Causes of Leg Dystonia

Neurological Conditions

  • Cerebrovascular diseases: Stroke affecting the basal ganglia, thalamus, or internal capsule
  • Demyelinating disorders: Multiple sclerosis and related conditions
  • Traumatic brain injury: Particularly affecting movement control centers
  • Lesions involving the basal ganglia, thalamus, lenticular nucleus, globus pallidus, or internal capsule 1

Metabolic and Endocrine Disorders

  • Hypocalcemia: Often associated with hypoparathyroidism (as seen in 22q11.2 deletion syndrome) 3
  • Hypomagnesemia: May exacerbate hypocalcemia and trigger dystonia 3
  • Hyperthyroidism
  • Disorders of calcium-phosphate metabolism
  • Glucose metabolism disorders 1

Structural Abnormalities

  • Tethered cord syndrome: Can cause progressive musculoskeletal deformities including dystonia of the legs 3
  • Malformations of cortical development: Polymicrogyria, focal cortical dysplasia, periventricular nodular heterotopia 3

Clinical Presentations of Leg Dystonia

Paroxysmal Kinesigenic Dyskinesia (PKD)

  • Triggers: Sudden voluntary movements, changes in movement speed/amplitude, emotional stress 3
  • Characteristics:
    • Brief episodes (<1 minute) of dystonic movements
    • Often preceded by an aura (numbness, tingling, muscle weakness) in 78-82% of patients
    • May present as dystonia, chorea, ballism, or combinations 3, 1
  • Demographics: More common in males (2:1 to 4:1 ratio), typically onset between 7-15 years 3

Other Presentations

  • Task-specific dystonia: Occurs only during specific activities 4
  • Fixed dystonia: Persistent abnormal posturing of the leg
  • Action dystonia: Triggered by specific voluntary movements 5

Diagnostic Approach

Warning Signs Suggesting Secondary Dystonia

  • Attack duration >1 minute
  • Age of onset over 20 years
  • Abnormal brain imaging
  • Poor response to appropriate medications
  • Abnormal interictal examinations 1

Differential Diagnosis

  • Epilepsy
  • Tics
  • Hyperekplexia
  • Sandifer syndrome
  • Transient dystonia of infancy
  • Benign myoclonus of early infancy 1

Management Considerations

Pharmacological Treatment

  • First-line for medication-induced dystonia:
    • Anticholinergic agents (e.g., benztropine, trihexyphenidyl)
    • Antihistaminic medications (e.g., diphenhydramine) 1
  • For paroxysmal dyskinesias: Anticonvulsant medications often effective 1
  • For genetic forms: Treatment based on specific type and severity 5

Interventional Approaches

  • Botulinum toxin injections: First-line for focal dystonia with 73% improvement rate 1
  • Deep brain stimulation: Consider when medications fail, particularly targeting the Globus Pallidus Interna 1

Addressing Underlying Causes

  • For hypocalcemia: Calcium and vitamin D supplementation 3
  • For tethered cord syndrome: Surgical intervention may be necessary 3
  • For medication-induced dystonia: Discontinuation or dose reduction of causative agent 1

Understanding the specific cause of leg dystonia is crucial for appropriate management, as treatment approaches vary significantly based on etiology, presentation, and associated conditions.

References

Guideline

Acute and Tardive Dystonia Management

Praxis Medical Insights: Practical Summaries of Clinical Guidelines, 2025

Research

Dystonia.

Nature reviews. Disease primers, 2018

Guideline

Guideline Directed Topic Overview

Dr.Oracle Medical Advisory Board & Editors, 2025

Research

The Dystonias.

Continuum (Minneapolis, Minn.), 2022

Research

Dystonia: diagnosis and management.

European journal of neurology, 2019

Professional Medical Disclaimer

This information is intended for healthcare professionals. Any medical decision-making should rely on clinical judgment and independently verified information. The content provided herein does not replace professional discretion and should be considered supplementary to established clinical guidelines. Healthcare providers should verify all information against primary literature and current practice standards before application in patient care. Dr.Oracle assumes no liability for clinical decisions based on this content.

Have a follow-up question?

Our Medical A.I. is used by practicing medical doctors at top research institutions around the world. Ask any follow up question and get world-class guideline-backed answers instantly.
"""

# The statistics of seed 004, keyed by a fragment of the one line that prints them.
SEED_004_STATISTICS = {
    "inheritance with 60-90% penetrance": ["60-90%"],
    "Brief episodes (<1 minute)": ["<1 minute"],
    "in 78-82% of patients": ["78-82%"],
    "More common in males (2:1 to 4:1 ratio)": ["2:1 to 4:1", "between 7-15 years"],
    "Attack duration >1 minute": [">1 minute"],
    "Age of onset over 20 years": ["over 20 years"],
    "with 73% improvement rate": ["73%"],
}


def _expected_on(line: str) -> list[str]:
    keys = [key for key in SEED_004_STATISTICS if key in line]
    assert len(keys) <= 1
    return SEED_004_STATISTICS[keys[0]] if keys else []


@pytest.mark.parametrize("line", [line for line in SEED_004.splitlines() if line.strip()])
def test_find_statistics_on_every_line_of_seed_004(line):
    found = find_statistics(line)
    assert [f.text for f in found] == _expected_on(line)
    for f in found:
        assert line[f.start:f.end] == f.text == f.statistic.text
        assert f.statistic.kind != "unreadable"


def test_every_seed_004_statistic_is_found_once():
    found = [f.text for line in SEED_004.splitlines() for f in find_statistics(line)]
    assert found == [text for texts in SEED_004_STATISTICS.values() for text in texts]


def test_find_statistics_reads_what_it_finds():
    found = find_statistics("Demographics: More common in males (2:1 to 4:1 ratio), typically onset "
                            "between 7-15 years 3")
    ratio, age = found
    assert (ratio.start, ratio.end, ratio.statistic.kind) == (36, 46, "ratio range")
    assert (age.statistic.kind, age.statistic.low, age.statistic.high) == ("age range", 7.0, 15.0)
    assert isinstance(ratio, Found)


# Lines of the project's research notes on the same article, with every figure they give.
RESEARCH_LINES = [
    ("TOR1A (DYT1) penetrance is about 30% (about two thirds of carriers stay unaffected; one "
     "Italian family 21%). 61% is reported for PRRT2 with the PKD phenotype alone (van Vliet 2012)",
     ["about 30%", "about two thirds", "21%", "61%"]),
    ("Supported by the literature (Méneret 2012: PRRT2 variants in 13 of 14 families and 9 of 20 "
     "sporadic cases; Chinese consensus 2021: the majority of PKD cases).", ["13 of 14", "9 of 20"]),
    ("Bruno 2004 criterion: short attacks, under 1 minute.", ["under 1 minute"]),
    ("Reviews give 2-4:1; GeneReviews about 4:1; Orphanet 3-4:1 in sporadic cases.",
     ["2-4:1", "about 4:1", "3-4:1"]),
    ("Bruno criterion: onset 1-20 years; cohorts report mean onset about 10-13 years.",
     ["1-20 years", "about 10-13 years"]),
    ("| Red flags for a secondary cause: attacks over 1 minute, onset over 20 years (1) | >1 minute, "
     ">20 years |", ["over 1 minute", "over 20 years", ">1 minute", ">20 years"]),
    ("lower-limb data are thin: 4 of 9 patients with >50% benefit in an NIH adult-onset leg dystonia "
     "cohort, 69% responders among 61 patients with foot dystonia in parkinsonism",
     ["4 of 9", ">50%", "69%", "61 patients"]),
    ("| 2 | \"Dystonia.\" Nature reviews. Disease primers, 2018 | Real. Nat Rev Dis Primers "
     "2018;4(1):25. | doi 10.1038/s41572-018-0023-6, PMID 30237473 (an author correction exists, "
     "PMID 30341354) |", []),
    ("| 4 | \"The Dystonias.\" Continuum (Minneapolis, Minn.), 2022 | The closest is \"The Dystonias\", "
     "Continuum 2019;25(4):976-1000 | 2019 version: doi 10.1212/CON.0000000000000747, PMID 31356290 |",
     []),
    ("Albanese A, Di Giovanni M, Lalli S. Eur J Neurol 2019;26(1):5-17. doi 10.1111/ene.13762", []),
    ("GeneReviews, \"DYT1 Early-Onset Isolated Dystonia\", NBK1492 (updated 2016-11-17).", []),
]


@pytest.mark.parametrize("line, expected", RESEARCH_LINES, ids=[e[0][:40] for e in RESEARCH_LINES])
def test_find_statistics_on_research_notes(line, expected):
    assert [f.text for f in find_statistics(line)] == expected


@pytest.mark.parametrize("text", [
    "SCN8A", "KMT2B", "TOR1A", "PRRT2 gene mutations", "as seen in 22q11.2 deletion syndrome) 3",
    "Other implicated genes: PNKD, SLC2A1, SCN8A, KCNMA1, KCNA19, DEPDC5 1",
    "May present as dystonia, chorea, ballism, or combinations 3, 1", "[12]", "(1)",
    "COVID-19 patients", "5-year survival", "p<0.05", "Last updated: September 30, 2025View",
    "in 2018 and 2019", "Figure 2: 1 shows it", "pages 5-17", "9/30/2025",
])
def test_find_statistics_ignores_genes_citations_and_dates(text):
    assert find_statistics(text) == []


def test_find_prefers_the_longest_phrasing():
    assert [f.text for f in find_statistics("HR 0.70 (95% CI 0.61–0.79)")] == ["95% CI 0.61–0.79"]
    assert [f.text for f in find_statistics("responders: 69% (42/61) at 12 weeks")] == [
        "69% (42/61)", "12 weeks"]
    assert [f.text for f in find_statistics("mean 10 (range 5–23) years")] == ["mean 10 (range 5–23) years"]
    assert [f.text for f in find_statistics("onset 13.1 ± 2.6 years")] == ["13.1 ± 2.6 years"]
    assert [f.text for f in find_statistics("in 4 of 9 patients")] == ["4 of 9"]


def test_find_statistics_is_fast_enough_for_a_large_corpus():
    import time

    lines = [line for line in SEED_004.splitlines() if line.strip()] * 40
    start = time.perf_counter()
    for line in lines:
        find_statistics(line)
    per_line = (time.perf_counter() - start) / len(lines)
    # 100k statements in well under a minute, with room for a slow CI machine.
    assert per_line < 500e-6


# ---------------------------------------------------------------------------------------------
# Properties.


def _essence(stat: Statistic) -> tuple:
    return (stat.kind, stat.low, stat.high, stat.low_bound, stat.high_bound)


def _check_invariants(stat: Statistic) -> None:
    assert isinstance(stat, Statistic)
    assert stat.kind in KINDS
    assert (stat.problem is not None) == (stat.kind == "unreadable")
    if stat.kind == "unreadable":
        assert not stat.problem.startswith("internal error"), stat.problem
        assert "\n" not in stat.problem
        return
    assert stat.low_bound in BOUNDS and stat.high_bound in BOUNDS
    assert stat.unit in UNITS or stat.unit is None
    # A value is missing only on an open side, or where it is undefined (0:0, 4 of 0), which
    # problems() then names.
    if (stat.low is None) != (stat.low_bound == "open") or (stat.high is None) != (stat.high_bound == "open"):
        assert problems(stat), stat


TOKENS = [
    "0", "1", "2", "4", "7", "13", "15", "20", "60", "90", "150,000", "2.6", "0.61", "-5", "four",
    "twenty-five", "%", "percent", "per cent", "-", "–", "—", "to", "and", "between", "from", "of",
    "in", "out", "per", "100 000", ":", ":1", "/", "~", "about", "<", ">", "≤", "≥", "over", "under",
    "up", "at least", "years", "months", "minute", "minutes", "s", "h", "weeks", "old", "aged",
    "mean", "±", "+/-", "SD", "(", ")", "[", "]", "range", "95%", "CI", ",", ";", "n", "=",
    "patients", "families", "two thirds", "half", "a", "person-years", "per year", "22q11.2",
    "SCN8A", "\u00a0", "\u2009", "é", "\U0001f600", "\x00", "İ", "ſ", "K",
]
phrases = st.lists(st.sampled_from(TOKENS), max_size=12).flatmap(
    lambda tokens: st.lists(st.sampled_from(["", " "]), min_size=len(tokens), max_size=len(tokens))
    .map(lambda gaps: "".join(g + t for g, t in zip(gaps, tokens))))


@settings(max_examples=500, suppress_health_check=[HealthCheck.too_slow])
@given(st.text())
def test_parse_never_raises_on_any_text(text):
    _check_invariants(parse_statistic(text))


@settings(max_examples=600, suppress_health_check=[HealthCheck.too_slow])
@given(phrases)
def test_parse_never_raises_on_statistic_like_text(text):
    stat = parse_statistic(text)
    _check_invariants(stat)
    if stat.kind != "unreadable":
        again = parse_statistic(stat.format())
        assert _essence(again) == _essence(stat), (text, stat.format())


@settings(max_examples=500, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(st.text(), phrases))
def test_find_never_raises_and_spans_are_ordered(text):
    found = find_statistics(text)
    end = 0
    for f in found:
        assert end <= f.start < f.end <= len(text)
        assert text[f.start:f.end] == f.text == f.statistic.text
        _check_invariants(f.statistic)
        assert f.statistic.kind != "unreadable"
        end = f.end


numbers = st.decimals(min_value=0, max_value=10**6, places=3, allow_nan=False, allow_infinity=False)


@given(numbers, numbers, st.sampled_from(["-", "–", "—", " to ", " - "]),
       st.sampled_from(["%", " years", " minutes", ":1"]))
def test_valid_ranges_are_ordered_and_exact(a, b, separator, unit):
    low, high = sorted((a, b))
    text = f"{low}{separator}{high}{unit}"
    stat = parse_statistic(text)
    assert stat.kind.endswith("range"), (text, stat.problem)
    assert stat.low <= stat.high
    scale = {"%": Fraction(1, 100), " years": 1, " minutes": 60, ":1": 1}[unit]
    assert stat.low == float(Fraction(low) * scale)
    assert stat.high == float(Fraction(high) * scale)
    if unit == ":1" and low == 0:
        assert problems(stat) == ["a ratio with a zero term"]
    elif unit != "%" or high <= 100:
        assert problems(stat) == []


# Generated statistics, written with format_statistic and read back.
finite = dict(allow_nan=False, allow_infinity=False)
ONE_SIDED = [("inclusive", "inclusive"), ("exclusive", "open"), ("inclusive", "open"),
             ("open", "exclusive"), ("open", "inclusive")]


@st.composite
def point_statistics(draw):
    kind, unit, values = draw(st.sampled_from([
        ("percent", "proportion", st.floats(-1e6, 1e6, **finite)),
        ("ratio", "ratio", st.floats(1e-9, 1e9, **finite)),
        ("age", "years", st.floats(-500, 500, **finite)),
        ("duration", "seconds", st.floats(-1e9, 1e9, **finite)),
        ("count", "count", st.integers(0, 10**12).map(float)),
        ("rate", "proportion", st.floats(0, 1, **finite)),
        ("rate", "per person-year", st.floats(0, 1, **finite)),
    ]))
    value = draw(values)
    low_bound, high_bound = draw(st.sampled_from(ONE_SIDED))
    low = None if low_bound == "open" else value
    high = None if high_bound == "open" else value
    return Statistic("", kind, low, high, low_bound, high_bound, unit,
                     approximate=draw(st.booleans()))


@st.composite
def range_statistics(draw):
    kind, unit, values = draw(st.sampled_from([
        ("percent range", "proportion", st.floats(-1e6, 1e6, **finite)),
        ("ratio range", "ratio", st.floats(1e-9, 1e9, **finite)),
        ("age range", "years", st.floats(-500, 500, **finite)),
        ("duration range", "seconds", st.floats(-1e9, 1e9, **finite)),
        ("rate range", "proportion", st.floats(0, 1, **finite)),
        ("confidence interval", None, st.floats(-1e6, 1e6, **finite)),
        ("confidence interval", "proportion", st.floats(-10, 10, **finite)),
        ("confidence interval", "years", st.floats(-500, 500, **finite)),
    ]))
    low, high = sorted((draw(values), draw(values)))
    level = draw(st.none() | st.floats(0.01, 0.999, **finite)) if kind == "confidence interval" else None
    return Statistic("", kind, low, high, "inclusive", "inclusive", unit, level=level,
                     approximate=draw(st.booleans()) and kind != "confidence interval")


@st.composite
def counted_statistics(draw):
    N = draw(st.integers(0, 10**9))
    n = draw(st.integers(0, 10**9))
    if draw(st.booleans()):
        value = n / N if N else None
        return Statistic("", "proportion", value, value, "inclusive", "inclusive", "proportion",
                         n=n, N=N, approximate=draw(st.booleans()))
    return Statistic("", "count", float(N), float(N), "inclusive", "inclusive", "count", N=N)


@st.composite
def mean_statistics(draw):
    unit = draw(st.sampled_from([None, "years", "seconds", "proportion"]))
    mean = draw(st.floats(-1e4, 1e4, **finite))
    sd = draw(st.none() | st.floats(0, 1e4, **finite))
    low = high = mean
    if draw(st.booleans()):
        low, high = sorted((draw(st.floats(-1e4, 1e4, **finite)), draw(st.floats(-1e4, 1e4, **finite))))
    return Statistic("", "mean sd", low, high, "inclusive", "inclusive", unit, mean=mean, sd=sd)


@settings(max_examples=400)
@given(st.one_of(point_statistics(), range_statistics(), counted_statistics(), mean_statistics()))
def test_parse_of_format_gives_the_statistic_back(stat):
    text = format_statistic(stat)
    again = parse_statistic(text)
    assert _essence(again) == _essence(stat), text
    assert again.unit == stat.unit, text
    assert again.approximate == stat.approximate, text
    assert (again.n, again.N, again.mean, again.sd, again.level) == (
        stat.n, stat.N, stat.mean, stat.sd, stat.level), text
    assert again.format() == text


@pytest.mark.parametrize("text", ["~5 patients", "about 61 patients", "(~0 patients"])
def test_an_approximate_count_formats_to_text_that_reads_back(text):
    stat = parse_statistic(text)
    again = parse_statistic(stat.format())
    assert stat.kind == again.kind == "count" and again.approximate
    assert _essence(again) == _essence(stat) and again.N == stat.N
