"""Property-based tests: generated and mutated input never escapes as an exception, and the
checks' invariants hold on generated projects.

- ``parse_statistic`` / ``problems`` / ``find_statistics`` never raise, on any text;
- ``read_bibliography`` never raises, on any bytes or bib-like text, and drops no entry it read;
- ``load`` raises nothing but ``UnusableInput`` (every problem naming file and line) on mutated
  evidence files, and ``check`` and every output format then run without an exception;
- on generated projects: every claim is cited or reported uncited; every citation resolves to a
  defined bib key or is reported; the summary's counts equal the rows of the findings table, and
  completeness counts equal the rows of the claims and statistics tables.

Each test adds the number of examples it tried to the tally printed at the end of the session.
"""

from __future__ import annotations

import csv
import json
import re
import tempfile
from pathlib import Path

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import ARTICLE, BIB, FULL_TEXT, count

from evidence_kit import schema
from evidence_kit.bibliography import read_bibliography
from evidence_kit.checks import check, completeness
from evidence_kit.errors import UnusableInput
from evidence_kit.findings import CATALOGUE
from evidence_kit.loader import load
from evidence_kit.output import FORMATS, render, summary
from evidence_kit.statistic import (_FORMS, KINDS, Statistic, _hinted_forms, find_statistics, has_number, parse_statistic,
                                    problems, with_numbers)

