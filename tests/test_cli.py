"""The real ``evidence-kit`` command in a subprocess: exit codes and every output format."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from xml.etree import ElementTree as ET

import pytest

ART = "evidence/articles/001.yaml"


def run(*args: str, cwd=None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "EVIDENCE_KIT_DEBUG"}
    return subprocess.run([sys.executable, "-m", "evidence_kit.cli", *args], capture_output=True, text=True,
                          cwd=cwd, env=env, timeout=60)


def uncite_first_claim(project) -> None:
    project.edit(ART, '    statement: Leg dystonia has many causes.\n    citations: "1"\n',
                 "    statement: Leg dystonia has many causes.\n")


def test_clean_project_exits_0(project):
    result = run("check", str(project.root))
    assert result.returncode == 0, result.stderr
    # Two warnings: the fixture's "60-90%" has no source value recorded, and its "78-82%" is
    # narrower than the Wilson interval of its source's 8 of 10.
    assert "passed: 0 errors, 2 warnings" in result.stdout


def test_root_defaults_to_current_folder(project):
    assert run("check", cwd=project.root).returncode == 0


def test_error_finding_exits_1_with_file_and_line(project):
    uncite_first_claim(project)
    result = run("check", str(project.root))
    assert result.returncode == 1
    assert f"{ART}:10: error [claim-uncited] claim 001-c01 cites nothing" in result.stdout
    assert "FAILED: 1 errors" in result.stdout


def test_fail_on_warning(project):
    project.bib((project.root / "references.bib").read_text()
                + "@misc{orphan2020, title = {Orphan}, year = {2020}}\n")
    assert run("check", str(project.root)).returncode == 0
    result = run("check", str(project.root), "--fail-on", "warning")
    assert result.returncode == 1 and "[bib-entry-unused]" in result.stdout


def test_unusable_input_exits_2_with_one_line_per_problem(project):
    project.edit(ART, "  status: submitted", "  status: done")
    result = run("check", str(project.root))
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"evidence-kit: {ART}:4: article.status must be one of")
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("args, words", [
    (["check", "--format", "pdf"], "invalid choice: 'pdf'"),
    (["check", "--fail-on", "info"], "invalid choice: 'info'"),
    (["nonsense"], "invalid choice: 'nonsense'"),
    ([], "required: COMMAND"),
])
def test_usage_errors_exit_2(project, args, words):
    result = run(*args, cwd=project.root)
    assert result.returncode == 2
    assert words in result.stderr and "Traceback" not in result.stderr


def test_missing_root_exits_2(tmp_path):
    result = run("check", str(tmp_path / "nowhere"))
    assert result.returncode == 2 and "no such project folder" in result.stderr


def test_json_format(project):
    uncite_first_claim(project)
    result = run("check", str(project.root), "--format", "json")
    assert result.returncode == 1
    data = json.loads(result.stdout)
    assert set(data) == {"findings", "summary"}
    finding = data["findings"][0]
    assert {"code", "severity", "file", "line", "message", "article", "claim", "key"} <= set(finding)
    assert (finding["code"], finding["line"], finding["claim"]) == ("claim-uncited", 10, "001-c01")
    assert data["summary"]["errors"] == 1 and data["summary"]["passed"] is False
    assert data["summary"]["completeness"][0]["claims_cited"] == 2


def test_junit_format_is_xml_with_one_failure(project):
    uncite_first_claim(project)
    project.waivers("""\
        waivers:
          - code: statement-not-in-full-text
            reason: stale on purpose
        """)
    result = run("check", str(project.root), "--format", "junit")
    assert result.returncode == 1
    root = ET.fromstring(result.stdout)
    suite = root.find("testsuite")
    assert suite is not None and suite.get("failures") == "1"
    failures = root.findall(".//failure")
    assert [f.get("type") for f in failures] == ["claim-uncited"]
    case = root.find(".//testcase[@classname='waiver-unused']")
    assert case is not None and case.find("system-out") is not None


def test_junit_clean_run_has_a_passing_case(project):
    root = ET.fromstring(run("check", str(project.root), "--format", "junit").stdout)
    # The fixture's statistics give two warnings (see above): passing cases, not failures.
    assert len(root.findall(".//testcase")) >= 1 and not root.findall(".//failure")


def test_github_annotations(project):
    uncite_first_claim(project)
    result = run("check", str(project.root), "--format", "github")
    first = result.stdout.splitlines()[0]
    assert first == f"::error file={ART},line=10,title=claim-uncited::claim 001-c01 cites nothing"


def test_waived_findings_do_not_fail(project):
    uncite_first_claim(project)
    project.waivers("""\
        waivers:
          - code: claim-uncited
            claim: 001-c01
            reason: printed without a marker
        """)
    result = run("check", str(project.root))
    assert result.returncode == 0
    assert "waived (1)" in result.stdout and "printed without a marker" in result.stdout


def test_codes_lists_the_catalogue():
    result = run("codes")
    assert result.returncode == 0 and "claim-uncited" in result.stdout


def test_check_does_not_import_plotting_or_notebook_machinery(project):
    code = ("import sys; from evidence_kit.cli import main; main(['check', sys.argv[1]]);"
            "heavy = [m for m in ('plotly', 'statsmodels', 'nbformat', 'ipywidgets', 'jupyter_client', "
            "'papermill', 'scipy', 'citeproc', 'matplotlib') if m in sys.modules]; print('HEAVY', heavy)")
    result = subprocess.run([sys.executable, "-c", code, str(project.root)], capture_output=True, text=True)
    assert "HEAVY []" in result.stdout, result.stdout + result.stderr


def test_commands_that_need_no_tables_do_not_import_pandas():
    code = ("import sys; from evidence_kit.cli import main; main(['codes']);"
            "print('PANDAS', 'pandas' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert "PANDAS False" in result.stdout, result.stdout + result.stderr


def test_a_reader_that_goes_away_gets_no_traceback(project):
    """``evidence-kit check | head -1``: the command ends quietly, with the check's own status."""
    uncite_first_claim(project)
    env = {k: v for k, v in os.environ.items() if k != "EVIDENCE_KIT_DEBUG"}
    command = [sys.executable, "-m", "evidence_kit.cli", "check", str(project.root)]
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env) as proc:
        proc.stdout.close()  # before a byte was read
        stderr = proc.stderr.read().decode()
        status = proc.wait(timeout=60)
    assert "Traceback" not in stderr and "Exception ignored" not in stderr, stderr
    assert status in (0, 1), stderr


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
def test_output_that_cannot_be_written_is_one_line_and_not_success(project):
    env = {k: v for k, v in os.environ.items() if k != "EVIDENCE_KIT_DEBUG"}
    with open("/dev/full", "w") as full:
        result = subprocess.run([sys.executable, "-m", "evidence_kit.cli", "check", str(project.root)],
                                stdout=full, stderr=subprocess.PIPE, text=True, env=env, timeout=60)
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert "internal error" not in result.stderr and "No space left on device" in result.stderr


def test_a_report_folder_that_cannot_be_made_is_one_line(project, tmp_path):
    pytest.importorskip("jinja2")
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder\n")
    result = run("report", str(project.root), "--out", str(blocker / "site"))
    assert result.returncode == 2, result.stderr
    assert result.stderr.startswith("evidence-kit: ") and len(result.stderr.strip().splitlines()) == 1
    assert "internal error" not in result.stderr and "Traceback" not in result.stderr
    assert blocker.read_text() == "not a folder\n"
