"""Every statistics check: a case that triggers it, one that does not, its code, severity and line.

Most cases are built from literal table rows (the checks take tables, not files); the loader's part,
file and line and a project's own measures file, runs on the small project of conftest.py.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from evidence_kit import schema
from evidence_kit.checks import CHECKS, check, statistics_not_in_statement
from evidence_kit.errors import UnusableInput
from evidence_kit.findings import CATALOGUE
from evidence_kit.loader import Evidence, collapse, load
from evidence_kit.statistic_checks import (
    STATISTIC_CHECKS,
    impossible_source_values,
    impossible_statistics,
    inconsistent_statistics,
    source_counts_disagree,
    statistics_against_measures,
    statistics_against_sources,
    uncited_statistics,
    unreadable_statistics,
    unrecorded_statistics,
)
from evidence_kit.statistics_table import parsed_source_values, parsed_statistics

ART = "evidence/articles/001.yaml"


def evidence(*stats: dict, sources: tuple[dict, ...] = (), claims: tuple[dict, ...] = ()) -> Evidence:
    """Evidence from literal rows: each statistic gets a claim whose statement is its text."""
    claim_rows = list(claims)
    known = {c["claim"] for c in claim_rows}
    stat_rows = []
    for i, s in enumerate(stats):
        article = s.get("article", "001")
        claim = s.get("claim", f"{article}-c{i + 1:02d}")
        if claim not in known:
            claim_rows.append({"article": article, "claim": claim, "statement": s.get("statement", s["text"]),
                               "citations": s.get("citations", "1"), "file": f"evidence/articles/{article}.yaml",
                               "line": 10 * i + 1})
            known.add(claim)
        stat_rows.append({"article": article, "claim": claim, "statistic": f"{claim}/1", "text": s["text"],
                          "measure": s.get("measure", "penetrance"), "condition": s.get("condition", "dystonia"),
                          "file": f"evidence/articles/{article}.yaml", "line": 10 * i + 5})
    source_rows = [{"article": "001", "claim": v["statistic"].split("/")[0], "key": v.get("key", "src"), **v,
                    "file": ART, "line": 100 + i} for i, v in enumerate(sources)]
    return Evidence(root=Path("."), articles=schema.frame("articles"),
                    listed_references=schema.frame("listed_references"), claims=schema.frame("claims", claim_rows),
                    citations=schema.frame("citations"), statistics=schema.frame("statistics", stat_rows),
                    source_values=schema.frame("source_values", source_rows),
                    references=schema.frame("references"), waivers=schema.frame("waivers"))


def rows(found: list[dict] | pd.DataFrame) -> list[dict]:
    """A check's findings as rows, whether it returns a list of them or a findings table."""
    return schema.records(found) if isinstance(found, pd.DataFrame) else found


def codes(found: list[dict]) -> list[str]:
    return sorted(f["code"] for f in found)


# --------------------------------------------------------------------------------------------
# The parsed tables


def test_parsed_tables_follow_the_schema(project):
    ev = load(project.root)
    stats = schema.validate("parsed_statistics", parsed_statistics(ev.statistics))
    assert stats[["text", "kind", "low", "high", "unit"]].values.tolist() == [
        ["60-90%", "percent range", 0.6, 0.9, "proportion"], ["78-82%", "percent range", 0.78, 0.82, "proportion"]]
    values = schema.validate("parsed_source_values", parsed_source_values(ev.source_values))
    assert values[["key", "kind", "low", "n", "N", "line"]].values.tolist() == [["jones2019", "percent", 0.8, 8, 10, 30]]


def test_parsed_source_values_take_counts_from_the_value_when_not_recorded():
    ev = evidence({"text": "45%"}, sources=({"statistic": "001-c01/1", "value": "4 of 9"},
                                            {"statistic": "001-c01/1", "value": "4 of 9", "n": 5, "N": 9},
                                            {"statistic": "001-c01/1", "value": "a few"}))
    table = parsed_source_values(ev.source_values)
    assert table[["kind", "n", "N"]].astype(object).values.tolist() == [
        ["proportion", 4, 9], ["proportion", 5, 9], ["unreadable", pd.NA, pd.NA]]
    assert table.loc[2, "problem"] == "no number in the text"
    shares = parsed_statistics(evidence({"text": "2:1 to 4:1"}).statistics)
    assert shares[["share_low", "share_high"]].values.tolist() == [[pytest.approx(2 / 3), 0.8]]