SETTINGS = dict(deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
ART = "evidence/articles/001.yaml"
LOCATED = re.compile(r"^[^:\s][^:]*:\d+: \S")

PHRASINGS = [row["text"] for row in csv.DictReader(
    (Path(__file__).parent / "statistic_phrasings.csv").read_text(encoding="utf-8").splitlines())]
PHRASINGS += ["150%", "4:1 to 2:1", "-5 years", "\u22125 years", "\uff16\uff10\uff05", "0:0", "4 of 0"]


def mutated(seeds: list[str], alphabet: str) -> st.SearchStrategy[str]:
    """A seed text with a few random edits: deletions, insertions, duplicated or cut spans."""

    @st.composite
    def build(draw: st.DrawFn) -> str:
        text = draw(st.sampled_from(seeds))
        for _ in range(draw(st.integers(1, 6))):
            i = draw(st.integers(0, len(text)))
            j = draw(st.integers(i, min(len(text), i + 40)))
            edit = draw(st.sampled_from(["delete", "insert", "duplicate", "replace", "truncate"]))
            if edit == "delete":
                text = text[:i] + text[j:]
            elif edit == "insert":
                text = text[:i] + draw(st.text(alphabet=alphabet, min_size=1, max_size=8)) + text[i:]
            elif edit == "duplicate":
                text = text[:j] + text[i:j] + text[j:]
            elif edit == "replace":
                text = text[:i] + draw(st.text(alphabet=alphabet, max_size=4)) + text[j:]
            else:
                text = text[:j]
        return text

    return build()


# --------------------------------------------------------------------------------------------
# The statistic parser


def _parse_everything(text: str) -> Statistic:
    statistic = parse_statistic(text)
    assert isinstance(statistic, Statistic) and statistic.kind in KINDS
    assert statistic.text == text
    said = problems(statistic)
    assert all(isinstance(line, str) and "\n" not in line for line in said)
    if statistic.kind == "unreadable":
        assert said and statistic.problem
    for found in find_statistics(text):
        assert text[found.start:found.end] == found.text
    return statistic


@settings(max_examples=600, **SETTINGS)
@given(st.text(max_size=80))
def test_parse_statistic_never_raises_on_any_text(pytestconfig, text):
    count(pytestconfig, "property parse_statistic (any text)")
    _parse_everything(text)


def _hints_hold(text: str) -> None:
    """A phrasing with hints matches nowhere in a text that has none of them (so skipping it is safe)."""
    from evidence_kit.statistic import _FORMS

    lowered = text.lower()
    for form in _FORMS:
        if form.hints and not any(hint in lowered for hint in form.hints):
            assert not any(form.regex.match(text, at) for at in range(len(text) + 1)), (form.name, text)


def test_phrasings_without_their_hints_never_match():
    for text in PHRASINGS:
        _hints_hold(text)


def _forms_with_hints(text: str) -> list[int]:
    """The forms ``_candidates`` tries on ``text``, by the plain rule: no hints, or one in the text."""
    lowered = text.lower()
    return [order for order, form in enumerate(_FORMS) if not form.hints or any(h in lowered for h in form.hints)]


@settings(max_examples=400, **SETTINGS)
@given(st.one_of(mutated(PHRASINGS, "0123456789%:.,- yY mM wW dD hH sS aged patients MEN KINDRED people old"),
                 st.lists(st.sampled_from(sorted({h for f in _FORMS for h in f.hints}) + ["a", " ", "X", "İ"]),
                          max_size=8).map("".join)))
def test_the_forms_tried_are_those_whose_hints_the_text_has(text):
    assert _hinted_forms(text) == _forms_with_hints(text)


@settings(max_examples=400, **SETTINGS)
@given(mutated(PHRASINGS, "0123456789%:.,- yY mM wW dD hH sS aged patients MEN KINDRED people old"))
def test_mutated_phrasings_without_their_hints_never_match(pytestconfig, text):
    count(pytestconfig, "property form hints")
    _hints_hold(text)


# Number words, their look-alikes and neighbours: "seventy", "several", "often", "xone", "ONE", "Half".
_WORDY = st.lists(st.sampled_from(["one", "ONE", "Half", "half", "seventy", "several", "seven", "often", "ten",
                                   "tendon", "x", "thirty", "third", "thi", "fo", "forty", "for", "quarter", "qua",
                                   "zero", " ", "-", "\n", "_", "\u00e9", "\U0001f600", "9", "\uff10", "é"]),
                  max_size=12).map("".join)


@settings(max_examples=300, **SETTINGS)
@given(st.lists(st.one_of(st.text(max_size=40), _WORDY), max_size=30))
def test_with_numbers_is_has_number_for_many_texts(pytestconfig, texts):
    """The one pass over all texts finds exactly the texts that ``has_number`` finds one by one."""
    count(pytestconfig, "property with_numbers = has_number")
    assert with_numbers(texts) == [i for i, text in enumerate(texts) if has_number(text)]


def test_with_numbers_reads_many_texts_a_slice_at_a_time(monkeypatch):
    from evidence_kit import statistic

    texts = ["no", "one", "", "x", "7", "several", "half", "Severity", "two-thirds", "ok"]
    expected = [i for i, text in enumerate(texts) if has_number(text)]
    for size in (1, 2, 3, 100):
        monkeypatch.setattr(statistic, "_TEXTS_AT_ONCE", size)
        assert with_numbers(texts) == expected == [1, 4, 6, 8]


@settings(max_examples=600, **SETTINGS)
@given(mutated(PHRASINGS, "0123456789%:.,-\u2013\u2212 <>~\u00b1()/xyears month:1to of\u00a0\uff10\u0660"))
def test_parse_statistic_never_raises_on_mutated_phrasings(pytestconfig, text):
    count(pytestconfig, "property parse_statistic (mutated phrasings)")
    _parse_everything(text)


# --------------------------------------------------------------------------------------------
# The bibliography reader


def _read_bib(data: bytes | str) -> None:
    table, found = read_bibliography(data, "references.bib")
    schema.validate("references", table)
    assert all(f["code"] in CATALOGUE and f["file"] == "references.bib" for f in found)
    assert all(f["line"] is None or f["line"] >= 1 for f in found)
    # An entry whose block the reader could not use is a finding, never a silent drop: every key
    # at the head of a block is a row, or a finding names its line.
    text = data.decode("utf-8", "replace") if isinstance(data, bytes) else data
    if "\x00" in text:
        return
    text = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    lines = {f["line"] for f in found}
    for match in re.finditer(r"^@(article|misc|book)\{([A-Za-z0-9]+),", text, re.M):
        line = text.count("\n", 0, match.start()) + 1
        key = match.group(2).lower()
        assert key in set(table["key"].str.lower()) or lines & set(range(1, line + 1)), (key, line, found)


@settings(max_examples=400, **SETTINGS)
@given(st.binary(max_size=400))
def test_read_bibliography_never_raises_on_bytes(pytestconfig, data):
    count(pytestconfig, "property read_bibliography (bytes)")
    read_bibliography(data, "references.bib")


@settings(max_examples=500, **SETTINGS)
@given(mutated([BIB, BIB.replace("\n", "\r\n"), "\ufeff" + BIB, BIB + '@string{j = "J"}\n@misc{m, title = j # "x"}\n'],
               '@{}()",=#%\\ \n\taZ0_:/\u00fc'))
def test_read_bibliography_never_raises_on_mutated_bib(pytestconfig, text):
    count(pytestconfig, "property read_bibliography (mutated bib)")
    _read_bib(text)
    _read_bib(text.encode("utf-8"))


@settings(max_examples=300, **SETTINGS)
@given(mutated([BIB + BIB.replace("smith2020", "other2021") + '@string{j = "J"}\n@misc{m, title = j # "x"}\n',
                BIB * 3], '@{}()",=#%\\ \n\taZ0_:/'),
       st.floats(0.05, 0.95))
def test_a_mutated_bibliography_cut_anywhere_reads_as_the_whole(pytestconfig, text, share):
    """What the loader's two processes build is what one process builds, however bad the file."""
    from evidence_kit.bibliography import digested, halves, parse_blocks

    count(pytestconfig, "property bibliography read in two parts")
    part = halves(text, "references.bib", share)
    if part is None:
        return
    whole = read_bibliography(text, "references.bib")
    for tail in (lambda: None, lambda: parse_blocks(part.tail, part.tail_line),
                 lambda: digested(parse_blocks(part.tail, part.tail_line), "references.bib", part.strings)):
        table, found = part.read(tail)
        assert table.equals(whole[0]) and found == whole[1]


# --------------------------------------------------------------------------------------------
# The evidence loader, and check on what it loads


def _project(root: Path, article: str, bib: str = BIB, full_text: str = FULL_TEXT) -> None:
    (root / "evidence" / "articles").mkdir(parents=True)
    (root / "evidence" / "fulltext").mkdir(parents=True)
    (root / ART).write_text(article, encoding="utf-8")
    (root / "evidence" / "fulltext" / "001.txt").write_text(full_text, encoding="utf-8")
    (root / "references.bib").write_text(bib, encoding="utf-8")


def _load_and_check(root: Path):
    """load, check and render; only UnusableInput may escape, and it names file and line."""
    try:
        evidence = load(root)
    except UnusableInput as exc:
        assert exc.problems and all(LOCATED.match(p) for p in exc.problems), exc.problems
        return None, None
    findings = check(evidence)
    schema.validate("findings", findings)
    table = completeness(evidence)
    for fmt in FORMATS:
        assert render(findings, table, fmt)
    return evidence, findings


@settings(max_examples=150, **SETTINGS)
@given(mutated([ARTICLE], "\n -:#'\"[]{}&*!|>%@`?,\t0123456789abc\u00e9"))
def test_loader_raises_only_unusable_input_on_mutated_evidence(pytestconfig, text):
    count(pytestconfig, "property load+check (mutated evidence)")
    with tempfile.TemporaryDirectory() as tmp:
        _project(Path(tmp), text)
        _load_and_check(Path(tmp))


# Generated projects: structurally valid evidence files whose content varies.

KEYS = ["smith2020", "jones2019", "lee2018", "Smith2020", "nowhere1"]
CITATIONS = st.one_of(
    st.sampled_from(["", " ", "1", "2, 1", "3", "1-3", "[1][2]", "x", "1a", ",", "[]", "()", "2;4", "0"]),
    st.lists(st.integers(0, 7), max_size=4).map(lambda ns: ", ".join(map(str, ns))),
)
TEXT = st.text(alphabet=st.characters(blacklist_categories=["Cs", "Cc"]), max_size=40)


@st.composite
def projects(draw: st.DrawFn) -> tuple[str, str, str]:
    """An article file, a bibliography and a full text."""
    numbers = draw(st.lists(st.integers(1, 6), unique=True, max_size=5))
    references = {n: draw(st.sampled_from(KEYS)) for n in numbers}
    claims = []
    for i in range(draw(st.integers(0, 6))):
        claim: dict = {"id": f"001-c{i:02}", "statement": draw(TEXT)}
        printed = draw(CITATIONS)
        if printed or draw(st.booleans()):
            claim["citations"] = printed
        if draw(st.booleans()):
            claim["statistics"] = [
                {"text": draw(st.sampled_from(PHRASINGS[:20] + ["150%", "x"])), "measure": "m",
                 **({"sources": [{"key": draw(st.sampled_from(KEYS)), "value": "1%"}]} if draw(st.booleans()) else {})}
                for _ in range(draw(st.integers(1, 2)))]
        claims.append(claim)
    article = {"id": "001", "title": draw(TEXT) or "t", "status": draw(st.sampled_from(["submitted", "approved"])),
               "full_text": "evidence/fulltext/001.txt"}
    if references:
        article["references"] = references
    document = yaml.safe_dump({"article": article, "claims": claims}, allow_unicode=True, sort_keys=False)
    defined = draw(st.lists(st.sampled_from(KEYS), max_size=5))
    bib = "".join(f"@article{{{key},\n  author = {{A}},\n  title = {{T}},\n  journal = {{J}},\n  year = {{2020}},\n}}\n"
                  for key in defined)
    full_text = " ".join(c["statement"] for c in claims if draw(st.booleans()))
    return document, bib, full_text


@settings(max_examples=150, **SETTINGS)
@given(projects())
def test_check_invariants_hold_on_generated_projects(pytestconfig, project):
    count(pytestconfig, "property check invariants (generated projects)")
    document, bib, full_text = project
    with tempfile.TemporaryDirectory() as tmp:
        _project(Path(tmp), document, bib, full_text)
        evidence, findings = _load_and_check(Path(tmp))
    assert evidence is not None, "a generated project is valid evidence"
    written = yaml.safe_load(document)["claims"]
    assert list(evidence.claims["claim"]) == [c["id"] for c in written]  # no claim dropped

    def reported(code: str) -> set:
        rows = findings[findings["code"] == code]
        return set(zip(rows["claim"], rows["key"].astype(object).where(rows["key"].notna(), None)))

    uncited = {claim for claim, _ in reported("claim-uncited")}
    cited = set(evidence.citations["claim"])
    for claim in evidence.claims["claim"]:  # every claim is cited, or reported uncited
        assert (claim in cited) != (claim in uncited), (claim, evidence.claims, evidence.citations)

    defined = set(evidence.references["key"])
    undefined = reported("citation-key-undefined")
    unlisted = {claim for claim, _ in reported("citation-number-unlisted")}
    unreadable = {claim for claim, _ in reported("citation-unreadable")}
    for row in evidence.citations.astype(object).where(evidence.citations.notna(), None).to_dict("records"):
        if row["number"] is None:
            assert row["claim"] in unreadable, row
        elif row["key"] is None:
            assert row["claim"] in unlisted, row
        else:  # every cited key is resolved, or reported undefined
            assert (row["key"] in defined) != ((row["claim"], row["key"]) in undefined), row

    table = completeness(evidence)
    facts = summary(findings, table, "error")
    assert facts["findings"] == len(findings)
    assert facts["errors"] + facts["warnings"] + facts["infos"] + facts["waived"] == len(findings)
    assert sum(c["claims"] for c in facts["completeness"]) == len(evidence.claims)
    assert sum(c["statistics"] for c in facts["completeness"]) == len(evidence.statistics)
    assert sum(c["claims_cited"] for c in facts["completeness"]) == len(cited)
    output = json.loads(render(findings, table, "json"))
    assert len(output["findings"]) == output["summary"]["findings"] == len(findings)
