"""The loader: tables with the declared schema, rows that know their line, rejections with file:line."""

from __future__ import annotations

import re

import pytest

from evidence_kit import schema
from evidence_kit.errors import UnusableInput
from evidence_kit.evidence_format import split_citations
from evidence_kit.loader import load

ART = "evidence/articles/001.yaml"


def test_tables_follow_the_schema(project):
    ev = load(project.root)
    for name in ("articles", "listed_references", "claims", "citations", "statistics", "source_values",
                 "references", "waivers"):
        schema.validate(name, ev.table(name))
    assert list(ev.claims["claim"]) == ["001-c01", "001-c02", "001-c03"]
    assert list(ev.claims["line"]) == [10, 14, 23]
    assert ev.claims.loc[1, "statement"].startswith("Hereditary primary dystonias: These have")
    cites = ev.citations[ev.citations["claim"] == "001-c03"]
    assert list(cites["printed"]) == ["2", "1"] and list(cites["key"]) == ["jones2019", "smith2020"]
    assert list(ev.statistics["statistic"]) == ["001-c02/1", "001-c03/1"]
    assert ev.source_values.iloc[0][["key", "n", "N", "line"]].tolist() == ["jones2019", 8, 10, 30]
    assert list(ev.references["key"]) == ["smith2020", "jones2019"]


def test_tables_keep_their_strings_in_python_also_where_pandas_would_use_pyarrow(project):
    """pandas keeps strings in pyarrow when it is installed (the test extra installs it): the tables,
    and so the checks' comparisons, are the same either way."""
    import sys

    import pandas as pd

    from evidence_kit.checks import check

    import pyarrow  # noqa: F401 - in the test extra; a plain install of the package works without it
    assert "pyarrow" in sys.modules  # pandas imported it: inferred strings are pyarrow strings here
    assert pd.Series(["a"]).array.__class__.__name__.startswith("Arrow")
    ev = load(project.root)
    for name in ("articles", "claims", "citations", "statistics", "source_values", "references", "verdicts"):
        for column, dtype in schema.columns(name).items():
            if dtype == schema.STR:
                assert ev.table(name)[column].dtype == pd.StringDtype("python"), (name, column)
    schema.validate("findings", check(ev))


def test_article_id_stays_as_typed(project):
    project.edit(ART, 'id: "001"', "id: 001")
    assert load(project.root).articles.loc[0, "article"] == "001"


@pytest.mark.parametrize("old, new, line, words", [
    ("  title: A test article\n", "  title: A test article\n  colour: red\n", 4, "unknown field 'colour'"),
    ("  status: submitted", "  status: done", 4, "must be one of submitted | under review | approved"),
    ("            n: 8", "            n: eight", 32, "must be a whole number"),
    ("  title: A test article", "  title: [a, list]", 3, "must be text, not a list"),
    ("    section: Causes\n    statement: Leg", "    section: Causes\n    section: Again\n    statement: Leg",
     12, "field 'section' is given twice"),
    ("  - id: 001-c02", "  - id: 001-c01", 14, "claim id '001-c01' is already used at evidence/articles/001.yaml:10"),
    ("    1: smith2020\n", "    one: smith2020\n", 7, "is not a reference number"),
    ("    2: jones2019\n", "    1: jones2019\n", 8, "reference 1 is listed twice"),
    ("  status: submitted\n", "", 2, "lacks required field 'status'"),
    ("claims:\n", "claims: [\n", None, "not valid YAML"),
    ("  accessed: x\n", "", None, None),
])
def test_rejections_name_file_and_line(project, old, new, line, words):
    if words is None:  # accessed is optional: a bad date is rejected, a missing one is fine
        project.edit(ART, "  status: submitted\n", "  status: submitted\n  accessed: 30/11/2026\n")
        line, words = 5, "must be a date like 2026-11-30"
    else:
        project.edit(ART, old, new)
    with pytest.raises(UnusableInput) as caught:
        load(project.root)
    text = str(caught.value)
    assert words in text
    if line is not None:
        assert f"{ART}:{line}:" in text
    else:
        assert text.startswith(f"{ART}:")


def test_duplicate_article_ids_across_files(project):
    project.article((project.root / ART).read_text().replace("001-c0", "002-c0"), name="002.yaml")
    with pytest.raises(UnusableInput, match=r"evidence/articles/002.yaml:2: article id '001' is already used"):
        load(project.root)


def test_all_problems_are_reported_together(project):
    project.edit(ART, "  status: submitted", "  status: done\n  colour: red")
    with pytest.raises(UnusableInput) as caught:
        load(project.root)
    assert len(caught.value.problems) == 2


def test_empty_evidence_file(project):
    project.article("")
    with pytest.raises(UnusableInput, match=r"001.yaml:1: the file is empty"):
        load(project.root)


def test_evidence_file_not_utf8(project):
    (project.root / ART).write_bytes(b"article:\n  title: caf\xe9\n")
    with pytest.raises(UnusableInput, match=r"001.yaml:2: not UTF-8"):
        load(project.root)


def test_no_evidence_at_all(tmp_path):
    with pytest.raises(UnusableInput, match="no article evidence files"):
        load(tmp_path)


def test_yaml_tags_construct_nothing(project):
    project.edit(ART, "  title: A test article", "  title: !!python/object/apply:os.system ['echo pwned']")
    with pytest.raises(UnusableInput):
        load(project.root)


