"""``evidence-kit extract``: drafting evidence from an article's text.

Article 004 is the real case: the draft must reproduce the reviewer's statements and markers in
``evidence/articles/004.yaml``. Each marker style is also tried on small literal examples.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from evidence_kit.evidence_format import read_article_file, split_citations
from evidence_kit.extract import (Draft, Statement, draft_records, draft_yaml, extract, read_article,
                                  split_markers, write_draft)
from evidence_kit.errors import UnusableInput
from evidence_kit.loader import collapse, load
from evidence_kit.statistic import find_statistics
from evidence_kit.writing import WouldOverwrite

REPO = Path(__file__).resolve().parents[1]

ARTICLE_004 = REPO / "evidence" / "fulltext" / "004_b15a8c0b9e68997e.txt"
CURATED_004 = REPO / "evidence" / "articles" / "004.yaml"
# How many of the 49 curated claims of article 004 the draft reproduces exactly (statement,
# section, citations as printed and their position). Today it is all of them.
EXACT_FLOOR = 49


def run(*args: str, cwd=None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "EVIDENCE_KIT_DEBUG"}
    return subprocess.run([sys.executable, "-m", "evidence_kit.cli", *args], capture_output=True, text=True,
                          cwd=cwd, env=env, timeout=60)


@pytest.fixture(scope="module")
def draft_004() -> Draft:
    return extract(read_article(ARTICLE_004))


@pytest.fixture(scope="module")
def curated_004() -> list[dict]:
    return read_article_file(CURATED_004.read_text(encoding="utf-8"), str(CURATED_004))["claims"]


def _body_lines() -> list[str]:
    """Article 004's lines before its reference list."""
    lines = ARTICLE_004.read_text(encoding="utf-8").splitlines()
    return lines[:lines.index("References")]


# ---------------------------------------------------------------------------------------------
# Article 004


def test_draft_of_004_reproduces_the_curated_claims(draft_004, curated_004):
    drafted = {(s.text, s.section): s for s in draft_004.statements}
    exact = []
    for claim in curated_004:
        statement = drafted.get((collapse(claim["statement"]), claim.get("section")))
        if statement is None:
            continue
        citations = [t for t, _ in split_citations(statement.printed)] if statement.markers else []
        position = statement.position if statement.position != "inline" else None
        if (citations == [t for t, _ in split_citations(claim.get("citations"))]
                and position == claim.get("citation_position")):
            exact.append(claim["id"])
    print(f"\nthe draft reproduces {len(exact)} of the {len(curated_004)} curated claims of article 004 exactly")
    assert len(curated_004) == 49
    assert len(exact) >= EXACT_FLOOR, sorted({c["id"] for c in curated_004} - set(exact))


def test_every_curated_claim_with_its_own_marker_is_a_drafted_statement_with_those_markers(
        draft_004, curated_004):
    own = [c for c in curated_004 if c.get("citations") and c.get("citation_position", "inline") == "inline"]
    assert len(own) == 27
    drafted = {s.text: s for s in draft_004.statements}
    for claim in own:
        statement = drafted.get(collapse(claim["statement"]))
        assert statement is not None, claim["id"]
        assert [m.printed for m in statement.markers] == [t for t, _ in split_citations(claim["citations"])]
        assert statement.printed == claim["citations"] and statement.position == "inline"


def test_draft_of_004_finds_every_printed_marker_in_order(draft_004):
    # Independently of the extractor: in article 004 a marker is the number list ending a line.
    printed = []
    for line in _body_lines():
        m = re.search(r"\s(\d(?:, \d)*)$", line)
        if m:
            printed.extend(m[1].split(", "))
    assert len(printed) == 28
    assert [m.printed for m in draft_004.markers] == printed
    assert [m.style for m in draft_004.markers] == ["number"] * len(printed)


