"""The audit of the shipped evidence, end to end: what `make audit` reports, and what breaks it."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import evidence_kit
from evidence_kit.statistics_table import parsed_statistics

REPO = Path(__file__).resolve().parents[1]
ART_004 = "evidence/articles/004.yaml"


def copy_project(tmp_path: Path) -> Path:
    """The shipped evidence and bibliography, in a folder of their own."""
    shutil.copytree(REPO / "evidence", tmp_path / "evidence")
    shutil.copy(REPO / "references.bib", tmp_path / "references.bib")
    return tmp_path


def check_json(root: Path) -> tuple[int, dict]:
    result = subprocess.run([sys.executable, "-m", "evidence_kit.cli", "check", str(root), "--format", "json",
                             "--no-cache"], capture_output=True, text=True, timeout=120)
    assert "Traceback" not in result.stderr
    return result.returncode, json.loads(result.stdout)


def line_of(relative: str, text: str) -> int:
    lines = (REPO / relative).read_text(encoding="utf-8").splitlines()
    return next(i for i, line in enumerate(lines, start=1) if text in line)


@pytest.fixture(scope="module")
def shipped() -> dict:
    code, data = check_json(REPO)
    assert code == 0, [f for f in data["findings"] if not f["waived"] and f["severity"] == "error"]
    return data


def test_shipped_evidence_passes_with_its_real_problems_waived(shipped):
    summary = shipped["summary"]
    assert summary["errors"] == 0 and summary["passed"]
    waived = {(f["code"], f["claim"] or f["key"]) for f in shipped["findings"] if f["waived"]}
    # Article 000 cites nothing: every one of its claims is reported, at its own line.
    uncited_000 = [f for f in shipped["findings"] if f["code"] == "claim-uncited" and f["article"] == "000"]
    assert len(uncited_000) == 15 and all(f["waived"] for f in uncited_000)
    assert uncited_000[0]["line"] == line_of("evidence/articles/000.yaml", 'id: "000-c01"')
    # References 1 and 3 of article 004 have no DOI or PMID; neither has the printed reference 4.
    assert {("reference-no-identifier", k) for k in ("praxis2025acute", "droracle2025overview",
                                                     "continuum2022dystonias")} <= waived
    no_id = {f["key"]: f["line"] for f in shipped["findings"] if f["code"] == "reference-no-identifier"}
    assert no_id["praxis2025acute"] == line_of("references.bib", "@misc{praxis2025acute")
    # Reference 4 is cited once in the text (004-c26), so it is not reported as never cited.
    assert not [f for f in shipped["findings"] if f["code"] == "reference-never-cited"]


def test_completeness_of_the_two_articles(shipped):
    rows = {row["article"]: row for row in shipped["summary"]["completeness"]}
    assert (rows["000"]["claims"], rows["000"]["claims_cited"]) == (15, 0)
    assert (rows["004"]["claims"], rows["004"]["claims_cited"]) == (49, 47)
    assert (rows["004"]["statistics"], rows["004"]["statistics_cited"]) == (8, 8)
    assert (rows["004"]["references_cited"], rows["004"]["references_identified"]) == (5, 2)


def test_removing_a_cited_bib_entry_fails_at_the_citing_claim(tmp_path):
    root = copy_project(tmp_path)
    bib = (root / "references.bib").read_text(encoding="utf-8")
    entry = re.search(r"@article\{balint2018dystonia,.*?\n\}\n", bib, re.S)
    assert entry is not None
    (root / "references.bib").write_text(bib.replace(entry.group(), ""), encoding="utf-8")
    code, data = check_json(root)
    assert code == 1
    undefined = [f for f in data["findings"] if f["code"] == "citation-key-undefined"]
    assert [(f["file"], f["line"], f["claim"]) for f in undefined] == [
        (ART_004, line_of(ART_004, 'id: "004-c05"'), "004-c05")]


def test_a_new_uncited_claim_fails_ci(tmp_path):
    root = copy_project(tmp_path)
    path = root / ART_004
    text = path.read_text(encoding="utf-8")
    path.write_text(text + '\n  - id: "004-c50"\n    section: Other Presentations\n'
                    "    statement: \"Fixed dystonia: Persistent abnormal posturing of the leg\"\n",
                    encoding="utf-8")
    code, data = check_json(root)
    assert code == 1
    failing = [f for f in data["findings"] if not f["waived"] and f["severity"] == "error"]
    assert [(f["code"], f["claim"]) for f in failing] == [("claim-uncited", "004-c50")]


# Every statistic of article 004 as its typed value, with the citation printed for its claim.
ARTICLE_004_STATISTICS = {
    "004-c02/1": ("60-90%", "percent range", 0.60, 0.90, "inclusive", "inclusive", "proportion", "1"),
    "004-c22/1": ("<1 minute", "duration", None, 60.0, "open", "exclusive", "seconds", "3, 1"),
    "004-c23/1": ("78-82% of patients", "percent range", 0.78, 0.82, "inclusive", "inclusive", "proportion",
                  "3, 1"),
    "004-c25/1": ("2:1 to 4:1", "ratio range", 2.0, 4.0, "inclusive", "inclusive", "ratio", "3"),
    "004-c25/2": ("7-15 years", "age range", 7.0, 15.0, "inclusive", "inclusive", "years", "3"),
    "004-c29/1": (">1 minute", "duration", 60.0, None, "exclusive", "open", "seconds", "1"),
    "004-c30/1": ("over 20 years", "age", 20.0, None, "exclusive", "open", "years", "1"),
    "004-c44/1": ("73% improvement rate", "percent", 0.73, 0.73, "inclusive", "inclusive", "proportion", "1"),
}


def test_every_statistic_of_article_004_is_a_typed_value_with_its_citation():
    evidence = evidence_kit.load(REPO)
    table = parsed_statistics(evidence.statistics).merge(evidence.claims[["claim", "citations"]], on="claim")
    table = table[table["article"] == "004"].astype(object).where(table.notna(), None)
    got = {row["statistic"]: (row["text"], row["kind"], row["low"], row["high"], row["low_bound"],
                              row["high_bound"], row["unit"], row["citations"])
           for row in table.to_dict("records")}
    assert got == ARTICLE_004_STATISTICS  # the parser gives exact decimals: "73%" is 0.73
    sex_ratio = table[table["statistic"] == "004-c25/1"].iloc[0]
    assert (sex_ratio["share_low"], sex_ratio["share_high"]) == pytest.approx((2 / 3, 0.8))
