"""The content-keyed cache: any change of an input, of a parser's version or of the cache file itself
means a rebuild, never a stale or wrong answer; cached and uncached runs give identical findings."""

from __future__ import annotations

import importlib
import pickle
import time
from collections import Counter
from pathlib import Path

import pandas as pd
import pytest

from evidence_kit import cache
from evidence_kit.errors import UnusableInput

loader = importlib.import_module("evidence_kit.loader")
checks = importlib.import_module("evidence_kit.checks")

ART = "evidence/articles/001.yaml"
TEXT = "evidence/fulltext/001.txt"


@pytest.fixture(autouse=True)
def private_secret(tmp_path_factory, monkeypatch):
    """Each test has its own cache secret, never the user's."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("xdg")))


@pytest.fixture
def calls(monkeypatch) -> Counter:
    """How often the evidence files and the bibliography were parsed, and the checks run."""
    counts: Counter = Counter()

    def counting(name, function):
        def wrapper(*args, **kwargs):
            counts[name] += 1
            return function(*args, **kwargs)
        return wrapper

    monkeypatch.setattr(loader, "read_article_file", counting("articles", loader.read_article_file))
    monkeypatch.setattr(loader, "read_bibliography", counting("bibliography", loader.read_bibliography))
    monkeypatch.setattr(checks, "check", counting("checks", checks.check))
    return counts


def run(project, cache_on=True):
    return cache.check_project(project.root, cache=cache_on)


def assert_same(a, b):
    pd.testing.assert_frame_equal(a[0], b[0])
    pd.testing.assert_frame_equal(a[1], b[1])


def test_cached_and_uncached_runs_give_identical_findings(project, calls):
    project.bib(Path(project.root, "references.bib").read_text() + "@misc{orphan, title = {Unused}}\n")
    project.edit(ART, '    statement: Leg dystonia has many causes.\n    citations: "1"\n',
                 "    statement: Leg dystonia has many causes.\n")
    fresh = run(project, cache_on=False)
    assert not (project.root / cache.CACHE_DIR).exists()
    assert set(fresh[0]["code"]) >= {"claim-uncited", "bib-entry-unused"}
    first = run(project)
    second = run(project)
    assert calls == Counter(articles=2, bibliography=2, checks=2)  # the second cached run parsed nothing
    assert_same(fresh, first)
    assert_same(fresh, second)
    for kind in ("evidence", "bibliography", "report"):
        assert list((project.root / cache.CACHE_DIR).glob(f"{kind}-*.pickle"))


def test_cached_tables_equal_the_parsed_ones(project):
    parsed = loader.load(project.root)
    loader.load(project.root, cache=True)
    cached = loader.load(project.root, cache=True)
    for name in ("articles", "listed_references", "claims", "citations", "statistics", "source_values",
                 "references", "waivers", "verdicts"):
        pd.testing.assert_frame_equal(parsed.table(name), cached.table(name))
    assert parsed.load_findings == cached.load_findings and parsed.full_texts == cached.full_texts


def test_printed_report_is_what_an_uncached_run_prints(project):
    fresh = cache.check_command(project.root, "json", "warning", cache=False)
    assert cache.check_command(project.root, "json", "warning") == fresh
    assert cache.check_command(project.root, "json", "warning") == fresh
    assert cache.check_command(project.root, "text", "error") == cache.check_command(
        project.root, "text", "error", cache=False)


def test_a_check_of_an_unchanged_project_prints_the_stored_text_without_pandas(project, tmp_path):
    """The cached report is printed from digests of the inputs alone: no table is loaded."""
    import os
    import subprocess
    import sys

    code = ("import sys; from evidence_kit.cli import main; status = main(['check', sys.argv[1]]);"
            "print('PANDAS', 'pandas' in sys.modules, 'STATUS', status);"
            "print('METADATA', 'importlib.metadata' in sys.modules)")
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "xdg")}
    runs = [subprocess.run([sys.executable, "-c", code, str(project.root)], capture_output=True, text=True,
                           timeout=120, env=env) for _ in range(2)]
    assert "PANDAS True" in runs[0].stdout, runs[0].stdout[-500:] + runs[0].stderr[-2000:]
    assert "PANDAS False" in runs[1].stdout, runs[1].stdout[-500:] + runs[1].stderr[-2000:]
    assert "METADATA False" in runs[1].stdout  # the libraries' versions are read from folder names
    assert runs[0].stdout == runs[1].stdout.replace("PANDAS False", "PANDAS True")


def test_library_versions_are_what_importlib_metadata_says(tmp_path, monkeypatch):
    import sys
    from importlib import metadata

    for name in (*cache.LIBRARIES, "pytest", "PyYAML", "pyyaml", "evidence-kit"):
        assert cache.library_version(name) == metadata.version(name), name
    # The first folder on sys.path that has the distribution wins, as for importlib.metadata.
    (tmp_path / "Fake_Lib-1.2.3.dist-info").mkdir()
    (tmp_path / "Fake_Lib-1.2.3.dist-info" / "METADATA").write_text("Name: fake-lib\nVersion: 1.2.3\n")
    monkeypatch.setattr(sys, "path", [str(tmp_path), *sys.path])
    cache.library_version.cache_clear()
    try:
        assert cache.library_version("fake-lib") == metadata.version("fake-lib") == "1.2.3"
        assert cache.library_version("no-such-distribution") == ""
    finally:
        cache.library_version.cache_clear()


CHANGES = {
    # file, how it changes, what must be parsed again
    "article, one byte": (ART, lambda b: b.replace(b"Leg dystonia", b"Leg dystonIa"), {"articles"}),
    "article, a comment": (ART, lambda b: b + b"# reviewed\n", {"articles"}),
    "bibliography, one byte": ("references.bib", lambda b: b.replace(b"2019", b"2018"), {"bibliography"}),
    "bibliography, a space": ("references.bib", lambda b: b + b" ", {"bibliography"}),
    "full text, one byte": (TEXT, lambda b: b.replace(b"many causes", b"many cause"), set()),
    # The article files' rows come from the last tables: only the waivers are read again.
    "waivers added": ("evidence/waivers.yaml", lambda b: b"waivers:\n  - code: claim-uncited\n    reason: x\n",
                      set()),
    "ledger added": ("evidence/verdicts.jsonl", lambda b: b"not json\n", set()),
}


@pytest.mark.parametrize("change", CHANGES, ids=list(CHANGES))
def test_any_byte_change_in_an_input_rebuilds(project, calls, change):
    relative, edit, reparsed = CHANGES[change]
    run(project)
    before = Counter(calls)
    path = project.root / relative
    path.write_bytes(edit(path.read_bytes() if path.exists() else b""))
    cached = run(project)
    assert_same(cached, run(project, cache_on=False))
    assert calls["checks"] > before["checks"], "the report was served for changed input"
    for name in ("articles", "bibliography"):
        changed = calls[name] - before[name] - 1  # minus the uncached run's own parse
        assert changed == (1 if name in reparsed else 0), (name, changed)


@pytest.mark.parametrize("racy", [True, False], ids=["files just written", "files older than RACY_NS"])
@pytest.mark.parametrize("same_times", [False, True], ids=["edited", "edited, size and mtime kept"])
def test_an_input_edited_while_the_check_runs_is_not_stored(project, monkeypatch, racy, same_times):
    """Edited after the inputs were digested and before they were read: the report of the new bytes
    must not be stored under the key of the old ones, or a run on the old bytes would get it."""
    import os

    from evidence_kit import inputs

    if not racy:  # the state of the files decides, not their bytes
        monkeypatch.setattr(inputs, "RACY_NS", 0)
        time.sleep(0.05)  # past the tick of the file system's clock the fixture wrote the files in
    path = project.root / ART
    old = path.read_bytes()
    expected = cache.check_command(project.root, "json", "warning", cache=False)
    real_load = loader.load

    def edit_then_load(*args, **kwargs):
        before = path.stat()
        new = old.replace(b"Leg dystonia", b"Leg dystonIa")
        path.write_bytes(new if same_times else new + b"# reviewed\n")
        if same_times:
            os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
        return real_load(*args, **kwargs)

    monkeypatch.setattr(loader, "load", edit_then_load)
    edited = cache.check_command(project.root, "json", "warning")
    monkeypatch.setattr(loader, "load", real_load)
    assert edited != expected  # the report is of the edited file
    path.write_bytes(old)
    assert cache.check_command(project.root, "json", "warning") == expected


def test_the_state_of_the_inputs_changes_with_any_edit_and_never_for_recent_files(project, monkeypatch):
    from evidence_kit import inputs

    assert inputs.input_state(project.root) != inputs.input_state(project.root)  # just written: racy
    monkeypatch.setattr(inputs, "RACY_NS", 0)
    state = inputs.input_state(project.root)
    assert inputs.input_state(project.root) == state
    assert len(state) == sum(1 for p in inputs._input_files(project.root) if not isinstance(p, bytes))
    (project.root / "evidence" / "notes.txt").write_text("a new file under evidence/\n")
    assert inputs.input_state(project.root) != state


def test_a_new_article_file_rebuilds(project, calls):
    run(project)
    text = (project.root / ART).read_text().replace('id: "001"', 'id: "002"').replace("001-c", "002-c")
    project.article(text, name="002.yaml")
    found = run(project)
    assert set(found[1]["article"]) == {"001", "002"}
    assert_same(found, run(project, cache_on=False))


def test_a_parser_version_change_rebuilds(project, calls, monkeypatch):
    run(project)
    run(project)
    assert calls == Counter(articles=1, bibliography=1, checks=1)
    real = cache.library_version
    monkeypatch.setattr(cache, "library_version", lambda name: "99.0" if name == "bibtexparser" else real(name))
    run(project)
    assert calls == Counter(articles=2, bibliography=2, checks=2)
    monkeypatch.setattr(cache, "library_version", lambda name: "99.0" if name == "PyYAML" else real(name))
    run(project)
    assert calls == Counter(articles=3, bibliography=3, checks=3)


def test_a_code_change_rebuilds(project, calls, monkeypatch):
    run(project)
    monkeypatch.setattr(cache, "_package_digest", lambda: b"edited code")
    run(project)
    assert calls == Counter(articles=2, bibliography=2, checks=2)


def _entries(project) -> list[Path]:
    entries = sorted((project.root / cache.CACHE_DIR).glob("*.pickle"))
    assert len(entries) == 3
    return entries


@pytest.mark.parametrize("damage", ["truncated", "flipped byte", "empty", "garbage", "header only"])
def test_a_damaged_cache_file_is_rebuilt_silently(project, calls, damage):
    expected = run(project, cache_on=False)
    run(project)
    for entry in _entries(project):
        data = entry.read_bytes()
        entry.write_bytes({"truncated": data[: len(data) // 2],
                           "flipped byte": data[:-40] + bytes([data[-40] ^ 1]) + data[-39:],
                           "empty": b"",
                           "garbage": b"\x80\x05garbage" * 100,
                           "header only": data[: data.index(b"\n", len(cache.MAGIC) + 3) + 1]}[damage])
    before = Counter(calls)
    assert_same(run(project), expected)
    assert calls - before == Counter(articles=1, bibliography=1, checks=1)
    assert_same(run(project), expected)  # and the rebuilt entries are good again
    assert calls - before == Counter(articles=1, bibliography=1, checks=1)


class _Planted:
    """Unpickling this touches a file: the proof that a pickle was loaded."""

    def __init__(self, marker: Path):
        self.marker = marker

    def __reduce__(self):
        return (Path.touch, (self.marker,))


def test_a_pickle_that_came_with_the_project_is_never_loaded(project, calls, tmp_path):
    run(project)
    marker = tmp_path / "unpickled"
    for entry in _entries(project):
        data = entry.read_bytes()
        header_end = data.index(b"\n", len(cache.MAGIC) + 3) + 1  # magic, format and key lines
        forged = data[:header_end] + b"0" * 64 + b"\n" + pickle.dumps(_Planted(marker))
        entry.write_bytes(forged)
    before = Counter(calls)
    run(project)
    assert not marker.exists()
    assert calls - before == Counter(articles=1, bibliography=1, checks=1)


def test_no_cache_when_the_folder_is_a_link_or_not_writable(project, calls, tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (project.root / cache.CACHE_DIR).symlink_to(elsewhere)
    expected = run(project, cache_on=False)
    assert_same(run(project), expected)
    assert not list(elsewhere.iterdir())
    (project.root / cache.CACHE_DIR).unlink()
    (project.root / cache.CACHE_DIR).write_text("a file, not a folder")
    assert_same(run(project), expected)
    assert_same(run(project), expected)


def test_no_cache_without_a_usable_secret(project, monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "blocked"))
    (tmp_path / "blocked").write_text("a file where the folder should be")
    assert cache.Store.for_project(project.root) is None
    assert_same(run(project), run(project, cache_on=False))


def test_the_secret_is_private_and_kept(project):
    run(project)
    secret = cache._secret_path()
    assert secret.stat().st_mode & 0o077 == 0
    assert cache._secret() == secret.read_bytes()


def test_old_entries_are_pruned(project):
    for i in range(cache.KEEP + 3):
        project.bib(Path(project.root, "references.bib").read_text() + f"\n% edit {i}\n")
        run(project)
    assert len(list((project.root / cache.CACHE_DIR).glob("bibliography-*.pickle"))) == cache.KEEP


def test_keys_separate_names_from_bytes():
    assert cache.key("k", [("a", b"bc")]) != cache.key("k", [("ab", b"c")])
    assert cache.key("k", [("a", None)]) != cache.key("k", [("a", b"")])
    assert cache.key("k", [("a", b"x")]) != cache.key("j", [("a", b"x")])


def test_check_command_line_no_cache_flag(project):
    from evidence_kit.cli import main

    assert main(["check", str(project.root), "--no-cache"]) == 0
    assert not (project.root / cache.CACHE_DIR).exists()
    assert main(["check", str(project.root)]) == 0
    assert (project.root / cache.CACHE_DIR).is_dir()


# --------------------------------------------------------------------------------------------
# After an edit, only the changed article files are parsed again


def _more_articles(project, count: int = 3) -> None:
    text = (project.root / ART).read_text()
    for n in range(2, 2 + count):
        project.article(text.replace('id: "001"', f'id: "00{n}"').replace("001-c", f"00{n}-c"), name=f"00{n}.yaml")


def _tables_equal(project) -> None:
    cached, parsed = loader.load(project.root, cache=True), loader.load(project.root)
    for name in ("articles", "listed_references", "claims", "citations", "statistics", "source_values", "waivers"):
        pd.testing.assert_frame_equal(cached.table(name), parsed.table(name))


@pytest.mark.parametrize("change", ["edit the second", "edit the first", "add one", "remove one", "rename one"])
def test_after_a_change_only_changed_article_files_are_parsed(project, calls, change):
    _more_articles(project)
    loader.load(project.root, cache=True)
    assert calls["articles"] == 4
    articles = project.root / "evidence" / "articles"
    if change == "edit the second":
        project.edit("evidence/articles/002.yaml", "Leg dystonia has many causes.", "Leg dystonia has causes.")
    elif change == "edit the first":
        project.edit(ART, "Leg dystonia has many causes.", "Leg dystonia has several causes.")
    elif change == "add one":
        _more_articles(project, 4)  # 002-004 unchanged, 005 new
    elif change == "remove one":
        (articles / "003.yaml").unlink()
    else:
        (articles / "004.yaml").rename(articles / "000.yaml")  # now first in file order
    before = calls["articles"]
    cached = loader.load(project.root, cache=True)
    assert calls["articles"] - before == {"remove one": 0}.get(change, 1)
    assert list(cached.articles["file"]) == sorted(cached.articles["file"])
    _tables_equal(project)


def test_an_id_used_again_in_a_changed_file_is_reported_as_by_a_full_read(project):
    _more_articles(project, 2)
    loader.load(project.root, cache=True)
    project.edit("evidence/articles/003.yaml", "id: 003-c02", "id: 002-c02")
    with pytest.raises(UnusableInput) as cached:
        loader.load(project.root, cache=True)
    with pytest.raises(UnusableInput) as parsed:
        loader.load(project.root)
    assert cached.value.problems == parsed.value.problems
    assert "claim id '002-c02' is already used at evidence/articles/002.yaml:" in str(cached.value)
