"""Read a BibTeX bibliography into the ``references`` table, with a finding for every problem.

``read_bibliography`` is pure: the loader opens the file and passes its bytes. It never raises for
bad input; decoding errors, blocks the parser could not read, duplicate keys, fields and DOIs,
malformed identifiers, missing required fields and unexpanded macros all come back as findings.

bibtexparser v2 does the splitting, with an empty parse stack. Its default middlewares cost about
15% of the parse, skip entries with duplicate fields (which it sets aside as failed blocks), and
resolve an ``@string`` wherever it is defined, while BibTeX reads the file top to bottom. So this
module resolves macros and strips delimiters itself, in the one pass that builds the table, and
only for what it needs.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable

import bibtexparser
from bibtexparser.exceptions import BlockAbortedException
from bibtexparser.model import (
    DuplicateBlockKeyBlock,
    DuplicateFieldKeyBlock,
    Entry,
    ParsingFailedBlock,
    String,
)

from . import schema
from .findings import finding

if TYPE_CHECKING:
    import pandas as pd

# Required fields per entry type, after the BibTeX standard styles (btxdoc). A tuple means "any
# one of these". biblatex's ``date`` and ``journaltitle`` count for ``year`` and ``journal``.
# Types not listed (misc, online, ...) require nothing.
YEAR = ("year", "date")
AUTHOR_OR_EDITOR = ("author", "editor")
REQUIRED_FIELDS: dict[str, tuple[str | tuple[str, ...], ...]] = {
    "article": ("author", "title", ("journal", "journaltitle"), YEAR),
    "book": (AUTHOR_OR_EDITOR, "title", "publisher", YEAR),
    "booklet": ("title",),
    "inbook": (AUTHOR_OR_EDITOR, "title", ("chapter", "pages"), "publisher", YEAR),
    "incollection": ("author", "title", "booktitle", "publisher", YEAR),
    "inproceedings": ("author", "title", "booktitle", YEAR),
    "conference": ("author", "title", "booktitle", YEAR),
    "manual": ("title",),
    "mastersthesis": ("author", "title", "school", YEAR),
    "phdthesis": ("author", "title", "school", YEAR),
    "proceedings": ("title", YEAR),
    "techreport": ("author", "title", "institution", YEAR),
    "unpublished": ("author", "title", "note"),
}

# Where the ``journal`` column comes from, first present field wins.
VENUE_FIELDS = ("journal", "journaltitle", "booktitle", "publisher", "institution", "howpublished")

# Macros every standard style defines, so ``month = jan`` is not an unexpanded string.
PREDEFINED_MACROS = {
    name[:3].lower(): name
    for name in ["January", "February", "March", "April", "May", "June", "July", "August",
                 "September", "October", "November", "December"]
}

DOI_RESOLVER = re.compile(r"^(?:https?://(?:dx\.)?doi\.org/|doi:\s*)", re.IGNORECASE)
DOI_SYNTAX = re.compile(r"10\.[0-9]{4,}(?:\.[0-9]+)*/\S+")
PMID_SYNTAX = re.compile(r"[0-9]{1,8}")
PUBMED_EPRINT_TYPES = {"pubmed", "pmid"}

# Delimiters as bibtexparser's splitter sees them: a brace or quote preceded by a backslash is
# not one, so a value splits here exactly where the splitter ended it.
_BRACES = re.compile(r"(?<!\\)[{}]")
_BRACES_OR_QUOTE = re.compile(r'(?<!\\)[{}"]')
_MACRO_NAME = re.compile(r"[^\s\"#%'(),={}]+")
_CONCATENATION = re.compile(r"\s*(#)?\s*")
_STRING_START = re.compile(r"@[ \t]*string[ \t]*[{(]", re.IGNORECASE)
_ENTRY_HEAD = re.compile(r"@(\w*)\s*[{(]\s*([^\s,{}()\"=#%']+)\s*,")
_NOT_ENTRIES = {"comment", "preamble", "string"}

# A parsed field value: a list of parts, each literal text or the name of a macro.
LITERAL, MACRO = 0, 1


def read_bibliography(data: bytes | str, file: str) -> tuple[pd.DataFrame, list[dict[str, Any]]]:
    """Read BibTeX ``data`` (bytes as read from ``file``, or text) into the ``references`` table.

    Returns the table (one row per entry, first definition of a key wins, ``line`` 1-based) and
    the findings, in file order. ``doi`` holds the normalised DOI (lower case, no resolver prefix)
    even when it is malformed; the finding says so. ``file`` is only recorded, never opened.
    """
    found: list[dict[str, Any]] = []
    text = _decode(data, file, found)
    if text is None or not text.strip():
        return schema.frame("references"), found
    try:
        blocks = parse_blocks(text)
    except Exception as exc:  # a parser bug must not hide the rest of the audit behind a traceback
        reason = f"bibtexparser failed on this file ({type(exc).__name__}: {_collapse(str(exc))})"
        found.append(finding("bib-unparsable", file=file, line=None, reason=reason))
        return schema.frame("references"), found
    return _Reader(file, found, blocks).read()


# A parsed block as plain tuples, which pickle between processes seven times faster than
# bibtexparser's objects (and without each entry's raw text):
#   (ENTRY, line, entry_type, key, ((field, raw value, line), ...))
#   (STRING, line, name, raw value)
#   (FAILED, line, raw text, reason)
# A block bibtexparser set aside only for a duplicate key or field is the block it wraps: this
# module checks duplicates itself, case-insensitively and across the whole file.
# ``digested`` turns an entry whose macros are all defined before it into its table row already:
#   (DIGESTED, line, key, row, findings, doi, later findings)
# leaving the reader only what depends on the entries before it (duplicate keys and DOIs).
ENTRY, STRING, FAILED, DIGESTED = "entry", "string", "failed", "digested"
Block = tuple[Any, ...]


def parse_blocks(text: str, first_line: int = 1) -> list[Block]:
    """bibtexparser's blocks of ``text`` (whose first line is ``first_line`` of the file), as tuples."""
    if "\\\n" in text:
        # bibtexparser counts no line break right after a backslash, so every line after one was
        # numbered one too low. With a space between them it counts them all; the values the table
        # keeps are whitespace-collapsed, so the space changes none of them.
        text = text.replace("\\\n", "\\ \n")
    parsed = bibtexparser.parse_string(text, parse_stack=[]).blocks  # the library itself is let go
    blocks: list[Block] = []
    for i, block in enumerate(parsed):
        parsed[i] = None  # each of bibtexparser's blocks is freed once it is a tuple: a lower peak
        if isinstance(block, (DuplicateFieldKeyBlock, DuplicateBlockKeyBlock)) and block.ignore_error_block is not None:
            block = block.ignore_error_block
        line = block.start_line + first_line if block.start_line is not None else None
        if isinstance(block, Entry):
            fields = tuple((f.key, f.value, None if f.start_line is None else f.start_line + first_line)
                           for f in block.fields)
            blocks.append((ENTRY, line, block.entry_type, block.key, fields))
        elif isinstance(block, String):
            blocks.append((STRING, line, block.key, block.value))
        elif isinstance(block, ParsingFailedBlock):
            error = block.error
            reason = error.abort_reason if isinstance(error, BlockAbortedException) else str(error)
            blocks.append((FAILED, line, block.raw or "", reason))
    return blocks


