"""The comparison of an article's figures with their sources, and the statistics behind it.

Intervals and pooling are checked against published worked examples:

- Newcombe RG. Two-sided confidence intervals for the single proportion: comparison of seven
  methods. Statistics in Medicine 1998;17:857-872. Its illustrative examples r/n = 81/263, 15/148,
  0/20 and 1/29, with the intervals of method 3 (Wilson score, no continuity correction) and of
  method 5 (exact, Clopper-Pearson), to the four decimals printed there.
- The BCG vaccine trials (Colditz GA et al. Efficacy of BCG vaccine in the prevention of
  tuberculosis: meta-analysis of the published literature. JAMA 1994;271:698-702; the 13 trials as
  in metafor's dat.bcg), pooled as log risk ratios by DerSimonian-Laird: estimate -0.7141, 95% CI
  -1.0644 to -0.3638, Q 152.2330 (Stata's metan, reproduced by metafor's rma(method="DL"),
  Viechtbauer W. J Stat Softw 2010;36(3)).

and the logit-scale pooled proportion against DerSimonian and Laird's estimator written out by
hand below (DerSimonian R, Laird N. Meta-analysis in clinical trials. Control Clin Trials
1986;7:177-188).
"""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from evidence_kit import schema
from evidence_kit.loader import Evidence, load
from evidence_kit.sources import (
    DISJOINT,
    INCOMPARABLE,
    METHOD_EXACT,
    METHOD_POOLED,
    METHOD_WILSON,
    NARROWER,
    SET_ASIDE,
    NO_NUMBER,
    NO_SOURCE,
    WIDER,
    WILSON,
    WITHIN,
    Interval,
    Intervals,
    compare_sources,
    interval_of,
    outcome,
    parsed,
    pooled_proportion,
    proportion_intervals,
    random_effects,
    relation,
    relations,
    source_intervals,
    source_interval,
    source_outcomes,
    wilson_interval,
)

REPO = Path(__file__).resolve().parents[1]

# --------------------------------------------------------------------------------------------
# Newcombe (1998): (r, n) -> Wilson score (method 3) and exact (method 5) 95% limits.
NEWCOMBE_1998 = [
    (81, 263, (0.2553, 0.3662), (0.2527, 0.3676)),
    (15, 148, (0.0624, 0.1605), (0.0578, 0.1617)),
    (0, 20, (0.0000, 0.1611), (0.0000, 0.1684)),
    (1, 29, (0.0061, 0.1718), (0.0009, 0.1776)),
]


@pytest.mark.parametrize("r, n, wilson, exact", NEWCOMBE_1998)
def test_intervals_match_newcombe_1998(r, n, wilson, exact):
    got = proportion_intervals(r, n)
    assert got[METHOD_WILSON] == pytest.approx(wilson, abs=5e-5)
    assert got[METHOD_EXACT] == pytest.approx(exact, abs=5e-5)
    # The check path's plain-arithmetic Wilson interval gives the published digits too.
    assert wilson_interval(r, n) == pytest.approx(wilson, abs=5e-5)


def test_plain_wilson_interval_is_statsmodels_wilson_everywhere():
    from statsmodels.stats.proportion import proportion_confint

    for nobs in range(1, 61):
        for count in range(nobs + 1):
            expected = proportion_confint(count, nobs, alpha=0.05, method="wilson")
            assert wilson_interval(count, nobs) == pytest.approx(expected, abs=1e-12)


@pytest.mark.parametrize("count, nobs", [(-1, 5), (6, 5), (0, 0)])
def test_wilson_interval_rejects_impossible_counts(count, nobs):
    with pytest.raises(ValueError):
        wilson_interval(count, nobs)


# --------------------------------------------------------------------------------------------
# Pooling

BCG = [  # tpos, tneg, cpos, cneg: Colditz et al. 1994, as in metafor's dat.bcg
    (4, 119, 11, 128), (6, 300, 29, 274), (3, 228, 11, 209), (62, 13536, 248, 12619),
    (33, 5036, 47, 5761), (180, 1361, 372, 1079), (8, 2537, 10, 619), (505, 87886, 499, 87892),
    (29, 7470, 45, 7232), (17, 1699, 65, 1600), (186, 50448, 141, 27197), (5, 2493, 3, 2338),
    (27, 16886, 29, 17825),
]


