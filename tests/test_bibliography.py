"""read_bibliography: the references table and a finding, with an exact line, for every problem."""

from __future__ import annotations

import builtins
import codecs

import bibtexparser
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from evidence_kit import schema
from evidence_kit.bibliography import REQUIRED_FIELDS, read_bibliography
from evidence_kit.findings import CATALOGUE

FILE = "references.bib"

ARTICLE = """\
@article{smith2020,
  author = {Smith, Jane and Doe, John},
  title = {A randomised trial},
  journal = {The Lancet},
  year = {2020},
  doi = {10.1016/S0140-6736(20)30001-1},
  pmid = {31234567},
}
"""


def read(data: bytes | str):
    table, found = read_bibliography(data, FILE)
    schema.validate("references", table)
    for f in found:
        assert f["code"] in CATALOGUE
        assert f["file"] == FILE
    return table, found


def codes(found) -> list[tuple[str, int | None]]:
    return [(f["code"], f["line"]) for f in found]


def only(found, code: str) -> list[dict]:
    return [f for f in found if f["code"] == code]


# The table


def test_clean_entry_gives_one_row_and_no_finding():
    table, found = read(ARTICLE)
    assert found == []
    assert table.to_dict("records") == [{
        "key": "smith2020", "type": "article", "title": "A randomised trial",
        "authors": "Smith, Jane and Doe, John", "year": "2020", "journal": "The Lancet",
        "volume": None, "number": None, "pages": None,
        "doi": "10.1016/s0140-6736(20)30001-1", "pmid": "31234567", "file": FILE, "line": 1,
    }]


def test_volume_issue_and_pages_are_kept_for_citation_formatting():
    table, found = read("@article{b, author = {B, A}, title = {T}, journal = {J}, year = 2018,\n"
                        "  volume = {4}, number = {1}, pages = {25--27}}\n")
    assert found == []
    assert table.loc[0, ["volume", "number", "pages"]].tolist() == ["4", "1", "25--27"]


def test_table_columns_and_dtypes_are_the_schema():
    table, _ = read(ARTICLE + "\n@misc{x, title = {Only a title}}\n")
    assert list(table.columns) == list(schema.columns("references"))
    schema.validate("references", table)
    assert table["pmid"].isna().tolist() == [False, True]


def test_values_are_cleaned_for_the_table():
    text = """\
@ARTICLE{Key1,
  Author = "Smith,   Jane
            and Doe, John",
  TITLE = {{{The   Title of {DNA}}}},
  journal = {J},
  year = 2019,
}
"""
    table, found = read(text)
    assert found == []
    row = table.iloc[0]
    assert (row["key"], row["type"]) == ("Key1", "article")
    assert row["authors"] == "Smith, Jane and Doe, John"
    assert row["title"] == "The Title of {DNA}"
    assert row["year"] == "2019"


@pytest.mark.parametrize("field", ["booktitle", "publisher", "institution", "howpublished"])
def test_journal_falls_back_to_the_venue(field):
    table, _ = read(f"@misc{{a, {field} = {{Venue  Name}}}}\n")
    assert table.loc[0, "journal"] == "Venue Name"


def test_journal_prefers_journal_over_booktitle():
    table, _ = read("@misc{a, booktitle = {B}, journal = {J}}\n")
    assert table.loc[0, "journal"] == "J"


def test_biblatex_date_gives_the_year():
    table, found = read("@article{a, author={A}, title={T}, journaltitle={J}, date={2021-03-04}}\n")
    assert found == []
    assert table.loc[0, "year"] == "2021"
    assert table.loc[0, "journal"] == "J"


def test_pmid_from_pubmed_eprint():
    table, found = read("@misc{a, eprint = {12345}, eprinttype = {pubmed}}\n")
    assert found == []
    assert table.loc[0, "pmid"] == "12345"


def test_eprint_of_another_kind_is_not_a_pmid():
    table, found = read("@misc{a, eprint = {2101.00001}, eprinttype = {arxiv}}\n")
    assert found == []
    assert table["pmid"].isna().all()