def test_draft_of_004_finds_every_statistic(draft_004, curated_004):
    expected = Counter(f.text for line in _body_lines() for f in find_statistics(line))
    drafted = Counter(f.text for s in draft_004.statements for f in s.statistics)
    assert drafted == expected and sum(drafted.values()) == 8
    # Each statistic the reviewer recorded is found in its statement, with the same words at its
    # core ("78-82%" in "78-82% of patients", "between 7-15 years" around "7-15 years").
    by_statement = {s.text: [f.text for f in s.statistics] for s in draft_004.statements}
    for claim in curated_004:
        for stat in claim.get("statistics") or []:
            found = by_statement[collapse(claim["statement"])]
            assert any(stat["text"] in text or text in stat["text"] for text in found), (claim["id"], stat)


def test_draft_of_004_reads_the_unnumbered_reference_list(draft_004):
    assert [r.number for r in draft_004.references] == [1, 2, 3, 4, 5]
    assert [r.title for r in draft_004.references] == [
        "Acute and Tardive Dystonia Management", "Dystonia.", "Guideline Directed Topic Overview",
        "The Dystonias.", "Dystonia: diagnosis and management."]
    assert not any(r.numbered for r in draft_004.references)
    assert draft_004.title == "What causes leg dystonia?"
    # Nothing after the reference list (the disclaimer, the advertising) is a statement.
    assert not any("healthcare professionals" in s.text for s in draft_004.statements)


def test_draft_of_004_loads_and_checks_cleanly_but_for_the_placeholder_keys(tmp_path, draft_004):
    shutil.copy(ARTICLE_004, tmp_path / "article.txt")
    out = tmp_path / "evidence" / "articles" / "004.yaml"
    shown, _ = write_draft(tmp_path / "article.txt", out=out, cwd=tmp_path)
    assert shown == Path("evidence/articles/004.yaml")
    text = out.read_text(encoding="utf-8")
    assert "TODO-ref1" in text and "# Acute and Tardive Dystonia Management" in text
    record = read_article_file(text, str(out))
    assert record["article"]["status"] == "submitted"
    assert record["article"]["full_text"] == "article.txt"
    assert record["article"]["title"] == "What causes leg dystonia?"
    assert [s.text for s in draft_004.statements] == [c["statement"] for c in record["claims"]]

    from evidence_kit.checks import check

    findings = check(load(tmp_path))
    codes = Counter(findings["code"])
    # the TODO keys: one finding per reference a claim cites
    assert codes["citation-key-undefined"] == sum(len(m.numbers) for s in draft_004.statements for m in s.markers)
    for code in ("statement-not-in-full-text", "statistic-not-in-statement", "citation-unreadable",
                 "citation-number-unlisted", "full-text-missing"):
        assert code not in codes, findings[findings["code"] == code]["message"].tolist()


# ---------------------------------------------------------------------------------------------
# Marker styles on literal examples