@dataclass
class Digested:
    """The blocks of a part of the file, entries digested with the macros of ``strings``: the
    ``@string`` definitions (name, raw value) taken to come before the part, in order."""

    blocks: list[Block]
    strings: list[tuple[str, str]]


def digested(blocks: list[Block], file: str, strings_before: str = "") -> Digested:
    """``blocks`` with each entry whose macros are defined before it turned into a DIGESTED block.

    ``strings_before`` is the text of the ``@string`` blocks before these blocks (see
    ``Halves.strings``). What is left for ``_Reader`` is cheap, so the process that parsed a part
    of the file can also do this, the larger share of the rest of the work, meanwhile.
    """
    before = [block for block in parse_blocks(strings_before) if block[0] == STRING] if strings_before else []
    macros = _Reader(file, [], before + blocks)  # knows the macros so far; its findings are not kept
    macros.take(before)
    out: list[Block] = []
    for block in blocks:
        if block[0] == STRING:
            macros.string(*block[1:])
        elif block[0] == ENTRY and block[3]:
            try:
                block = (DIGESTED, block[1], block[3], *_described(file, *block[1:], macros.known))
            except _Unknown:
                pass
        out.append(block)
    return Digested(out, _strings(before))


def _strings(blocks: list[Block]) -> list[tuple[str, str]]:
    return [(block[2], block[3]) for block in blocks if block[0] == STRING]


