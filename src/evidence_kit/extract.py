"""Draft evidence from an article's text: its statements, their citation markers as printed, the
reference list and the statistics found, for a reviewer to edit.

``extract(text)`` is pure: text in, a ``Draft`` out. ``draft_yaml`` renders the draft as an
evidence file that the loader accepts, with every placeholder marked; ``draft_records`` gives the
same statements as plain records for ``--format json``. ``read_article`` and ``write_draft`` are
the only functions that touch files, and ``write_draft`` never overwrites one.

How the text is read, in short:

- the first non-empty line is the title; a short line that ends without punctuation and carries
  no marker is a heading, and becomes the ``section`` of what follows;
- list items (``•``, ``-``, ``1.`` ...) and the sentences of paragraphs are statements; an item
  that ends with a colon introduces a sub-list and is not a statement; questions are skipped;
- a "References" heading starts the reference list; nothing after it is a statement (what
  follows a reference list is page furniture: disclaimers, links, advertising);
- a marker at the end of a statement is cut from it; a marker inside a sentence stays in the
  statement, so the statement is still verbatim, and is listed with the others;
- in a list, unmarked items followed by an item with a marker share that marker, recorded as
  ``citation_position: end of list``; a single unmarked item between two marked ones does not,
  since each neighbour's marker plainly belongs to that neighbour.
"""

from __future__ import annotations

import dataclasses
import json
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Iterator

import yaml

from .errors import UnusableInput, UsageError
from .evidence_format import split_citations
from .statistic import Found, find_statistics

__all__ = [
    "Marker",
    "Statement",
    "Reference",
    "Draft",
    "extract",
    "split_markers",
    "guess_measure",
    "draft_yaml",
    "draft_records",
    "draft_json",
    "read_article",
    "article_id_from_path",
    "write_draft",
]

UNKNOWN_MEASURE = "unknown"
INLINE, END_OF_LIST = "inline", "end of list"


# ---------------------------------------------------------------------------------------------
# The draft


@dataclass(frozen=True)
class Marker:
    """One cited reference (or range) as printed: "3", "3-5", "¹", "Bruno et al., 2004".

    ``style`` is "number" (a trailing number, as in "... patients 3, 1"), "bracket", "superscript"
    or "author-year"; ``numbers`` are the reference numbers it stands for, empty when unknown.
    """

    printed: str
    style: str
    numbers: tuple[int, ...] = ()


@dataclass(frozen=True)
class Statement:
    """A sentence or list item of the article, without its trailing citation marker.

    ``printed`` is the marker text as printed ("3, 1", "[3][4]", "¹˒²"); ``position`` is "inline"
    when the statement carries its own markers, "end of list" when it shares the marker of the
    item that closes its list, and None when uncited. ``line`` is its line in the article text.
    """

    text: str
    section: str | None
    line: int
    markers: tuple[Marker, ...] = ()
    printed: str = ""
    position: str | None = None
    statistics: tuple[Found, ...] = ()
    list_intro: str | None = None


@dataclass(frozen=True)
class Reference:
    """One entry of the printed reference list; ``numbered`` is False when numbered by position."""

    number: int
    title: str
    printed: str
    numbered: bool
    key: str


@dataclass(frozen=True)
class Draft:
    """What ``extract`` read from an article's text."""

    title: str
    statements: tuple[Statement, ...]
    references: tuple[Reference, ...]

    @property
    def markers(self) -> list[Marker]:
        """Every marker printed in the text, in order (a shared end-of-list marker once)."""
        return [m for s in self.statements if s.position == INLINE for m in s.markers]


# ---------------------------------------------------------------------------------------------
# Markers

_SUPERSCRIPT_DIGITS = "⁰¹²³⁴⁵⁶⁷⁸⁹"
_FROM_SUPERSCRIPT = str.maketrans(_SUPERSCRIPT_DIGITS + "⁻", "0123456789-")
_SUP_ITEM = f"[{_SUPERSCRIPT_DIGITS}]+(?:[⁻‐‑–-][{_SUPERSCRIPT_DIGITS}]+)?"
_SUPERSCRIPT = re.compile(rf"{_SUP_ITEM}(?: ?[˒,] ?{_SUP_ITEM})*")
_SUP_TOKEN = re.compile(_SUP_ITEM)
# "m²", "kg/m²", "10⁶": a superscript after a digit or a unit is an exponent, not a marker.
_EXPONENT_BEFORE = re.compile(r"(?:\d|(?:^|[\s/(·])(?:[kcmµμnd]?[mgLl]|ft|in|s|x|×))\Z")

