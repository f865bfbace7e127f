"""The README's quick start stays true: two commands, each a Makefile target that does what it says.

CI itself runs the second command from a fresh clone (.ci/run); this test keeps the README, the
Makefile and .ci/run from drifting apart, and runs the audit's own command on the shipped evidence.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def quick_start_commands() -> list[str]:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```sh\n(.*?)```", section, re.S)
    assert block is not None, "the quick start has no sh block"
    return [line.split("#", 1)[0].strip() for line in block.group(1).splitlines() if line.strip()]


def dry_run(target: str, repo: Path = REPO) -> str:
    """What ``make TARGET`` would run, as a top-level make prints it (also when the suite itself
    runs under ``make test``, whose MAKEFLAGS and MAKELEVEL would make the child print directories)."""
    env = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL")}
    result = subprocess.run(["make", "--no-print-directory", "-n", "-B", target], cwd=repo, env=env,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_quick_start_is_two_commands():
    assert quick_start_commands() == ["make audit", "make test"]


def test_make_audit_sets_up_then_checks_the_shipped_evidence():
    steps = dry_run("audit")
    assert "-m venv .venv" in steps and "pip install --quiet -c constraints.txt -e ." in steps
    assert steps.strip().splitlines()[-1] == ".venv/bin/evidence-kit check ."


def test_make_test_installs_every_extra_and_runs_pytest():
    steps = dry_run("test")
    assert '-e ".[all]"' in steps and "apt-get install" in steps
    assert steps.strip().splitlines()[-1] == ".venv/bin/python -m pytest"


def test_ci_runs_the_readme_test_command():
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    assert "make test" in ci.split("\n", 2)[-1]


def test_the_audit_command_passes_on_the_shipped_evidence():
    result = subprocess.run([sys.executable, "-m", "evidence_kit.cli", "check", str(REPO), "--no-cache"],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.rstrip().splitlines()[-1].startswith("passed: 0 errors")
