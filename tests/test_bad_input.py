"""The bad-input battery: every file under tests/bad_input/ run through the real `check` command.

Each case's expected outcome is in tests/bad_input/cases.yaml. A case passes when the command
exits as expected, says what is wrong with a finding or a one-line error naming file and line,
never prints a traceback, and keeps every record it could read.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from conftest import ARTICLE, BIB, FULL_TEXT, Project, count

from evidence_kit.loader import load
from evidence_kit.statistic import parse_statistic, problems

HERE = Path(__file__).resolve().parent / "bad_input"
CASES: dict[str, dict[str, dict]] = yaml.safe_load((HERE / "cases.yaml").read_text(encoding="utf-8"))
ARTICLE_FILE = "evidence/articles/001.yaml"
PLACES = {"bib": "references.bib", "evidence": ARTICLE_FILE, "statistics": ARTICLE_FILE,
          "ledger": "evidence/verdicts.jsonl"}
LOCATED = re.compile(r"evidence-kit: [^\s:][^:]*:\d+: \S")


def _cases():
    for kind, cases in CASES.items():
        for name, expected in (cases or {}).items():
            yield pytest.param(kind, name, expected, id=f"{kind}/{name}")


def test_every_file_has_a_case_and_every_case_a_file():
    files = {p.relative_to(HERE).as_posix() for p in HERE.glob("*/*") if p.is_file()}
    listed = {f"{kind}/{name}" for kind, cases in CASES.items() for name in (cases or {})}
    assert files == listed


def run_check(root: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "EVIDENCE_KIT_DEBUG"}
    return subprocess.run([sys.executable, "-m", "evidence_kit.cli", "check", str(root), "--format", "json"],
                          capture_output=True, text=True, env=env, timeout=120)


def statistic_claim(text: str) -> tuple[str, str]:
    """Claim 001-c04, whose statement and statistic are ``text``, and its line in the full text."""
    statement = f"The value was {text} in the cohort"
    claim = (f"  - id: 001-c04\n    statement: {json.dumps(statement)}\n    citations: \"1\"\n"
             f"    statistics:\n      - text: {json.dumps(text)}\n        measure: test value\n")
    return claim, f"{statement} 1\n"


def assemble(tmp_path: Path, kind: str, name: str, expected: dict) -> Path:
    """The base project in ``tmp_path/project`` with the case's file in its place."""
    root = tmp_path / "project"
    project = Project(root)
    project.write("evidence/fulltext/001.txt", FULL_TEXT)
    project.article(ARTICLE)
    project.bib(BIB)
    data = (HERE / kind / name).read_bytes()
    if "fill" in expected:
        filler = (b"lorem {ipsum} dolor sit amet " * (expected["fill"] // 29 + 1))[: expected["fill"]]
        data = data.replace(b"@FILL@", filler)
    if kind == "statistics":
        text = data.decode("utf-8").removesuffix("\n")
        claim, line = statistic_claim(text)
        project.article(ARTICLE + claim)
        project.write("evidence/fulltext/001.txt", FULL_TEXT + line)
    else:
        (root / PLACES[kind]).parent.mkdir(parents=True, exist_ok=True)
        (root / PLACES[kind]).write_bytes(data)
    for step in expected.get("setup", []):
        fulltext = root / "evidence" / "fulltext"
        if step == "outside":
            (tmp_path / "outside.txt").write_text(FULL_TEXT, encoding="utf-8")
        elif step == "symlink_out":
            (fulltext / "link.txt").symlink_to(tmp_path / "outside.txt")
        elif step == "symlink_loop":
            (fulltext / "loop.txt").symlink_to("loop.txt")
        else:
            raise AssertionError(f"unknown setup step {step!r}")
    return root


@pytest.mark.parametrize("kind, name, expected", list(_cases()))
def test_bad_input(tmp_path, request, kind, name, expected):
    count(request.config, "bad-input battery", "cases")
    root = assemble(tmp_path, kind, name, expected)
    result = run_check(root)
    assert "Traceback" not in result.stderr
    assert result.returncode == expected["exit"], result.stderr or result.stdout[-2000:]
    file = expected.get("file", PLACES[kind])

    if expected["exit"] == 2:
        assert result.stdout == ""
        lines = result.stderr.splitlines()
        assert lines and all(LOCATED.match(line) for line in lines), result.stderr
        here = f"evidence-kit: {file}:{expected['line']}: "
        assert any(line.startswith(here) and expected["error"] in line for line in lines), result.stderr
        return

    assert result.stderr == ""
    output = json.loads(result.stdout)
    findings = output["findings"]
    assert output["summary"]["findings"] == len(findings)
    assert all(f["file"] for f in findings), findings
    if "finding" in expected:
        assert any(f["code"] == expected["finding"] and f["file"] == file and f["line"] == expected["line"]
                   and expected.get("words", "") in f["message"] for f in findings), findings

    for code in expected.get("absent", []):
        assert not any(f["code"] == code for f in findings), findings

    evidence = load(root)  # nothing silently dropped: every record the file holds is in the tables
    if "keys" in expected:
        assert sorted(evidence.references["key"]) == sorted(expected["keys"])
    if kind == "ledger":
        assert len(evidence.verdicts) == expected["rows"]
        named = {f["line"] for f in findings if f["file"] == file} | set(evidence.verdicts["line"])
        written = {n for n, line in enumerate((root / file).read_bytes().split(b"\n"), 1) if line.strip()}
        assert written <= named, f"ledger lines neither read nor reported: {sorted(written - named)}"
    if kind == "statistics":
        text = (HERE / kind / name).read_text(encoding="utf-8").removesuffix("\n")
        assert list(evidence.statistics.loc[evidence.statistics["claim"] == "001-c04", "text"]) == [text]
        statistic = parse_statistic(text)
        assert statistic.kind == expected["kind"]
        said = problems(statistic)
        assert ("problem" in expected) == bool(said), said
        assert any(expected.get("problem", "") in problem for problem in said or [""]), said
    if kind in ("evidence", "statistics"):
        written = re.findall(r"^  - id: (\S+)$", (root / ARTICLE_FILE).read_text(encoding="utf-8"), re.M)
        assert list(evidence.claims["claim"]) == written