_NUM_ITEM = r"\d{1,3}(?:\s*[-–—]\s*\d{1,3})?"
_NUM_LIST = rf"{_NUM_ITEM}(?:\s*[,;]\s*{_NUM_ITEM}){{0,30}}"  # bounded: linear time on any input
_BRACKET = re.compile(rf"\[\s*{_NUM_LIST}\s*\](?: ?\[\s*{_NUM_LIST}\s*\])*")
_BRACKET_TOKEN = re.compile(_NUM_ITEM)

_PARTICLE = r"(?:(?:van|von|der|den|de|del|della|da|di|du|dos|le|la|ten|ter)\s+)"
_NAME = rf"{_PARTICLE}*(?=[A-ZÀ-ÖØ-Þ])\w[\w'’-]*"
_AUTHORS = rf"{_NAME}(?:\s+et\s+al\.?|(?:\s*,\s*{_NAME})*,?\s+(?:and|&)\s+{_NAME})?"
_YEAR = r"(?:1[6-9]|20)\d\d[a-z]?(?!\d)"
_AY_ITEM = rf"(?:(?:e\.g\.|see|cf\.),?\s+)?{_AUTHORS},?\s+{_YEAR}(?:\s*,\s*{_YEAR})*"
_AUTHOR_YEAR = re.compile(rf"\(\s*{_AY_ITEM}(?:\s*[;,]\s*{_AY_ITEM})*\s*\)"
                          rf"|\[\s*{_AY_ITEM}(?:\s*[;,]\s*{_AY_ITEM})*\s*\]")
_AY_TOKEN = re.compile(_AY_ITEM)
_AY_FIRST = re.compile(rf"(?:(?:e\.g\.|see|cf\.),?\s+)?(?P<name>{_NAME}).*?(?P<year>{_YEAR})", re.S)
_MONTHS = {"january", "february", "march", "april", "may", "june", "july", "august", "september",
           "october", "november", "december", "spring", "summer", "autumn", "fall", "winter"}

# Trailing numbers as in article 004: "... the legs. 1", "... patients 3, 1". Never a range, a
# thousands separator or a leading zero; the word before must not be one that takes a number.
_TRAILING_LIST = r"[1-9]\d{0,2}(?:, ?[1-9]\d{0,2}){0,11}"
_TRAILING_END = re.compile(rf"(?<=\S)\s+({_TRAILING_LIST})\s*\Z")
_TRAILING_MID = re.compile(rf"(?<=[.!?])\s+({_TRAILING_LIST})(?=\s+[A-Z\"“‘(\[])")
_TAKES_A_NUMBER = set("""
    type types grade grades stage stages class phase level levels step steps chapter section part
    figure figures fig fig. table tables item items score version no no. number top day week month
    year age aged ages dyt chromosome chromosomes trisomy of in to than from between and or at by
    over under about around approximately approx approx. nearly almost least most only up every
    per each n k p x vs vs. versus is are was were be been with within after before for on
    """.split())


def split_markers(text: str, references: int | None = None) -> tuple[str, list[Marker], str]:
    """Cut the citation markers from the end of one sentence or list item.

    Returns the statement (verbatim, without the trailing markers), every marker in order
    (markers inside the sentence too, which stay in the statement) and the marker text as
    printed. ``references``, the length of the reference list when known, rules out trailing
    numbers beyond it. "Hypocalcemia ... (as seen in 22q11.2 deletion syndrome) 3" gives
    ("Hypocalcemia ... syndrome)", [Marker("3", "number", (3,))], "3").
    """
    spans = _marker_spans(text, references)
    statement = text.rstrip()
    cut: list[tuple[int, int, list[Marker]]] = []
    # Peel markers off the end; punctuation right after a marker ("[3].") goes with it, so what
    # remains is still a verbatim part of the sentence.
    for start, end, found in reversed(spans):
        tail = statement[end:] if end <= len(statement) else ""
        if tail.strip(" .;,") == "" and not (cut and tail.strip()):
            cut.insert(0, (start, end, found))
            statement = statement[:start].rstrip()
        else:
            break
    markers = [m for _, _, found in spans for m in found]
    printed = " ".join(text[start:end] for start, end, _ in spans)
    return statement, markers, printed


