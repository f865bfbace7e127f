"""The verdict ledger: append and read back, concurrent appends, broken lines, the status gate,
conflicts and their resolution, the blind view, and the review command."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pandas as pd
import pytest

from evidence_kit.checks import check, failing
from evidence_kit.loader import load
from evidence_kit.verdicts import (
    LEDGER,
    VerdictRejected,
    append_record,
    conflicts,
    current_verdicts,
    latest_verdicts,
    new_record,
    read_verdicts,
    record_verdict,
    verdicts_for,
)

T0 = datetime(2026, 11, 30, 9, 0, tzinfo=timezone.utc)
CLAIMS = ("001-c01", "001-c02", "001-c03")


def at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


def verdict(project, claim, word, reviewer="reviewer-a", minutes=0, **extra):
    extra.setdefault("rationale", f"{reviewer} read the source")
    extra.setdefault("certainty", "moderate")
    return record_verdict(project.root, claim, word, reviewer, now=at(minutes), **extra)


def ledger_lines(project) -> list[str]:
    return (project.root / LEDGER).read_text(encoding="utf-8").split("\n")


def codes(project) -> list[str]:
    return list(check(load(project.root))["code"])


def unwaived_errors(project) -> list[str]:
    return list(failing(check(load(project.root)))["code"])


def approve(project) -> None:
    project.edit("evidence/articles/001.yaml", "status: submitted", "status: approved")


# --------------------------------------------------------------------------------------------
# Append and read back


def test_a_recorded_verdict_reads_back_with_every_field(project):
    record = verdict(project, "001-c02", "contradicted", certainty="low", quote="penetrance is 30%",
                     source="smith2020", locator="Table 2", rationale="The source says 30%, not 60-90%.")
    assert record["recorded"] == "2026-11-30T09:00:00.000000Z"
    lines = ledger_lines(project)
    assert lines[-1] == "" and len(lines) == 2  # one line, newline-terminated
    assert list(json.loads(lines[0])) == sorted(json.loads(lines[0]))  # sorted keys: clean diffs

    verdicts = load(project.root).verdicts
    assert len(verdicts) == 1
    row = verdicts.iloc[0]
    assert (row["article"], row["claim"], row["verdict"], row["certainty"]) == ("001", "001-c02", "contradicted",
                                                                                "low")
    assert (row["quote"], row["source"], row["locator"]) == ("penetrance is 30%", "smith2020", "Table 2")
    assert (row["reviewer"], row["recorded"], bool(row["resolves"])) == ("reviewer-a", record["recorded"], False)
    assert (row["file"], row["line"]) == ("evidence/verdicts.jsonl", 1)
    assert "verdict-" not in " ".join(codes(project))


def test_non_ascii_text_is_stored_as_is_and_line_separators_do_not_split_records(project):
    verdict(project, "001-c01", "supported", rationale="Méneret et al.\u2028second line", quote="»x«\nnext")
    raw = (project.root / LEDGER).read_text(encoding="utf-8")
    assert "Méneret" in raw and raw.count("\n") == 1
    row = load(project.root).verdicts.iloc[0]
    assert row["rationale"] == "Méneret et al.\u2028second line" and row["quote"] == "»x«\nnext"


def test_history_is_kept_and_the_latest_per_claim_and_reviewer_counts(project):
    verdict(project, "001-c01", "cannot verify", minutes=0)
    verdict(project, "001-c01", "supported", minutes=5)
    verdict(project, "001-c01", "partly supported", reviewer="reviewer-b", minutes=3)
    verdicts = load(project.root).verdicts
    assert list(verdicts_for(verdicts, "001-c01")["verdict"]) == ["cannot verify", "partly supported", "supported"]
    latest = latest_verdicts(verdicts)
    assert list(zip(latest["reviewer"], latest["verdict"])) == [("reviewer-a", "supported"),
                                                                 ("reviewer-b", "partly supported")]


def test_record_verdict_rejects_what_the_ledger_cannot_take(project):
    with pytest.raises(VerdictRejected, match="no article has a claim '001-c99'"):
        verdict(project, "001-c99", "supported")
    with pytest.raises(VerdictRejected, match="verdict 'refuted' is not one of"):
        verdict(project, "001-c01", "refuted")
    with pytest.raises(VerdictRejected, match="certainty 'medium' is not one of"):
        verdict(project, "001-c01", "supported", certainty="medium")
    with pytest.raises(VerdictRejected, match="source 'nobody2020' is not a key of references.bib"):
        verdict(project, "001-c01", "supported", source="nobody2020")
    with pytest.raises(VerdictRejected, match="needs a rationale"):
        verdict(project, "001-c01", "supported", rationale="  ")
    with pytest.raises(VerdictRejected, match="time zone"):
        record_verdict(project.root, "001-c01", "supported", "r", rationale="x", certainty="low",
                       now=datetime(2026, 1, 1))
    assert not (project.root / LEDGER).exists()


def test_an_append_after_a_cut_short_write_starts_on_its_own_line(project):
    ledger = project.root / LEDGER
    ledger.write_text('{"claim": "001-c01", "verdict": "supp', encoding="utf-8")
    verdict(project, "001-c02", "supported")
    ev = load(project.root)
    assert list(ev.verdicts["claim"]) == ["001-c02"] and list(ev.verdicts["line"]) == [2]
    broken = [f for f in ev.load_findings if f["code"] == "verdict-unreadable"]
    assert [(f["file"], f["line"]) for f in broken] == [("evidence/verdicts.jsonl", 1)]


# --------------------------------------------------------------------------------------------
# Concurrency


WRITER = textwrap.dedent("""\
    import sys
    from datetime import datetime, timezone
    from evidence_kit.verdicts import append_record, new_record

    path, reviewer, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
    sys.stdin.readline()  # start together
    for i in range(count):
        record = new_record(f"001-c0{i % 3 + 1}", "supported", reviewer, certainty="low",
                            rationale=f"{reviewer} record {i} " + "x" * (i % 400),
                            quote="q" * 3000 if i % 97 == 0 else None)
        append_record(path, record)
