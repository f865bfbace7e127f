"""The benchmark at a tiny size: it runs, and its tables have their shape (no timed assertions);
and the faster code paths it measures give exactly what the plain ones gave."""

from __future__ import annotations

import re
import shutil

import pandas as pd
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from evidence_kit import benchmark, synthetic
from evidence_kit.checks import _not_in_texts
from evidence_kit.evidence_format import _Loader
from evidence_kit.loader import collapse


@pytest.fixture(autouse=True)
def private_secret(tmp_path_factory, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("xdg")))


def table(text: str, header: str) -> list[list[str]]:
    """The rows of the Markdown table whose header starts with ``header``, as lists of cells."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(header))
    rows = []
    for line in lines[start + 2:]:
        if not line.startswith("|"):
            break
        rows.append([cell.strip() for cell in line.strip("|").split("|")])
    return rows


def test_benchmark_at_a_tiny_size(tmp_path, project):
    result = benchmark.run(claims=40, entries=30, runs=1, series=((20, 30), (40, 30), (20, 60)),
                           workdir=tmp_path / "bench", shipped=project.root,
                           checkcites=shutil.which("checkcites") is not None)
    text = benchmark.render(result)
    assert text.startswith("## Performance\n")
    # The sizes in the corpus line are taken while the corpus exists (a temporary one is removed).
    assert result.bib_bytes == (tmp_path / "bench" / "main" / "references.bib").stat().st_size > 0
    assert result.yaml_bytes == sum(p.stat().st_size for p in result.corpus.evidence_files) > 0

    targets = table(text, "| target |")
    assert all(len(row) == 3 and row[2] in ("**yes**", "**NO**") for row in targets), targets
    names = [row[0] for row in targets]
    expected = ["check on the shipped evidence", "loading the bibliography", "loading the evidence files",
                "all checks", "2x the claims costs", "peak memory", "warm >= 5x", "a changed input"]
    if result.checkcites is not None:
        expected[4:4] = ["same unused and undefined keys as checkcites", "cold check >= 12x", "warm check >= 50x"]
    assert len(names) == len(expected) and all(n.startswith(e) for n, e in zip(names, expected)), names
    assert targets[-1][2] == "**yes**", "a changed input was served stale"
    if result.checkcites is not None:
        assert targets[4][2] == "**yes**", targets[4]

    steps = table(text, "| step |")
    assert len(steps) >= 9 and all(len(row) == 4 for row in steps)
    assert all(re.fullmatch(r"\d+\.\d\d", row[1]) and re.fullmatch(r"\d+", row[3]) for row in steps), steps
    assert [row[:2] for row in table(text, "| claims |")] == [["20", "30"], ["40", "30"], ["20", "60"]]
    phases = {row[0]: row[1:] for row in table(text, "| part |")}
    assert all(len(cells) == 2 for cells in phases.values())
    assert {"import", "load", "checks", "report", "total", "beyond parsing"} <= set(phases)


def test_the_corpus_is_deterministic_and_knows_its_problems(tmp_path):
    a = synthetic.write_corpus(tmp_path / "a", claims=250, entries=300, seed=7)
    synthetic.write_corpus(tmp_path / "b", claims=250, entries=300, seed=7)
    files = sorted(p.relative_to(tmp_path / "a") for p in (tmp_path / "a").rglob("*") if p.is_file())
    assert files and all((tmp_path / "a" / f).read_bytes() == (tmp_path / "b" / f).read_bytes() for f in files)
    assert (a.articles, a.claims, a.entries) == (3, 250, 300)
    assert a.unused_keys and a.undefined_keys and a.citations > a.claims / 2 and a.statistics
    text = (tmp_path / "a" / "references.bib").read_text()
    assert len(synthetic.bib_keys(text)) < 300  # some keys are defined twice


def test_the_aux_file_holds_the_citations_as_latex_writes_them(tmp_path):
    """One \\citation per claim that cites, naming the keys its markers resolve to (checked against
    the loaded citations), and one per used key no claim cites: together, exactly the used keys."""
    import re

    from evidence_kit.loader import load

    corpus = synthetic.write_corpus(tmp_path, claims=250, entries=300, seed=7)
    aux = synthetic.write_aux(tmp_path / "references.aux", corpus.used_keys, "references", corpus.cites)
    cited = re.findall(r"^\\citation\{(.*)\}$", aux.read_text(), re.MULTILINE)
    assert cited[:len(corpus.cites)] == [",".join(keys) for keys in corpus.cites]
    assert {key for line in cited for key in line.split(",")} == set(corpus.used_keys)
    citations = load(tmp_path).citations.dropna(subset=["key"])
    by_claim = [list(group["key"]) for _, group in citations.groupby("claim", sort=False)]
    assert by_claim == corpus.cites
    assert len(cited) > len(corpus.cites) > corpus.claims / 2


def test_checkcites_and_evidence_kit_sets_are_parsed():
    output = ("Unused references in your TeX document: 2\n=> a\n=> b\n\n----\n"
              "Undefined references in your TeX document: 1\n=> c\n")
    assert benchmark.parse_checkcites(output) == ({"a", "b"}, {"c"})
    report = ('{"findings": [{"code": "bib-entry-unused", "key": "a"}, '
              '{"code": "citation-key-undefined", "key": "c"}, {"code": "claim-uncited", "key": null}]}')
    assert benchmark.evidence_kit_sets(report) == ({"a"}, {"c"})


# The faster code paths give what the plain ones gave.

@pytest.mark.parametrize("text", ["", "  a \t b\n\n c  ", "a\u00a0b\u2009c\u3000d", "x\x1c\x1dy\x85z", " \n "])
def test_collapse_is_the_regular_expression_it_replaced(text):
    assert collapse(text) == re.sub(r"\s+", " ", text).strip()


@settings(max_examples=500, deadline=None)
@given(st.text(st.one_of(st.sampled_from(" \t\n\r\x0b\x0c\x1c\x1f\x85\xa0\u1680\u2000\u2028\u2029\u202f\u3000ab"),
                         st.characters()), max_size=30))
def test_collapse_keeps_only_texts_already_collapsed(text):
    assert collapse(text) == " ".join(text.split())


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(st.sampled_from(" \t\n\x1f\x7f\xa0\u2009é?ab"), max_size=8), max_size=20),
       st.integers(1, 8))
def test_collapse_all_gives_what_collapse_gives_each_text(texts, at_once):
    from evidence_kit import loader

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(loader, "_TEXTS_AT_ONCE", at_once)  # the slices' edges too
        assert loader.collapse_all(texts) == [collapse(text) for text in texts]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["a", "b", "c"]), st.text("xy. ", max_size=30)), max_size=12),
       st.dictionaries(st.sampled_from(["a", "b", "c"]), st.one_of(st.none(), st.text("xy. ", max_size=80))))
def test_statements_are_looked_for_as_in_would(pairs, texts):
    articles, statements = [a for a, _ in pairs], [s for _, s in pairs]
    assert _not_in_texts(articles, statements, texts) == [
        texts.get(a) is not None and s not in texts[a] for a, s in pairs]


@pytest.mark.parametrize("value", ["", "~", "null", "Null", "NULL", "nULL", "0", "007", "08", "1_000", "0x1F",
                                   "0b101", "+12", "-3", "1:30", "1:30.5", "3.0", "yes", "2026-11-30",
                                   "12abc", "٣", "１２"])
def test_the_int_and_null_tags_are_pyyamls(value):
    for document in (f"a: {value}\n", f"a: '{value}'\n", f"- {value}\n"):
        theirs = yaml.compose(document, Loader=yaml.CSafeLoader)
        ours = yaml.compose(document, Loader=_Loader)
        node_theirs = theirs.value[0][1] if isinstance(theirs, yaml.MappingNode) else theirs.value[0]
        node_ours = ours.value[0][1] if isinstance(ours, yaml.MappingNode) else ours.value[0]
        wanted = {"tag:yaml.org,2002:int", "tag:yaml.org,2002:null"}
        assert (node_ours.tag if node_ours.tag in wanted else "other") == (
            node_theirs.tag if node_theirs.tag in wanted else "other"), document


def test_the_forked_halves_give_what_one_process_gives(project):
    from importlib import import_module

    import pandas as pd

    from evidence_kit.checks import check

    loader = import_module("evidence_kit.loader")
    project.bib((project.root / "references.bib").read_text() + "@misc{orphan, title = {Unused}}\n"
                "@article{smith2020, title = {Again}}\n")
    project.edit("evidence/articles/001.yaml", '    citations: "2, 1"\n', '    citations: "2, 9, x"\n')
    forked, serial = loader.load(project.root, parallel=True), loader.load(project.root, parallel=False)
    for name in ("articles", "claims", "citations", "references", "statistics", "source_values"):
        pd.testing.assert_frame_equal(forked.table(name), serial.table(name))
    assert forked.load_findings == serial.load_findings and serial.load_findings
    found = check(serial, parallel=False)
    assert {"bib-entry-unused", "bib-duplicate-key", "citation-number-unlisted", "citation-unreadable"} <= set(
        found["code"])
    pd.testing.assert_frame_equal(check(serial, parallel=True), found)


def _where(function, pause=0.0):
    """``function`` as the benchmark wraps it: its one finding names it and the process it ran in."""
    import functools
    import os
    import time

    from evidence_kit.findings import finding

    @functools.wraps(function)
    def wrapper(evidence):
        time.sleep(pause)
        return [finding("claim-uncited", claim=f"{function.__name__} {os.getpid()}")]
    return wrapper


def test_a_timed_check_runs_in_the_process_its_check_runs_in(project):
    """The benchmark times each check through a wrapper; check() still runs the statistics' value
    checks and the unused entries in this process, while the forked one takes the others."""
    import os

    from evidence_kit.checks import CHECKED_HERE, check, uncited_claims, unused_bib_entries
    from evidence_kit.loader import load

    runs = [_where(uncited_claims), _where(unused_bib_entries, pause=0.5), _where(CHECKED_HERE[0])]
    found = check(load(project.root), runs, parallel=True)
    pids = dict(claim.split() for claim in found["claim"])
    here = str(os.getpid())
    assert pids[unused_bib_entries.__name__] == pids[CHECKED_HERE[0].__name__] == here
    assert pids[uncited_claims.__name__] != here


def test_the_two_processes_share_the_checks_and_jobs_each_once_in_order(project, tmp_path):
    """Whichever process takes the slow check, the other takes the rest; each check and each job
    alongside runs exactly once, and the findings keep the order of the checks."""
    import os

    from evidence_kit import checks
    from evidence_kit.loader import load

    quick = [c for c in checks.CHECKS if c not in checks.CHECKED_HERE][:6]
    runs = [_where(quick[0], pause=0.5), *(_where(c) for c in quick[1:])]
    ran = tmp_path / "jobs"

    def job(name):
        def append():
            with ran.open("a") as out:
                out.write(f"{name} {os.getpid()}\n")
        return append

    found = checks.check(load(project.root), runs, parallel=True, alongside=[job("a"), job("b")])
    names = [claim.split()[0] for claim in found["claim"]]
    assert names == [c.__name__ for c in quick]
    assert len({claim.split()[1] for claim in found["claim"]}) == 2  # both processes ran some
    assert sorted(line.split()[0] for line in ran.read_text().splitlines()) == ["a", "b"]
    serial = checks.check(load(project.root), runs, parallel=False)
    assert [claim.split()[0] for claim in serial["claim"]] == names


def test_when_the_second_process_fails_this_one_runs_what_it_took(project, monkeypatch):
    """A check that dies in the forked process (here: every one there) is run here instead."""
    import os

    from evidence_kit import checks
    from evidence_kit.loader import load

    main = os.getpid()

    def dies_elsewhere(function):
        def wrapper(evidence):
            if os.getpid() != main:
                os._exit(3)  # as a crash would: no result comes back
            return function(evidence)
        wrapper.__wrapped__ = function
        return wrapper

    evidence = load(project.root)
    serial = checks.check(evidence, parallel=False)
    runs = [dies_elsewhere(c) for c in checks.CHECKS]
    pd.testing.assert_frame_equal(checks.check(evidence, runs, parallel=True), serial)


def test_more_checks_than_the_queue_holds_run_in_this_process(project):
    import os

    from evidence_kit import checks
    from evidence_kit.loader import load

    runs = [_where(checks.uncited_claims)] * (checks._Queue.SIZE + 1)
    found = checks.check(load(project.root), runs, parallel=True)
    assert list(found["claim"]) == [f"uncited_claims {os.getpid()}"] * len(runs)


def test_the_readme_shows_the_benchmark_table_and_the_command_that_makes_it():
    from pathlib import Path

    repo = Path(__file__).resolve().parents[1]
    section = (repo / "README.md").read_text(encoding="utf-8").split("\n## Performance\n", 1)[1].split("\n## ", 1)[0]
    assert "make bench" in section
    from test_readme import dry_run

    assert dry_run("bench", repo).strip().splitlines()[-1] == ".venv/bin/evidence-kit bench"
    targets = table(section, "| target |")
    assert len(targets) >= 10 and all(len(row) == 3 and row[2] in ("**yes**", "**NO**") for row in targets)
    assert table(section, "| step |") and table(section, "| claims |")