def _marker_spans(text: str, references: int | None) -> list[tuple[int, int, list[Marker]]]:
    spans: list[tuple[int, int, list[Marker]]] = []
    for m in _BRACKET.finditer(text):
        tokens = [t.group(0) for t in _BRACKET_TOKEN.finditer(m.group(0))]
        spans.append((m.start(), m.end(), [Marker(t, "bracket", _numbers(t)) for t in tokens]))
    for m in _SUPERSCRIPT.finditer(text):
        if _EXPONENT_BEFORE.search(text[max(0, m.start() - 8):m.start()]):
            continue
        tokens = [t.group(0) for t in _SUP_TOKEN.finditer(m.group(0))]
        spans.append((m.start(), m.end(), [Marker(t, "superscript", _numbers(t)) for t in tokens]))
    for m in _AUTHOR_YEAR.finditer(text):
        tokens = [t.group(0).strip() for t in _AY_TOKEN.finditer(m.group(0)[1:-1])]
        if any(_AY_FIRST.match(t) and _AY_FIRST.match(t)["name"].lower() in _MONTHS for t in tokens):
            continue
        spans.append((m.start(), m.end(), [Marker(t, "author-year") for t in tokens]))
    taken = sorted(spans)
    for m in list(_TRAILING_MID.finditer(text)) + list(_TRAILING_END.finditer(text)):
        start, end = m.span(1)
        if any(s < end and start < e for s, e, _ in taken):
            continue
        if _trailing_number_ok(text[:m.start()], m.group(1), references):
            tokens = re.split(r", ?", m.group(1))
            taken.append((start, end, [Marker(t, "number", (int(t),)) for t in tokens]))
    taken.sort()
    out: list[tuple[int, int, list[Marker]]] = []
    for span in taken:  # the first of two overlapping spans wins
        if not out or span[0] >= out[-1][1]:
            out.append(span)
    return out


def _trailing_number_ok(before: str, numbers: str, references: int | None) -> bool:
    before = before.rstrip()
    if not before or before[-1] in "=<>≤≥±×~:/+-–—%$#":
        return False
    if references is not None and any(int(n) > references for n in re.split(r", ?", numbers)):
        return False
    word = before.split()[-1].lower().strip("\"'“”‘’(")
    return word not in _TAKES_A_NUMBER


def _numbers(printed: str) -> tuple[int, ...]:
    digits = printed.translate(_FROM_SUPERSCRIPT)
    span = re.fullmatch(r"\s*(\d+)\s*[-–—‐‑]\s*(\d+)\s*", digits)
    if span:
        low, high = int(span[1]), int(span[2])
        return tuple(range(low, high + 1)) if low <= high <= low + 50 else ()
    return (int(digits),) if digits.strip().isdigit() else ()


# ---------------------------------------------------------------------------------------------
# Sentences

_ABBREVIATIONS = {"e.g", "i.e", "al", "vs", "dr", "mr", "mrs", "ms", "prof", "fig", "figs", "approx",
                  "no", "nos", "st", "cf", "ca", "jr", "sr", "inc", "ltd", "co", "vol", "pp", "p", "resp",
                  "ref", "refs", "eg", "ie", "viz", "incl"}
_END = re.compile(r"[.!?][\"'”’)\]]*")
_SENTENCE_START = re.compile(r"\s+(?=[A-Z0-9À-ÖØ-Þ\"“‘(\[¿¡])")


def _sentences(text: str, spans: list[tuple[int, int]]) -> Iterator[str]:
    """Split a paragraph into sentences; a marker right after the full stop stays with it."""
    start = 0
    ends = dict(spans)
    for m in _END.finditer(text):
        end = m.end()
        if _is_abbreviation(text, m.start()):
            continue
        while True:  # "... legs. 1 Next" or "... legs.[3] Next": the marker goes first
            after = end
            while after < len(text) and text[after].isspace():
                after += 1
            if after not in ends:
                break
            end = ends[after]
        gap = _SENTENCE_START.match(text, end)
        if gap is None:
            continue
        yield text[start:end].strip()
        start = gap.end()
    if text[start:].strip():
        yield text[start:].strip()