@pytest.mark.parametrize("written", [
    "10.1000/ABC", " 10.1000/abc ", "https://doi.org/10.1000/abc", "http://dx.doi.org/10.1000/ABC",
    "https://dx.doi.org/10.1000/abc", "doi:10.1000/abc", "DOI: 10.1000/abc",
])
def test_doi_is_normalised(written):
    table, found = read(f"@misc{{a, doi = {{{written}}}}}\n")
    assert found == []
    assert table.loc[0, "doi"] == "10.1000/abc"


def test_latex_escapes_in_a_doi_are_undone():
    table, _ = read("@misc{a, doi = {10.1002/(SICI)1097\\_4636}}\n")
    assert table.loc[0, "doi"] == "10.1002/(sici)1097_4636"


def test_empty_doi_is_no_doi():
    table, found = read("@misc{a, doi = {}}\n")
    assert found == []
    assert table["doi"].isna().all()


def test_file_is_recorded_as_given():
    table, found = read_bibliography("@misc{a, doi = {nope}}\n", "sub/dir/refs.bib")
    assert table.loc[0, "file"] == "sub/dir/refs.bib"
    assert found[0]["file"] == "sub/dir/refs.bib"


def test_it_never_opens_a_file(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("read_bibliography opened a file")

    monkeypatch.setattr(builtins, "open", refuse)
    table, _ = read_bibliography(ARTICLE.encode(), FILE)
    assert len(table) == 1


def test_str_and_bytes_give_the_same_result():
    text = ARTICLE + "@misc{smith2020, title = {again}}\n"
    assert read(text)[1] == read(text.encode())[1]
    assert read(text)[0].equals(read(text.encode())[0])


# Decoding


def test_utf8_bom_is_ignored():
    table, found = read(codecs.BOM_UTF8 + ARTICLE.encode())
    assert found == []
    assert table.loc[0, "key"] == "smith2020"
    assert table.loc[0, "line"] == 1


def test_bom_in_text_is_ignored():
    table, found = read("\ufeff" + ARTICLE)
    assert found == []
    assert table.loc[0, "key"] == "smith2020"


def test_crlf_line_ends():
    text = ("\r\n" + ARTICLE.replace("\n", "\r\n") + "\r\n@misc{b,\r\n  doi = {bad}}\r\n").encode()
    table, found = read(text)
    assert table["line"].tolist() == [2, 11]
    assert codes(found) == [("bib-invalid-doi", 12)]
    assert not table["authors"].str.contains("\r").any()


def test_old_mac_line_ends():
    table, found = read("@misc{a}\r\r@misc{b, doi = {x}}\r")
    assert table["line"].tolist() == [1, 3]
    assert codes(found) == [("bib-invalid-doi", 3)]


@pytest.mark.parametrize("data", [b"", "", b"\n\n  \n", codecs.BOM_UTF8])
def test_empty_file_is_an_empty_table(data):
    table, found = read(data)
    assert found == []
    assert len(table) == 0


def test_comments_only_is_an_empty_table():
    table, found = read("% my references\n@comment{nothing yet}\n")
    assert (len(table), found) == (0, [])


def test_not_utf8_is_reported_at_the_first_bad_byte_and_read_anyway():
    data = "@article{m,\n  author = {Müller, Jürgen},\n  title = {Ça va},\n}\n".encode("latin-1")
    table, found = read(data)
    assert codes(found) == [("bib-not-utf8", 2)] + [("bib-missing-field", 1)] * 2
    assert "0xfc" in found[0]["message"]
    assert table.loc[0, "authors"] == "M\ufffdller, J\ufffdrgen"


def test_utf8_gives_no_decoding_finding():
    _, found = read("@misc{m, author = {Müller, Jürgen}}\n".encode())
    assert found == []


def test_binary_content_is_one_finding():
    data = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4
    table, found = read(data)
    assert codes(found) == [("bib-unparsable", 3)]  # the NUL follows the second "\n"
    assert "binary" in found[0]["message"]
    assert len(table) == 0


def test_nul_in_text_is_binary():
    _, found = read("@misc{a}\n\x00")
    assert codes(found) == [("bib-unparsable", 2)]


def test_utf16_is_recognised():
    table, found = read(ARTICLE.encode("utf-16"))
    assert codes(found) == [("bib-unparsable", 1)]
    assert "UTF-16" in found[0]["message"]
    assert len(table) == 0


# Blocks the parser could not read


def test_unbalanced_braces_are_reported_and_the_next_entry_is_read():
    text = """\
@article{broken,
  title = {Never closed,
  year = {2020},
}

@misc{fine, title = {Fine}}
"""
    table, found = read(text)
    assert codes(found) == [("bib-unparsable", 1)]
    assert "'@article{broken'" in found[0]["message"]
    assert found[0]["key"] == "broken"  # so it can be waived per key
    assert "\n" not in found[0]["message"]
    assert table["key"].tolist() == ["fine"]
    assert table.loc[0, "line"] == 6


def test_unclosed_entry_at_end_of_file():
    table, found = read(ARTICLE + "\n@misc{last, title = {x}\n")
    assert codes(found) == [("bib-unparsable", 10)]
    assert "end of file" in found[0]["message"]
    assert table["key"].tolist() == ["smith2020"]


def test_missing_comma_after_key():
    _, found = read("\n@misc{nokey title = {x}}\n")
    assert codes(found) == [("bib-unparsable", 2)]
    assert found[0]["key"] is None


def test_string_with_a_malformed_value():
    table, found = read('@string{jl = {J} Life}\n@misc{a, journal = jl}\n')
    assert codes(found) == [("bib-unparsable", 1), ("bib-unexpanded-string", 2)]
    assert table.loc[0, "journal"] == "jl"


def test_missing_comma_between_fields():
    # The splitter reads `{x}\n year = 2020` as the value of title; caught here.
    text = "@article{a,\n  author = {A},\n  title = {x}\n  year = 2020,\n  journal = {J},\n}\n"
    table, found = read(text)
    assert codes(found) == [("bib-unparsable", 3), ("bib-missing-field", 1)]
    assert "missing comma" in found[0]["message"]
    assert found[1]["message"].endswith("'year or date'")
    assert table["key"].tolist() == ["a"]


def test_field_without_value():
    _, found = read("@misc{a,\n  title = ,\n  year = {1}}\n")
    assert codes(found) == [("bib-unparsable", 2)]
    assert "no value" in found[0]["message"]


def test_entry_without_key():
    table, found = read("\n\n@misc{, title = {x}}\n")
    assert codes(found) == [("bib-unparsable", 3)]
    assert len(table) == 0


def test_comment_without_braces_is_ignored():
    text = "@comment this line is a comment, with = signs\n" + ARTICLE
    table, found = read(text)
    assert found == []
    assert table.loc[0, "line"] == 2


def test_explicit_comment_and_preamble_are_ignored():
    text = "@comment{a {nested} comment}\n@preamble{\"\\newcommand{\\x}{y}\"}\n" + ARTICLE
    table, found = read(text)
    assert found == []
    assert table.loc[0, "line"] == 3


def test_parenthesised_entry():
    table, found = read("@misc(a, title = {x (y)})\n")
    assert found == []
    assert table.loc[0, "title"] == "x (y)"


def test_one_megabyte_field():
    big = "word " * 200_000
    table, found = read(ARTICLE.replace("  year", f"  abstract = {{{big}}},\n  year") + "@misc{after}\n")
    assert found == []
    assert table["key"].tolist() == ["smith2020", "after"]
    assert table["line"].tolist() == [1, 10]


# Duplicates


def test_duplicate_key_keeps_the_first_definition():
    text = ARTICLE + "\n@misc{smith2020, title = {Second}}\n"
    table, found = read(text)
    assert codes(found) == [("bib-duplicate-key", 10)]
    assert found[0]["key"] == "smith2020"
    assert found[0]["message"] == "bib key 'smith2020' is also defined at line 1"
    assert table["title"].tolist() == ["A randomised trial"]


def test_duplicate_key_differing_in_case():
    text = "@misc{Smith2020, title = {First}}\n@misc{SMITH2020, title = {Second}}\n"
    table, found = read(text)
    assert codes(found) == [("bib-duplicate-key", 2)]
    assert "at line 1 as 'Smith2020'" in found[0]["message"]
    assert table["title"].tolist() == ["First"]


def test_distinct_keys_are_not_duplicates():
    table, found = read("@misc{smith2020a}\n@misc{smith2020b}\n")
    assert found == []
    assert len(table) == 2


def test_duplicate_key_after_an_entry_with_a_duplicate_field():
    text = "@misc{a, title = {1}, title = {2}}\n@misc{a, title = {3}}\n"
    table, found = read(text)
    assert codes(found) == [("bib-duplicate-field", 1), ("bib-duplicate-key", 2)]
    assert table["title"].tolist() == ["1"]


def test_duplicate_field_keeps_the_first_value_and_points_at_the_second():
    text = "@misc{a,\n  title = {First},\n  note = {n},\n  title = {Second},\n}\n"
    table, found = read(text)
    assert codes(found) == [("bib-duplicate-field", 4)]
    assert found[0]["key"] == "a"
    assert table["title"].tolist() == ["First"]


def test_duplicate_field_differing_in_case():
    _, found = read("@misc{a,\n  title = {First},\n  Title = {Second},\n}\n")
    assert codes(found) == [("bib-duplicate-field", 3)]
    assert "'Title'" in found[0]["message"]


def test_distinct_fields_are_not_duplicates():
    _, found = read("@misc{a, title = {x}, booktitle = {y}, subtitle = {z}}\n")
    assert found == []


def test_duplicate_doi_after_normalisation():
    text = ("@misc{a, doi = {10.1000/ABC}}\n@misc{b, doi = {https://doi.org/10.1000/abc}}\n"
            "@misc{c, doi = {doi:10.1000/Abc}}\n")
    _, found = read(text)
    assert codes(found) == [("bib-duplicate-doi", 2), ("bib-duplicate-doi", 3)]
    assert [(f["key"], f["message"]) for f in found][0] == (
        "b", "bib entry b has the same DOI (10.1000/abc) as a")


def test_different_dois_are_not_duplicates():
    _, found = read("@misc{a, doi = {10.1000/abc}}\n@misc{b, doi = {10.1000/abcd}}\n")
    assert found == []


def test_dropped_duplicate_entry_does_not_count_for_doi():
    text = "@misc{a, doi = {10.1000/abc}}\n@misc{A, doi = {10.1000/abc}}\n"
    _, found = read(text)
    assert codes(found) == [("bib-duplicate-key", 2)]


def test_duplicate_string():
    text = '@string{jl = "J Life"}\n@string{JL = "J Lives"}\n@misc{a, journal = jl}\n'
    table, found = read(text)
    assert codes(found) == [("bib-duplicate-string", 2)]
    assert "line 1" in found[0]["message"]
    # BibTeX reads top to bottom: the entry gets the later definition.
    assert table.loc[0, "journal"] == "J Lives"


def test_distinct_strings_are_not_duplicates():
    _, found = read('@string{jl = "J Life"}\n@string{jm = "J Med"}\n')
    assert found == []


def test_exact_duplicate_string():
    _, found = read('@string{jl = "J Life"}\n\n@string{jl = "J Life"}\n')
    assert codes(found) == [("bib-duplicate-string", 3)]


# Identifiers


@pytest.mark.parametrize("doi", [
    "10.1000/abc", "10.12345/ABC-def_1.2(3)", "10.1000.10/xyz", "https://doi.org/10.1002/x;y:z",
])
def test_valid_doi(doi):
    _, found = read(f"@misc{{a, doi = {{{doi}}}}}\n")
    assert found == []


@pytest.mark.parametrize("doi", [
    "not a doi", "10.100/abc", "10.1000", "10.1000/", "11.1000/abc", "10.1000/a b", "https://example.org/x",
])
def test_invalid_doi(doi):
    _, found = read(f"@misc{{a,\n  title = {{t}},\n  doi = {{{doi}}},\n}}\n")
    assert codes(found) == [("bib-invalid-doi", 3)]
    assert found[0]["key"] == "a"


@pytest.mark.parametrize("pmid", ["1", "31234567", " 4567 "])
def test_valid_pmid(pmid):
    _, found = read(f"@misc{{a, pmid = {{{pmid}}}}}\n")
    assert found == []


@pytest.mark.parametrize("pmid", ["123456789", "PMID: 123", "12a", "0", "-5", "١٢٣"])
def test_invalid_pmid(pmid):
    _, found = read(f"@misc{{a,\n\n  pmid = {{{pmid}}}}}\n")
    assert codes(found) == [("bib-invalid-pmid", 3)]


def test_invalid_pubmed_eprint_points_at_the_eprint_field():
    _, found = read("@misc{a,\n  eprinttype = {pubmed},\n  eprint = {x1}}\n")
    assert codes(found) == [("bib-invalid-pmid", 3)]


# Required fields

COMPLETE = {
    "author": "A", "editor": "E", "title": "T", "journal": "J", "year": "2000", "publisher": "P",
    "booktitle": "B", "school": "S", "institution": "I", "note": "N", "chapter": "3",
}


def _entry(kind: str, fields: dict[str, str]) -> str:
    body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields.items())
    return f"@{kind}{{k,\n{body}\n}}\n"