@pytest.mark.parametrize("text, statement, markers, printed", [
    # trailing numbers, as in article 004
    ("Aura in 78-82% of patients 3, 1", "Aura in 78-82% of patients", ["3", "1"], "3, 1"),
    ("Leg dystonia has many causes. 1", "Leg dystonia has many causes.", ["1"], "1"),
    ("Hypocalcemia: Often associated with hypoparathyroidism (as seen in 22q11.2 deletion syndrome) 3",
     "Hypocalcemia: Often associated with hypoparathyroidism (as seen in 22q11.2 deletion syndrome)", ["3"], "3"),
    ("More common in males (2:1 to 4:1 ratio), typically onset between 7-15 years 3",
     "More common in males (2:1 to 4:1 ratio), typically onset between 7-15 years", ["3"], "3"),
    ("Other implicated genes: PNKD, SLC2A1, SCN8A, KCNMA1, KCNA19, DEPDC5 1",
     "Other implicated genes: PNKD, SLC2A1, SCN8A, KCNMA1, KCNA19, DEPDC5", ["1"], "1"),
    # brackets
    ("Dystonia is common [3].", "Dystonia is common", ["3"], "[3]"),
    ("Dystonia is common.[3]", "Dystonia is common.", ["3"], "[3]"),
    ("Dystonia is common [3][4].", "Dystonia is common", ["3", "4"], "[3][4]"),
    ("Dystonia is common [3-5]", "Dystonia is common", ["3-5"], "[3-5]"),
    ("Dystonia is common [3–5]", "Dystonia is common", ["3–5"], "[3–5]"),
    ("Dystonia is common [1, 2]", "Dystonia is common", ["1", "2"], "[1, 2]"),
    # superscripts
    ("Dystonia is common¹˒²", "Dystonia is common", ["¹", "²"], "¹˒²"),
    ("Dystonia is common.⁴˒⁵", "Dystonia is common.", ["⁴", "⁵"], "⁴˒⁵"),
    ("Dystonia is common¹⁻³.", "Dystonia is common", ["¹⁻³"], "¹⁻³"),
    # author-year
    ("Attacks last under a minute (Bruno et al., 2004).", "Attacks last under a minute",
     ["Bruno et al., 2004"], "(Bruno et al., 2004)"),
    ("Paroxysmal dyskinesias are rare [Demirkiran & Jankovic 1995]", "Paroxysmal dyskinesias are rare",
     ["Demirkiran & Jankovic 1995"], "[Demirkiran & Jankovic 1995]"),
    ("It runs in families (Smith and Jones 2001; Lee 2003).", "It runs in families",
     ["Smith and Jones 2001", "Lee 2003"], "(Smith and Jones 2001; Lee 2003)"),
    ("It is common (van der Berg, 2019a, 2020)", "It is common", ["van der Berg, 2019a, 2020"],
     "(van der Berg, 2019a, 2020)"),
])
def test_marker_styles(text, statement, markers, printed):
    got_statement, got_markers, got_printed = split_markers(text)
    assert (got_statement, [m.printed for m in got_markers], got_printed) == (statement, markers, printed)
    assert text.startswith(got_statement)  # still verbatim


@pytest.mark.parametrize("text, numbers", [
    ("Aura 3, 1", [3, 1]), ("Common [3][4]", [3, 4]), ("Common [3-5]", [3, 4, 5]),
    ("Common¹˒²", [1, 2]), ("Common¹⁻³", [1, 2, 3]), ("Common (Bruno et al., 2004)", []),
])
def test_markers_know_their_reference_numbers(text, numbers):
    assert [n for m in split_markers(text)[1] for n in m.numbers] == numbers


@pytest.mark.parametrize("text", [
    "Neurofibromatosis type 1",
    "The score improved from 10 to 20",
    "Onset is typically between 7-15",
    "Prevalence is 1 in 1,000",
    "Body mass index above 30 kg/m²",
    "Cultures of 10⁶ cells",
    "Seen mostly in spring (January 2020)",
    "It affects about 150,000",
    "Attacks last >1 minute",
    "Ratio n = 61",
])
def test_numbers_that_belong_to_the_statement_are_not_markers(text):
    assert split_markers(text) == (text, [], "")


def test_a_trailing_number_beyond_the_reference_list_is_not_a_marker():
    assert split_markers("Seen in adults 12", references=5) == ("Seen in adults 12", [], "")
    assert split_markers("Seen in adults 4", references=5)[0] == "Seen in adults"


def test_a_marker_inside_a_sentence_stays_in_the_statement_and_is_listed():
    statement, markers, printed = split_markers("Dystonia [1] is often focal [2].")
    assert statement == "Dystonia [1] is often focal"
    assert [m.printed for m in markers] == ["1", "2"] and printed == "[1] [2]"


# ---------------------------------------------------------------------------------------------
# Structure: headings, sentences, lists, reference lists

