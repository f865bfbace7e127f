"""Nothing lost: writers killed mid-way, writers racing, and files a reviewer keeps.

The two-process ledger test (1,000 verdicts each, nothing lost or corrupted) is in
tests/test_verdicts.py. Here:

- a ledger writer killed with SIGKILL while it appends leaves a ledger that still loads: every
  record it finished is there, and at most the one record it was writing is reported, at its line;
  the next append starts on a line of its own;
- ``write_atomic`` killed mid-way leaves the old file or the new one, never part of one;
- ``extract`` and ``report`` never overwrite a reviewer's file, not even through a symbolic link,
  and two ``extract`` runs racing for one name cannot both write it.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from conftest import Project

from evidence_kit.verdicts import LEDGER, append_record, new_record, read_verdicts, record_line
from evidence_kit.writing import WouldOverwrite, write_atomic, write_new

PYTHON = [sys.executable, "-c"]


def cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "EVIDENCE_KIT_DEBUG"}
    return subprocess.run([sys.executable, "-m", "evidence_kit.cli", *args], capture_output=True, text=True,
                          cwd=cwd, env=env, timeout=300)


# --------------------------------------------------------------------------------------------
# The ledger: a writer killed mid-append


APPENDER = textwrap.dedent("""\
    import sys
    from evidence_kit.verdicts import append_record, new_record

    path, start = sys.argv[1], int(sys.argv[2])
    for i in range(start, start + 100000):
        # Some records are large, so that the kill often lands inside a write().
        size = (i * 7919) % 3_000_000 if i % 3 == 0 else 10
        record = new_record("001-c01", "supported", "reviewer-a", certainty="low",
                            rationale=f"record {i}", quote="q" * size)
        append_record(path, record)
        print(i, flush=True)  # acknowledged: the record is on disk
""")


def test_a_writer_killed_mid_append_loses_only_the_record_it_was_writing(tmp_path):
    ledger = tmp_path / "verdicts.jsonl"
    acknowledged: list[int] = []
    start = 0
    for round_ in range(6):
        writer = subprocess.Popen([*PYTHON, APPENDER, str(ledger), str(start)], stdout=subprocess.PIPE, text=True)
        assert writer.stdout is not None
        # Let it append a few records, then kill it at a moment that varies from round to round.
        for _ in range(3 + round_):
            line = writer.stdout.readline()
            assert line, "the writer died on its own"
            acknowledged.append(int(line))
        time.sleep(0.013 * round_)
        writer.send_signal(signal.SIGKILL)
        rest, _ = writer.communicate(timeout=60)
        acknowledged.extend(int(n) for n in rest.split())
        assert writer.returncode == -signal.SIGKILL

        rows, found = read_verdicts(ledger.read_bytes(), "evidence/verdicts.jsonl")
        written = [int(row["rationale"].split()[1]) for row in rows]
        assert set(acknowledged) <= set(written)  # nothing acknowledged is lost
        assert written == sorted(written) and len(set(written)) == len(written)
        cut = [f for f in found if f["code"] == "verdict-unreadable"]
        assert found == cut and len(cut) <= round_ + 1  # at most one cut record per kill...
        total_lines = ledger.read_bytes().count(b"\n") + 1
        assert all(f["line"] <= total_lines for f in cut)
        start = max(written, default=start) + 1
        if cut and round_ == 0:
            assert "was a write cut short?" in cut[-1]["message"]

    # ...and the ledger still takes appends: the next record starts on a line of its own.
    append_record(ledger, new_record("001-c02", "contradicted", "reviewer-b", certainty="high", rationale="last"))
    rows, found = read_verdicts(ledger.read_bytes(), "evidence/verdicts.jsonl")
    assert rows[-1]["claim"] == "001-c02" and rows[-1]["rationale"] == "last"
    assert all(f["code"] == "verdict-unreadable" for f in found) and len(found) <= 6


# A kill rarely lands inside the one write() of a record, so this writer is made to die there:
# the file size limit lets the kernel take only part of a record, and the next write() is fatal
# (SIGXFSZ, which Python ignores by default, is given back its default action: terminate).
CUTTER = textwrap.dedent("""\
    import resource, signal, sys
    from evidence_kit.verdicts import append_record, new_record

    path, limit, start = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    signal.signal(signal.SIGXFSZ, signal.SIG_DFL)
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    for i in range(start, start + 1000):
        record = new_record("001-c01", "supported", "reviewer-a", certainty="low",
                            rationale=f"record {i}", quote="q" * 5000)
        append_record(path, record)
        print(i, flush=True)