@dataclass
class Halves:
    """A bibliography to be parsed in two parts, the ``tail`` possibly in another process.

    ``read`` gives what ``read_bibliography`` gives for the whole file: the parts are cut where
    an entry starts at the top level, and when bibtexparser could not read a block on either side
    of the cut, the whole text is parsed again in one piece.
    """

    file: str
    text: str
    found: list[dict[str, Any]]
    cut: int  # where the tail starts: the "@" of an entry, at the start of a line
    tail_line: int  # the tail's first line in the file

    @property
    def tail(self) -> str:
        return self.text[self.cut:]

    @property
    def strings(self) -> str:
        """The text of what looks like the head's ``@string`` blocks, for ``digested`` of the tail
        (``read`` uses the digest only when they are the head's own)."""
        head, parts, end = self.text[:self.cut], [], 0
        for match in _STRING_START.finditer(head):
            if match.start() < end:
                continue
            end = head.find("\n@", match.start() + 1)
            end = len(head) if end < 0 else end
            parts.append(head[match.start():end])
        return "\n".join(parts)

    def read(self, tail_blocks: Callable[[], "list[Block] | Digested | None"] = lambda: None
             ) -> tuple[pd.DataFrame, list[dict[str, Any]]]:
        """The references table and findings.

        The head is parsed and read here, then ``tail_blocks()`` asked for ``parse_blocks`` of the
        tail, or its ``digested`` blocks (done elsewhere meanwhile); when it gives None, or blocks
        digested with other macros than the head defines, the tail is parsed here too.
        """
        reader = None
        try:
            head = parse_blocks(self.text[:self.cut])
            if head and head[-1][0] != FAILED:
                reader = _Reader(self.file, list(self.found), head)
                reader.take(head)
            tail = tail_blocks()
            if isinstance(tail, Digested):
                tail = tail.blocks if tail.strings == _strings(head) else None
            if tail is None:
                tail = parse_blocks(self.tail, self.tail_line)
        except Exception:  # noqa: BLE001 - read_bibliography reports it, for the whole file
            head = tail = []
        if reader is None or not tail or tail[0][0] == FAILED or tail[0][1] != self.tail_line:
            table, found = read_bibliography(self.text, self.file)
            return table, self.found + found
        if reader.later_macros is not None:  # the head used a macro defined further down
            return _Reader(self.file, list(self.found), head + tail).read()
        reader.blocks = head + tail
        reader.take(tail)
        return reader.table()


def halves(data: bytes | str, file: str, tail_share: float) -> Halves | None:
    """``data`` cut so that the tail holds about ``tail_share`` of it; None where it cannot be cut.

    The cut is at the first line starting with "@" after that point where the braces opened so
    far are all closed. Macros need no care: the parts are only split into blocks, and ``read``
    resolves every ``@string`` in file order over the blocks of both.
    """
    found: list[dict[str, Any]] = []
    text = _decode(data, file, found)
    if text is None:
        return None
    at = int(len(text) * (1 - tail_share))
    depth, counted = 0, 0
    for _ in range(1000):
        at = text.find("\n@", at)
        if at < 0:
            return None
        depth += _depth(text, counted, at)
        counted = at
        if depth == 0:
            cut = at + 1
            return Halves(file, text, found, cut, text.count("\n", 0, cut) + 1)
        at += 2
    return None


def _depth(text: str, start: int, end: int) -> int:
    """Braces opened minus braces closed in ``text[start:end]`` (escaped ones do not count)."""
    return (text.count("{", start, end) - text.count("\\{", start, end)
            - text.count("}", start, end) + text.count("\\}", start, end))


def _decode(data: bytes | str, file: str, found: list[dict[str, Any]]) -> str | None:
    """The text of ``data``, or None for binary content; decoding problems go to ``found``."""
    if isinstance(data, str):
        text = data[1:] if data.startswith("\ufeff") else data
        nul = text.find("\x00")
        if nul >= 0:
            found.append(_binary(file, text.count("\n", 0, nul) + 1, utf16=False))
            return None
    else:
        raw = bytes(data)
        nul = raw.find(b"\x00")
        if nul >= 0:
            utf16 = raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))
            found.append(_binary(file, raw.count(b"\n", 0, nul) + 1, utf16=utf16))
            return None
        if raw.startswith(codecs.BOM_UTF8):
            raw = raw[len(codecs.BOM_UTF8):]
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            found.append(finding("bib-not-utf8", file=file, line=raw.count(b"\n", 0, exc.start) + 1,
                                 byte=f"0x{raw[exc.start]:02x}"))
            text = raw.decode("utf-8", errors="replace")
    if "\r" in text:
        # The splitter counts "\n" only, and a "\r" left in a value would end up in the table.
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text