def _required_cases():
    for kind, required in REQUIRED_FIELDS.items():
        for names in required:
            names = (names,) if isinstance(names, str) else names
            yield kind, names


@pytest.mark.parametrize("kind", sorted(REQUIRED_FIELDS))
def test_complete_entry_lacks_nothing(kind):
    _, found = read(_entry(kind, COMPLETE))
    assert found == []


@pytest.mark.parametrize("kind,names", list(_required_cases()))
def test_missing_required_field(kind, names):
    fields = {n: v for n, v in COMPLETE.items() if n not in names}
    _, found = read("\n" + _entry(kind.upper(), fields))
    assert codes(found) == [("bib-missing-field", 2)]
    assert found[0]["key"] == "k"
    assert f"(@{kind})" in found[0]["message"]


@pytest.mark.parametrize("kind", sorted(REQUIRED_FIELDS))
def test_empty_required_field_is_missing(kind):
    _, found = read(_entry(kind, {**COMPLETE, "title": " "}))
    assert codes(found) == [("bib-missing-field", 1)]


def test_standard_required_fields():
    assert REQUIRED_FIELDS["article"] == ("author", "title", ("journal", "journaltitle"), ("year", "date"))
    assert REQUIRED_FIELDS["book"][0] == ("author", "editor")
    assert "misc" not in REQUIRED_FIELDS and "online" not in REQUIRED_FIELDS