# --------------------------------------------------------------------------------------------
# The printed value


@pytest.mark.parametrize("text", ["described as common", "many", "60%% of 90", "\uff16\uff10%"])
def test_unreadable_statistic_is_a_warning_never_an_exception(text):
    found = unreadable_statistics(evidence({"text": text}))
    assert codes(found) == ["statistic-unreadable"]
    assert found[0]["severity"] == "warning" and found[0]["line"] == 5
    # The other checks leave it alone: no second finding about the same unreadable text.
    ev = evidence({"text": text})
    others = [f for run in STATISTIC_CHECKS if run is not unreadable_statistics for f in rows(run(ev))
              if f["code"] not in ("statistic-unrecorded",)]
    assert others == []


@pytest.mark.parametrize("text, words", [
    ("150%", "150% is above 100%"),
    ("90-60%", "runs backwards"),
    ("4:1 to 2:1", "runs backwards"),
    ("0:1", "zero term"),
    ("-5 years", "negative age"),
    ("69% (30/61)", "does not match"),
])
def test_impossible_statistic_is_an_error(text, words):
    found = impossible_statistics(evidence({"text": text}))
    assert codes(found) == ["statistic-impossible"]
    assert found[0]["severity"] == "error" and words in found[0]["message"]


@pytest.mark.parametrize("text", ["60-90%", "2:1 to 4:1", "<1 minute", "over 20 years", "73%", "4 of 9"])
def test_possible_statistics_are_not_impossible(text):
    assert impossible_statistics(evidence({"text": text})) == []


def test_impossible_source_values():
    ev = evidence({"text": "45%"}, sources=(
        {"statistic": "001-c01/1", "key": "a", "value": "120%"},
        {"statistic": "001-c01/1", "key": "b", "value": "most", "n": 10, "N": 9},
        {"statistic": "001-c01/1", "key": "c", "value": "4 of 9"}))
    found = impossible_source_values(ev)
    assert [(f["code"], f["key"], f["line"]) for f in found] == [
        ("source-value-impossible", "a", 100), ("source-value-impossible", "b", 101)]
    assert "more events than there are patients" in found[1]["message"]


@pytest.mark.parametrize("value, n, N, disagrees", [
    ("69%", 42, 61, False),  # 68.85% rounds to 69%
    ("69%", 30, 61, True),
    ("68.9%", 42, 61, False),
    ("68.0%", 42, 61, True),
    ("about 70%", 42, 61, False),
    ("4 of 9", 4, 9, False),
    ("69%", None, 61, False),
])
def test_recorded_counts_must_give_the_printed_percentage(value, n, N, disagrees):
    ev = evidence({"text": "45%"}, sources=({"statistic": "001-c01/1", "value": value, "n": n, "N": N},))
    found = source_counts_disagree(ev)
    assert codes(found) == (["source-counts-disagree"] if disagrees else [])


# --------------------------------------------------------------------------------------------
# The measure vocabulary


@pytest.mark.parametrize("text, measure, expected", [
    ("60-90%", "penetrance", []),
    ("2:1", "penetrance", ["statistic-unexpected-kind"]),
    ("7-15 years", "sex ratio", ["statistic-unexpected-kind"]),
    ("50:1", "sex ratio", ["statistic-implausible"]),
    ("150 years", "age at onset", ["statistic-implausible"]),
    ("2 days", "episode duration", ["statistic-implausible"]),
    ("73%", "happiness", ["statistic-measure-unknown"]),
    ("73%", "  Treatment   Response ", []),  # case and spacing do not matter
])
def test_measures(text, measure, expected):
    found = statistics_against_measures(evidence({"text": text, "measure": measure}))
    assert codes(found) == expected
    assert all(f["severity"] == "warning" for f in found)


def test_a_project_can_extend_the_measures(project):
    project.edit(ART, "        measure: penetrance", "        measure: gene yield")
    assert [f["code"] for f in statistics_against_measures(load(project.root))] == ["statistic-measure-unknown"]
    project.write("evidence/measures.yaml", """\
        measures:
          gene yield:
            description: Share of patients with a causal variant.
            kinds: [percent, percent range]
            unit: proportion
            plausible: [0, 0.5]
        """)
    found = statistics_against_measures(load(project.root))
    assert [f["code"] for f in found] == ["statistic-implausible"]  # 60-90% is above the project's 50%
    assert (found[0]["file"], found[0]["line"]) == (ART, 21)