def _is_abbreviation(text: str, dot: int) -> bool:
    if text[dot] != ".":
        return False
    if dot > 0 and text[dot - 1].isdigit() and text[dot + 1:dot + 2].isdigit():
        return True  # a decimal point
    start = dot
    while start > 0 and dot - start < 12 and (text[start - 1].isalnum() or text[start - 1] in "._"):
        start -= 1
    token = text[start:dot]
    if len(token) == 1 and token.isupper():
        return True  # an initial, "J. Smith"
    return token.lower().rstrip(".") in _ABBREVIATIONS


# ---------------------------------------------------------------------------------------------
# Lines, blocks and lists

_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_SPACE = re.compile(r"\s+")
_BULLET = re.compile(r"(?P<indent>[ \t]*)(?:[•◦▪▫‣∙●○■□►▸➢➤✓✔·*]|[-–—](?=\s)|\d{1,2}[.)](?=\s)|[a-z][.)](?=\s))"
                     r"\s+(?P<text>\S.*)")
_REFERENCES_HEADING = re.compile(r"(?:references?|bibliography|sources|works cited|literature cited|"
                                 r"cited literature|citations|reference list|notes and references)\s*:?",
                                 re.I)
_HEADING_WORDS = 20


@dataclass
class _Unit:
    """A paragraph or a list item, with the line it starts on."""

    text: str
    line: int
    bullet: bool = False
    indent: int = 0


def _collapse(text: str) -> str:
    return _SPACE.sub(" ", text).strip()


def _units(lines: list[tuple[int, str]]) -> Iterator[_Unit | None]:
    """Paragraphs and list items; None marks a blank line. A line starting in lower case
    continues the one before, and so does a line indented under a list item."""
    current: _Unit | None = None
    for number, raw in lines:
        if not raw.strip():
            if current:
                yield current
                current = None
            yield None
            continue
        bullet = _BULLET.fullmatch(raw.rstrip())
        if bullet:
            if current:
                yield current
            current = _Unit(bullet["text"], number, True, len(bullet["indent"].expandtabs(4)))
            continue
        stripped = raw.strip()
        indent = len(raw.expandtabs(4)) - len(raw.expandtabs(4).lstrip())
        continues = current is not None and not re.search(r"[.!?:]\W*\Z", current.text) and (
            stripped[0].islower() or (current.bullet and indent > current.indent))
        if current is not None and continues:
            current.text += " " + stripped
            continue
        if current:
            yield current
        current = _Unit(stripped, number)
    if current:
        yield current


def _is_heading(unit: _Unit, markers: list[Marker]) -> bool:
    text = unit.text.rstrip()
    return (not unit.bullet and not markers and not re.search(r"[.!?:;,]\W*\Z", text)
            and len(text.split()) <= _HEADING_WORDS)


# ---------------------------------------------------------------------------------------------
# The reference list

_NUMBERED_REFERENCE = re.compile(r"\s*(?:\[(\d{1,3})\]|(\d{1,3})[.)])\s+(\S.*)")
_HAS_YEAR = re.compile(rf"(?<!\d){_YEAR}")
_LONGEST_REFERENCE_LINE = 400


def _references(lines: list[tuple[int, str]]) -> list[Reference]:
    texts = [raw.strip() for _, raw in lines]
    first = next((t for t in texts if t), "")
    if _NUMBERED_REFERENCE.fullmatch(first):
        return _numbered_references(texts)
    return _positional_references(texts)


def _numbered_references(texts: list[str]) -> list[Reference]:
    entries: list[tuple[int, list[str]]] = []
    blank = False
    for text in texts:
        if not text:
            blank = True
            continue
        m = _NUMBERED_REFERENCE.fullmatch(text)
        if m:
            entries.append((int(m[1] or m[2]), [m[3]]))
        elif entries and not blank and len(text) <= _LONGEST_REFERENCE_LINE:
            entries[-1][1].append(text)
        else:
            break
        blank = False
    seen: set[int] = set()
    out = []
    for number, parts in entries:
        if number in seen:
            break
        seen.add(number)
        printed = _collapse(" ".join(parts))
        out.append(Reference(number, printed, printed, True, _placeholder_key(number)))
    return out