def test_book_with_editor_only():
    _, found = read("@book{b, editor = {E}, title = {T}, publisher = {P}, year = {1999}}\n")
    assert found == []


@pytest.mark.parametrize("kind", ["misc", "online", "dataset"])
def test_types_without_requirements(kind):
    _, found = read(f"@{kind}{{x}}\n")
    assert found == []


# @string macros and concatenation


def test_bibtexparser_default_stack_resolves_strings_defined_later():
    # Why this module resolves macros itself: bibtexparser resolves an @string wherever it is
    # defined, and leaves a concatenation as raw text, while BibTeX reads top to bottom.
    text = '@misc{a, journal = jl, title = jl # " more"}\n@string{jl = "J Life"}\n'
    library = bibtexparser.parse_string(text)
    fields = library.entries[0].fields_dict
    assert fields["journal"].value == "J Life"
    assert fields["title"].value == 'jl # " more"'


def test_macro_defined_before_use_is_expanded():
    text = '@string{jl = "J Life"}\n@string(jb = {J Bio})\n@misc{a, journal = JL, publisher = jb}\n'
    table, found = read(text)
    assert found == []
    assert table.loc[0, "journal"] == "J Life"


def test_concatenation_is_reported_and_expanded_for_the_table():
    text = '@string{jl = "J Life"}\n@misc{a,\n  title = jl # " and more",\n}\n'
    table, found = read(text)
    assert codes(found) == [("bib-unexpanded-string", 3)]
    assert found[0]["key"] == "a"
    assert "'title'" in found[0]["message"]
    assert table.loc[0, "title"] == "J Life and more"