def test_a_broken_measures_file_is_unusable_input_with_its_line(project):
    project.write("evidence/measures.yaml", "measures:\n  gene yield:\n    kinds: [percent]\n    colour: red\n")
    with pytest.raises(UnusableInput, match=r"evidence/measures.yaml:4: .*unknown field 'colour'"):
        load(project.root)


# --------------------------------------------------------------------------------------------
# Statements and citations


def test_unrecorded_number_in_a_statement():
    statement = "More common in males (2:1 to 4:1 ratio), typically onset between 7-15 years"
    recorded = evidence({"text": "2:1 to 4:1", "statement": statement, "claim": "001-c01"},
                        {"text": "7-15 years", "statement": statement, "claim": "001-c01"})
    assert unrecorded_statistics(recorded) == []  # "7-15 years" covers the found "between 7-15 years"
    missing = evidence({"text": "2:1 to 4:1", "statement": statement})
    found = unrecorded_statistics(missing)
    assert [(f["code"], f["severity"], f["line"]) for f in found] == [("statistic-unrecorded", "warning", 1)]
    assert "'between 7-15 years'" in found[0]["message"]


def test_unrecorded_numbers_among_many_claims_are_found_in_their_own_claim():
    """Claims with and without recorded statistics, numbers as digits and as words, a recorded
    text printed twice: each unrecorded statistic is reported once, at its own claim's line."""
    claims = [{"article": "001", "claim": f"001-c{n:02d}", "statement": statement, "citations": "1",
               "file": ART, "line": n}
              for n, statement in enumerate([
                  "Severity varies; often mild.",  # "Seven", "often" (ten) and no statistic
                  "Seen in two of five patients.",  # number words, nothing recorded
                  "Aura in 30% of patients, and 30% again.",  # recorded, printed twice
                  "Aura in 30% of patients and half of the women.",  # recorded, and a word left over
                  "No numbers at all here.",
              ], start=1)]
    found = unrecorded_statistics(evidence({"text": "30%", "claim": "001-c03"}, {"text": "30%", "claim": "001-c04"},
                                           claims=claims))
    assert [(f["claim"], f["line"], f["message"].split("'")[1]) for f in found] == [
        ("001-c02", 2, "two of five"), ("001-c04", 4, "half")]


def test_numbers_that_are_not_statistics_are_not_unrecorded():
    claims = ({"article": "001", "claim": "001-c01", "statement": "Seen in 22q11.2 deletion and SCN8A, since 2004",
               "citations": "1", "file": ART, "line": 3},)
    assert unrecorded_statistics(evidence(claims=claims)) == []


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.text(" \n\u00a0ab%-", min_size=1, max_size=8), st.text(" \n\u00a0\tab%-", max_size=20)),
                min_size=1, max_size=5))
def test_a_statistic_is_in_its_statement_when_collapsed_it_is_in_the_collapsed_statement(pairs):
    ev = evidence(*({"text": text, "statement": statement} for text, statement in pairs))
    found = schema.records(statistics_not_in_statement(ev))
    assert [f["claim"] for f in found] == [f"001-c{i + 1:02d}" for i, (text, statement) in enumerate(pairs)
                                           if collapse(text) not in collapse(statement)]


def test_uncited_statistic():
    found = uncited_statistics(evidence({"text": "73%", "citations": ""}, {"text": "60%", "citations": "1, 2"}))
    assert [(f["code"], f["claim"], f["severity"]) for f in found] == [("statistic-uncited", "001-c01", "warning")]


# --------------------------------------------------------------------------------------------
# Across articles


def test_same_measure_and_condition_stated_differently_in_two_articles():
    ev = evidence({"text": "60-90%", "article": "004", "condition": "Hereditary  dystonia"},
                  {"text": "about 30%", "article": "007", "condition": "hereditary dystonia"},
                  {"text": "60-90%", "article": "008", "condition": "hereditary dystonia"},
                  {"text": "45%", "article": "007", "condition": "another condition"})
    found = inconsistent_statistics(ev)
    assert [(f["article"], f["code"]) for f in found] == [
        ("004", "statistic-inconsistent"), ("007", "statistic-inconsistent"), ("008", "statistic-inconsistent")]
    assert "'about 30%' in article 007 (evidence/articles/007.yaml:15)" in found[0]["message"]
    assert "004" in found[1]["message"] and "008" in found[1]["message"]


