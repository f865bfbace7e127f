"""The HTML report: what it writes, that it escapes and refuses, and how it renders in Chromium.

The browser tests drive Debian's headless Chromium over the DevTools protocol (``websocket-client``),
so they see the page after its scripts ran: plotly's SVG, the console's errors and uncaught
exceptions, and a full-page screenshot.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest

from conftest import REPO, Project
from evidence_kit.cli import main
from evidence_kit.loader import load

pytest.importorskip("jinja2")
pytest.importorskip("plotly")

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="module")
def shipped_report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The report of the shipped evidence, written once for the module."""
    out = tmp_path_factory.mktemp("report") / "site"
    assert main(["report", str(REPO), "--out", str(out)]) == 0
    return out


def _verdicts_with(project: Project, records: list[dict[str, Any]]) -> None:
    project.write("evidence/verdicts.jsonl",
                  "".join(json.dumps(r, sort_keys=True) + "\n" for r in records))


# --------------------------------------------------------------------------------------------
# The site on disk


def test_report_writes_an_index_and_one_page_per_article(shipped_report: Path) -> None:
    evidence = load(REPO)
    names = {p.name for p in shipped_report.iterdir()}
    assert {"index.html", "plotly.min.js", ".evidence-kit-report.json"} <= names
    index = (shipped_report / "index.html").read_text(encoding="utf-8")
    for article in evidence.articles["article"]:
        page = shipped_report / f"article-{article}.html"
        assert page.is_file()
        assert f'href="article-{article}.html"' in index
        html = page.read_text(encoding="utf-8")
        claims = evidence.claims[evidence.claims["article"] == article]["claim"]
        assert html.count('<section class="statement"') == len(claims)
        for claim in claims:
            assert f'data-claim="{claim}"' in html


def test_report_is_self_contained(shipped_report: Path) -> None:
    """No page loads anything from the network: plotly comes from the folder itself."""
    for page in shipped_report.glob("*.html"):
        html = page.read_text(encoding="utf-8")
        assert '<script charset="utf-8" src="plotly.min.js"></script>' in html
        for tag in ("<script", "<link", "<img"):
            for chunk in html.split(tag)[1:]:
                head = chunk.split(">", 1)[0]
                assert "http://" not in head and "https://" not in head, f"{page.name}: {tag}{head}>"


def test_article_page_shows_formatted_references_links_statistics(shipped_report: Path) -> None:
    html = (shipped_report / "article-004.html").read_text(encoding="utf-8")
    assert 'href="https://doi.org/10.1038/s41572-018-0023-6"' in html
    assert 'href="https://pubmed.ncbi.nlm.nih.gov/30237473/"' in html
    assert "Nature Reviews Disease Primers" in html or "Nat Rev Dis Primers" in html
    assert "2:1 to 4:1" in html and "first-group share 0.667 to 0.8" in html
    assert "claim-uncited" in html  # the waived finding on 004-c27 is shown with its reason


def test_every_text_is_escaped_and_links_are_only_http(project: Project, tmp_path: Path) -> None:
    evil = "<script>alert(1)</script>"
    project.edit("evidence/articles/001.yaml", "title: A test article",
                 f'title: "{evil}"\n  url: "javascript:alert(2)"')
    project.edit("evidence/articles/001.yaml", "measure: penetrance", 'measure: "pen<b>etrance</b>"')
    project.edit("references.bib", "title = {Dystonia genetics}", "title = {<img src=x onerror=alert(3)>}")
    project.edit("references.bib", "doi = {10.1000/xyz123}", 'doi = {10.1000/x"onmouseover="alert(4)}')
    _verdicts_with(project, [{"claim": "001-c01", "verdict": "supported", "certainty": "low",
                              "rationale": "</td><script>alert(5)</script>", "reviewer": "<i>r</i>",
                              "recorded": "2026-11-30T10:00:00.000000Z"}])
    out = tmp_path / "site"
    assert main(["report", str(project.root), "--out", str(out)]) == 0
    for page in out.glob("*.html"):
        html = page.read_text(encoding="utf-8")
        assert "<script>alert" not in html and "<img src=x" not in html and "<b>etrance" not in html
        assert "<i>r</i>" not in html
        assert "javascript:" not in html
        assert 'onmouseover="alert' not in html
    html = (out / "article-001.html").read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;/td&gt;&lt;script&gt;alert(5)&lt;/script&gt;" in html