def test_literal_concatenation_is_reported():
    table, found = read('@misc{a,\n  title = {One} # { two} # " three",\n}\n')
    assert codes(found) == [("bib-unexpanded-string", 2)]
    assert table.loc[0, "title"] == "One two three"


def test_macro_used_before_its_definition():
    text = '@misc{a,\n  journal = jl,\n}\n@string{jl = "J Life"}\n'
    table, found = read(text)
    assert codes(found) == [("bib-unexpanded-string", 2)]
    assert table.loc[0, "journal"] == "J Life"


def test_undefined_macro():
    table, found = read("@misc{a,\n\n  journal = nowhere,\n}\n")
    assert codes(found) == [("bib-unexpanded-string", 3)]
    assert table.loc[0, "journal"] == "nowhere"


def test_string_built_from_an_earlier_string():
    text = '@string{j = "J"}\n@string{jl = j # " Life"}\n@misc{a, journal = jl}\n'
    table, found = read(text)
    assert found == []
    assert table.loc[0, "journal"] == "J Life"


@pytest.mark.parametrize("field", [
    "month = jan", "month = DEC", "year = 2020", "url = {https://example.org/page#section}",
    'note = "a # b"', "note = {a \\# b}",
])
def test_no_unexpanded_string(field):
    _, found = read(f"@misc{{a, {field}}}\n")
    assert found == []