def test_random_effects_reproduces_the_published_bcg_meta_analysis():
    effects, variances = [], []
    for tpos, tneg, cpos, cneg in BCG:
        effects.append(math.log((tpos / (tpos + tneg)) / (cpos / (cpos + cneg))))
        variances.append(1 / tpos - 1 / (tpos + tneg) + 1 / cpos - 1 / (cpos + cneg))
    pooled = random_effects(effects, variances)
    assert pooled.estimate == pytest.approx(-0.7141, abs=5e-5)
    assert (pooled.low, pooled.high) == pytest.approx((-1.0644, -0.3638), abs=5e-5)
    assert pooled.q == pytest.approx(152.2330, abs=5e-5)
    assert pooled.k == 13


def dersimonian_laird_by_hand(counts, totals):
    """The DerSimonian-Laird pool of logit proportions, written out from the 1986 paper."""
    y = [math.log(x / (n - x)) for x, n in zip(counts, totals)]
    v = [1 / x + 1 / (n - x) for x, n in zip(counts, totals)]
    w = [1 / vi for vi in v]
    fixed = sum(wi * yi for wi, yi in zip(w, y)) / sum(w)
    q = sum(wi * (yi - fixed) ** 2 for wi, yi in zip(w, y))
    c = sum(w) - sum(wi * wi for wi in w) / sum(w)
    tau2 = max(0.0, (q - (len(y) - 1)) / c)
    w_star = [1 / (vi + tau2) for vi in v]
    mean = sum(wi * yi for wi, yi in zip(w_star, y)) / sum(w_star)
    se = math.sqrt(1 / sum(w_star))
    expit = lambda t: 1 / (1 + math.exp(-t))  # noqa: E731
    return expit(mean), expit(mean - 1.959963984540054 * se), expit(mean + 1.959963984540054 * se), tau2


@pytest.mark.parametrize("counts, totals", [
    ([4, 42], [9, 61]),  # the lower-limb botulinum toxin responders of article 004's sources
    ([13, 9, 40], [14, 20, 61]),  # heterogeneous: tau2 > 0
    ([30, 31, 29], [100, 100, 100]),  # Q < df: tau2 is 0, not the negative moment estimate
])
def test_pooled_proportion_is_dersimonian_laird_on_the_logit_scale(counts, totals):
    pooled = pooled_proportion(counts, totals)
    estimate, low, high, tau2 = dersimonian_laird_by_hand(counts, totals)
    assert (pooled.estimate, pooled.low, pooled.high) == pytest.approx((estimate, low, high), rel=1e-10)
    assert pooled.tau2 == pytest.approx(tau2, abs=1e-12)
    assert pooled.k == len(counts) and not pooled.corrected
    assert pooled.low < pooled.estimate < pooled.high


def test_pooled_proportion_corrects_a_source_with_no_events():
    pooled = pooled_proportion([0, 5], [20, 25])
    assert pooled.corrected
    estimate, *_ = dersimonian_laird_by_hand([0.5, 5], [21, 25])  # 0.5 added to both cells
    assert pooled.estimate == pytest.approx(estimate, rel=1e-10)


@pytest.mark.parametrize("counts, totals", [([1], [2]), ([1, 2], [2]), ([3, 1], [2, 5]), ([1, 1], [0, 5])])
def test_pooled_proportion_needs_two_usable_sources(counts, totals):
    with pytest.raises(ValueError):
        pooled_proportion(counts, totals)


# --------------------------------------------------------------------------------------------
# Intervals and relations


def iv(text: str) -> Interval:
    interval = interval_of(parsed(text))
    assert interval is not None, text
    return interval


