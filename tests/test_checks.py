"""Every check: a case that triggers it and the clean project that does not."""

from __future__ import annotations

import pandas as pd
import pytest

from evidence_kit import schema
from evidence_kit.checks import CHECKS, check, completeness, failing
from evidence_kit.findings import CATALOGUE, finding, findings_at
from evidence_kit.loader import load
from evidence_kit.statistic_checks import STATISTIC_CHECKS

ART = "evidence/articles/001.yaml"


# The statistics checks report on the fixture's statistics too (two warnings); they have their own
# tests in test_statistic_checks.py and test_sources.py.
OTHER_CHECKS = [c for c in CHECKS if c not in STATISTIC_CHECKS]


def findings_of(project) -> pd.DataFrame:
    return check(load(project.root), OTHER_CHECKS)


def codes(found: pd.DataFrame) -> list[str]:
    return sorted(found["code"])


def test_clean_project_has_no_findings(project):
    found = findings_of(project)
    assert found.empty, found.to_string()
    schema.validate("findings", found)


def test_uncited_claim_is_reported_at_the_claim(project):
    project.edit(ART, '    statement: Leg dystonia has many causes.\n    citations: "1"\n',
                 "    statement: Leg dystonia has many causes.\n")
    found = findings_of(project)
    assert codes(found) == ["claim-uncited"]
    row = found.iloc[0]
    assert (row["file"], row["line"], row["claim"], row["severity"]) == (ART, 10, "001-c01", "error")


def test_printed_number_missing_from_reference_list(project):
    project.edit(ART, 'citations: "2, 1"', 'citations: "3, 1"')
    found = findings_of(project)
    assert "citation-number-unlisted" in codes(found)
    row = found[found["code"] == "citation-number-unlisted"].iloc[0]
    assert row["claim"] == "001-c03" and "[3]" in row["message"]


def test_marker_that_is_not_a_number(project):
    project.edit(ART, 'citations: "2, 1"', 'citations: "2, a"')
    assert "citation-unreadable" in codes(findings_of(project))


def test_citation_ranges_expand(project):
    project.edit(ART, 'citations: "2, 1"', 'citations: "1-2"')
    ev = load(project.root)
    assert list(ev.citations.query("claim == '001-c03'")["number"]) == [1, 2]
    assert check(ev, OTHER_CHECKS).empty


def test_removing_a_cited_bib_entry_fails_at_each_citing_claim(project):
    project.bib(project.root.joinpath("references.bib").read_text().split("@article{jones2019")[0])
    found = findings_of(project)
    undefined = found[found["code"] == "citation-key-undefined"]
    assert list(undefined["claim"]) == ["001-c03"]
    assert list(undefined["line"]) == [23]
    assert set(undefined["file"]) == {ART}
    assert not failing(found).empty


def test_listed_reference_never_cited(project):
    project.edit(ART, "    2: jones2019\n", "    2: jones2019\n    3: extra2021\n")
    project.bib(project.root.joinpath("references.bib").read_text()
                + "@misc{extra2021, title = {Extra}, year = {2021}, doi = {10.1000/extra}}\n")
    found = findings_of(project)
    assert codes(found) == ["reference-never-cited"]
    assert found.iloc[0]["key"] == "extra2021" and found.iloc[0]["line"] == 9


def test_listed_reference_never_cited_and_undefined(project):
    project.edit(ART, "    2: jones2019\n", "    2: jones2019\n    3: ghost2020\n")
    assert codes(findings_of(project)) == ["reference-key-undefined", "reference-never-cited"]


def test_gap_in_reference_list(project):
    project.edit(ART, "    2: jones2019\n", "    4: jones2019\n")
    project.edit(ART, 'citations: "2, 1"', 'citations: "4, 1"')
    found = findings_of(project)
    assert codes(found) == ["reference-list-gap", "reference-list-gap"]
    assert "skips number 2" in " ".join(found["message"])


def test_cited_reference_without_doi_or_pmid(project):
    project.edit("references.bib", "  doi = {10.1000/xyz123},\n", "")
    found = findings_of(project)
    assert codes(found) == ["reference-no-identifier"]
    assert (found.iloc[0]["key"], found.iloc[0]["file"], found.iloc[0]["line"]) == ("smith2020", "references.bib", 1)


def test_bib_entry_used_by_no_article(project):
    project.bib(project.root.joinpath("references.bib").read_text()
                + "@misc{orphan2020, title = {Orphan}, year = {2020}}\n")
    found = findings_of(project)
    assert codes(found) == ["bib-entry-unused"]
    assert found.iloc[0]["key"] == "orphan2020"


def test_source_value_naming_an_undefined_key(project):
    project.edit(ART, "- key: jones2019", "- key: nobody2000")
    found = findings_of(project)
    assert codes(found) == ["source-key-undefined"]


def test_statement_not_verbatim_in_full_text(project):
    project.edit(ART, "Leg dystonia has many causes.", "Leg dystonia has several causes.")
    found = findings_of(project)
    assert codes(found) == ["statement-not-in-full-text"]
    assert found.iloc[0]["claim"] == "001-c01"


def test_statement_matches_across_line_breaks(project):
    # the folded statement in the fixture spans two YAML lines; the clean run proves it matches
    assert findings_of(project).empty


@pytest.mark.parametrize("path, reason", [
    ("evidence/fulltext/none.txt", "does not exist"),
    ("../outside.txt", "is outside the project"),
    ("evidence", "is not a file"),
])
def test_full_text_missing_or_outside(project, path, reason):
    (project.root.parent / "outside.txt").write_text("Leg dystonia has many causes.")
    project.edit(ART, "full_text: evidence/fulltext/001.txt", f"full_text: {path}")
    found = findings_of(project)
    assert codes(found) == ["full-text-missing"]
    assert reason in found.iloc[0]["message"]