STRUCTURED = """\
A short article

Causes

Dystonia has many causes. 1 Most cases are focal, e.g. in the foot. 2, 1 Is it common?

Symptoms include:

  • Tremor
  • Cramps 2
  • Pain
  • Aura in 78-82% of patients 1
  • Fatigue:
    • Early
    • Late 2

References

1. Bruno MK, Hallett M. Clinical evaluation of idiopathic paroxysmal kinesigenic dyskinesia. Neurology. 2004.
2. Lee H. Another source. Brain. 2003.

Disclaimer: not medical advice.
"""


def test_sections_sentences_and_lists():
    draft = extract(STRUCTURED)
    rows = [(s.section, s.text, [m.printed for m in s.markers], s.position) for s in draft.statements]
    assert rows == [
        ("Causes", "Dystonia has many causes.", ["1"], "inline"),
        ("Causes", "Most cases are focal, e.g. in the foot.", ["2", "1"], "inline"),
        # "Tremor" opens the list: it shares the marker that closes its run
        ("Causes", "Tremor", ["2"], "end of list"),
        ("Causes", "Cramps", ["2"], "inline"),
        # one unmarked item between two marked ones keeps no marker
        ("Causes", "Pain", [], None),
        ("Causes", "Aura in 78-82% of patients", ["1"], "inline"),
        ("Causes", "Early", ["2"], "end of list"),
        ("Causes", "Late", ["2"], "inline"),
    ]
    assert draft.statements[-2].list_intro == "Fatigue:"
    assert [r.number for r in draft.references] == [1, 2] and all(r.numbered for r in draft.references)
    assert draft.references[0].printed.startswith("Bruno MK")
    assert not any("Disclaimer" in s.text for s in draft.statements)


def test_author_year_markers_are_matched_to_the_reference_list():
    text = ("Title\n\nPKD attacks are brief (Bruno et al., 2004). Some are not (Lee 2003; Nobody 1999).\n\n"
            "References\n\nBruno MK, Hallett M. Clinical evaluation. Neurology, 2004\nLee H. Another. Brain, 2003\n")
    first, second = extract(text).statements
    assert first.markers[0].numbers == (1,)
    assert [m.numbers for m in second.markers] == [(2,), ()]
    records = draft_records(extract(text), "x")
    assert records[0]["citations"] == "1"
    assert records[1]["citations"] == "Lee 2003; Nobody 1999"  # the reviewer maps what is unknown


def test_superscript_citations_are_written_as_numbers_the_loader_reads():
    text = "Title\n\nDystonia is common.¹˒² It is treatable¹⁻³.\n"
    records = draft_records(extract(text), "x")
    assert [(r["markers"], r["citations"]) for r in records] == [(["¹", "²"], "1, 2"), (["¹⁻³"], "1-3")]
    yaml_text = draft_yaml(extract(text), "x", "x.txt")
    assert "citations: 1, 2  # printed ¹˒²" in yaml_text
    claims = read_article_file(yaml_text, "x.yaml")["claims"]
    assert [[n for _, n in split_citations(c["citations"])] for c in claims] == [[1, 2], [1, 2, 3]]


# ---------------------------------------------------------------------------------------------
# The YAML writer


NASTY = ["a: b", "# not a comment", "- dash", "'quoted'", '"double"', "null", "~", "yes", "004", "@at",
         "*star", "&anchor", "!tag", "%pct", "{brace}", "[bracket]", "tab\there", "bell\x07", "nbsp\xa0x",
         "emoji 😀", "back\\slash", "colon at end:", "ends with space ", " leading", "line\u2028sep",
         "del\x7f", "c1\x85", "bom\ufeff", "ℵ₀ ∞"]


@pytest.mark.parametrize("text", NASTY)
def test_yaml_quotes_every_string_safely(text):
    statement = Statement(text=text, section=text, line=1)
    draft = Draft(title=text, statements=(statement,), references=())
    record = read_article_file(draft_yaml(draft, "x", text), "x.yaml")
    assert record["article"]["title"] == text and record["article"]["full_text"] == text
    assert record["claims"][0]["statement"] == text and record["claims"][0]["section"] == text