@pytest.mark.parametrize("article, source, expected", [
    # The source lies inside the article's range (or equals it): within.
    ("60-90%", "61%", WITHIN),
    ("2:1 to 4:1", "3-4:1", WITHIN),
    ("2:1 to 4:1", "about 4:1", WITHIN),
    ("<1 minute", "<1 minute", WITHIN),
    ("over 20 years", ">20 years", WITHIN),
    ("60-90%", "60-90%", WITHIN),
    # A single value inside the source's interval: within.
    ("73%", "70-75%", WITHIN),
    # The article's range strictly inside the source's: narrower.
    ("7-15 years", "1-20 years", NARROWER),
    ("78-82%", "70-90%", NARROWER),
    ("60-90%", "60-95%", NARROWER),
    # Overlapping, neither inside the other: wider.
    ("60-90%", "50-70%", WIDER),
    (">1 minute", "1-5 minutes", WIDER),
    # No value in common: disjoint.
    ("60-90%", "about 30%", DISJOINT),
    ("73%", "69%", DISJOINT),
    ("<1 minute", ">1 minute", DISJOINT),
    ("<1 minute", "1-5 minutes", DISJOINT),  # 60 s is excluded on the article's side
    ("over 20 years", "20 years", DISJOINT),
    # Another unit: incomparable.
    ("<1 minute", "1-20 years", INCOMPARABLE),
    ("60-90%", "2:1", INCOMPARABLE),
])
def test_relation_of_printed_intervals(article, source, expected):
    assert relation(iv(article), iv(source)) == expected


def test_exclusive_ends_meet_only_when_both_include_the_value():
    assert relation(iv("up to 1 minute"), iv("1-5 minutes")) == WIDER  # both include 60 s
    assert relation(iv("<1 minute"), iv("up to 1 minute")) == NARROWER


def test_a_source_with_counts_is_its_wilson_interval():
    source = source_interval(parsed("4 of 9"))
    assert source.basis == WILSON
    assert (source.low, source.high) == pytest.approx(wilson_interval(4, 9))
    # Recorded counts turn a printed percentage into its Wilson interval too.
    recorded = source_interval(parsed("69%"), 42, 61)
    assert recorded.basis == WILSON and (recorded.low, recorded.high) == pytest.approx(wilson_interval(42, 61))
    # Without n (only N) the printed value stands.
    assert source_interval(parsed("69%"), None, 61).is_point
    # A value with no number but recorded counts is still its counts.
    assert source_interval(parsed("most patients"), 5, 10).basis == WILSON
    # A printed range keeps its ends even with counts.
    assert source_interval(parsed("60-70%"), 13, 20).basis == "printed range"
    assert relation(iv("73%"), source_interval(parsed("4 of 9"))) == WITHIN  # 73% < 73.33%
    assert relation(iv("74%"), source_interval(parsed("4 of 9"))) == DISJOINT


def test_no_number_and_outcomes():
    assert source_interval(parsed("described as common")) is None
    assert relation(iv("78-82%"), None) == NO_NUMBER
    assert outcome([WITHIN, DISJOINT]) == DISJOINT
    assert outcome([WITHIN, NARROWER, WIDER]) == WIDER
    assert outcome([NARROWER, WITHIN]) == NARROWER
    assert outcome([WITHIN, NO_NUMBER]) == WITHIN
    assert outcome([NO_NUMBER, INCOMPARABLE]) == NO_SOURCE
    assert outcome([]) == NO_SOURCE


bounded = st.integers(0, 100).map(lambda percent: percent / 100)


@settings(max_examples=300, deadline=None)
@given(bounded, bounded, bounded, bounded)
def test_relations_are_consistent_with_set_inclusion(a1, a2, s1, s2):
    a = Interval(min(a1, a2), max(a1, a2), unit="proportion")
    s = Interval(min(s1, s2), max(s1, s2), unit="proportion")
    found = relation(a, s)
    overlap = max(a.low, s.low) <= min(a.high, s.high)
    assert (found == DISJOINT) == (not overlap)
    if found == WITHIN:
        assert a.is_point or (a.low <= s.low and s.high <= a.high)
    if found == NARROWER:
        assert s.low <= a.low and a.high <= s.high and not a.is_point
    # Swapping roles: what is narrower one way is within the other.
    if found == NARROWER:
        assert relation(s, a) == WITHIN


# Ends that tie often (a few values, some within the tolerance of another), open sides, both
# bounds, units that differ or are unknown, and no interval at all.
_END = st.one_of(st.none(), st.sampled_from([0.0, 0.25, 0.5, 0.5 + 1e-12, 0.75, 1.0, 60.0]),
                 st.floats(-10, 10, allow_nan=False))
