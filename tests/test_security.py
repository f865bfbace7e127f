"""Security: evidence is data, never code.

- evidence files are composed, never constructed: a ``!!python/...`` tag runs nothing;
- paths in the evidence stay inside the project: ``../``, absolute paths and symbolic links
  that point out are findings, and nothing outside is read;
- the HTML report escapes every text from the evidence, the bibliography, the waivers and the
  verdict ledger, and links only to http(s): a project with ``<script>``, event-handler
  attributes, ``javascript:`` URLs and DOIs and LaTeX commands in every field gives pages with
  none of them live, and headless Chromium, opening every page, runs none of them.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
import time
from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml

from conftest import BIB, FULL_TEXT, Project

from evidence_kit.errors import UnusableInput
from evidence_kit.loader import load

ART = "evidence/articles/001.yaml"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "EVIDENCE_KIT_DEBUG"}
    return subprocess.run([sys.executable, "-m", "evidence_kit.cli", *args], capture_output=True, text=True,
                          env=env, cwd=cwd, timeout=300)


# --------------------------------------------------------------------------------------------
# YAML: no object is ever constructed from a tag


TAGS = [
    "!!python/object/apply:os.system ['touch {sentinel}']",
    "!!python/object/apply:subprocess.check_call [['touch', '{sentinel}']]",
    "!!python/object/new:os.system ['touch {sentinel}']",
    "!!python/name:os.system",
    "!!python/module:os",
    "!!python/object:os._wrap_close {{}}",
    "!!binary dG91Y2g=",
    "!custom 'touch {sentinel}'",
]


@pytest.mark.parametrize("tagged", TAGS)
@pytest.mark.parametrize("where", ["  title: A test article", "    statement: Leg dystonia has many causes.",
                                   "    section: Causes", "waiver"])
def test_a_yaml_tag_constructs_nothing(project, tmp_path, tagged, where):
    sentinel = tmp_path / "pwned"
    value = tagged.format(sentinel=sentinel)
    if where == "waiver":
        project.waivers(f"waivers:\n  - code: claim-uncited\n    reason: {value}\n")
    else:
        name = where.split(":")[0]
        project.edit(ART, where, f"{name}: {value}")
    try:
        evidence = load(project.root)
    except UnusableInput as exc:  # a list or mapping where text belongs: rejected with its line
        assert all(re.match(r"^evidence/[^:]+:\d+: ", p) for p in exc.problems), exc.problems
    else:  # a tagged scalar is read as the text it is, tag ignored
        texts = [*evidence.articles["title"], *evidence.claims["statement"], *evidence.claims["section"].dropna(),
                 *evidence.waivers["reason"]]
        assert all(isinstance(t, str) for t in texts)
    result = run("check", str(project.root))
    assert result.returncode in (0, 1, 2) and "Traceback" not in result.stderr
    assert not sentinel.exists()


def test_an_alias_bomb_is_cheap(project):
    """Aliases are nodes shared, not copies: a billion laughs costs nothing to compose or walk."""
    layers = ["  l0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    layers += [f"  l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * 9)}]" for i in range(1, 10)]
    project.edit(ART, "  title: A test article\n", "  title: A test article\n  bomb:\n" + "\n".join(layers) + "\n")
    started = time.monotonic()
    with pytest.raises(UnusableInput, match=r"001\.yaml:\d+: unknown field 'bomb'"):
        load(project.root)
    assert time.monotonic() - started < 5


# --------------------------------------------------------------------------------------------
# Paths: confined to the project


SECRET = "SECRET-OUTSIDE-THE-PROJECT"


@pytest.fixture
def outside(project: Project) -> Path:
    """A folder beside the project, with a full text holding a secret the project must never show."""
    folder = project.root.parent / f"{project.root.name}-outside"
    folder.mkdir()
    (folder / "001.txt").write_text(FULL_TEXT + SECRET + "\n", encoding="utf-8")
    return folder


@pytest.mark.parametrize("path", [
    "../{name}/001.txt",
    "evidence/../../{name}/001.txt",
    "{outside}/001.txt",
    "/etc/passwd",
    "evidence/fulltext/link.txt",  # a symbolic link to the outside file
    "evidence/linked/001.txt",  # inside a linked folder that points out
])
def test_full_text_paths_are_confined_to_the_project(project, outside, path):
    (project.root / "evidence" / "fulltext" / "link.txt").symlink_to(outside / "001.txt")
    (project.root / "evidence" / "linked").symlink_to(outside, target_is_directory=True)
    path = path.format(outside=outside, name=outside.name)
    project.edit(ART, "  full_text: evidence/fulltext/001.txt", f"  full_text: {path}")
    evidence = load(project.root)
    assert evidence.full_texts["001"] is None  # never read
    result = run("check", str(project.root), "--format", "json")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    found = json.loads(result.stdout)["findings"]
    assert [(f["file"], f["line"]) for f in found if f["code"] == "full-text-missing"] == [(ART, 2)]
    assert any("is outside the project" in f["message"] for f in found)
    assert SECRET not in result.stdout and "root:x:0:0" not in result.stdout


def test_an_inside_symlink_is_followed(project):
    (project.root / "evidence" / "fulltext" / "same.txt").symlink_to("001.txt")
    project.edit(ART, "  full_text: evidence/fulltext/001.txt", "  full_text: evidence/fulltext/same.txt")
    assert load(project.root).full_texts["001"] is not None


# --------------------------------------------------------------------------------------------
# The HTML report: every text escaped, links only http(s), no script from the evidence runs


# Each payload, were it live, sets the sentinel: window.__pwned and a data-pwned attribute on the
# root element, which the DOM Chromium dumps would show.
SET = "window.__pwned=1;document.documentElement.setAttribute('data-pwned','{n}')"
PAYLOADS = [
    f"<script>{SET.format(n=1)}</script>",
    f'"><img src=x onerror="{SET.format(n=2)}">',
    f"' onmouseover='{SET.format(n=3)}' x='",
    f'" onmouseover="{SET.format(n=4)}" x="',
    f"<svg/onload={SET.format(n=5).replace(' ', '')}>",
    f"</textarea></style></title><script>{SET.format(n=6)}</script>",
    "<a href='javascript:window.__pwned=7'>click</a>",
    "\\input{/etc/passwd}",
    "\\immediate\\write18{touch pwned-latex}",
]
EVIL = " ".join(PAYLOADS)
JS_URL = "javascript:window.__pwned=8"
# Well-formed by the DOI pattern (10.<digits>/<no space>), so it does become a link: escaped.
EVIL_DOI = "10.1000/x\"><script>window.__pwned=9</script>"


def poisoned_project(root: Path) -> Project:
    """A project with a payload in every field a reviewer or a bibliography can fill."""
    p = Project(root)
    secret = root.parent / "secret.tex"  # what \input{...} would read, were LaTeX ever run
    secret.write_text(SECRET + "\n", encoding="utf-8")
    statement = f"Leg dystonia has many causes {EVIL}"
    p.write("evidence/fulltext/001.txt", f"{statement} 1\n\n60-90% of carriers {EVIL} 2\n")
    article = {
        "article": {"id": "001", "title": f"Title {EVIL}", "publisher": f"Publisher {EVIL}", "url": JS_URL,
                    "status": "under review", "full_text": "evidence/fulltext/001.txt",
                    "origin": f"origin {EVIL}", "references": {1: "evil2020", 2: "plain2019", 3: "jsurl2018"}},
        "claims": [
            {"id": "001-c01", "section": f"Section {EVIL}", "statement": statement, "citations": "1"},
            {"id": "001-c02", "section": f"Section {EVIL}", "statement": f"60-90% of carriers {EVIL}",
             "citations": "2, 3",
             "statistics": [{"text": "60-90%", "measure": f"penetrance {EVIL}", "condition": f"cond {EVIL}",
                             "sources": [{"key": "evil2020", "population": f"pop {EVIL}", "value": "75%",
                                          "n": 3, "N": 4, "locator": f"Table {EVIL}", "note": f"note {EVIL}"}]}]},
            {"id": "001-c03", "section": f"Section {EVIL}", "statement": f"Uncited {EVIL}"},
        ],
    }
    p.write(ART, yaml.safe_dump(article, allow_unicode=True, sort_keys=False))
    bib_text = EVIL.replace("{", "").replace("}", "")  # braces must balance in BibTeX; the rest stays
    p.write("references.bib", textwrap.dedent(f"""\
        @article{{evil2020,
          author = {{{bib_text} and Lee, Bo}},
          title = {{{EVIL}}},
          journal = {{Journal {EVIL}}},
          year = {{2020}},
          doi = {{{EVIL_DOI}}},
          url = {{{JS_URL}}},
          pmid = {{1<script>window.__pwned=10</script>}},
          note = {{\\input{{/etc/passwd}} \\write18{{touch pwned-bib}}}},
        }}

        @article{{plain2019,
          author = {{Jones, Carl}},
          title = {{Aura \\input{{{secret}}} \\include{{{secret}}}}},
          journal = {{J}},
          year = {{2019}},
          doi = {{javascript:window.__pwned=11}},
        }}

        @misc{{jsurl2018,
          title = {{A page}},
          url = {{javascript:window.__pwned=12}},
          howpublished = {{\\url{{javascript:window.__pwned=13}}}},
        }}
    """))
    p.write("evidence/waivers.yaml", yaml.safe_dump({"waivers": [
        {"code": "claim-uncited", "claim": "001-c03", "reason": f"Reason {EVIL}", "reviewer": f"Rev {EVIL}"}]},
        allow_unicode=True))
    record = {"certainty": "low", "claim": "001-c02", "locator": f"Table {EVIL}", "quote": f"quote {EVIL}",
              "rationale": f"Rationale {EVIL}", "recorded": "2026-11-30T10:15:00.000000Z",
              "reviewer": f"reviewer {EVIL}", "source": "evil2020", "verdict": "contradicted"}
    other = {**record, "reviewer": "reviewer-b", "verdict": "supported", "recorded": "2026-11-30T11:15:00.000000Z"}
    p.write("evidence/verdicts.jsonl", "".join(json.dumps(r, sort_keys=True) + "\n" for r in (record, other)))
    return p


class _Tags(HTMLParser):
    """Every start tag with its attributes."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