def _binary(file: str, line: int, utf16: bool) -> dict[str, Any]:
    what = "UTF-16 text; save it as UTF-8" if utf16 else "binary content, not BibTeX text"
    return finding("bib-unparsable", file=file, line=line, reason=f"{what} (NUL byte on this line)")


class _Reader:
    """One pass over the parsed blocks, building plain column lists and findings."""

    def __init__(self, file: str, found: list[dict[str, Any]], blocks: list[Block]):
        self.file = file
        self.found = found
        self.blocks = blocks
        self.rows: list[tuple[Any, ...]] = []  # in the order of _ROW
        self.keys: dict[str, tuple[str, int]] = {}  # lower-case key -> (key, line)
        self.dois: dict[str, str] = {}  # normalised DOI -> key of its first entry
        self.macros: dict[str, str | None] = dict(PREDEFINED_MACROS)  # None: not expandable
        self.macro_lines: dict[str, int] = {}
        self.later_macros: dict[str, str | None] | None = None

    def read(self) -> tuple[pd.DataFrame, list[dict[str, Any]]]:
        self.take(self.blocks)
        return self.table()

    def take(self, blocks: list[Block]) -> None:
        """Read ``blocks``, the next ones in file order."""
        for block in blocks:
            kind = block[0]
            if kind == DIGESTED:
                self.add(*block[1:])
            elif kind == ENTRY:
                self.entry(*block[1:])
            elif kind == STRING:
                self.string(*block[1:])
            else:
                self.failed(*block[1:])

    def table(self) -> tuple[pd.DataFrame, list[dict[str, Any]]]:
        import pandas as pd  # only now: a forked process parses without it (see schema)

        columns: dict[str, Any] = dict(zip(_ROW, zip(*self.rows))) if self.rows else dict.fromkeys(_ROW, ())
        columns["file"] = [self.file] * len(self.rows)
        return schema.frame("references", pd.DataFrame(columns)), self.found

    def failed(self, line: int | None, raw: str, reason: str) -> None:
        raw = raw.rstrip()
        head = _collapse(raw.split("\n", 1)[0].split(",", 1)[0])[:60]
        # Name the entry when the head shows its key, so the finding can be waived per key.
        named = _ENTRY_HEAD.match(raw)
        key = named.group(2) if named and named.group(1).lower() not in _NOT_ENTRIES else None
        where = ""
        if line is not None:
            end = line + raw.count("\n")
            if end != line:
                where = f" (the block runs to line {end})"
        self.found.append(finding("bib-unparsable", file=self.file, line=line, key=key,
                                  reason=f"{head!r} could not be parsed: {_collapse(reason)}{where}"))

    def string(self, line: int | None, key: str, raw: str) -> None:
        name = key.strip().lower()
        if name in self.macro_lines:
            self.found.append(finding("bib-duplicate-string", file=self.file, line=line,
                                      name=key, other_line=self.macro_lines[name]))
        else:
            self.macro_lines[name] = line
        parts = _parts(raw)
        if parts is None:
            self.found.append(finding("bib-unparsable", file=self.file, line=line,
                                      reason=f"@string {key!r} does not define one value"))
            self.macros[name] = None
            return
        text, complete = self.expand(parts)
        self.macros[name] = text if complete else None

    def entry(self, line: int | None, entry_type: str, key: str,
              fields: tuple[tuple[str, str, int | None], ...]) -> None:
        if not key:
            self.found.append(finding("bib-unparsable", file=self.file, line=line,
                                      reason=f"@{entry_type} entry has no key"))
            return
        if not self.repeated(key, line):
            self.add(line, key, *_described(self.file, line, entry_type, key, fields, self.expand), check_key=False)

    def repeated(self, key: str, line: int | None) -> bool:
        """Whether an entry before this one has ``key`` (in any case); that is a finding."""
        first = self.keys.get(key.lower())
        if first is None:
            self.keys[key.lower()] = (key, line)
            return False
        other_key, other_line = first
        note = "" if other_key == key else f" as {other_key!r} (keys differ only in case)"
        self.found.append(finding("bib-duplicate-key", file=self.file, line=line, key=key,
                                  other_line=other_line, case_note=note))
        return True

    def add(self, line: int | None, key: str, row: tuple[Any, ...], found: list[dict[str, Any]],
            doi: str | None, later: list[dict[str, Any]], check_key: bool = True) -> None:
        """An entry ``_described``: its row, and its findings with those of a DOI seen before."""
        if check_key and self.repeated(key, line):
            return
        self.found.extend(found)
        if doi is not None:
            other = self.dois.setdefault(doi, key)
            if other != key:
                self.found.append(finding("bib-duplicate-doi", file=self.file, line=line, key=key, doi=doi,
                                          other_key=other))
        self.found.extend(later)
        self.rows.append(row)

    def expand(self, parts: list[tuple[int, str]]) -> tuple[str, bool]:
        """The text of ``parts``, and whether every macro was defined before this point.

        A macro defined only further down is expanded for the table, as the author meant it, but
        reported incomplete: BibTeX reads top to bottom and would not know it yet.
        """
        texts = []
        complete = True
        for kind, part in parts:
            if kind == LITERAL:
                texts.append(part)
                continue
            value = self.macros.get(part.lower())
            if value is None:
                complete = False
                value = self.later_macro(part.lower())
            texts.append(part if value is None else value)
        return "".join(texts), complete

    def known(self, parts: list[tuple[int, str]]) -> tuple[str, bool]:
        """``expand`` of parts whose macros are all defined before this point; else ``_Unknown``."""
        texts = []
        for kind, part in parts:
            if kind == MACRO:
                value = self.macros.get(part.lower())
                if value is None:
                    raise _Unknown
                part = value
            texts.append(part)
        return "".join(texts), True

    def later_macro(self, name: str) -> str | None:
        if self.later_macros is None:
            later: dict[str, str | None] = {}
            for block in self.blocks:
                if block[0] == STRING:
                    _, _, key, raw = block
                    parts = _parts(raw)
                    simple = parts is not None and all(kind == LITERAL for kind, _ in parts)
                    later.setdefault(key.strip().lower(),
                                     "".join(p for _, p in parts) if simple and parts else None)
            self.later_macros = later
        return self.later_macros.get(name)