_INTERVAL = st.one_of(st.none(), st.builds(
    lambda low, high, low_bound, high_bound, unit: Interval(
        low, high, "open" if low is None else low_bound, "open" if high is None else high_bound, unit),
    _END, _END, st.sampled_from(["inclusive", "exclusive"]), st.sampled_from(["inclusive", "exclusive"]),
    st.sampled_from([None, "proportion", "share", "seconds"])))


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(_INTERVAL.filter(lambda i: i is not None), _INTERVAL), max_size=20))
def test_relations_of_many_intervals_are_each_relation(pairs):
    """The column-by-column comparison behind compare_sources gives what ``relation`` gives."""
    articles = Intervals.of([a for a, _ in pairs])
    sources = Intervals.of([s for _, s in pairs])
    assert list(relations(articles, sources)) == [relation(a, s) for a, s in pairs]


# --------------------------------------------------------------------------------------------
# Article 004 against the research notes (../shared/research/leg-dystonia-literature.md)

# statistic -> (outcome, each source's relation). The research file's verdicts:
# penetrance 60-90% vs about 30% (DYT1) and 61% (PRRT2, PKD): contradicted -> disjoint;
# aura 78-82%: no source gives a figure -> cannot verify; sex ratio 2:1 to 4:1 vs about 4:1 and
# 3-4:1: supported -> within; onset 7-15 years vs the 1-20 years criterion: partly supported ->
# narrower; <1 minute vs Bruno's <1 minute: supported -> within; 73% vs 4 of 9 and 69% of 61,
# both lower-limb cohorts with other outcome definitions, set aside by the reviewer: no source for
# 73% -> cannot verify (no source); the red flags >1 minute and >20 years: word for word the
# Chinese consensus -> within. The 61% of PRRT2 carriers is PKD, not dystonia: set aside.
ARTICLE_004 = {
    "004-c02/1": (DISJOINT, {"genereviews2016dyt1": DISJOINT, "vanvliet2012prrt2": SET_ASIDE}),
    "004-c23/1": (NO_SOURCE, {"genereviewspkd": NO_NUMBER}),
    "004-c25/1": (WITHIN, {"genereviewspkd": WITHIN, "orphanetpkd": WITHIN}),
    "004-c25/2": (NARROWER, {"bruno2004clinical": NARROWER}),
    "004-c22/1": (WITHIN, {"bruno2004clinical": WITHIN}),
    "004-c44/1": (NO_SOURCE, {"nihlegdystoniaabstract": SET_ASIDE, "parkinsonismfootdystoniaabstract": SET_ASIDE}),
    "004-c29/1": (WITHIN, {"chineseconsensus2021pkd": WITHIN}),
    "004-c30/1": (WITHIN, {"chineseconsensus2021pkd": WITHIN}),
}


@pytest.fixture(scope="module")
def shipped() -> Evidence:
    return load(REPO)


def test_article_004_comes_out_as_the_research_verdicts(shipped):
    outcomes = source_outcomes(shipped)
    got = dict(zip(outcomes["statistic"], outcomes["outcome"]))
    assert {s: got[s] for s in ARTICLE_004} == {s: o for s, (o, _) in ARTICLE_004.items()}
    compared = compare_sources(shipped)
    for statistic, (_, expected) in ARTICLE_004.items():
        mine = compared[compared["statistic"] == statistic]
        assert dict(zip(mine["key"], mine["relation"])) == expected, statistic


def assert_rows_are_each_value_compared(ev: Evidence) -> None:
    """compare_sources, built column by column, against source_interval and relation row by row."""
    values = schema.records(ev.source_values)
    compared = schema.records(compare_sources(ev))
    assert len(compared) == len(values) > 5
    for value, row in zip(values, compared):
        source = source_interval(parsed(value["value"]), value["n"], value["N"])
        assert (row["source_low"], row["source_high"], row["basis"]) == (
            (source.low, source.high, source.basis) if source else (None, None, None)), value
        if value["comparable"] is not False:
            assert row["relation"] == relation(interval_of(parsed(row["text"])), source), value