# Robustness

SAMPLE = ARTICLE + """
@string{jl = "J Life"}
@book{b, editor = {E}, title = "T {x}", publisher = jl # " Press", year = 1999, month = jan}
@misc{c, doi = {https://doi.org/10.1000/X}, pmid = {99}, note = {100\\% \\{sure\\}}}
@comment no braces here
@inproceedings{Smith2020, author = {A}, title = {T}, booktitle = {B}, year = {2001}}
"""


def _check_never_raises(data: bytes | str) -> None:
    table, found = read_bibliography(data, FILE)
    schema.validate("references", table)
    assert all(f["code"] in CATALOGUE for f in found)
    assert all(f["line"] is None or f["line"] >= 1 for f in found)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(alphabet=st.sampled_from(list('@{}()",=#%\\ \n\r\taAzZ019_-.:/ü\x00')), max_size=300))
def test_random_bib_like_text_never_raises(text):
    _check_never_raises(text)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=300))
def test_random_bytes_never_raise(data):
    _check_never_raises(data)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.integers(0, len(SAMPLE)), st.integers(0, 5),
                          st.text(alphabet=st.sampled_from(list('@{}",=#\\\n x')), max_size=3)),
                max_size=6))
def test_mutated_bib_never_raises(edits):
    text = SAMPLE
    for position, deleted, inserted in edits:
        text = text[:position] + inserted + text[position + deleted:]
    _check_never_raises(text)
    _check_never_raises(text.encode("utf-8"))


# --------------------------------------------------------------------------------------------
# A bibliography read in two parts (the loader parses the tail in a second process)

HAZARDS = """\
@string{lancet = {The Lancet}}

@article{first2020,
  author = {First, Ann},
  title = {Uses a macro defined above},
  journal = lancet,
  year = {2020},
  doi = {10.1000/shared},
}

@article{broken2019,
  author = {Broken, Bob},
  title = {A brace that never closes,
  year = {2019},
}

@misc{atline,
  note = {a line that starts with an at sign
@misc{inside, title = {not an entry}}
  ends here},
}

@article{later2021,
  author = {Later, Lee},
  title = {Uses a macro defined below},
  journal = neurol,
  year = {2021},
}

@string{neurol = {Neurology}}

@article{First2020,
  author = {Again, Ann},
  title = {Same key, other case},
  journal = lancet,
  year = {2020},
}

@article{twin2022,
  author = {Twin, Tom},
  title = "A quoted title
@misc{fake, title = {inside quotes}}",
  journal = {Brain},
  year = {2022},
  doi = {https://doi.org/10.1000/SHARED},
}

@book{nofields,
}
"""


# With the unclosed brace, no cut is made after it: the braces opened so far never all close.
@pytest.mark.parametrize("text, places", [
    (HAZARDS, 2),
    (HAZARDS.replace("@article{broken2019", "@article{fixed2019").replace("never closes,", "closes},"), 7),
])
def test_read_in_two_parts_is_read_whole_wherever_it_is_cut(text, places):
    from evidence_kit.bibliography import digested, halves, parse_blocks

    whole = read_bibliography(text, FILE)
    cuts = set()
    for step in range(1, 40):
        part = halves(text, FILE, step / 40)
        if part is None:
            continue
        cuts.add(part.tail_line)
        assert text.splitlines()[part.tail_line - 1].startswith("@")
        for tail in (lambda: None, lambda: parse_blocks(part.tail, part.tail_line),
                     lambda: digested(parse_blocks(part.tail, part.tail_line), FILE),
                     lambda: digested(parse_blocks(part.tail, part.tail_line), FILE, part.strings)):
            table, found = part.read(tail)
            assert table.equals(whole[0]) and found == whole[1], (part.tail_line, found, whole[1])
    assert len(cuts) >= places  # the grid really cut the file in many places