def _positional_references(texts: list[str]) -> list[Reference]:
    """An unnumbered list, one entry per line or in blocks such as article 004's (a label, the
    title, then the source with its year): an entry ends at the line with a year."""
    entries: list[list[str]] = []
    pending: list[str] = []
    for text in texts:
        if not text:
            continue
        if len(text) > _LONGEST_REFERENCE_LINE:
            break
        pending.append(text)
        if _HAS_YEAR.search(text):
            entries.append(pending)
            pending = []
        elif len(pending) >= 3:
            break  # no year within three lines: the list is over
    out = []
    for number, parts in enumerate(entries, start=1):
        if len(parts) >= 3 and len(parts[0].split()) <= 3 and not re.search(r"[.,:;]", parts[0]):
            parts = parts[1:]  # a label such as "Guideline" or "Research"
        title = parts[0] if len(parts) > 1 else parts[-1]
        out.append(Reference(number, title, " — ".join(parts), False, _placeholder_key(number)))
    return out


def _placeholder_key(number: int) -> str:
    return f"TODO-ref{number}"


def _resolve_author_year(marker: Marker, references: Iterable[Reference]) -> Marker:
    first = _AY_FIRST.match(marker.printed)
    if first is None:
        return marker
    name, year = first["name"].split()[-1], first["year"]
    hits = [r.number for r in references
            if re.search(rf"\b{re.escape(name)}\b", r.printed[:80]) and year in r.printed]
    return dataclasses.replace(marker, numbers=(hits[0],)) if len(hits) == 1 else marker


# ---------------------------------------------------------------------------------------------
# Extraction


def extract(text: str) -> Draft:
    """Read an article's text into a draft: title, statements with markers and statistics, and
    the reference list when the text prints one."""
    lines = list(enumerate(_LINE_BREAK.split(text.lstrip("\ufeff")), start=1))
    first = next((i for i, (_, raw) in enumerate(lines) if raw.strip()), None)
    if first is None:
        return Draft("", (), ())
    title = _collapse(lines[first][1])
    body = lines[first + 1:]
    heading = next((i for i, (_, raw) in enumerate(body)
                    if _REFERENCES_HEADING.fullmatch(raw.strip()) and not _BULLET.fullmatch(raw)), None)
    references: list[Reference] = []
    if heading is not None:
        references = _references(body[heading + 1:])
        body = body[:heading]
    count = max((r.number for r in references), default=None)
    statements = _statements(body, title, count)
    statements = [_resolved(s, references) for s in statements]
    return Draft(title, tuple(_shared_list_markers(statements)), tuple(references))


@dataclass
class _Item:
    """A statement while the list structure is still known."""

    statement: Statement
    bullet: bool
    group: tuple[int, int] | None  # (parent item line, level) for list items
    last_of_unit: bool


def _statements(body: list[tuple[int, str]], title: str, references: int | None) -> list[_Item]:
    items: list[_Item] = []
    section: str | None = title
    indents: list[int] = []  # the indents of the open list levels
    parents: list[int] = []  # the line of the last item at each level
    intros: dict[int, str] = {}
    list_id = 0  # a new list starts after any paragraph or heading
    for unit in _units(body):
        if unit is None:
            continue
        text = _collapse(unit.text)
        if not unit.bullet:
            list_id += 1
            indents.clear()
            parents.clear()
        statement_text, markers, _ = split_markers(text, references)
        if _is_heading(unit, markers):
            section = text
            continue
        group = None
        if unit.bullet:
            while indents and indents[-1] > unit.indent:
                indents.pop()
                parents.pop()
            if not indents or indents[-1] < unit.indent:
                indents.append(unit.indent)
                parents.append(unit.line)
            level = len(indents) - 1
            parents[level] = unit.line
            group = (parents[level - 1] if level else -list_id, level)
            if not markers and statement_text.endswith(":"):
                intros[unit.line] = statement_text
                continue
        elif not markers and text.endswith(":"):
            continue
        intro = intros.get(group[0]) if group and group[1] else None
        spans = [(s, e) for s, e, _ in _marker_spans(text, references)]
        sentences = list(_sentences(text, spans))
        kept = []
        for sentence in sentences:
            statement, found, printed = split_markers(sentence, references)
            if not statement or (statement.endswith("?") and not found):
                continue
            kept.append(Statement(statement, section, unit.line, tuple(found), printed,
                                  INLINE if found else None, tuple(find_statistics(statement)), intro))
        for i, statement in enumerate(kept):
            items.append(_Item(statement, unit.bullet, group, i == len(kept) - 1))
    return items


