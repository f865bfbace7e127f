"""The notebooks, executed headless with papermill in this environment's kernel, and the library
functions they call (``evidence_kit.review``).

The notebook tests assert on what the notebooks show, read back from their outputs: every statement
of the article under review, its verdicts and references, the findings, the plots.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from conftest import REPO, Project
from evidence_kit import review
from evidence_kit.checks import check
from evidence_kit.loader import load

NOTEBOOKS = REPO / "notebooks"
NAMES = ["audit_overview", "review", "summary_statistics"]
PLOTLY = "application/vnd.plotly.v1+json"
WIDGET = "application/vnd.jupyter.widget-view+json"


def _ledger(project: Project, records: list[dict[str, Any]]) -> None:
    project.write("evidence/verdicts.jsonl", "".join(json.dumps(r, sort_keys=True) + "\n" for r in records))


VERDICTS = [
    {"claim": "001-c02", "verdict": "contradicted", "certainty": "moderate", "reviewer": "reviewer-a",
     "rationale": "The source reports about 30%.", "quote": "penetrance of about 30%", "source": "smith2020",
     "locator": "Abstract", "recorded": "2026-11-30T10:00:00.000000Z"},
    {"claim": "001-c02", "verdict": "partly supported", "certainty": "low", "reviewer": "reviewer-b",
     "rationale": "Overlaps in part.", "recorded": "2026-11-30T11:00:00.000000Z"},
    {"claim": "001-c01", "verdict": "cannot verify", "certainty": "very low", "reviewer": "reviewer-a",
     "rationale": "First look.", "recorded": "2026-11-30T09:00:00.000000Z"},
    {"claim": "001-c01", "verdict": "supported", "certainty": "high", "reviewer": "reviewer-a",
     "rationale": "Stated in the abstract.", "recorded": "2026-11-30T12:00:00.000000Z"},
]


# --------------------------------------------------------------------------------------------
# Stored without outputs


@pytest.mark.parametrize("name", NAMES)
def test_notebook_is_stored_without_outputs(name: str) -> None:
    import nbformat

    notebook = nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)
    nbformat.validate(notebook)
    for cell in notebook.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [], f"{name}: a cell has outputs"
            assert cell.execution_count is None, f"{name}: a cell has an execution count"
    assert "widgets" not in notebook.metadata, f"{name}: saved widget state"
    assert notebook.metadata.kernelspec.name == "python3"


@pytest.mark.parametrize("name", NAMES)
def test_notebook_has_a_parameters_cell_with_root(name: str) -> None:
    import nbformat

    notebook = nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)
    tagged = [c for c in notebook.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1
    assert re.search(r"^root = None\b", tagged[0].source, flags=re.M)
    if name == "review":
        assert re.search(r'^article = "004"', tagged[0].source, flags=re.M)


# --------------------------------------------------------------------------------------------
# Executed


def _run(name: str, tmp_path: Path, cwd: Path = NOTEBOOKS, **parameters: Any) -> Any:
    """Execute a notebook in this environment's kernel; the executed notebook."""
    import nbformat
    import papermill

    out = tmp_path / f"{name}.out.ipynb"
    papermill.execute_notebook(str(NOTEBOOKS / f"{name}.ipynb"), str(out), parameters=parameters,
                               kernel_name="python3", cwd=str(cwd), progress_bar=False, log_output=False)
    notebook = nbformat.read(out, as_version=4)
    errors = [o for c in notebook.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
    assert errors == []
    return notebook


def _outputs(notebook: Any, mime: str) -> list[Any]:
    return [o.data[mime] for c in notebook.cells if c.cell_type == "code" for o in c.outputs
            if o.output_type in ("display_data", "execute_result") and mime in o.data]


def _stdout(notebook: Any) -> str:
    return "".join(o.text for c in notebook.cells if c.cell_type == "code" for o in c.outputs
                   if o.output_type == "stream" and o.name == "stdout")


def _statements(notebook: Any) -> dict[str, str]:
    """The review's statement blocks (without the stylesheet), by claim id, in the order shown."""
    shown: dict[str, str] = {}
    for html in _outputs(notebook, "text/html"):
        for section in re.findall(r'<section class="statement".*?</section>', html, flags=re.S):
            claim = re.search(r'data-claim="([^"]+)"', section).group(1)
            assert claim not in shown, f"{claim} shown twice"
            shown[claim] = section
    return shown


def test_review_notebook_shows_every_statement_of_article_004(tmp_path: Path) -> None:
    """Run as a reviewer opens it: from notebooks/, with the default parameters (article 004)."""
    evidence = load(REPO)
    claims = list(evidence.claims.loc[evidence.claims["article"] == "004", "claim"])
    notebook = _run("review", tmp_path)
    shown = _statements(notebook)
    assert list(shown) == claims
    assert f"{len(claims)} statements in article 004" in _stdout(notebook)
    # Citations with the references formatted through the citation style, and their links.
    balint = review.formatted_references(evidence.references, ["balint2018dystonia"])["balint2018dystonia"]
    assert _escaped(balint) in shown["004-c05"]
    assert 'href="https://doi.org/10.1038/s41572-018-0023-6"' in shown["004-c05"]
    assert 'href="https://pubmed.ncbi.nlm.nih.gov/30237473/"' in shown["004-c05"]
    # Statistics with parsed values beside the sources' values.
    assert "2:1 to 4:1" in shown["004-c25"] and "first-group share 0.667 to 0.8" in shown["004-c25"]
    assert "3-4:1" in shown["004-c25"]
    # The statement in its context in the full text.
    assert "<mark>" in shown["004-c25"] and "Task-specific dystonia" in shown["004-c25"]
    # The findings: a waived one with its reason.
    assert "claim-uncited" in shown["004-c27"] and "waived" in shown["004-c27"]
    # The current verdict of each reviewer, whatever the ledger holds today.
    from evidence_kit.verdicts import latest_verdicts

    for row in latest_verdicts(evidence.verdicts).itertuples():
        if row.article == "004":
            assert _escaped(row.verdict) in shown[row.claim] and _escaped(row.rationale) in shown[row.claim]
    # The verdict form is there.
    assert len(_outputs(notebook, WIDGET)) == 1


def _escaped(text: str) -> str:
    from markupsafe import escape

    return str(escape(text))


def test_review_notebook_takes_article_and_root_as_parameters(project: Project, tmp_path: Path) -> None:
    """A project elsewhere, its verdicts with their history and a disagreement between reviewers."""
    _ledger(project, VERDICTS)
    notebook = _run("review", tmp_path, article="001", root=str(project.root))
    shown = _statements(notebook)
    assert list(shown) == ["001-c01", "001-c02", "001-c03"]
    c01 = shown["001-c01"]
    latest = c01.split("<details>")[0]
    assert "Stated in the abstract." in latest and "First look." not in latest
    assert "History: 2 records" in c01 and "First look." in c01
    assert "reviewers disagree" in shown["001-c02"] and "penetrance of about 30%" in shown["001-c02"]
    assert "No verdict yet." in shown["001-c03"]


def test_review_notebook_blind_view_shows_one_reviewers_verdicts(project: Project, tmp_path: Path) -> None:
    _ledger(project, VERDICTS)
    notebook = _run("review", tmp_path, cwd=project.root, article="001", reviewer="reviewer-b")
    shown = _statements(notebook)
    assert "partly supported" in shown["001-c02"]
    assert "contradicted" not in shown["001-c02"] and "reviewers disagree" not in shown["001-c02"]
    assert "No verdict yet." in shown["001-c01"]


def test_audit_overview_notebook_shows_completeness_findings_and_plots(tmp_path: Path) -> None:
    evidence = load(REPO)
    findings = check(evidence)
    notebook = _run("audit_overview", tmp_path, root=str(REPO))
    html = "\n".join(_outputs(notebook, "text/html"))
    for article in evidence.articles["article"]:
        assert f">{article}<" in html
    for code in findings["code"].unique():
        assert code in html
    measures = evidence.statistics["measure"].dropna().nunique()
    assert len(_outputs(notebook, PLOTLY)) == 3 + measures
    assert len(_outputs(notebook, WIDGET)) == 1  # the findings filter


def test_summary_statistics_notebook_shows_every_statistic_and_the_plots(tmp_path: Path) -> None:
    evidence = load(REPO)
    notebook = _run("summary_statistics", tmp_path, root=str(REPO))
    html = "\n".join(_outputs(notebook, "text/html"))
    for statistic in evidence.statistics["statistic"]:
        assert statistic in html
    for value in evidence.source_values["value"]:
        assert _escaped(value) in html
    measures = evidence.statistics["measure"].dropna().nunique()
    assert len(_outputs(notebook, PLOTLY)) == 2 + measures


# --------------------------------------------------------------------------------------------
# The library the notebooks call


def test_find_root_looks_above_the_working_folder(project: Project) -> None:
    inner = project.root / "notebooks" / "deeper"
    inner.mkdir(parents=True)
    assert review.find_root(start=inner) == project.root.resolve()
    assert review.find_root(project.root) == project.root.resolve()
    assert review.find_root(start=NOTEBOOKS) == REPO
    with pytest.raises(FileNotFoundError):
        review.find_root(start=project.root.parent)


def test_links_are_built_only_from_identifiers_and_http() -> None:
    assert review.doi_url("10.1038/s41572-018-0023-6") == "https://doi.org/10.1038/s41572-018-0023-6"
    assert review.pmid_url("30237473") == "https://pubmed.ncbi.nlm.nih.gov/30237473/"
    assert review.web_url("https://example.org/a?b=1") == "https://example.org/a?b=1"
    for bad in ("javascript:alert(1)", "data:text/html,x", "file:///etc/passwd", "//evil.example", None, ""):
        assert review.web_url(bad) is None
    for bad in ('10.1/x"onclick="y', "doi:10.1000/x", "x", None):
        assert review.doi_url(bad) is None
    for bad in ("123abc", "12 34", "", None):
        assert review.pmid_url(bad) is None


def test_statement_view_gathers_the_evidence_of_a_claim(project: Project) -> None:
    _ledger(project, VERDICTS)
    evidence = load(project.root)
    view = review.statement_view(evidence, "001-c03")
    assert view.statement == "Aura in 78-82% of patients" and view.citations == "2, 1"
    assert view.context_before is not None and view.context_before.endswith("penetrance 1 • Tremor may occur • ")
    assert view.context_after.startswith(" 2, 1 References")
    assert list(view.references["printed"]) == ["2", "1"]
    assert list(view.references["key"]) == ["jones2019", "smith2020"]
    assert list(view.references["pmid_url"].fillna("")) == ["https://pubmed.ncbi.nlm.nih.gov/12345678/", ""]
    assert list(view.references["doi_url"].fillna("")) == ["", "https://doi.org/10.1000/xyz123"]
    assert view.references["reference"].str.contains("Jones C").iloc[0]
    stat = view.statistics.iloc[0]
    assert (stat["statistic"], stat["kind"], stat["low"], stat["high"]) == ("001-c03/1", "percent range", 0.78, 0.82)
    source = view.source_values.iloc[0]
    assert (source["key"], source["value"], source["kind"], source["n"], source["N"]) == \
        ("jones2019", "80%", "percent", 8, 10)
    assert view.verdicts.empty and view.history.empty and not view.conflict

    c02 = review.statement_view(evidence, "001-c02")
    assert list(c02.verdicts["reviewer"]) == ["reviewer-a", "reviewer-b"] and c02.conflict
    c01 = review.statement_view(evidence, "001-c01")
    assert list(c01.verdicts["verdict"]) == ["supported"] and list(c01.history["verdict"]) == \
        ["cannot verify", "supported"]
    blind = review.statement_view(evidence, "001-c02", reviewer="reviewer-b")
    assert list(blind.verdicts["verdict"]) == ["partly supported"] and not blind.conflict


def test_statement_view_of_a_statement_missing_from_the_full_text(project: Project) -> None:
    project.edit("evidence/articles/001.yaml", "Leg dystonia has many causes.", "Leg dystonia has few causes.")
    evidence = load(project.root)
    view = review.statement_view(evidence, "001-c01")
    assert (view.context_before, view.context_after) == (None, None) and not view.found_in_full_text
    assert "statement-not-in-full-text" in set(view.findings["code"])


def test_unreadable_statistic_says_why(project: Project) -> None:
    project.edit("evidence/articles/001.yaml", "value: 80%", "value: described as common")
    view = review.statement_view(load(project.root), "001-c03")
    assert view.source_values.iloc[0]["kind"] == "unreadable"
    assert view.source_values.iloc[0]["parsed"].startswith("unreadable: ")


def test_article_review_and_summary(project: Project) -> None:
    _ledger(project, VERDICTS)
    evidence = load(project.root)
    findings = check(evidence)
    views = review.article_review(evidence, "001", findings)
    assert [v.claim for v in views] == ["001-c01", "001-c02", "001-c03"]
    with pytest.raises(KeyError):
        review.article_review(evidence, "999", findings)
    summary = review.article_summary(evidence, findings).iloc[0]
    assert (summary["claims"], summary["claims_cited"], summary["claims_with_verdict"]) == (3, 3, 2)
    counts = review.verdict_counts(evidence)
    assert dict(zip(counts["verdict"], counts["count"])) == \
        {"contradicted": 1, "partly supported": 1, "supported": 1}


def test_filter_findings(project: Project) -> None:
    project.edit("evidence/articles/001.yaml", '    citations: "1"\n', "", )
    findings = check(load(project.root))
    assert set(review.filter_findings(findings, code="claim-uncited")["claim"]) == {"001-c01"}
    assert review.filter_findings(findings, severity="info").empty
    assert review.filter_findings(findings, waived=True).empty
    assert len(review.filter_findings(findings, article="001")) == \
        len(findings[findings["article"] == "001"])
    by_code = review.findings_by_code(findings)
    assert by_code.loc[by_code["code"] == "claim-uncited", "findings"].item() == 1


def test_verdict_form_records_through_the_ledger(project: Project) -> None:
    pytest.importorskip("ipywidgets")
    evidence = load(project.root)
    form = review.verdict_form(evidence, "001", reviewer="reviewer-a")
    c = form.controls
    c["claim"].value = "001-c03"
    assert [key for _, key in c["source"].options] == [None, "jones2019", "smith2020"]
    c["verdict"].value = "partly supported"
    c["certainty"].value = "moderate"
    c["rationale"].value = "The source reports 80% (8 of 10)."
    c["quote"].value = "8 of 10 patients"
    c["source"].value = "jones2019"
    c["locator"].value = "Table 2"
    c["button"].click()
    recorded = load(project.root).verdicts
    assert c["message"].value.startswith("Recorded: 001-c03 partly supported (moderate) by reviewer-a")
    assert len(recorded) == 1
    row = recorded.iloc[0]
    assert (row["claim"], row["verdict"], row["certainty"], row["reviewer"], row["source"], row["locator"]) == \
        ("001-c03", "partly supported", "moderate", "reviewer-a", "jones2019", "Table 2")


def test_verdict_form_reports_a_refusal_and_records_nothing(project: Project) -> None:
    pytest.importorskip("ipywidgets")
    form = review.verdict_form(load(project.root), "001")
    c = form.controls
    c["rationale"].value = "No reviewer given."
    c["button"].click()
    assert not (project.root / "evidence" / "verdicts.jsonl").exists()
    assert c["message"].value.startswith("Not recorded: ") and "reviewer" in c["message"].value