SAFE_LINK = re.compile(r"^(https?://[^\s\"'<>]+|#[\w-]*|[\w.-]+\.(html|js)(#[\w-]*)?)$", re.IGNORECASE)


@pytest.fixture(scope="module")
def poisoned_report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    pytest.importorskip("jinja2")
    root = tmp_path_factory.mktemp("poisoned") / "project"
    poisoned_project(root)
    out = root.parent / "site"
    result = run("report", str(root), "--out", str(out), cwd=root.parent)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    return out


def test_the_poisoned_project_is_read_whole(tmp_path):
    poisoned_project(tmp_path / "project")
    evidence = load(tmp_path / "project")
    assert evidence.articles.loc[0, "title"] == f"Title {EVIL}"
    assert len(evidence.claims) == 3 and len(evidence.verdicts) == 2 and len(evidence.waivers) == 1
    assert set(evidence.references["key"]) == {"evil2020", "plain2019", "jsurl2018"}


def test_report_pages_hold_no_live_markup_from_the_evidence(poisoned_report):
    pages = sorted(poisoned_report.glob("*.html"))
    assert len(pages) >= 2
    for page in pages:
        html = page.read_text(encoding="utf-8")
        # Inline scripts are plotly's: evidence inside them is JSON data, with "<" as \u003c, so
        # nothing in them can close the script or open a tag.
        scripts = re.findall(r"<script\b[^>]*>(.*?)</script>", html, flags=re.S)
        assert all("<" not in body for body in scripts), page.name
        markup = re.sub(r"<script\b[^>]*>.*?</script>", "", html, flags=re.S)
        # The payloads' own markup never appears as markup...
        for live in ("<script>window", "<img", "<svg", "</textarea>", "<a href='javascript",
                     '" onmouseover=', "' onmouseover="):
            assert live not in markup, (page.name, live)
        assert "root:x:0:" not in html and SECRET not in html  # \input{...} is text, never read
        # ...and no element of the page carries an event handler or a link that is not http(s).
        parser = _Tags()
        parser.feed(html)
        for tag, attrs in parser.tags:
            assert not any(name.startswith("on") for name in attrs), (page.name, tag, attrs)
            for name in ("href", "src", "action", "formaction", "xlink:href", "data", "srcdoc"):
                value = attrs.get(name)
                if value is not None:
                    assert SAFE_LINK.match(value), (page.name, tag, name, value)
            assert tag not in ("img", "svg", "iframe", "object", "embed", "form", "base", "textarea"), (page.name, tag)
    assert not (poisoned_report / "pwned-latex").exists() and not (poisoned_report.parent / "pwned-latex").exists()