def test_each_compared_row_is_the_source_interval_and_relation_of_its_value(shipped):
    assert_rows_are_each_value_compared(shipped)
    values = [("4 of 9", None, None), ("69%", 42, 61), ("69%", None, 61), ("most patients", 5, 10),
              ("60-70%", 13, 20), ("3:1", 3, 4), ("about 30%", 12, 10), ("described as common", None, None),
              ("<1 minute", None, None), ("1-20 years", 2, 0), ("73%", 0, 9), ("9 of 9", None, None)]
    ev = evidence([{"article": "001", "claim": "001-c01", "text": "60-90%", "measure": "penetrance"},
                   {"article": "001", "claim": "001-c02", "text": "2:1 to 4:1", "measure": "sex ratio"}],
                  [{"statistic": f"001-c0{1 + i % 2}/1", "key": f"k{i}", "value": value, "n": n, "N": N,
                    "comparable": False if i == 3 else None} for i, (value, n, N) in enumerate(values)])
    assert_rows_are_each_value_compared(ev)


def test_article_004_findings_name_each_source(shipped):
    from evidence_kit.checks import check

    found = check(shipped)
    found = found[found["article"] == "004"]
    codes = {row.claim: row.code for row in found.itertuples() if row.code.startswith("statistic-")
             and ("sources" in row.code or row.code == "statistic-no-source")}
    by_statistic = {
        "004-c02": "statistic-disjoint-from-sources",
        "004-c23": "statistic-no-source",
        "004-c22": "statistic-within-sources",
        "004-c44": "statistic-no-source",
        "004-c29": "statistic-within-sources",
        "004-c30": "statistic-within-sources",
    }
    assert {c: codes[c] for c in by_statistic} == by_statistic
    c25 = sorted(found.loc[found["claim"] == "004-c25", "code"])
    assert c25 == ["statistic-narrower-than-sources", "statistic-within-sources"]
    penetrance = found[(found["claim"] == "004-c02") & (found["code"] == "statistic-disjoint-from-sources")].iloc[0]
    assert penetrance["key"] == "genereviews2016dyt1" and penetrance["severity"] == "warning"
    assert "disjoint: genereviews2016dyt1 'about 30%'" in penetrance["message"]
    assert "set aside: vanvliet2012prrt2 '61%'" in penetrance["message"]
    response = found[found["claim"] == "004-c44"].iloc[0]
    assert "set aside: nihlegdystoniaabstract '4 of 9' (Wilson 95% 18.9% to 73.3%)" in response["message"]
    # At the statistic's own line in the evidence file.
    text = (REPO / "evidence/articles/004.yaml").read_text(encoding="utf-8").splitlines()
    assert text[int(penetrance["line"]) - 1].strip() == '- text: "60-90%"'


def test_article_004_source_intervals(shipped):
    table = schema.validate("source_intervals", source_intervals(shipped))
    nih = table[table["key"] == "nihlegdystoniaabstract"].set_index("method")
    assert nih.loc[METHOD_WILSON, ["low", "high"]].tolist() == pytest.approx(wilson_interval(4, 9))
    assert nih.loc[METHOD_EXACT, ["low", "high"]].tolist() == pytest.approx([0.1370, 0.7880], abs=5e-5)
    # The 69% of 61 has no n: not a source with counts, so nothing to pool.
    assert set(table["key"].dropna()) == {"nihlegdystoniaabstract"}
    assert METHOD_POOLED not in set(table["method"])


# --------------------------------------------------------------------------------------------
# Tables built from literal rows


def evidence(statistics, sources) -> Evidence:
    claims = [{"article": s["article"], "claim": s["claim"], "statement": s["text"], "citations": "1",
               "file": f"evidence/articles/{s['article']}.yaml", "line": 1} for s in statistics]
    stats = [{**s, "statistic": s.get("statistic", s["claim"] + "/1"),
              "file": f"evidence/articles/{s['article']}.yaml", "line": s.get("line", 5)} for s in statistics]
    values = [{"article": "001", "claim": v["statistic"].split("/")[0], **v, "file": "evidence/articles/001.yaml",
               "line": 9} for v in sources]
    return Evidence(root=Path("."), articles=schema.frame("articles"), listed_references=schema.frame(
        "listed_references"), claims=schema.frame("claims", claims), citations=schema.frame("citations"),
        statistics=schema.frame("statistics", stats), source_values=schema.frame("source_values", values),
        references=schema.frame("references"), waivers=schema.frame("waivers"))