@settings(max_examples=200, deadline=None)
@given(st.text(min_size=1, max_size=300))
def test_any_text_gives_a_draft_that_loads(text):
    draft = extract(text)
    record = read_article_file(draft_yaml(draft, "x", "x.txt"), "x.yaml")
    assert [c["statement"] for c in record["claims"]] == [s.text for s in draft.statements]
    json.dumps(draft_records(draft), allow_nan=False)


PIECES = ["Causes", "", "  • ", "    • ", "- ", "1. ", "Dystonia is common", ".", " 3, 1", " 2", "[3][4]",
          "¹˒²", "⁴", " (Bruno et al., 2004)", " [Demirkiran & Jankovic 1995]", "References", "e.g.",
          " in 78-82% of patients", " (2:1 to 4:1)", "Intro:", "\n", "\n\n", "?", " x", "²", "[", "(", ")"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(PIECES), max_size=40).map("".join))
def test_any_mix_of_markers_lists_and_headings_gives_a_draft_that_loads(text):
    draft = extract("Title\n" + text)
    record = read_article_file(draft_yaml(draft, "x", "x.txt"), "x.yaml")
    for claim, statement in zip(record["claims"], draft.statements, strict=True):
        assert claim["statement"] == statement.text
        numbers = [n for m in statement.markers for n in m.numbers]
        if statement.markers and all(m.numbers for m in statement.markers):
            assert [n for _, n in split_citations(claim["citations"])] == numbers
        for stat in claim.get("statistics") or []:
            assert stat["text"] in claim["statement"]


# ---------------------------------------------------------------------------------------------
# Files: reading and never overwriting


def test_read_article_rejects_missing_not_utf8_and_empty(tmp_path):
    with pytest.raises(UnusableInput, match="no such file"):
        read_article(tmp_path / "absent.txt")
    (tmp_path / "latin1.txt").write_bytes(b"Title\n\nCaf\xe9 1\n")
    with pytest.raises(UnusableInput, match=r"latin1.txt:3: not UTF-8"):
        read_article(tmp_path / "latin1.txt")
    (tmp_path / "empty.txt").write_text(" \n\n", encoding="utf-8")
    with pytest.raises(UnusableInput, match="empty"):
        read_article(tmp_path / "empty.txt")
    with pytest.raises(UnusableInput, match="folder"):
        read_article(tmp_path)


def test_write_draft_never_overwrites(tmp_path):
    (tmp_path / "a.txt").write_text(STRUCTURED, encoding="utf-8")
    target = tmp_path / "evidence" / "articles" / "a.yaml"
    target.parent.mkdir(parents=True)
    target.write_text("reviewer's work\n", encoding="utf-8")
    with pytest.raises(WouldOverwrite):
        write_draft(tmp_path / "a.txt", out=target, cwd=tmp_path)
    assert target.read_text(encoding="utf-8") == "reviewer's work\n"
    assert sorted(p.name for p in target.parent.iterdir()) == ["a.yaml"]  # no temporary file left


def test_full_text_outside_the_project_is_an_absolute_path_with_a_note(tmp_path):
    (tmp_path / "a.txt").write_text(STRUCTURED, encoding="utf-8")
    project = tmp_path / "project"
    write_draft(tmp_path / "a.txt", out=project / "evidence" / "articles" / "a.yaml", cwd=tmp_path)
    text = (project / "evidence" / "articles" / "a.yaml").read_text(encoding="utf-8")
    assert f"full_text: {(tmp_path / 'a.txt').resolve().as_posix()}" in text
    assert "outside the project" in text


# ---------------------------------------------------------------------------------------------
# The command


