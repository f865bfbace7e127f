"""Read the hand-edited evidence files: YAML text in, plain rows with file and line out.

The grammar of the files is declared once, below, as nested field specifications. The reader walks
the YAML node tree (PyYAML's composer, C-accelerated where available) rather than the constructed
objects, because only the nodes know their line and their text as typed: ``id: 004`` stays
"004", and ``citations: 3, 1`` stays "3, 1". Composing never constructs objects from tags, so a
file cannot make the loader run anything.

Every problem is collected, with its ``file:line``, and raised together as ``UnusableInput``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Callable

import yaml

from .errors import UnusableInput, located

STATUSES = ("submitted", "under review", "approved")
CITATION_POSITIONS = ("inline", "end of list")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}\Z")
_INT_TAG = "tag:yaml.org,2002:int"
_NULL_TAG = "tag:yaml.org,2002:null"
_STR_TAG = "tag:yaml.org,2002:str"
_NULLS = frozenset(("", "~", "null", "Null", "NULL"))
# YAML 1.1's int, exactly as PyYAML's resolver has it; only a digit or sign can start one.
_INT = re.compile(r"""(?:[-+]?0b[0-1_]+
    |[-+]?0[0-7_]+
    |[-+]?(?:0|[1-9][0-9_]*)
    |[-+]?0x[0-9a-fA-F_]+
    |[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)\Z""", re.X).match
_INT_START = frozenset("-+0123456789")
_COLLECTION_TAGS = {yaml.SequenceNode: "tag:yaml.org,2002:seq", yaml.MappingNode: "tag:yaml.org,2002:map"}


class _TagsWeRead:
    """Resolves the implicit tags the reader looks at, int and null, as YAML 1.1 does.

    The reader never looks at any other tag (text stays as typed), so every other plain scalar
    gets the str tag without trying PyYAML's list of regular expressions, which took a third
    of the time of composing a file.
    """

    def resolve(self, kind: Any, value: str, implicit: tuple[bool, bool]) -> str:
        if kind is yaml.ScalarNode:
            if implicit[0]:
                if value in _NULLS:
                    return _NULL_TAG
                if value[0] in _INT_START and _INT(value):
                    return _INT_TAG
            return _STR_TAG
        return _COLLECTION_TAGS[kind]


try:  # libyaml is much faster; the pure-Python composer gives the same nodes.
    _Loader: Any = type("_Loader", (_TagsWeRead, yaml.CSafeLoader), {})
except AttributeError:  # pragma: no cover - depends on how PyYAML was built
    _Loader = type("_Loader", (_TagsWeRead, yaml.SafeLoader), {})


# ---------------------------------------------------------------------------------------------
# The grammar


@dataclass(frozen=True)
class Field:
    """One field of a mapping: its kind, whether it is required, and for nested kinds their fields."""

    kind: str  # text | int | flag | date | choice | mapping | list | numbered
    required: bool = False
    choices: tuple[str, ...] = ()
    fields: dict[str, "Field"] = field(default_factory=dict)


SOURCE = {
    "key": Field("text", required=True),
    "population": Field("text"),
    "value": Field("text", required=True),
    "n": Field("int"),
    "N": Field("int"),
    "locator": Field("text"),
    "note": Field("text"),
    # false: the reviewer judged the value to be about another population or outcome, so it is
    # shown beside the figure but does not decide whether the sources support it.
    "comparable": Field("flag"),
}
STATISTIC = {
    "text": Field("text", required=True),
    "measure": Field("text", required=True),
    "condition": Field("text"),
    "sources": Field("list", fields=SOURCE),
}
CLAIM = {
    "id": Field("text", required=True),
    "section": Field("text"),
    "statement": Field("text", required=True),
    "citations": Field("text"),
    "citation_position": Field("choice", choices=CITATION_POSITIONS),
    "statistics": Field("list", fields=STATISTIC),
}
ARTICLE = {
    "id": Field("text", required=True),
    "title": Field("text", required=True),
    "publisher": Field("text"),
    "url": Field("text"),
    "accessed": Field("date"),
    "status": Field("choice", required=True, choices=STATUSES),
    "full_text": Field("text", required=True),
    "origin": Field("text"),
    "references": Field("numbered"),
}
ARTICLE_FILE = {
    "article": Field("mapping", required=True, fields=ARTICLE),
    "claims": Field("list", fields=CLAIM),
}
WAIVER = {
    "code": Field("text", required=True),
    "article": Field("text"),
    "claim": Field("text"),
    "key": Field("text"),
    "reason": Field("text", required=True),
    "reviewer": Field("text"),
}
WAIVERS_FILE = {"waivers": Field("list", fields=WAIVER)}


# ---------------------------------------------------------------------------------------------
# The walker


class _Reader:
    """Turns a node tree into plain dicts, collecting every problem with its line."""

    def __init__(self, file: str):
        self.file = file
        self.problems: list[str] = []

    def problem(self, node: yaml.Node, message: str) -> None:
        self.problems.append(located(self.file, node.start_mark.line + 1, message))

    def mapping(self, node: yaml.Node, spec: dict[str, Field], what: str) -> dict[str, Any] | None:
        """A mapping of known fields; returns ``{name: value, "line": n}`` or None if unusable."""
        if not isinstance(node, yaml.MappingNode):
            self.problem(node, f"{what or 'the file'} must be a mapping of fields, not {_show(node)}")
            return None
        out: dict[str, Any] = {"line": node.start_mark.line + 1}
        present: set[str] = set()
        inside = f" in {what}" if what else ""
        scalar = yaml.ScalarNode
        for key_node, value_node in node.value:
            name = key_node.value if isinstance(key_node, scalar) else None
            fspec = spec.get(name) if name is not None else None
            if fspec is None:
                known = ", ".join(spec)
                self.problem(key_node, f"unknown field {name!r}{inside} (known: {known})")
                continue
            if name in present:
                self.problem(key_node, f"field {name!r} is given twice{inside}")
                continue
            present.add(name)
            if fspec.kind == "text" and value_node.__class__ is scalar and value_node.tag != _NULL_TAG:
                out[name] = value_node.value  # the common case, what _text returns, without the calls
                continue
            before = len(self.problems)
            path = f"{what}.{name}" if what else name
            value = self.value(value_node, fspec, path)
            if value is not None:
                out[name] = value
            elif fspec.required and len(self.problems) == before:  # "full_text:" with nothing after it
                self.problem(value_node, f"{path} is required but empty")
        for name, fspec in spec.items():
            if fspec.required and name not in present:
                self.problem(node, f"{what or 'the file'} lacks required field {name!r}")
        return out

    def value(self, node: yaml.Node, spec: Field, what: str) -> Any:
        if isinstance(node, yaml.ScalarNode) and node.tag == _NULL_TAG and spec.kind != "text":
            return None
        reader: Callable[[yaml.Node, Field, str], Any] = getattr(self, "_" + spec.kind)
        return reader(node, spec, what)

    def _text(self, node: yaml.Node, spec: Field, what: str) -> str | None:
        if not isinstance(node, yaml.ScalarNode):
            self.problem(node, f"{what} must be text, not a {_shape(node)}")
            return None
        if node.tag == _NULL_TAG and node.value in ("", "~", "null", "Null", "NULL"):
            return None
        return node.value  # as typed: "004" stays "004", "3, 1" stays "3, 1"

    def _int(self, node: yaml.Node, spec: Field, what: str) -> int | None:
        if not (isinstance(node, yaml.ScalarNode) and node.tag == _INT_TAG and node.value.isdigit()):
            self.problem(node, f"{what} must be a whole number, not {_show(node)}")
            return None
        return int(node.value)

    def _flag(self, node: yaml.Node, spec: Field, what: str) -> bool | None:
        # _TagsWeRead leaves booleans as text: a plain (unquoted) true or false is the flag.
        if not (isinstance(node, yaml.ScalarNode) and node.style in (None, '')
                and node.value.lower() in ("true", "false")):
            self.problem(node, f"{what} must be true or false, not {_show(node)}")
            return None
        return node.value.lower() == "true"

    def _date(self, node: yaml.Node, spec: Field, what: str) -> str | None:
        if not (isinstance(node, yaml.ScalarNode) and _DATE.match(node.value)):
            self.problem(node, f"{what} must be a date like 2026-11-30, not {_show(node)}")
            return None
        return node.value

    def _choice(self, node: yaml.Node, spec: Field, what: str) -> str | None:
        if not (isinstance(node, yaml.ScalarNode) and node.value in spec.choices):
            options = " | ".join(spec.choices)
            self.problem(node, f"{what} must be one of {options}, not {_show(node)}")
            return None
        return node.value

    def _mapping(self, node: yaml.Node, spec: Field, what: str) -> dict[str, Any] | None:
        return self.mapping(node, spec.fields, what)

    def _list(self, node: yaml.Node, spec: Field, what: str) -> list[dict[str, Any]] | None:
        if not isinstance(node, yaml.SequenceNode):
            self.problem(node, f"{what} must be a list, not {_show(node)}")
            return None
        items = (self.mapping(item, spec.fields, f"{what}[{i + 1}]") for i, item in enumerate(node.value))
        return [item for item in items if item is not None]

    def _numbered(self, node: yaml.Node, spec: Field, what: str) -> list[tuple[int, str, int]] | None:
        """A reference list: ``number: key`` pairs, as (number, key, line)."""
        if not isinstance(node, yaml.MappingNode):
            self.problem(node, f"{what} must map reference numbers to bib keys, not {_show(node)}")
            return None
        out: list[tuple[int, str, int]] = []
        seen: set[int] = set()
        for key_node, value_node in node.value:
            line = key_node.start_mark.line + 1
            if not (isinstance(key_node, yaml.ScalarNode) and key_node.tag == _INT_TAG
                    and key_node.value.isdigit() and int(key_node.value) > 0):
                self.problem(key_node, f"{what}: {_show(key_node)} is not a reference number")
                continue
            number = int(key_node.value)
            if number in seen:
                self.problem(key_node, f"{what}: reference {number} is listed twice")
                continue
            seen.add(number)
            key = self._text(value_node, Field("text"), f"{what}.{number}")
            if not key:
                if key is None and isinstance(value_node, yaml.ScalarNode):
                    self.problem(value_node, f"{what}: reference {number} names no bib key")
                continue
            out.append((number, key, line))
        return out


def _shape(node: yaml.Node) -> str:
    return {yaml.MappingNode: "mapping", yaml.SequenceNode: "list"}.get(type(node), "value")


def _show(node: yaml.Node) -> str:
    if isinstance(node, yaml.ScalarNode):
        return repr(node.value[:60])
    return f"a {_shape(node)}"


def _compose(text: str, file: str) -> yaml.Node | None:
    try:
        return yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        reason = " ".join(str(part) for part in (exc.context, exc.problem) if part)
        raise UnusableInput.at(file, line, f"not valid YAML: {reason}") from None
    except yaml.reader.ReaderError as exc:  # a control character; position counts characters
        line = text.count("\n", 0, exc.position) + 1 if isinstance(exc.position, int) else None
        code = ord(exc.character) if isinstance(exc.character, str) else exc.character
        raise UnusableInput.at(file, line, f"not valid YAML: character U+{code:04X} is not allowed "
                                           f"({exc.reason})") from None
    except yaml.YAMLError as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise UnusableInput.at(file, None, f"not valid YAML: {first}") from None
    except UnicodeEncodeError as exc:  # a lone surrogate: only reachable from text built in Python
        line = text.count("\n", 0, exc.start) + 1
        raise UnusableInput.at(file, line, "not valid text: a lone surrogate character") from None


def _read(text: str, file: str, spec: dict[str, Field], what: str) -> dict[str, Any]:
    root = _compose(text, file)
    if root is None:
        raise UnusableInput.at(file, 1, f"the file is empty; expected {what}")
    reader = _Reader(file)
    data = reader.mapping(root, spec, "")
    if reader.problems or data is None:
        raise UnusableInput(reader.problems)
    return data


# ---------------------------------------------------------------------------------------------
# Public readers


def read_article_file(text: str, file: str) -> dict[str, Any]:
    """Parse one article's evidence file; returns the nested record with a ``line`` in each part.

    Raises ``UnusableInput`` listing every problem with its ``file:line``.
    """
    data = _read(text, file, ARTICLE_FILE, "an article with its claims")
    data.setdefault("claims", [])
    return data


def read_waivers_file(text: str, file: str) -> list[dict[str, Any]]:
    """Parse ``evidence/waivers.yaml``; returns the waivers, each with its ``line``."""
    if not text.strip():
        return []
    return _read(text, file, WAIVERS_FILE, "a list of waivers").get("waivers", [])


_MARKER_SPLIT = re.compile(r"\s*[,;]\s*|\s+")
_RANGE = re.compile(r"([0-9]+)\s*[-–]\s*([0-9]+)\Z")
# Superscript markers ("¹˒²", "¹⁻³") read as the digits they stand for.
_SUPERSCRIPT = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹˒⁻", "0123456789,-")


def split_citations(printed: str | None) -> list[tuple[str, int | None]]:
    """The markers of a printed citation, each with its number: "3, 1" -> [("3", 3), ("1", 1)].

    A range "3-5" stands for 3, 4 and 5; a marker that is not a number keeps number None, so a
    check can report it.
    """
    if not printed or not printed.strip():
        return []
    out: list[tuple[str, int | None]] = []
    for token in _MARKER_SPLIT.split(printed.replace("][", ",").replace("˒", ",").strip().strip("[]()")):
        token = token.strip("[]()")
        if not token:
            continue
        digits = token.translate(_SUPERSCRIPT)
        if digits.isascii() and digits.isdigit():
            out.append((token, int(digits)))
            continue
        span = _RANGE.match(digits)
        if span and int(span[1]) <= int(span[2]) <= int(span[1]) + 50:
            out.extend((token, n) for n in range(int(span[1]), int(span[2]) + 1))
        else:
            out.append((token, None))
    return out