def test_full_text_symlink_loop(project):
    loop = project.root / "evidence" / "fulltext" / "loop.txt"
    loop.symlink_to(loop)
    project.edit(ART, "full_text: evidence/fulltext/001.txt", "full_text: evidence/fulltext/loop.txt")
    assert codes(findings_of(project)) == ["full-text-missing"]


def test_statistic_not_in_its_statement(project):
    project.edit(ART, "      - text: 60-90%", "      - text: 61%")
    found = findings_of(project)
    assert codes(found) == ["statistic-not-in-statement"]
    assert found.iloc[0]["line"] == 21


def test_waiver_accepts_a_finding_with_its_reason(project):
    project.edit(ART, '    statement: Leg dystonia has many causes.\n    citations: "1"\n',
                 "    statement: Leg dystonia has many causes.\n")
    project.waivers("""\
        waivers:
          - code: claim-uncited
            claim: 001-c01
            reason: The article prints no marker here; kept as received.
        """)
    found = findings_of(project)
    assert codes(found) == ["claim-uncited"]
    assert bool(found.iloc[0]["waived"]) and "kept as received" in found.iloc[0]["waiver_reason"]
    assert failing(found).empty


def test_waiver_that_matches_nothing_is_reported(project):
    project.waivers("""\
        waivers:
          - code: claim-uncited
            article: "001"
            reason: stale
        """)
    found = findings_of(project)
    assert codes(found) == ["waiver-unused"]
    assert (found.iloc[0]["file"], found.iloc[0]["line"]) == ("evidence/waivers.yaml", 2)


def test_waiver_with_unknown_code(project):
    project.waivers("""\
        waivers:
          - code: no-such-code
            reason: typo
        """)
    assert codes(findings_of(project)) == ["waiver-unknown-code"]


def test_waiver_narrowed_to_another_claim_does_not_apply(project):
    project.edit(ART, '    statement: Leg dystonia has many causes.\n    citations: "1"\n',
                 "    statement: Leg dystonia has many causes.\n")
    project.waivers("""\
        waivers:
          - code: claim-uncited
            claim: 001-c02
            reason: wrong claim
        """)
    found = findings_of(project)
    assert codes(found) == ["claim-uncited", "waiver-unused"]
    assert len(failing(found)) == 1


def test_every_code_in_the_catalogue_has_a_known_severity():
    assert {c.severity for c in CATALOGUE.values()} <= {"error", "warning", "info"}


def test_a_findings_table_has_the_messages_finding_makes_for_every_code():
    """findings_at fills each template by position; finding by name: the same text, braces,
    conversions (!r) and missing values (None) included."""
    import string

    for code, entry in CATALOGUE.items():
        facts = [field.partition(".")[0] for _, field, _, _ in string.Formatter().parse(entry.template)
                 if field and field not in ("article", "claim", "key")]
        rows = [{"article": "001", "claim": "001-c01", "key": "smith{2020}", "file": "a.yaml", "line": 3,
                 **{fact: f"'{fact}' {{1}}" for fact in facts}},
                {"article": None, "claim": None, "key": None, "file": "b.yaml", "line": 4, **dict.fromkeys(facts)}]
        table = findings_at(code, pd.DataFrame(rows, dtype=object), facts)
        assert table["message"].tolist() == [finding(code, **row)["message"] for row in rows], code
    # A code per row: each row's own template and severity.
    rows = [{"article": "001", "claim": "001-c01", "key": "k", "text": "73%", "interval": "73%", "sources": s,
             "file": "a.yaml", "line": n} for n, s in enumerate(["within: k '70-75%'", "no number: k 'often'"])]
    codes = ["statistic-within-sources", "statistic-no-source"]
    table = findings_at(codes, pd.DataFrame(rows, dtype=object), ["text", "interval", "sources"])
    assert schema.records(table) == [finding(code, **row) for code, row in zip(codes, rows)]


def test_completeness_per_article(project):
    project.edit(ART, '    statement: Leg dystonia has many causes.\n    citations: "1"\n',
                 "    statement: Leg dystonia has many causes.\n")
    project.edit("references.bib", "  doi = {10.1000/xyz123},\n", "")
    table = completeness(load(project.root))
    schema.validate("completeness", table)
    row = table.iloc[0]
    assert (row["claims"], row["claims_cited"]) == (3, 2)
    assert row["share_claims_cited"] == pytest.approx(2 / 3)
    assert (row["statistics"], row["statistics_cited"]) == (2, 2)
    assert (row["references_cited"], row["references_identified"]) == (2, 1)
    assert row["share_references_identified"] == pytest.approx(0.5)


def test_a_project_without_statistics_is_checked(project):
    project.edit("evidence/articles/001.yaml", "    statistics:\n      - text: 60-90%\n        measure: penetrance\n", "")
    text = (project.root / "evidence/articles/001.yaml").read_text()
    project.article(text.split("  - id: 001-c03")[0])
    found = findings_of(project)
    assert "statistic-not-in-statement" not in codes(found)


@pytest.mark.parametrize("printed", [",", "[]", "()", " ; "])
def test_citations_without_a_marker_are_reported_uncited(project, printed):
    project.edit("evidence/articles/001.yaml", '    statement: Leg dystonia has many causes.\n    citations: "1"',
                 f'    statement: Leg dystonia has many causes.\n    citations: "{printed}"')
    found = findings_of(project)
    assert found.loc[found["code"] == "claim-uncited", "claim"].tolist() == ["001-c01"]
    assert completeness(load(project.root)).loc[0, "claims_cited"] == 2