def test_report_escapes_the_payloads_as_text(poisoned_report):
    article = (poisoned_report / "article-001.html").read_text(encoding="utf-8")
    assert "&lt;script&gt;window.__pwned=1;" in article  # shown to the reader, as text
    assert "\\input{/etc/passwd}" in article
    assert "https://doi.org/10.1000/x%22%3E%3Cscript%3E" in article  # the DOI link, percent-encoded


def _dump_dom(url: str, profile: Path) -> str:
    """The DOM of ``url`` after its scripts ran, from headless Chromium."""
    command = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
               "--disable-background-networking", "--disable-component-update", "--disable-sync",
               f"--user-data-dir={profile}", "--virtual-time-budget=5000", "--dump-dom", url]
    result = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


PWNED = re.compile(r"<html[^>]*\bdata-pwned=")


@pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (make browser installs it)")
def test_chromium_runs_no_script_from_the_evidence(poisoned_report, tmp_path):
    # The sentinel works: the same payload, live in a page of its own, does set it.
    control = tmp_path / "control.html"
    control.write_text(f"<!doctype html><html><body>{PAYLOADS[0]}</body></html>", encoding="utf-8")
    assert PWNED.search(_dump_dom(control.as_uri(), tmp_path / "profile-control"))

    for n, page in enumerate(sorted(poisoned_report.glob("*.html"))):
        dom = _dump_dom(page.as_uri(), tmp_path / f"profile-{n}")
        assert "<body" in dom, page.name
        assert not PWNED.search(dom), f"{page.name}: a script from the evidence ran"