def _resolved(item: _Item, references: list[Reference]) -> _Item:
    if not any(m.style == "author-year" for m in item.statement.markers):
        return item
    markers = tuple(_resolve_author_year(m, references) if m.style == "author-year" else m
                    for m in item.statement.markers)
    return dataclasses.replace(item, statement=dataclasses.replace(item.statement, markers=markers))


def _shared_list_markers(items: list[_Item]) -> Iterator[Statement]:
    """Unmarked list items before a marked one in the same list share its marker."""
    out = [item.statement for item in items]
    i = 0
    while i < len(items):
        item = items[i]
        if not item.bullet or item.statement.markers:
            i += 1
            continue
        run = [i]
        j = i + 1
        while j < len(items) and items[j].group == item.group and not items[j].statement.markers:
            run.append(j)
            j += 1
        closes = j < len(items) and items[j].group == item.group and items[j].bullet
        first_of_list = i == 0 or items[i - 1].group != item.group
        if closes and (len(run) >= 2 or first_of_list):
            closer = items[j].statement
            for k in run:
                out[k] = dataclasses.replace(out[k], markers=closer.markers, printed=closer.printed,
                                             position=END_OF_LIST)
        i = j
    return iter(out)


# ---------------------------------------------------------------------------------------------
# Measures

_MEASURE_RULES: list[tuple[str, tuple[str, ...], str]] = [
    # (measure, kinds it applies to ("" any), words in the statement that suggest it)
    ("penetrance", ("",), "penetrance"),
    ("sex ratio", ("ratio",), "male|female|men\\b|women|sex|gender|boys|girls"),
    ("age at onset", ("age",), "onset|age|aged|begin|start"),
    ("episode duration", ("duration",), "episode|attack|last|duration|spell"),
    ("treatment response", ("percent", "proportion"), "improv|respon|benefit|effective|success|remission"),
    ("prevalence", ("percent", "proportion", "ratio", "rate"), "prevalen"),
    ("incidence", ("percent", "proportion", "rate"), "inciden"),
    ("symptom prevalence", ("percent", "proportion"), "patients|of cases|aura|symptom|experience|report"),
]


def guess_measure(found: Found, statement: str) -> str:
    """A measure suggested by the statistic's kind and the statement's words, or "unknown"."""
    kind = found.statistic.kind
    words = statement.lower()
    for measure, kinds, pattern in _MEASURE_RULES:
        if any(kind.startswith(k) for k in kinds) and re.search(pattern, words):
            return measure
    return UNKNOWN_MEASURE


# ---------------------------------------------------------------------------------------------
# Output


def _citations(statement: Statement) -> tuple[str | None, bool]:
    """The ``citations`` field, and whether it differs from what is printed.

    The printed text when the loader reads it as the same reference numbers ("3, 1", "[3][4]",
    "[3-5]"); otherwise the numbers ("¹˒²" -> "1, 2"), or the author-year text when some marker
    cannot be matched to the reference list.
    """
    if not statement.markers:
        return None, False
    numbers = [n for m in statement.markers for n in m.numbers]
    printed = statement.printed or "; ".join(m.printed for m in statement.markers)
    if all(m.numbers for m in statement.markers):
        # ASCII only: the loader reads digits, and "²".isdigit() is true but int("²") fails.
        if printed.isascii() and [n for _, n in split_citations(printed)] == numbers:
            return printed, False
        digits = ", ".join(m.printed.translate(_FROM_SUPERSCRIPT) if m.style != "author-year"
                           else ", ".join(map(str, m.numbers)) for m in statement.markers)
        return digits, True
    return "; ".join(m.printed for m in statement.markers), False