# The references table's columns as ``_described`` gives them, besides ``file``.
_ROW = ("key", "type", "title", "authors", "year", "journal", "volume", "number", "pages", "doi", "pmid", "line")


Expand = Callable[[list[tuple[int, str]]], tuple[str, bool]]


class _Unknown(Exception):
    """A value that names a macro not (expandably) defined before it."""


def _value(file: str, key: str, field: str, raw: str, line: int | None, found: list[dict[str, Any]],
           expand: Expand) -> str:
    """The text of a value that is not a single literal; problems go to ``found``."""
    parts = _parts(raw)
    if parts is None:
        if raw.strip():
            snippet = _collapse(raw)
            snippet = snippet if len(snippet) <= 50 else snippet[:47] + "..."
            reason = (f"entry {key}, field {field!r}: {snippet!r} is not one value "
                      "(a missing comma, quote or brace?)")
        else:
            reason = f"entry {key}, field {field!r} has no value"
        found.append(finding("bib-unparsable", file=file, line=line, reason=reason))
        return _collapse(raw)
    text, complete = expand(parts)
    if len(parts) > 1 or not complete:
        found.append(finding("bib-unexpanded-string", file=file, line=line, key=key, field=field))
    return text


def _described(file: str, line: int | None, entry_type: str, key: str,
               fields: tuple[tuple[str, str, int | None], ...], expand: Expand
               ) -> tuple[tuple[Any, ...], list[dict[str, Any]], str | None, list[dict[str, Any]]]:
    """An entry's table row (in the order of ``_ROW``), its findings in file order up to its DOI,
    its normalised DOI and its later findings; ``expand`` gives the text of a value's parts."""
    found: list[dict[str, Any]] = []
    values: dict[str, str] = {}
    for field, raw, field_line in fields:
        name = field.lower()
        if name in values:
            found.append(finding("bib-duplicate-field", file=file, line=field_line, key=key, field=field))
            continue
        # Fast paths first: nearly every value is one braced or quoted literal, or a number.
        if raw[:1] == "{" and raw[-1:] == "}" and "{" not in (inner := raw[1:-1]) and "}" not in inner:
            values[name] = inner
            continue
        if raw[:1] == '"' and raw[-1:] == '"' and len(raw) > 1 and '"' not in raw[1:-1]:
            values[name] = raw[1:-1]
            continue
        if raw.isdigit() and raw.isascii():
            values[name] = raw
            continue
        values[name] = _value(file, key, field, raw, field_line, found, expand)

    kind = entry_type.lower()
    for required in REQUIRED_FIELDS.get(kind, ()):
        names = (required,) if isinstance(required, str) else required
        if not any(values.get(n, "").strip() for n in names):
            found.append(finding("bib-missing-field", file=file, line=line, key=key, type=kind,
                                 field=" or ".join(names)))

    doi = values.get("doi")
    if doi is not None:
        doi = _normalise_doi(doi) or None
    if doi is not None and DOI_SYNTAX.fullmatch(doi) is None:
        found.append(finding("bib-invalid-doi", file=file, line=_field_line(fields, "doi", line),
                             key=key, doi=values["doi"].strip()))

    later: list[dict[str, Any]] = []
    pmid_field = "pmid"
    pmid = values.get("pmid")
    if pmid is None and values.get("eprinttype", "").strip().lower() in PUBMED_EPRINT_TYPES:
        pmid_field, pmid = "eprint", values.get("eprint")
    if pmid is not None:
        pmid = pmid.strip() or None
    if pmid is not None and (PMID_SYNTAX.fullmatch(pmid) is None or int(pmid) == 0):
        later.append(finding("bib-invalid-pmid", file=file, line=_field_line(fields, pmid_field, line),
                             key=key, pmid=pmid))

    year = values.get("year")
    if year is None and (date := values.get("date")):
        year = date.strip()[:4]
    venue = next((values[n] for n in VENUE_FIELDS if n in values), None)
    author, title = values.get("author"), values.get("title")
    volume, number, pages = (values.get(name) for name in ("volume", "number", "pages"))
    row = (key, kind, None if title is None else _unbrace(_collapse(title)),
           None if author is None else _collapse(author), None if year is None else year.strip(),
           None if venue is None else _collapse(venue), None if volume is None else _collapse(volume),
           None if number is None else _collapse(number), None if pages is None else _collapse(pages),
           doi, pmid, line)
    return row, found, doi, later