""")


def test_a_writer_killed_inside_a_record_leaves_one_reported_line(tmp_path):
    ledger = tmp_path / "verdicts.jsonl"
    ledger.touch()
    acknowledged: list[int] = []
    for round_ in range(3):
        limit = ledger.stat().st_size + 2 * 5200 + 2600  # two whole records, then half of one
        writer = subprocess.run([*PYTHON, CUTTER, str(ledger), str(limit), str(10 * round_)],
                                capture_output=True, text=True, timeout=60)
        assert writer.returncode == -signal.SIGXFSZ, writer.stderr
        acknowledged += [int(n) for n in writer.stdout.split()]
        assert len(acknowledged) == 2 * (round_ + 1)

        data = ledger.read_bytes()
        assert not data.endswith(b"\n")  # the last record was cut
        rows, found = read_verdicts(data, "evidence/verdicts.jsonl")
        assert [int(row["rationale"].split()[1]) for row in rows] == acknowledged
        lines = data.count(b"\n") + 1
        assert [(f["code"], f["line"]) for f in found if f["line"] == lines] == [("verdict-unreadable", lines)]
        assert "was a write cut short?" in found[-1]["message"]
        assert len(found) == round_ + 1  # one cut record per killed writer, each at its own line

    append_record(ledger, new_record("001-c02", "contradicted", "reviewer-b", certainty="high", rationale="after"))
    rows, found = read_verdicts(ledger.read_bytes(), "evidence/verdicts.jsonl")
    assert rows[-1]["rationale"] == "after" and len(rows) == len(acknowledged) + 1
    assert len(found) == 3 and all(f["code"] == "verdict-unreadable" for f in found)


def test_a_cut_record_is_reported_by_check_and_the_rest_counts(project):
    """A ledger cut mid-record, as a kill leaves it, through the real check command."""
    ledger = project.root / LEDGER
    append_record(ledger, new_record("001-c01", "supported", "reviewer-a", certainty="low", rationale="whole"))
    whole = ledger.read_bytes()
    second = new_record("001-c02", "supported", "reviewer-a", certainty="low", rationale="cut")
    ledger.write_bytes(whole + record_line(second).encode()[:40])
    result = cli("check", ".", "--format", "json", cwd=project.root)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    found = [f for f in json.loads(result.stdout)["findings"] if f["file"] == LEDGER.as_posix()]
    assert [(f["code"], f["line"]) for f in found] == [("verdict-unreadable", 2)]
    assert "was a write cut short?" in found[0]["message"]


# --------------------------------------------------------------------------------------------
# write_atomic: a writer killed mid-way


REWRITER = textwrap.dedent("""\
    import sys
    from evidence_kit.writing import write_atomic

    path = sys.argv[1]
    i = 0
    while True:
        i += 1
        write_atomic(path, (str(i % 10) * 4_000_000).encode())
        print(i, flush=True)