def test_the_same_value_differently_printed_is_consistent():
    ev = evidence({"text": "60-90%", "article": "004"}, {"text": "60\u201390 percent", "article": "007"},
                  {"text": "2:1", "measure": "sex ratio", "article": "004"},
                  {"text": "2 : 1", "measure": "sex ratio", "article": "007"},
                  {"text": "30%", "article": "004", "condition": None}, {"text": "50%", "article": "007", "condition": None})
    assert inconsistent_statistics(ev) == []


def test_statistics_within_one_article_are_not_compared():
    assert inconsistent_statistics(evidence({"text": "60-90%"}, {"text": "30%"})) == []


# --------------------------------------------------------------------------------------------
# Against the sources


@pytest.mark.parametrize("text, values, code, key, severity", [
    ("60-90%", ["about 30%", "61%"], "statistic-disjoint-from-sources", "s0", "warning"),
    ("60-90%", ["70%", "61-89%"], "statistic-within-sources", "s0", "info"),
    ("78-82%", ["70-90%"], "statistic-narrower-than-sources", "s0", "warning"),
    ("78-82%", ["8 of 10"], "statistic-narrower-than-sources", "s0", "warning"),
    ("60-90%", ["80%", "50-70%"], "statistic-wider-than-sources", "s1", "warning"),
    ("78-82%", ["described as common"], "statistic-no-source", None, "warning"),
    ("78-82%", ["1-20 years"], "statistic-no-source", None, "warning"),
    ("78-82%", [], "statistic-no-source", None, "warning"),
])
def test_each_outcome_is_one_finding_at_the_statistic(text, values, code, key, severity):
    sources = tuple({"statistic": "001-c01/1", "key": f"s{i}", "value": v} for i, v in enumerate(values))
    found = schema.records(statistics_against_sources(evidence({"text": text}, sources=sources)))
    assert [(f["code"], f["key"], f["severity"], f["line"]) for f in found] == [(code, key, severity, 5)]
    for value in values:
        assert repr(value) in found[0]["message"]


def test_unreadable_statistics_are_not_compared():
    assert statistics_against_sources(evidence({"text": "most"}, sources=(
        {"statistic": "001-c01/1", "value": "60%"},))).empty


def test_every_code_the_statistics_checks_report_is_in_the_catalogue():
    for name in ("statistic-unreadable", "statistic-impossible", "source-value-impossible", "source-counts-disagree",
                 "statistic-measure-unknown", "statistic-unexpected-kind", "statistic-implausible",
                 "statistic-unrecorded", "statistic-uncited", "statistic-inconsistent", "statistic-within-sources",
                 "statistic-narrower-than-sources", "statistic-wider-than-sources",
                 "statistic-disjoint-from-sources", "statistic-no-source"):
        assert name in CATALOGUE
    assert all(run in CHECKS for run in STATISTIC_CHECKS)


def test_fixture_project_statistics_findings_with_file_and_line(project):
    found = check(load(project.root))
    mine = found[found["code"].str.startswith("statistic-")]
    assert mine[["code", "severity", "file", "line", "claim"]].values.tolist() == [
        ["statistic-no-source", "warning", ART, 21, "001-c02"],
        ["statistic-narrower-than-sources", "warning", ART, 27, "001-c03"],
    ]
    assert "no source value is recorded" in mine.iloc[0]["message"]
    assert "Wilson 95% 49% to 94.3%" in mine.iloc[1]["message"]


def test_an_impossible_statistic_fails_the_check_with_its_line(project):
    project.edit(ART, "with 60-90% penetrance", "with 60-190% penetrance")
    project.edit("evidence/fulltext/001.txt", "with 60-90% penetrance", "with 60-190% penetrance")
    project.edit(ART, "      - text: 60-90%", "      - text: 60-190%")
    found = check(load(project.root))
    row = found[found["code"] == "statistic-impossible"].iloc[0]
    assert (row["file"], row["line"], row["severity"]) == (ART, 21, "error")
    assert "190% is above 100%" in row["message"]


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=40), st.text(max_size=40), st.one_of(st.none(), st.integers(-5, 50)),
       st.one_of(st.none(), st.integers(-5, 50)))
def test_statistics_checks_never_raise(text, value, n, N):
    ev = evidence({"text": text or "x", "statement": f"A {text} B"},
                  sources=({"statistic": "001-c01/1", "value": value or "x", "n": n, "N": N},))
    for run in STATISTIC_CHECKS:
        for found in rows(run(ev)):
            assert found["code"] in CATALOGUE and found["line"] is not None