def test_cli_writes_the_draft_then_refuses_to_overwrite_it(tmp_path):
    shutil.copy(ARTICLE_004, tmp_path / "004_b15a8c0b9e68997e.txt")
    first = run("extract", "004_b15a8c0b9e68997e.txt", cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    assert first.stdout.startswith("wrote evidence/articles/004.yaml: a draft of 50 statements, 28 markers")
    target = tmp_path / "evidence" / "articles" / "004.yaml"
    before = target.read_bytes()
    assert read_article_file(before.decode(), "004.yaml")["article"]["id"] == "004"
    again = run("extract", "004_b15a8c0b9e68997e.txt", cwd=tmp_path)
    assert again.returncode == 2 and again.stdout == ""
    assert again.stderr.strip().splitlines() == [
        "evidence-kit: evidence/articles/004.yaml: already exists; not overwriting it "
        "(choose another name or remove it)"]
    assert target.read_bytes() == before


def test_cli_out_and_id(tmp_path):
    (tmp_path / "a.txt").write_text(STRUCTURED, encoding="utf-8")
    result = run("extract", "a.txt", "--id", "007", "--out", "drafts/seven.yaml", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    record = read_article_file((tmp_path / "drafts" / "seven.yaml").read_text(encoding="utf-8"), "seven.yaml")
    assert record["article"]["id"] == "007" and record["claims"][0]["id"] == "007-c01"
    assert record["article"]["full_text"] == "a.txt"


def test_cli_json_prints_statements_markers_and_statistics(tmp_path):
    result = run("extract", str(ARTICLE_004), "--format", "json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert list(tmp_path.iterdir()) == []  # prints, writes nothing
    statements = json.loads(result.stdout)
    assert isinstance(statements, list) and len(statements) == 50
    for s in statements:
        assert isinstance(s["statement"], str) and s["statement"]
        assert isinstance(s["markers"], list) and all(isinstance(m, str) for m in s["markers"])
        assert isinstance(s["statistics"], list)
        for stat in s["statistics"]:
            assert {"text", "kind", "low", "high", "low_bound", "high_bound", "unit", "n", "N"} <= set(stat)
    demographics = next(s for s in statements if s["statement"].startswith("Demographics"))
    assert demographics["markers"] == ["3"]
    ratio, onset = demographics["statistics"]
    assert ratio["text"] == "2:1 to 4:1" and ratio["kind"] == "ratio range" and ratio["measure"] == "sex ratio"
    assert ratio["share_low"] == pytest.approx(2 / 3) and ratio["share_high"] == pytest.approx(0.8)
    assert onset["text"] == "between 7-15 years" and (onset["low"], onset["high"]) == (7, 15)
    aura = next(s for s in statements if s["statement"].startswith("Often preceded"))
    assert aura["markers"] == ["3", "1"] and aura["citation_position"] == "end of list"
    assert aura["statistics"][0]["low"] == pytest.approx(0.78)


@pytest.mark.parametrize("setup, args, message", [
    (None, ["absent.txt"], "evidence-kit: absent.txt: no such file"),
    (b"Title\n\nCaf\xe9\n", ["a.txt"], "evidence-kit: a.txt:3: not UTF-8 text"),
    (b"", ["a.txt"], "evidence-kit: a.txt: the file is empty"),
    (b"Title\n", ["a.txt", "--format", "json", "--out", "x.yaml"], "evidence-kit: extract: --format json"),
    (b"Title\n", ["a.txt", "--id", "../x"], "evidence-kit: --id '../x'"),
    (b"Title\n", ["a.txt", "--format", "xml"], "evidence-kit: extract: argument --format"),
])
def test_cli_errors_are_one_line_with_exit_2(tmp_path, setup, args, message):
    if setup is not None:
        (tmp_path / "a.txt").write_bytes(setup)
    result = run("extract", *args, cwd=tmp_path)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(message), result.stderr
    assert "Traceback" not in result.stderr and result.stdout == ""
    assert not (tmp_path / "evidence").exists() and not (tmp_path / "x.yaml").exists()