def _parts(raw: str) -> list[tuple[int, str]] | None:
    """Split a raw BibTeX value into its ``#``-joined parts, or None if it is not one value."""
    parts: list[tuple[int, str]] = []
    i, n = 0, len(raw)
    while i < n:
        c = raw[i]
        end = -1
        if c == "{":
            depth = 0
            for m in _BRACES.finditer(raw, i):
                depth += 1 if m.group() == "{" else -1
                if depth == 0:
                    end = m.end()
                    break
            if end < 0:
                return None
            parts.append((LITERAL, raw[i + 1:end - 1]))
        elif c == '"':
            depth = 0
            for m in _BRACES_OR_QUOTE.finditer(raw, i + 1):
                d = m.group()
                if d == "{":
                    depth += 1
                elif d == "}":
                    depth -= 1
                    if depth < 0:
                        return None
                elif depth == 0:
                    end = m.end()
                    break
            if end < 0:
                return None
            parts.append((LITERAL, raw[i + 1:end - 1]))
        else:
            m = _MACRO_NAME.match(raw, i)
            if m is None:
                return None
            end = m.end()
            name = m.group()
            parts.append((LITERAL, name) if name.isdigit() and name.isascii() else (MACRO, name))
        sep = _CONCATENATION.match(raw, end)
        i = sep.end()
        if sep.group(1) is None:
            return parts if i >= n else None
    return None  # empty, or ends in a dangling '#'


def _normalise_doi(doi: str) -> str:
    doi = DOI_RESOLVER.sub("", doi.strip()).strip().lower()
    if "\\" in doi:
        # LaTeX escapes are common in DOIs of .bib files: 10.1002/(sici)\_x is 10.1002/(sici)_x.
        doi = doi.replace("\\_", "_").replace("\\%", "%").replace("\\&", "&")
    return doi


def _collapse(text: str) -> str:
    return " ".join(text.split())


def _unbrace(text: str) -> str:
    """``text`` without braces that enclose all of it: ``{{The Title}}`` is ``The Title``."""
    while text[:1] == "{" and text[-1:] == "}":
        parts = _parts(text)
        if parts is None or len(parts) != 1:
            break
        text = parts[0][1].strip()
    return text


def _field_line(fields: tuple[tuple[str, str, int | None], ...], name: str, default: int | None) -> int | None:
    for field, _, line in fields:
        if field.lower() == name:
            return line
    return default