def test_each_source_is_described_as_its_interval_describes_itself():
    ev = evidence([{"article": "001", "claim": "001-c01", "text": "60-90%", "measure": "penetrance"},
                   {"article": "001", "claim": "001-c02", "text": "2:1 to 4:1", "measure": "sex ratio"},
                   {"article": "001", "claim": "001-c03", "text": "<1 minute", "measure": "attack duration"}],
                  [{"statistic": f"001-c0{i}/1", "key": f"k{i}{j}", "value": value, "n": n, "N": N}
                   for i in (1, 2, 3) for j, (value, n, N) in enumerate(
                       [("4 of 9", None, None), ("69%", 9, 9), ("about 30%", None, None), ("70%", 0, 10)])])
    compared = schema.records(compare_sources(ev))
    expected = {}
    for row in compared:
        shown = f"{row['relation']}: {row['key']} {row['value']!r}"
        if row["basis"] == WILSON:
            shown += f" (Wilson 95% {Interval(row['source_low'], row['source_high'], unit=row['unit']).describe()})"
        expected.setdefault(row["statistic"], []).append(shown)
    outcomes = source_outcomes(ev)
    assert dict(zip(outcomes["statistic"], outcomes["sources"])) == {s: "; ".join(e) for s, e in expected.items()}
    assert "first group" in outcomes["sources"][1] and " s)" in outcomes["sources"][2]


def test_two_sources_with_counts_are_pooled():
    ev = evidence([{"article": "001", "claim": "001-c01", "text": "73%", "measure": "treatment response"}],
                  [{"statistic": "001-c01/1", "key": "a", "value": "13 of 14"},
                   {"statistic": "001-c01/1", "key": "b", "value": "40%", "n": 24, "N": 60},
                   {"statistic": "001-c01/1", "key": "c", "value": "often"}])
    table = schema.validate("source_intervals", source_intervals(ev))
    pooled = table[table["method"] == METHOD_POOLED].iloc[0]
    expected = pooled_proportion([13, 24], [14, 60])
    assert pooled["proportion"] == pytest.approx(expected.estimate)
    assert (pooled["low"], pooled["high"]) == pytest.approx((expected.low, expected.high))
    assert pooled["n"] == 37 and pooled["N"] == 74 and pd.isna(pooled["key"])
    assert len(table) == 5  # two methods for each of two sources, and the pool
    compared = schema.validate("source_comparisons", compare_sources(ev))
    assert dict(zip(compared["key"], compared["relation"])) == {"a": WITHIN, "b": DISJOINT, "c": NO_NUMBER}
    assert compared.loc[compared["key"] == "b", ["n", "N"]].values.tolist() == [[24, 60]]
    outcomes = schema.validate("source_outcomes", source_outcomes(ev))
    assert outcomes["outcome"].tolist() == [DISJOINT]


def test_an_unreadable_statistic_is_left_out_of_the_comparison():
    ev = evidence([{"article": "001", "claim": "001-c01", "text": "most", "measure": "treatment response"}],
                  [{"statistic": "001-c01/1", "key": "a", "value": "13 of 14"}])
    assert compare_sources(ev).empty and source_outcomes(ev).empty


def test_the_check_path_does_not_import_statsmodels():
    import subprocess
    import sys

    code = ("import sys; from evidence_kit.cli import main; main(['check', sys.argv[1]]);"
            "print('HEAVY', [m for m in ('statsmodels', 'scipy', 'plotly') if m in sys.modules])")
    result = subprocess.run([sys.executable, "-c", code, str(REPO)], capture_output=True, text=True, timeout=120)
    assert "HEAVY []" in result.stdout, result.stdout[-500:] + result.stderr[-2000:]


def test_a_source_set_aside_is_shown_but_decides_nothing(project):
    project.edit("evidence/articles/001.yaml", "            N: 10\n", "            N: 10\n            comparable: false\n")
    ev = load(project.root)
    assert ev.source_values["comparable"].tolist() == [False]
    assert compare_sources(ev)["relation"].tolist() == [SET_ASIDE]
    assert source_outcomes(ev)["outcome"].tolist() == [NO_SOURCE]


@pytest.mark.parametrize("flag", ['"false"', "maybe", "0"])
def test_comparable_must_be_true_or_false(project, flag):
    from evidence_kit.errors import UnusableInput

    project.edit("evidence/articles/001.yaml", "            N: 10\n", f"            N: 10\n            comparable: {flag}\n")
    with pytest.raises(UnusableInput, match=r"001.yaml:34: .*comparable must be true or false"):
        load(project.root)