@pytest.mark.parametrize("printed, expected", [
    ("1", [("1", 1)]),
    ("3, 1", [("3", 3), ("1", 1)]),
    ("[3][4]", [("3", 3), ("4", 4)]),
    ("3-5", [("3-5", 3), ("3-5", 4), ("3-5", 5)]),
    ("2, x", [("2", 2), ("x", None)]),
    ("¹˒²", [("¹", 1), ("²", 2)]),
    ("¹⁻³", [("¹⁻³", 1), ("¹⁻³", 2), ("¹⁻³", 3)]),
    ("٣", [("٣", None)]),
    ("", []),
    (None, []),
])
def test_split_citations(printed, expected):
    assert split_citations(printed) == expected


@pytest.mark.parametrize("text, line, words", [
    ("article:\n  id: x\n  title: a\x07b\n", 3, "character U+0007 is not allowed"),
    ("article:\n  title: \ud800\n", 2, "lone surrogate"),
])
def test_unreadable_characters_are_rejected_with_their_line(text, line, words):
    from evidence_kit.evidence_format import read_article_file

    with pytest.raises(UnusableInput, match=rf"^x\.yaml:{line}: .*{re.escape(words)}"):
        read_article_file(text, "x.yaml")


@pytest.mark.parametrize("old, new, line, words", [
    ("  full_text: evidence/fulltext/001.txt", "  full_text:", 5, "article.full_text is required but empty"),
    ("  - id: 001-c02", "  - id: ~", 14, "claims[2].id is required but empty"),
    ("        measure: penetrance", "        measure: null", 22, "claims[2].statistics[1].measure is required but empty"),
])
def test_a_required_field_left_empty_is_rejected_with_its_line(project, old, new, line, words):
    project.edit(ART, old, new)
    with pytest.raises(UnusableInput, match=re.escape(f"{ART}:{line}: {words}")):
        load(project.root)


def test_the_check_forks_the_bibliography_process_before_importing_pandas(project, tmp_path):
    """The second process parses while this one imports pandas; the report is the same."""
    import os
    import subprocess
    import sys

    code = ("import sys; from evidence_kit import loader; loader.PARALLEL_BYTES = 0; seen = [];"
            "from evidence_kit.forked import Forked; real = Forked.__init__;"
            "Forked.__init__ = lambda self, *a: seen.append('pandas' in sys.modules) or real(self, *a);"
            "from evidence_kit.cli import main; status = main(['check', sys.argv[1]]);"
            "print('PANDAS AT FORK', seen[:1], status)")
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "xdg")}
    forked = subprocess.run([sys.executable, "-c", code, str(project.root)], capture_output=True, text=True,
                            timeout=120, env=env)
    assert "PANDAS AT FORK [False]" in forked.stdout, forked.stdout[-500:] + forked.stderr[-2000:]
    one = subprocess.run([sys.executable, "-m", "evidence_kit.cli", "check", "--no-cache", str(project.root)],
                         capture_output=True, text=True, timeout=120, env=env)
    assert forked.stdout.rsplit("PANDAS AT FORK", 1)[0] == one.stdout


def test_a_bibliography_parsed_in_two_processes_gives_what_one_process_gives(project, monkeypatch):
    import pandas as pd

    from evidence_kit import loader

    project.bib((project.root / "references.bib").read_text()
                + "@string{brain = {Brain}}\n\n@article{orphan, title = {Unused}, journal = brain}\n\n"
                  "@article{smith2020, title = {Again}}\n\n@misc{late, title = {Last}, doi = {10.1/x}}\n")
    monkeypatch.setattr(loader, "_tail_share", lambda bib, evidence, importing=False: 0.5)
    halves = []
    real = loader.bibliography_halves
    monkeypatch.setattr(loader, "bibliography_halves", lambda *a: halves.append(real(*a)) or halves[-1])
    forked, serial = loader.load(project.root, parallel=True), loader.load(project.root, parallel=False)
    assert halves and halves[0] is not None and halves[0].tail_line > 1  # the two-part path ran
    pd.testing.assert_frame_equal(forked.references, serial.references)
    assert forked.load_findings == serial.load_findings
    assert {"bib-duplicate-key", "bib-missing-field"} <= {f["code"] for f in serial.load_findings}


def _quits_without_answering() -> bytes:
    import os

    os._exit(0)  # as if the child had been stopped after a clean exit, before sending anything


def _raises() -> bytes:
    raise RuntimeError("broken in the child")


def test_a_forked_answer_counts_only_when_it_arrived_whole_and_the_child_is_collected():
    """The answer is taken by its length, not by the child's exit: a child that sends nothing or
    fails gives None; every child is collected once it has exited, without the caller waiting."""
    import time

    from evidence_kit import forked

    assert forked.Forked(lambda: b"x" * 300_000).result() == b"x" * 300_000  # more than a pipe holds
    assert forked.Forked(bytes).result() is None  # an empty answer is no answer
    assert forked.Forked(_quits_without_answering).result() is None
    assert forked.Forked(_raises).result() is None
    deadline = time.monotonic() + 10
    while forked._EXITING and time.monotonic() < deadline:
        time.sleep(0.01)
        forked.reap()
    assert not forked._EXITING