def test_lines_after_a_line_ending_in_a_backslash_are_numbered_right_however_the_file_is_read():
    """bibtexparser counts no line break right after a backslash; the entries and findings after
    one still name their own lines, in one piece or cut in two."""
    from evidence_kit.bibliography import digested, halves, parse_blocks

    text = ("a comment ending in a backslash \\\n@misc{m, note = {a line break \\\\\n in a value}}\n"
            + HAZARDS.replace("never closes,", "closes},"))
    lines = text.splitlines()
    whole = read_bibliography(text, FILE)
    for key in ("first2020", "later2021"):
        line = int(whole[0].set_index("key").loc[key, "line"])
        assert lines[line - 1].startswith(f"@article{{{key},"), (key, line)
    missing = [f for f in whole[1] if f["code"] == "bib-missing-field" and f["key"] == "nofields"]
    assert missing and lines[missing[0]["line"] - 1].startswith("@book{nofields")
    assert whole[0].set_index("key").loc["m", "type"] == "misc"
    for step in range(1, 20):
        part = halves(text, FILE, step / 20)
        if part is None:
            continue
        for tail in (lambda: None, lambda: digested(parse_blocks(part.tail, part.tail_line), FILE, part.strings)):
            table, found = part.read(tail)
            assert table.equals(whole[0]) and found == whole[1], part.tail_line


def test_digested_blocks_read_as_the_entries_they_came_from():
    """Entries of plain literals become rows before the reader; entries with macros do not."""
    from evidence_kit.bibliography import DIGESTED, ENTRY, _Reader, digested, parse_blocks

    blocks = parse_blocks(HAZARDS)
    done = digested(blocks, FILE)
    kinds = [block[0] for block in done.blocks]
    assert DIGESTED in kinds and ENTRY in kinds  # the hazards hold both kinds of entry
    assert [block[1] for block in done.blocks] == [block[1] for block in blocks]  # lines, in file order
    table, found = _Reader(FILE, [], done.blocks).read()
    whole = read_bibliography(HAZARDS, FILE)
    assert table.equals(whole[0]) and found == whole[1]
    # An entry naming a macro defined above it is digested; one defined below it is not.
    keys = {block[2]: block[0] for block in done.blocks if block[0] == DIGESTED}
    assert "first2020" in keys and "later2021" not in keys


def test_a_tail_digested_with_other_macros_than_the_head_defines_is_parsed_again():
    """The second process guesses the head's @string blocks from their text; a wrong guess (here
    one quoted in a note) is caught, and the tail is read as the whole file reads it."""
    from evidence_kit.bibliography import Digested, halves, parse_blocks, digested

    text = ('@string{j = {Right}}\n@misc{note, note = {quoting @string{j = {Wrong}} in a note}}\n'
            '@article{a1, author = {A}, title = {T}, journal = j, year = {2020}}\n')
    whole = read_bibliography(text, FILE)
    part = halves(text, FILE, 0.55)
    assert part is not None and part.tail.startswith("@article{a1") and "Wrong" in part.strings
    guessed = digested(parse_blocks(part.tail, part.tail_line), FILE, part.strings)
    assert isinstance(guessed, Digested) and guessed.strings != [("j", "{Right}")]
    table, found = part.read(lambda: guessed)
    assert table.equals(whole[0]) and found == whole[1]
    assert table.set_index("key").loc["a1", "journal"] == "Right"


def test_a_cut_bibliography_keeps_decoding_findings():
    from evidence_kit.bibliography import halves

    data = ARTICLE.encode() + b"\n@misc{latin, title = {caf\xe9}}\n" + ARTICLE.replace("smith2020", "other").encode()
    part = halves(data, FILE, 0.5)
    assert part is not None
    table, found = part.read()
    whole = read_bibliography(data, FILE)
    assert table.equals(whole[0]) and found == whole[1]
    assert "bib-not-utf8" in [code for code, _ in codes(found)]
    assert part.read()[1] == found  # reading twice adds nothing