""")


def test_a_writer_killed_mid_write_atomic_leaves_a_whole_file(tmp_path):
    target = tmp_path / "report.html"
    write_atomic(target, b"0" * 4_000_000)
    for round_ in range(5):
        writer = subprocess.Popen([*PYTHON, REWRITER, str(target)], stdout=subprocess.PIPE, text=True)
        assert writer.stdout is not None
        writer.stdout.readline()
        time.sleep(0.01 * round_)
        writer.send_signal(signal.SIGKILL)
        writer.communicate(timeout=60)
        data = target.read_bytes()
        assert len(data) == 4_000_000 and data == data[:1] * 4_000_000  # one whole version
    # What a kill leaves behind is a hidden temporary file beside the target, never the target.
    assert {p.name for p in tmp_path.iterdir() if not p.name.startswith(".")} == {"report.html"}


# --------------------------------------------------------------------------------------------
# A reviewer's files are never overwritten


ARTICLE_TEXT = "Causes\n\nLeg dystonia has many causes. 1\n\nReferences\n\n1. First source\n"
MINE = "# a reviewer's own evidence file, edited by hand\n"


def test_extract_never_overwrites_a_reviewers_file(project):
    project.write("seeds/001.txt", ARTICLE_TEXT)
    mine = project.root / "evidence" / "articles" / "001.yaml"
    before = mine.read_bytes()
    for args in (["extract", "seeds/001.txt"], ["extract", "seeds/001.txt", "--out", "evidence/articles/001.yaml"]):
        result = cli(*args, cwd=project.root)
        assert result.returncode == 2, result.stdout + result.stderr
        assert "already exists; not overwriting it" in result.stderr and "Traceback" not in result.stderr
        assert mine.read_bytes() == before


def test_extract_does_not_write_through_a_symlink(project, tmp_path_factory):
    elsewhere = tmp_path_factory.mktemp("elsewhere") / "notes.yaml"
    elsewhere.write_text(MINE, encoding="utf-8")
    project.write("seeds/002.txt", ARTICLE_TEXT)
    (project.root / "evidence" / "articles" / "002.yaml").symlink_to(elsewhere)
    dangling = project.root / "evidence" / "articles" / "003.yaml"
    dangling.symlink_to(tmp_path_factory.mktemp("gone") / "missing.yaml")
    for out in ("evidence/articles/002.yaml", "evidence/articles/003.yaml"):
        result = cli("extract", "seeds/002.txt", "--out", out, cwd=project.root)
        assert result.returncode == 2 and "not overwriting it" in result.stderr, result.stderr
    assert elsewhere.read_text(encoding="utf-8") == MINE
    assert dangling.is_symlink() and not dangling.exists()


RACER = textwrap.dedent("""\
    import sys
    from evidence_kit.writing import WouldOverwrite, write_new

    path, me = sys.argv[1], sys.argv[2]
    sys.stdin.readline()
    try:
        write_new(path, me * 1_000_000)
        print("wrote")
    except WouldOverwrite:
        print("refused")