""")


def test_two_processes_appending_at_once_lose_and_corrupt_nothing(tmp_path):
    ledger = tmp_path / "evidence" / "verdicts.jsonl"
    count = 1000
    writers = [subprocess.Popen([sys.executable, "-c", WRITER, str(ledger), name, str(count)],
                                stdin=subprocess.PIPE, text=True) for name in ("reviewer-a", "reviewer-b")]
    for writer in writers:
        writer.stdin.write("go\n")
        writer.stdin.close()
    assert [writer.wait(timeout=120) for writer in writers] == [0, 0]

    rows, found = read_verdicts(ledger.read_bytes(), "evidence/verdicts.jsonl")
    assert found == []
    assert len(rows) == 2 * count
    for name in ("reviewer-a", "reviewer-b"):
        mine = [row["rationale"].split()[2] for row in rows if row["reviewer"] == name]
        assert mine == [str(i) for i in range(count)]  # each writer's records whole and in order


# --------------------------------------------------------------------------------------------
# Reading a damaged ledger: findings at file:line, never a crash, never a silent drop


GOOD = {"claim": "001-c01", "verdict": "supported", "certainty": "low", "rationale": "ok",
        "reviewer": "reviewer-a", "recorded": "2026-11-30T09:00:00Z"}


def line(**changes) -> str:
    record = {**GOOD, **changes}
    return json.dumps({k: v for k, v in record.items() if v is not None}, sort_keys=True)


def test_a_truncated_last_line_is_reported_with_its_line_and_the_others_load():
    text = line() + "\n" + line(claim="001-c02") + "\n" + line(claim="001-c03")[:40]
    rows, found = read_verdicts(text, "evidence/verdicts.jsonl")
    assert [row["claim"] for row in rows] == ["001-c01", "001-c02"]
    assert [(f["code"], f["file"], f["line"]) for f in found] == [
        ("verdict-unreadable", "evidence/verdicts.jsonl", 3)]
    assert "no newline" in found[0]["message"]


@pytest.mark.parametrize("bad, code, words", [
    (line(verdict="refuted"), "verdict-unknown-verdict", "'refuted' is not one of"),
    (line(recorded="30/11/2026"), "verdict-bad-date", "'30/11/2026'"),
    (line(recorded="2026-11-30T09:00:00"), "verdict-bad-date", "time zone"),
    (line(certainty="medium"), "verdict-invalid", "certainty 'medium'"),
    (line(reviewer=None), "verdict-invalid", "lacks required field 'reviewer'"),
    (line(rationale=7), "verdict-invalid", "'rationale' must be non-empty text"),
    (line(resolves="yes"), "verdict-invalid", "'resolves' must be true or false"),
    (line(certainity="low"), "verdict-invalid", "unknown field 'certainity'"),
    ('["a list"]', "verdict-unreadable", "not an object"),
    ("{not json", "verdict-unreadable", "not JSON"),
    (b"\xff\xfe{}", "verdict-unreadable", "not UTF-8"),
])
def test_each_bad_record_is_a_finding_at_its_line(bad, code, words):
    data = (line() + "\n").encode() + (bad if isinstance(bad, bytes) else bad.encode()) + b"\n" + \
        (line(claim="001-c03") + "\n").encode()
    rows, found = read_verdicts(data, "evidence/verdicts.jsonl")
    assert [row["claim"] for row in rows] == ["001-c01", "001-c03"]
    assert [(f["code"], f["line"]) for f in found] == [(code, 2)]
    assert words in found[0]["message"]


def test_timestamps_are_normalised_to_utc_so_they_sort():
    rows, found = read_verdicts(line(recorded="2026-11-30T10:00:00+01:00") + "\n", "v.jsonl")
    assert found == [] and rows[0]["recorded"] == "2026-11-30T09:00:00.000000Z"


def test_blank_lines_are_ignored_and_line_numbers_stay_true():
    rows, found = read_verdicts("\n" + line() + "\n\n" + line(claim="001-c02") + "\n", "v.jsonl")
    assert found == [] and [row["line"] for row in rows] == [2, 4]


def test_unknown_claims_and_sources_in_the_ledger_are_findings_of_the_check(project):
    ledger = project.write("evidence/verdicts.jsonl", line() + "\n" + line(claim="001-c99") + "\n"
                           + line(claim="001-c02", source="nobody2020") + "\n" + line(verdict="refuted") + "\n")
    assert ledger.exists()
    found = check(load(project.root))
    ledger_found = found[found["file"] == "evidence/verdicts.jsonl"]
    assert sorted(zip(ledger_found["code"], ledger_found["line"])) == [
        ("verdict-source-undefined", 3), ("verdict-unknown-claim", 2), ("verdict-unknown-verdict", 4)]
    assert len(load(project.root).verdicts) == 3  # the unknown claim is kept, and reported


# --------------------------------------------------------------------------------------------
# The review status gate


def test_an_article_under_review_passes_without_verdicts(project):
    project.edit("evidence/articles/001.yaml", "status: submitted", "status: under review")
    verdict(project, "001-c01", "contradicted")
    assert unwaived_errors(project) == []


def test_an_approved_article_with_an_unreviewed_claim_fails(project):
    approve(project)
    verdict(project, "001-c01", "supported")
    verdict(project, "001-c02", "partly supported")
    ev = load(project.root)
    found = failing(check(ev))
    claim = ev.claims.set_index("claim").loc["001-c03"]
    assert list(zip(found["code"], found["claim"])) == [("approved-claim-unreviewed", "001-c03")]
    assert (found.iloc[0]["file"], found.iloc[0]["line"]) == ("evidence/articles/001.yaml", claim["line"])


def test_an_approved_article_without_a_ledger_has_every_claim_unreviewed(project):
    approve(project)
    found = failing(check(load(project.root)))
    assert list(zip(found["code"], found["claim"])) == [("approved-claim-unreviewed", c) for c in CLAIMS]


@pytest.mark.parametrize("word", ["contradicted", "misattributed", "cannot verify"])
def test_an_approved_article_with_a_disputed_verdict_fails(project, word):
    approve(project)
    for minutes, claim in enumerate(CLAIMS):
        verdict(project, claim, "supported", minutes=minutes)
    verdict(project, "001-c02", word, minutes=10)
    found = failing(check(load(project.root)))
    assert list(zip(found["code"], found["claim"])) == [("approved-claim-disputed", "001-c02")]
    assert (found.iloc[0]["file"], found.iloc[0]["line"]) == ("evidence/verdicts.jsonl", 4)
    assert word in found.iloc[0]["message"]


def test_a_later_supported_verdict_clears_the_gate(project):
    approve(project)
    for claim in CLAIMS:
        verdict(project, claim, "cannot verify", minutes=0)
        verdict(project, claim, "supported", minutes=1)
    assert unwaived_errors(project) == []


def test_a_waived_disputed_claim_passes(project):
    approve(project)
    verdict(project, "001-c01", "supported")
    verdict(project, "001-c02", "partly supported")
    verdict(project, "001-c03", "cannot verify")
    project.waivers("""\
        waivers:
          - code: approved-claim-disputed
            claim: 001-c03
            reason: the figure is unverifiable but harmless; the editor accepts it
        """)
    found = check(load(project.root))
    assert failing(found).empty
    waived = found[found["waived"].fillna(False).astype(bool)]
    assert list(zip(waived["code"], waived["claim"])) == [("approved-claim-disputed", "001-c03")]


# --------------------------------------------------------------------------------------------
# Two reviewers: conflicts, their resolution, the blind view


def test_reviewers_who_disagree_are_in_conflict_until_one_resolves_it(project):
    verdict(project, "001-c01", "supported", "reviewer-a", minutes=0)
    verdict(project, "001-c01", "contradicted", "reviewer-b", minutes=1)
    verdict(project, "001-c02", "supported", "reviewer-a", minutes=2)
    verdict(project, "001-c02", "supported", "reviewer-b", minutes=3)  # they agree: no conflict
    ev = load(project.root)
    split = conflicts(ev.verdicts)
    assert list(zip(split["claim"], split["reviewer"], split["verdict"])) == [
        ("001-c01", "reviewer-a", "supported"), ("001-c01", "reviewer-b", "contradicted")]
    assert list(current_verdicts(ev.verdicts)["claim"]) == ["001-c02"]
    found = check(ev)
    conflict = found[found["code"] == "verdict-conflict"]
    assert list(conflict["claim"]) == ["001-c01"] and list(conflict["severity"]) == ["warning"]
    assert "reviewer-a says supported; reviewer-b says contradicted" in conflict.iloc[0]["message"]

    verdict(project, "001-c01", "partly supported", "reviewer-a", minutes=4, resolves=True)
    ev = load(project.root)
    assert conflicts(ev.verdicts).empty
    settled = current_verdicts(ev.verdicts).set_index("claim")
    assert settled.loc["001-c01", "verdict"] == "partly supported"
    assert "verdict-conflict" not in codes(project)

    # Disagreeing again after the resolution is a new conflict.
    verdict(project, "001-c01", "contradicted", "reviewer-b", minutes=5)
    assert list(conflicts(load(project.root).verdicts)["verdict"]) == ["partly supported", "contradicted"]


def test_a_reviewer_who_changes_to_agree_ends_the_conflict(project):
    verdict(project, "001-c01", "supported", "reviewer-a", minutes=0)
    verdict(project, "001-c01", "contradicted", "reviewer-b", minutes=1)
    verdict(project, "001-c01", "contradicted", "reviewer-a", minutes=2)
    assert conflicts(load(project.root).verdicts).empty


def test_an_unresolved_conflict_on_an_approved_article_fails(project):
    approve(project)
    for claim in CLAIMS:
        verdict(project, claim, "supported", "reviewer-a")
    verdict(project, "001-c03", "partly supported", "reviewer-b", minutes=1)
    found = failing(check(load(project.root)))
    assert list(zip(found["code"], found["claim"])) == [("approved-claim-conflict", "001-c03")]


def test_the_blind_view_shows_one_reviewers_verdicts_only(project):
    verdict(project, "001-c01", "supported", "reviewer-a", minutes=0)
    verdict(project, "001-c01", "contradicted", "reviewer-b", minutes=1)
    verdict(project, "001-c02", "cannot verify", "reviewer-b", minutes=2)
    verdicts = load(project.root).verdicts
    blind = verdicts_for(verdicts, "001-c01", reviewer="reviewer-a")
    assert list(zip(blind["reviewer"], blind["verdict"])) == [("reviewer-a", "supported")]
    assert list(verdicts_for(verdicts, reviewer="reviewer-b")["claim"]) == ["001-c01", "001-c02"]
    assert verdicts_for(verdicts, "001-c03").empty


def test_the_views_work_on_a_table_built_from_literal_rows():
    from evidence_kit import schema

    table = schema.frame("verdicts", [
        {"article": "001", "claim": "c", "verdict": "supported", "reviewer": "a", "recorded": "2026-01-01T00:00:00.000000Z",
         "resolves": False, "line": 1},
        {"article": "001", "claim": "c", "verdict": "misattributed", "reviewer": "b",
         "recorded": "2026-01-02T00:00:00.000000Z", "resolves": False, "line": 2},
    ])
    assert len(conflicts(table)) == 2 and current_verdicts(table).empty
    assert isinstance(latest_verdicts(table), pd.DataFrame)


def test_new_record_omits_empty_optional_fields():
    record = new_record("001-c01", "supported", "reviewer-a", rationale="r", certainty="high", quote="",
                        now=T0)
    assert set(record) == {"claim", "verdict", "reviewer", "rationale", "certainty", "recorded"}


def test_append_record_writes_one_line_per_record(tmp_path):
    path = tmp_path / "ledger.jsonl"
    for i in range(3):
        append_record(path, new_record(f"c{i}", "supported", "r", rationale="x", certainty="low", now=T0))
    assert path.read_text(encoding="utf-8").count("\n") == 3


# --------------------------------------------------------------------------------------------
# The review command, in a subprocess


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "evidence_kit.cli", *args], capture_output=True, text=True,
                          cwd=cwd)


def test_the_review_command_records_and_shows_verdicts(project):
    root = str(project.root)
    result = run("review", "001-c02", "--verdict", "contradicted", "--reviewer", "reviewer-a",
                 "--certainty", "low", "--rationale", "The source says 30%.", "--quote", "about 30%",
                 "--source", "smith2020", "--locator", "Results", "--root", root)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("recorded: 001-c02 contradicted (certainty low) by reviewer-a at ")
    result = run("review", "001-c02", "--verdict", "supported", "--reviewer", "reviewer-b",
                 "--certainty", "moderate", "--rationale", "Fine.", "--root", root)
    assert result.returncode == 0, result.stderr

    shown = run("review", "--show", "001-c02", "--root", root)
    assert shown.returncode == 0, shown.stderr
    assert "reviewer-a: contradicted (certainty low)" in shown.stdout
    assert '"about 30%" (smith2020, Results)' in shown.stdout
    assert "reviewer-b: supported" in shown.stdout and "reviewers disagree" in shown.stdout

    blind = run("review", "--show", "001-c02", "--reviewer", "reviewer-b", "--root", root)
    assert blind.returncode == 0 and "reviewer-b: supported" in blind.stdout
    assert "reviewer-a" not in blind.stdout and "disagree" not in blind.stdout


def test_the_history_shows_control_characters_in_the_ledger_as_escapes(project):
    root = str(project.root)
    assert run("review", "001-c02", "--verdict", "supported", "--reviewer", "reviewer-b", "--certainty",
               "moderate", "--rationale", "Fine.", "--root", root).returncode == 0
    ledger = project.root / "evidence" / "verdicts.jsonl"
    ledger.write_text(ledger.read_text().replace('"Fine."', '"Fine.\\u001b[2J"'))
    shown = run("review", "--show", "001-c02", "--root", root)
    assert shown.returncode == 0, shown.stderr
    assert "\x1b" not in shown.stdout and "Fine.\\x1b[2J" in shown.stdout


@pytest.mark.parametrize("args, message", [
    (["001-c99", "--verdict", "supported", "--reviewer", "r", "--certainty", "low", "--rationale", "x"],
     "no article has a claim '001-c99'"),
    (["001-c01", "--verdict", "true", "--reviewer", "r", "--certainty", "low", "--rationale", "x"],
     "verdict 'true' is not one of"),
    (["001-c01", "--verdict", "supported", "--reviewer", "r", "--certainty", "sure", "--rationale", "x"],
     "certainty 'sure' is not one of"),
    (["001-c01", "--verdict", "supported", "--reviewer", "r", "--certainty", "low", "--rationale", "x",
      "--source", "nobody2020"], "source 'nobody2020' is not a key of references.bib"),
    (["001-c01", "--verdict", "supported"], "needs --reviewer, --certainty, --rationale"),
    (["--show", "001-c99"], "no article has a claim '001-c99'"),
])
def test_the_review_command_fails_with_one_line_and_status_2(project, args, message):
    result = run("review", *args, "--root", str(project.root))
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and message in result.stderr, result.stderr
    assert "Traceback" not in result.stderr
    assert not (project.root / LEDGER).exists()


def test_the_review_command_on_a_folder_without_evidence_exits_2(tmp_path):
    result = run("review", "001-c01", "--show", "--root", str(tmp_path))
    assert result.returncode == 2 and "no article evidence files" in result.stderr


# --------------------------------------------------------------------------------------------
# The shipped worked example


def test_the_shipped_ledger_reviews_every_claim_of_articles_000_and_004():
    from conftest import REPO

    ev = load(REPO)
    assert not [f for f in ev.load_findings if f["code"].startswith("verdict-")]
    latest = latest_verdicts(ev.verdicts)
    assert set(latest["claim"]) == set(ev.claims["claim"])
    assert latest.groupby("claim").size().max() == 1 and conflicts(ev.verdicts).empty
    words = latest.groupby("article")["verdict"].value_counts()
    assert words["000"].to_dict() == {"cannot verify": 15}
    assert words["004"]["contradicted"] >= 1 and words["004"]["misattributed"] >= 1
    by_claim = latest.set_index("claim")["verdict"]
    assert by_claim["004-c02"] == "contradicted" and by_claim["004-c05"] == "supported"
    assert set(latest["source"].dropna()) <= set(ev.references["key"])
    assert set(ev.articles["status"]) == {"under review"}


def test_approving_the_shipped_article_004_would_fail_the_gate(tmp_path):
    import shutil

    from conftest import REPO, Project

    for part in ("evidence", "references.bib"):
        (shutil.copytree if part == "evidence" else shutil.copy)(REPO / part, tmp_path / part)
    project = Project(tmp_path)
    assert unwaived_errors(project) == []
    project.edit("evidence/articles/004.yaml", "status: under review", "status: approved")
    blocking = set(unwaived_errors(project))
    assert blocking == {"approved-claim-disputed"}