def test_refuses_a_folder_that_is_not_a_report(project: Project, tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "notes"
    out.mkdir()
    (out / "my-notes.html").write_text("a reviewer's own file", encoding="utf-8")
    assert main(["report", str(project.root), "--out", str(out)]) == 2
    assert "not an evidence-kit report" in capsys.readouterr().err
    assert [p.name for p in out.iterdir()] == ["my-notes.html"]
    assert (out / "my-notes.html").read_text(encoding="utf-8") == "a reviewer's own file"
    a_file = tmp_path / "file.html"
    a_file.write_text("x", encoding="utf-8")
    assert main(["report", str(project.root), "--out", str(a_file)]) == 2
    assert a_file.read_text(encoding="utf-8") == "x"


def test_rewrites_its_own_report_and_removes_stale_pages(project: Project, tmp_path: Path) -> None:
    out = tmp_path / "site"
    out.mkdir()  # an empty folder is fine: nothing in it can be lost
    assert main(["report", str(project.root), "--out", str(out)]) == 0
    first = (out / "index.html").read_text(encoding="utf-8")
    project.edit("evidence/articles/001.yaml", 'id: "001"', 'id: "002"')
    assert main(["report", str(project.root), "--out", str(out)]) == 0
    assert not (out / "article-001.html").exists()
    assert (out / "article-002.html").is_file()
    assert (out / "index.html").read_text(encoding="utf-8") != first


def test_report_command_is_lazy_for_check() -> None:
    """`check` never pays for Jinja2 or plotly: the report is imported by its sub-command only."""
    code = ("import sys; from evidence_kit.cli import main; main(['check', %r]); "
            "print(sorted(m for m in ('jinja2', 'plotly', 'evidence_kit.html_report') if m in sys.modules))"
            % str(REPO))
    done = subprocess.run([os.environ.get("PYTHON", _python()), "-c", code], capture_output=True, text=True)
    assert done.stdout.strip().splitlines()[-1] == "[]"


def _python() -> str:
    import sys

    return sys.executable


# --------------------------------------------------------------------------------------------
# In the browser


class Browser:
    """Headless Chromium driven over the DevTools protocol: one page, its console, screenshots."""

    FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             "--disable-dev-shm-usage", "--hide-scrollbars", "--window-size=1280,900",
             "--remote-debugging-port=0"]

    def __init__(self, profile: Path):
        import websocket

        self.process = subprocess.Popen([CHROMIUM, *self.FLAGS, f"--user-data-dir={profile}", "about:blank"],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        port_file = profile / "DevToolsActivePort"
        deadline = time.monotonic() + 30
        while not (port_file.exists() and port_file.read_text().count("\n") >= 1):
            if time.monotonic() > deadline or self.process.poll() is not None:
                self.close()
                raise RuntimeError("Chromium did not start its DevTools endpoint")
            time.sleep(0.1)
        port = port_file.read_text().split("\n")[0].strip()
        self.ws = websocket.create_connection(self._page_socket(int(port)), timeout=30)
        self.next_id = 0
        self.events: list[dict[str, Any]] = []
        for domain in ("Page", "Runtime", "Log"):
            self.send(f"{domain}.enable")

    @staticmethod
    def _page_socket(port: int) -> str:
        from urllib.request import urlopen

        deadline = time.monotonic() + 30
        while True:
            try:
                with urlopen(f"http://127.0.0.1:{port}/json/list", timeout=5) as answer:
                    targets = json.load(answer)
                pages = [t for t in targets if t.get("type") == "page"]
                if pages:
                    return pages[0]["webSocketDebuggerUrl"]
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("Chromium has no page target")
            time.sleep(0.1)

    def send(self, method: str, **params: Any) -> dict[str, Any]:
        self.next_id += 1
        ident = self.next_id
        self.ws.send(json.dumps({"id": ident, "method": method, "params": params}))
        while True:
            message = json.loads(self.ws.recv())
            if message.get("id") == ident:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message.get("result", {})
            self.events.append(message)

    def wait_for(self, method: str, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while not any(e.get("method") == method for e in self.events):
            if time.monotonic() > deadline:
                raise TimeoutError(method)
            self.ws.settimeout(max(0.1, deadline - time.monotonic()))
            self.events.append(json.loads(self.ws.recv()))
        self.ws.settimeout(30)

    def open(self, url: str) -> None:
        self.events.clear()
        self.send("Page.navigate", url=url)
        self.wait_for("Page.loadEventFired")

    def evaluate(self, expression: str) -> Any:
        result = self.send("Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True)
        if "exceptionDetails" in result:
            raise RuntimeError(result["exceptionDetails"])
        return result["result"].get("value")

    def wait_until(self, expression: str, timeout: float = 30) -> Any:
        deadline = time.monotonic() + timeout
        while True:
            value = self.evaluate(expression)
            if value or time.monotonic() > deadline:
                return value
            time.sleep(0.2)

    def console_errors(self) -> list[str]:
        """Uncaught exceptions, console.error calls and error log entries since the last open."""
        errors = []
        for e in self.events:
            params = e.get("params", {})
            if e.get("method") == "Runtime.exceptionThrown":
                details = params["exceptionDetails"]
                errors.append(details.get("exception", {}).get("description") or details.get("text", ""))
            elif e.get("method") == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
                errors.append(" ".join(str(a.get("value", a.get("description", ""))) for a in params["args"]))
            elif e.get("method") == "Log.entryAdded" and params["entry"].get("level") == "error":
                errors.append(f"{params['entry'].get('source')}: {params['entry'].get('text')}")
        return errors

    def screenshot(self, path: Path) -> Path:
        """The whole page, not just the window."""
        metrics = self.send("Page.getLayoutMetrics")
        size = metrics.get("cssContentSize") or metrics["contentSize"]
        shot = self.send("Page.captureScreenshot", format="png", captureBeyondViewport=True,
                         clip={"x": 0, "y": 0, "width": size["width"], "height": min(size["height"], 12000),
                               "scale": 1})
        path.write_bytes(base64.b64decode(shot["data"]))
        return path

    def close(self) -> None:
        ws = getattr(self, "ws", None)
        if ws is not None:
            ws.close()
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


@pytest.fixture
def browser(tmp_path: Path) -> Any:
    if CHROMIUM is None:
        pytest.fail("Chromium is not installed: `make browser` installs Debian's chromium")
    pytest.importorskip("websocket")
    profile = tmp_path / "chromium-profile"
    profile.mkdir()
    chromium = Browser(profile)
    try:
        yield chromium
    finally:
        chromium.close()


# How many plotly plots have drawn their SVG.
DRAWN = "document.querySelectorAll('.js-plotly-plot .main-svg').length"
PLOTS = "document.querySelectorAll('.js-plotly-plot').length"


def test_index_renders_with_its_plots_and_no_console_errors(browser: Browser, shipped_report: Path,
                                                           tmp_path: Path) -> None:
    browser.open((shipped_report / "index.html").as_uri())
    plots = browser.evaluate(PLOTS)
    assert plots >= 1
    assert browser.wait_until(f"{DRAWN} >= {plots} && "
                              "[...document.querySelectorAll('.js-plotly-plot')].every("
                              "p => p.querySelector('.main-svg'))")
    assert browser.evaluate("document.querySelectorAll('.js-plotly-plot .main-svg .trace').length") >= 1
    assert browser.console_errors() == []
    rows = browser.evaluate("[...document.querySelectorAll('#articles tbody tr')].map(r => r.innerText)")
    evidence = load(REPO)
    assert len(rows) == len(evidence.articles)
    for article, title in zip(evidence.articles["article"], evidence.articles["title"]):
        assert any(article in row and title in row for row in rows)
    shot = browser.screenshot(tmp_path / "index.png")
    assert shot.stat().st_size > 20_000
    _keep(shot)


def test_article_page_shows_statements_and_verdicts_in_the_browser(browser: Browser, project: Project,
                                                                   tmp_path: Path) -> None:
    _verdicts_with(project, [
        {"claim": "001-c02", "verdict": "contradicted", "certainty": "moderate", "reviewer": "reviewer-a",
         "rationale": "The source reports 30%.", "quote": "penetrance of about 30%",
         "source": "smith2020", "recorded": "2026-11-30T10:00:00.000000Z"},
        {"claim": "001-c02", "verdict": "partly supported", "certainty": "low", "reviewer": "reviewer-b",
         "rationale": "Range overlaps in part.", "recorded": "2026-11-30T11:00:00.000000Z"},
        {"claim": "001-c01", "verdict": "cannot verify", "certainty": "very low", "reviewer": "reviewer-a",
         "rationale": "First look.", "recorded": "2026-11-30T09:00:00.000000Z"},
        {"claim": "001-c01", "verdict": "supported", "certainty": "high", "reviewer": "reviewer-a",
         "rationale": "Stated in the abstract.", "recorded": "2026-11-30T12:00:00.000000Z"},
    ])
    out = tmp_path / "site"
    assert main(["report", str(project.root), "--out", str(out)]) == 0
    browser.open((out / "article-001.html").as_uri())
    claims = browser.evaluate("[...document.querySelectorAll('section.statement')].map(s => s.dataset.claim)")
    assert claims == list(load(project.root).claims["claim"])
    c01 = browser.evaluate("document.getElementById('001-c01').innerText")
    assert "supported" in c01 and "Stated in the abstract." in c01 and "cannot verify" not in c01.split("History")[0]
    c02 = browser.evaluate("document.getElementById('001-c02').innerText")
    assert "contradicted" in c02 and "partly supported" in c02 and "reviewers disagree" in c02
    assert "penetrance of about 30%" in c02
    assert browser.evaluate("document.getElementById('001-c03').innerText").count("No verdict yet.") == 1
    plots = browser.evaluate(PLOTS)
    assert plots >= 1 and browser.wait_until(f"{DRAWN} >= {plots}")
    assert browser.console_errors() == []
    _keep(browser.screenshot(tmp_path / "article-001.png"))


def test_shipped_article_page_in_the_browser(browser: Browser, shipped_report: Path, tmp_path: Path) -> None:
    browser.open((shipped_report / "article-004.html").as_uri())
    evidence = load(REPO)
    claims = list(evidence.claims.loc[evidence.claims["article"] == "004", "claim"])
    assert browser.evaluate("[...document.querySelectorAll('section.statement')].map(s => s.dataset.claim)") == claims
    plots = browser.evaluate(PLOTS)
    assert plots >= 1 and browser.wait_until(f"{DRAWN} >= {plots}")
    assert browser.evaluate("document.querySelectorAll('a[href^=\"https://doi.org/\"]').length") >= 1
    assert browser.console_errors() == []
    _keep(browser.screenshot(tmp_path / "article-004.png"))


def _keep(shot: Path) -> None:
    """Copy a screenshot to $EVIDENCE_KIT_SCREENSHOTS when set, for a person to look at."""
    folder = os.environ.get("EVIDENCE_KIT_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        shutil.copy(shot, Path(folder) / shot.name)