def draft_records(draft: Draft, article_id: str = "draft") -> list[dict[str, Any]]:
    """The statements as plain records: ``id``, ``section``, ``statement``, ``markers`` (as
    printed, in order), ``printed``, ``citations``, ``citation_position``, ``line`` and
    ``statistics`` (each with ``text``, its span, a measure guess and the parsed fields)."""
    width = 3 if len(draft.statements) > 99 else 2
    records = []
    for i, statement in enumerate(draft.statements, start=1):
        citations, _ = _citations(statement)
        records.append({
            "id": f"{article_id}-c{i:0{width}d}",
            "section": statement.section,
            "statement": statement.text,
            "markers": [m.printed for m in statement.markers],
            "printed": statement.printed,
            "citations": citations,
            "citation_position": statement.position,
            "line": statement.line,
            "statistics": [_statistic_record(found, statement.text) for found in statement.statistics],
        })
    return records


def _statistic_record(found: Found, statement: str) -> dict[str, Any]:
    parsed = {k: _finite(v) for k, v in dataclasses.asdict(found.statistic).items() if k != "text"}
    return {"text": found.text, "start": found.start, "end": found.end,
            "measure": guess_measure(found, statement), **parsed}


def _finite(value: Any) -> Any:
    return None if isinstance(value, float) and not math.isfinite(value) else value


def draft_json(draft: Draft, article_id: str = "draft") -> str:
    """``draft_records`` as JSON text, one statement per list element."""
    return json.dumps(draft_records(draft, article_id), ensure_ascii=False, indent=2, allow_nan=False) + "\n"


_LINE_BREAKS = re.compile("[\n\r\x85\u2028\u2029]")


def _scalar(value: str) -> str:
    """One YAML scalar on one line, quoted when YAML needs it (PyYAML decides and escapes).

    PyYAML's own choice can spread a scalar over lines, or keep a NEL raw, which reads back as
    a space; such values, and any that would not read back as themselves, are double-quoted.
    """
    out = yaml.safe_dump(value, allow_unicode=True, width=math.inf)
    out = out[:-5] if out.endswith("\n...\n") else out.rstrip("\n")
    if _LINE_BREAKS.search(out) or yaml.safe_load(out) != value:
        out = yaml.safe_dump(value, allow_unicode=False, width=math.inf, default_style='"').rstrip("\n")
    return out