""")


def test_two_writers_racing_for_one_new_file_cannot_both_write_it(tmp_path):
    for round_ in range(10):
        target = tmp_path / f"draft-{round_}.yaml"
        racers = [subprocess.Popen([*PYTHON, RACER, str(target), me], stdin=subprocess.PIPE,
                                   stdout=subprocess.PIPE, text=True) for me in "ab"]
        for racer in racers:
            assert racer.stdin is not None
            racer.stdin.write("go\n")
            racer.stdin.flush()
        outcomes = sorted(racer.communicate(timeout=60)[0].strip() for racer in racers)
        assert outcomes == ["refused", "wrote"]
        data = target.read_text()
        assert data in ("a" * 1_000_000, "b" * 1_000_000)


def test_write_new_refuses_an_existing_file_and_a_dangling_link(tmp_path):
    mine = tmp_path / "mine.txt"
    mine.write_text(MINE, encoding="utf-8")
    with pytest.raises(WouldOverwrite):
        write_new(mine, "replacement")
    link = tmp_path / "link.txt"
    link.symlink_to(tmp_path / "nowhere.txt")
    with pytest.raises(WouldOverwrite):
        write_new(link, "replacement")
    assert mine.read_text(encoding="utf-8") == MINE and not (tmp_path / "nowhere.txt").exists()


@pytest.fixture
def reportable(project: Project) -> Project:
    pytest.importorskip("jinja2")
    return project


def test_report_never_writes_into_a_reviewers_folder(reportable, tmp_path_factory):
    folder = tmp_path_factory.mktemp("reviewer")
    (folder / "index.html").write_text("<p>my own notes</p>\n", encoding="utf-8")
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    result = cli("report", str(reportable.root), "--out", str(folder), cwd=reportable.root)
    assert result.returncode == 2 and "not writing into it" in result.stderr and "Traceback" not in result.stderr
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before

    a_file = folder / "index.html"
    result = cli("report", str(reportable.root), "--out", str(a_file), cwd=reportable.root)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert a_file.read_bytes() == before["index.html"]


def test_rewriting_a_report_never_writes_through_a_link_to_a_reviewers_file(reportable, tmp_path_factory):
    out = tmp_path_factory.mktemp("site") / "report"
    assert cli("report", str(reportable.root), "--out", str(out), cwd=reportable.root).returncode == 0
    notes = tmp_path_factory.mktemp("reviewer") / "notes.html"
    notes.write_text("<p>my own notes</p>\n", encoding="utf-8")
    (out / "index.html").unlink()
    (out / "index.html").symlink_to(notes)  # a page of the old report now points at a reviewer's file
    (out / "my-notes.txt").write_text("kept\n", encoding="utf-8")  # and the reviewer added a file
    assert cli("report", str(reportable.root), "--out", str(out), cwd=reportable.root).returncode == 0
    assert notes.read_text(encoding="utf-8") == "<p>my own notes</p>\n"
    assert not (out / "index.html").is_symlink() and "<html" in (out / "index.html").read_text(encoding="utf-8")
    assert (out / "my-notes.txt").read_text(encoding="utf-8") == "kept\n"


# --------------------------------------------------------------------------------------------
# The audit: every file the package writes goes through writing.py (or the ledger's append)


RAW_WRITE = re.compile(r"\.write_text\(|\.write_bytes\(|\bopen\([^)]*['\"][wax]b?\+?['\"]|\.to_csv\(|"
                       r"\.to_parquet\(|\.to_excel\(|\.write_html\(|\.write_image\(|\.savefig\(|"
                       r"shutil\.(copy|copyfile|copy2|move)\(|os\.(rename|replace)\(|"
                       r"\bos\.open\([^)]*O_(WRONLY|RDWR|CREAT|APPEND|TRUNC)")
# Where a raw write is the point: the safe writers themselves, the ledger's locked O_APPEND
# append, and the benchmark, which edits its own throw-away synthetic corpus to time the cache.
ALLOWED = {"writing.py", "verdicts.py", "benchmark.py"}


def test_every_file_the_package_writes_goes_through_writing():
    package = Path(__file__).resolve().parents[1] / "src" / "evidence_kit"
    raw = [f"{path.name}:{n}: {line.strip()}"
           for path in sorted(package.glob("*.py")) if path.name not in ALLOWED
           for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
           if RAW_WRITE.search(line) and not line.lstrip().startswith("#")]
    assert raw == []


@pytest.fixture
def synced(monkeypatch) -> list[str]:
    """What was synced to disk, in order: "file" or "folder"."""
    import stat

    kinds: list[str] = []
    real_fsync = os.fsync

    def fsync(fd: int) -> None:
        kinds.append("folder" if stat.S_ISDIR(os.fstat(fd).st_mode) else "file")
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", fsync)
    return kinds


@pytest.mark.parametrize("write", [write_atomic, write_new])
def test_a_write_syncs_the_file_and_then_its_folder(tmp_path, synced, write):
    write(tmp_path / "out.txt", "data")
    assert synced == ["file", "folder"]


def test_only_what_can_be_made_again_is_written_unsynced(tmp_path, synced):
    write_atomic(tmp_path / "entry.pickle", b"data", durable=False)  # the cache's writes
    assert synced == [] and (tmp_path / "entry.pickle").read_bytes() == b"data"


def test_the_first_append_syncs_the_new_ledger_and_its_folder(tmp_path, synced):
    ledger = tmp_path / "evidence" / "verdicts.jsonl"
    for rationale in ("first", "second"):
        append_record(ledger, new_record("001-c01", "supported", "reviewer-a", certainty="low", rationale=rationale))
    assert synced == ["file", "folder", "file"]