# --------------------------------------------------------------------------------------------
# The check cache: nothing a project brings along is unpickled, read from a device or waited on


def _printed_entry(root: Path) -> Path:
    """Where `check` (text, --fail-on error) looks for its stored output for the project at root."""
    from evidence_kit.cache import _ProjectRun

    run_ = _ProjectRun(root, True)
    if run_.store is None:
        pytest.skip("no cache secret can be made here")
    return run_.store.path("printed", run_._key("printed", "text", "error"))


def test_a_planted_cache_entry_is_never_unpickled(project, tmp_path):
    import pickle

    sentinel = tmp_path / "pwned"

    class Boom:
        def __reduce__(self):
            return (os.system, (f"touch {sentinel}",))

    entry = _printed_entry(project.root)
    entry.parent.mkdir(parents=True, exist_ok=True)
    payload = pickle.dumps(Boom())
    from evidence_kit.cache import FORMAT, MAGIC

    key = entry.name.removeprefix("printed-").removesuffix(".pickle")
    entry.write_bytes(MAGIC + f"{FORMAT}\n{key}\n".encode() + b"0" * 64 + b"\n" + payload)  # a forged MAC
    result = run("check", str(project.root))
    assert result.returncode == 0 and "passed" in result.stdout, result.stderr
    assert not sentinel.exists()