_NOT_PRINTABLE = re.compile("[^\t\n\r\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _comment(text: str, limit: int = 160) -> str:
    """Text fit for a YAML comment: one line, printable characters only."""
    text = _collapse(_NOT_PRINTABLE.sub("?", text))
    return text if len(text) <= limit else text[:limit - 3] + "..."


def draft_yaml(draft: Draft, article_id: str, full_text: str, *, outside: bool = False) -> str:
    """The draft as an evidence file the loader accepts, placeholders marked for the reviewer.

    ``full_text`` is the article's path relative to the project root; ``outside`` says it is not
    under the project (the loader will report it until the text is copied under ``evidence/``).
    """
    records = draft_records(draft, article_id)
    out = [
        "# DRAFT written by `evidence-kit extract`: a starting point, not evidence yet. Check every",
        "# statement against the full text, replace each TODO key with the bib key of the reference,",
        "# and confirm each statistic's measure. Lines starting with # are notes for you.",
        "article:",
        f"  id: {_scalar(article_id)}",
        f"  title: {_scalar(draft.title or 'TODO title')}  # placeholder: the text's first line",
        "  # publisher: TODO",
        "  # url: TODO",
        "  # accessed: TODO (YYYY-MM-DD)",
        "  status: submitted",
        f"  full_text: {_scalar(full_text)}",
    ]
    if outside:
        out.append("  # the full text is outside the project: copy it under evidence/fulltext/ "
                   "and update full_text")
    out.append("  # origin: TODO where the full text came from")
    if draft.references:
        out.append("  references:")
        if not all(r.numbered for r in draft.references):
            out.append("    # numbered by position in the printed list: check against the markers")
        for ref in draft.references:
            out.append(f"    {ref.number}: {_scalar(ref.key)}  # {_comment(ref.printed)}")
    if not records:
        out.append("claims: []")
        return "\n".join(out) + "\n"
    out.append("")
    out.append("claims:")
    intro = None
    for statement, record in zip(draft.statements, records):
        if statement.list_intro != intro and statement.list_intro:
            out.append(f'  # Sub-items of "{_comment(statement.list_intro)}"')
        intro = statement.list_intro
        citations, normalised = _citations(statement)
        out.append(f"  - id: {_scalar(record['id'])}")
        if statement.section:
            out.append(f"    section: {_scalar(statement.section)}")
        out.append(f"    statement: {_scalar(statement.text)}")
        if citations is not None:
            note = ""
            if normalised:
                note = f"  # printed {_comment(statement.printed or ' '.join(m.printed for m in statement.markers))}"
            elif any(m.style == "author-year" for m in statement.markers):
                note = "  # author-year: replace with the reference numbers"
            out.append(f"    citations: {_scalar(citations)}{note}")
        if statement.position == END_OF_LIST:
            out.append(f"    citation_position: {END_OF_LIST}  # the marker closing this list")
        if statement.statistics:
            out.append("    statistics:")
            for stat in record["statistics"]:
                out.append(f"      - text: {_scalar(stat['text'])}")
                guess = "choose the measure" if stat["measure"] == UNKNOWN_MEASURE else "a guess: confirm"
                out.append(f"        measure: {_scalar(stat['measure'])}  # {guess}")
    return "\n".join(out) + "\n"


# ---------------------------------------------------------------------------------------------
# Files


def read_article(path: str | Path) -> str:
    """An article's text; ``UnusableInput`` (one line) when missing, not UTF-8 or empty."""
    path = Path(path)
    name = str(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise UnusableInput.at(name, None, "no such file") from None
    except IsADirectoryError:
        raise UnusableInput.at(name, None, "is a folder, not an article's text") from None
    except OSError as exc:
        raise UnusableInput.at(name, None, f"cannot read: {exc.strerror or exc}") from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise UnusableInput.at(name, line, "not UTF-8 text; save the file as UTF-8") from None
    if not text.strip():
        raise UnusableInput.at(name, None, "the file is empty; there is nothing to extract")
    return text


_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")


def article_id_from_path(path: str | Path) -> str:
    """"004_b15a8c0b9e68997e.txt" -> "004": the leading number of the name, else the name."""
    stem = Path(path).stem
    number = re.match(r"\d+(?=[_\-. ]|\Z)", stem)
    if number:
        return number.group(0)
    cleaned = re.sub(r"[^A-Za-z0-9._-]+", "-", stem).strip("-._")
    return cleaned or "draft"


def write_draft(article: str | Path, out: str | Path | None = None, article_id: str | None = None,
                cwd: str | Path | None = None) -> tuple[Path, Draft]:
    """Extract ``article`` and write its draft to ``out`` (default ``evidence/articles/<id>.yaml``).

    The project root is the folder holding ``evidence/articles/`` when ``out`` is inside one,
    else the current folder; ``full_text`` is the article's path relative to it. Never
    overwrites: ``WouldOverwrite`` when ``out`` exists.
    """
    from .evidence_format import read_article_file
    from .writing import WouldOverwrite, write_new

    if article_id is not None and not _ID.fullmatch(article_id):
        raise UsageError(f"--id {article_id!r}: use letters, digits, '.', '_' and '-'")
    text = read_article(article)
    draft = extract(text)
    article_id = article_id or article_id_from_path(article)
    cwd = Path(cwd) if cwd is not None else Path.cwd()
    target = Path(out) if out is not None else Path("evidence") / "articles" / f"{article_id}.yaml"
    target = target if target.is_absolute() else cwd / target
    root = target.parent.parent.parent if target.parent.parts[-2:] == ("evidence", "articles") else cwd
    full_text, outside = _relative_to(Path(article) if Path(article).is_absolute() else cwd / article, root)
    data = draft_yaml(draft, article_id, full_text, outside=outside)
    read_article_file(data, str(target))  # the draft must load; a failure here is a bug
    shown = target.relative_to(cwd) if target.is_relative_to(cwd) else target
    try:
        write_new(target, data)
    except WouldOverwrite:
        raise WouldOverwrite(f"{shown}: already exists; not overwriting it (choose another name or "
                             "remove it)") from None
    except OSError as exc:
        raise UnusableInput.at(str(shown), None, f"cannot write: {exc.strerror or exc}") from None
    return shown, draft


def _relative_to(path: Path, root: Path) -> tuple[str, bool]:
    resolved, base = path.resolve(), root.resolve()
    if resolved.is_relative_to(base):
        return resolved.relative_to(base).as_posix(), False
    return resolved.as_posix(), True