@pytest.mark.parametrize("kind", ["fifo", "link to /dev/zero"])
def test_a_cache_entry_that_is_not_a_file_is_skipped(project, kind):
    entry = _printed_entry(project.root)
    entry.parent.mkdir(parents=True, exist_ok=True)
    if kind == "fifo":
        os.mkfifo(entry)
    else:
        entry.symlink_to("/dev/zero")
    result = run("check", str(project.root))  # would hang, or fill the memory, were it read
    assert result.returncode == 0 and "passed" in result.stdout, result.stderr


# --------------------------------------------------------------------------------------------
# A project cannot make check hang or fill the memory


@pytest.mark.parametrize("kind", ["fifo", "link to /dev/zero"])
@pytest.mark.parametrize("where, status, words", [
    ("evidence/articles/002.yaml", 2, "evidence/articles/002.yaml: cannot read: not a regular file"),
    ("evidence/waivers.yaml", 2, "evidence/waivers.yaml: cannot read: not a regular file"),
    ("references.bib", 2, "references.bib: cannot read: not a regular file"),
    ("evidence/notes.txt", 0, None),  # read by no check, but hashed for the cache
    ("evidence/verdicts.jsonl", 0, None),
    ("evidence/fulltext/001.txt", 1, "[full-text-missing] article 001: full text evidence/fulltext/001.txt"),
])
@pytest.mark.parametrize("cache", [True, False])
def test_a_fifo_or_device_in_the_project_is_never_read(project, kind, where, status, words, cache):
    path = project.root / where
    path.unlink(missing_ok=True)
    if kind == "fifo":
        os.mkfifo(path)
    else:
        path.symlink_to("/dev/zero")
    result = run("check", str(project.root), *([] if cache else ["--no-cache"]))  # times out if it blocks
    assert result.returncode == status, result.stderr
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr
    if words:
        assert words in result.stdout + result.stderr


@pytest.mark.parametrize("kind", ["folder", "dangling link"])
def test_a_references_bib_that_is_not_a_file_is_reported_not_taken_as_missing(project, kind):
    bib = project.root / "references.bib"
    bib.unlink()
    if kind == "folder":
        bib.mkdir()
    else:
        bib.symlink_to(project.root / "gone.bib")
    result = run("check", str(project.root))
    assert result.returncode == 2, result.stdout + result.stderr
    assert result.stderr.startswith("evidence-kit: references.bib: cannot read:"), result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr


def test_report_page_names_from_article_ids_stay_in_the_folder(project, tmp_path):
    pytest.importorskip("jinja2")
    project.edit(ART, 'id: "001"', 'id: "../../../escaped/<x>"')
    out = tmp_path / "site"
    result = run("report", str(project.root), "--out", str(out))
    assert result.returncode == 0, result.stderr
    written = {p.relative_to(out).as_posix() for p in out.rglob("*")}
    assert all("/" not in name and ".." not in name for name in written), written
    assert not (tmp_path / "escaped").exists() and not (project.root.parent / "escaped").exists()


# --------------------------------------------------------------------------------------------
# Control characters from a pasted bibliography reach no terminal and break no XML


@pytest.mark.parametrize("fmt", ["text", "github", "junit", "json"])
def test_control_characters_in_the_bibliography_are_shown_not_sent(project, fmt):
    from xml.etree import ElementTree as ET

    project.bib(BIB + "\n@misc{evil\x1b[2J\x07key, title = {T}}\n"
                "@misc{x, title = {T}, doi = {10.1/\x1b]0;owned\x07\r\ufffe}}\n")
    result = run("check", str(project.root), "--format", fmt)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    out = result.stdout
    if fmt == "json":  # JSON escapes them itself; the data stays exact
        keys = {f["key"] for f in json.loads(out)["findings"]}
        assert "evil\x1b[2J\x07key" in keys
        return
    assert not re.search("[\x00-\x08\x0b-\x1f\x7f-\x9f\ufffe\uffff]", out), repr(out)
    assert "evil\\x1b[2J\\x07key" in out
    if fmt == "junit":
        ET.fromstring(out.encode("utf-8"))
