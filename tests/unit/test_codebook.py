"""Codebook files: parsing, the tree, every problem with its line, reserved keys."""

from __future__ import annotations

import textwrap

import pytest

from cotag.codebook import (
    CODE_FIELDS,
    COLOUR_NAMES,
    Codebook,
    CodebookError,
    CodebookProblem,
    CodeSpec,
    check_codebook,
    colour_hex,
    format_check_report,
    load_codebook,
    parse_codebook_text,
)
from cotag.errors import CotagError
from cotag.keys import (
    CONTEXTS,
    KEYMAP,
    RESERVED_KEYS,
    KeySpec,
    binding_key,
    is_reserved,
    keys_for,
)

EXAMPLE = """\
# Codebook for the Kazakhstan interviews
codebook: Emigration from Kazakhstan      # title
version: 3
codes:
  - key: push
    name: Push factors
    description: Reasons to leave.
    colour: "#d9534f"
    children:
      - key: wages
        name: Wages and income
        shortcut: "1"
        description: |
          Pay, salaries, income.
          Also pensions of parents.
        include: ["talks about own pay", "compares salaries"]
        exclude: [pension of the speaker]
        examples: ["I earned 200 dollars a month"]
        keywords: [salary, pay, income]
      - key: safety
        name: Safety
        shortcut: "2"
        include: fear of violence
  - key: pull
    name: Pull factors
    color: Blue
    children:
      - key: family
        name: Family abroad
        shortcut: F
  - key: old-wages
    name: Money (old)
    parent: push
    status: retired
"""


def parse(text: str, filename: str = "cb.yaml"):
    return parse_codebook_text(textwrap.dedent(text), filename)


def problems_of(text: str) -> list[CodebookProblem]:
    codebook, problems = parse(text)
    assert codebook is None
    assert problems, "expected problems"
    return problems


def only_problem(text: str) -> CodebookProblem:
    problems = problems_of(text)
    assert len(problems) == 1, [str(p) for p in problems]
    return problems[0]


def tree(codebook: Codebook) -> list[tuple]:
    return [
        (c.key, c.name, c.parent, c.position, c.status, c.shortcut)
        for c in codebook.codes
    ]


# --------------------------------------------------------------------------
# A valid codebook
# --------------------------------------------------------------------------


def test_example_parses_with_all_fields():
    codebook, problems = parse_codebook_text(EXAMPLE, "cb.yaml")
    assert problems == []
    assert codebook is not None
    assert codebook.title == "Emigration from Kazakhstan"
    assert codebook.version == 3
    assert codebook.path is None
    assert [c.key for c in codebook.codes] == [
        "push",
        "wages",
        "safety",
        "old-wages",
        "pull",
        "family",
    ]
    assert [c.position for c in codebook.codes] == [0, 1, 2, 3, 4, 5]

    push, wages, safety, old, pull, family = codebook.codes
    assert push.parent is None and push.colour == "#d9534f" and push.line == 5
    assert push.description == "Reasons to leave."
    assert wages.parent == "push" and wages.line == 10
    assert wages.shortcut == "1"
    assert wages.description == "Pay, salaries, income.\nAlso pensions of parents."
    assert wages.include == ["talks about own pay", "compares salaries"]
    assert wages.exclude == ["pension of the speaker"]
    assert wages.examples == ["I earned 200 dollars a month"]
    assert wages.keywords == ["salary", "pay", "income"]
    assert safety.include == ["fear of violence"]  # a single string is a one-rule list
    assert safety.exclude == [] and safety.colour is None and safety.status == "active"
    assert (
        old.parent == "push"
        and old.status == "retired"
        and old.retired
        and old.line == 31
    )
    assert pull.colour == "blue"  # 'color' alias, names are lower-cased
    assert family.shortcut == "F" and family.parent == "pull"


def test_codebook_helpers():
    codebook, _ = parse_codebook_text(EXAMPLE)
    assert set(codebook.by_key()) == {
        "push",
        "wages",
        "safety",
        "old-wages",
        "pull",
        "family",
    }
    assert [c.key for c in codebook.children("push")] == [
        "wages",
        "safety",
        "old-wages",
    ]
    assert [c.key for c in codebook.children(None)] == ["push", "pull"]
    assert codebook.children("wages") == []
    assert codebook.path_of("wages") == ["Push factors", "Wages and income"]
    assert codebook.path_of("pull") == ["Pull factors"]
    assert codebook.depth("family") == 1 and codebook.depth("push") == 0
    assert [c.key for c in codebook.descendants("push")] == [
        "wages",
        "safety",
        "old-wages",
    ]
    assert codebook.get("family").name == "Family abroad"
    assert codebook.get("nope") is None
    assert [c.key for c in codebook.active_codes()] == [
        "push",
        "wages",
        "safety",
        "pull",
        "family",
    ]
    with pytest.raises(KeyError):
        codebook.path_of("nope")


def test_check_and_load_from_file(tmp_path):
    path = tmp_path / "codebook.yaml"
    path.write_text(EXAMPLE, encoding="utf-8")
    codebook, problems = check_codebook(path)
    assert problems == [] and codebook.path == path
    loaded = load_codebook(str(path))
    assert loaded == codebook


def test_flat_and_nested_forms_give_the_same_tree():
    nested = """\
    codebook: T
    version: 1
    codes:
      - key: a
        name: A
        children:
          - key: a1
            name: A one
            children:
              - key: a1x
                name: A one x
          - key: a2
            name: A two
      - key: b
        name: B
        children:
          - key: b1
            name: B one
    """
    flat = """\
    codebook: T
    version: 1
    codes:
      - key: a
        name: A
      - key: a1
        name: A one
        parent: a
      - key: a1x
        name: A one x
        parent: a1
      - key: a2
        name: A two
        parent: a
      - key: b
        name: B
      - key: b1
        name: B one
        parent: b
    """
    # Children may also come before their parent in a flat file.
    shuffled = """\
    codebook: T
    version: 1
    codes:
      - key: a1x
        name: A one x
        parent: a1
      - key: a
        name: A
      - key: a1
        name: A one
        parent: a
      - key: b1
        name: B one
        parent: b
      - key: a2
        name: A two
        parent: a
      - key: b
        name: B
    """
    mixed = """\
    codebook: T
    version: 1
    codes:
      - key: a
        name: A
        children:
          - key: a1
            name: A one
          - key: a2
            name: A two
            parent: a      # redundant but consistent
      - key: b
        name: B
      - key: a1x
        name: A one x
        parent: a1
      - key: b1
        name: B one
        parent: b
    """
    results = []
    for text in (nested, flat, shuffled, mixed):
        codebook, problems = parse(text)
        assert problems == []
        results.append(tree(codebook))
    expected = [
        ("a", "A", None, 0, "active", None),
        ("a1", "A one", "a", 1, "active", None),
        ("a1x", "A one x", "a1", 2, "active", None),
        ("a2", "A two", "a", 3, "active", None),
        ("b", "B", None, 4, "active", None),
        ("b1", "B one", "b", 5, "active", None),
    ]
    assert all(result == expected for result in results), results


def test_lenient_forms():
    codebook, problems = parse("""\
    codes:
      - key: 2020
        name: 1999
        shortcut: 7
        description:
        include:
        keywords: [2020, kz]
        status: Retired
        parent:
      - key: x
        name: "  spaced  "
        colour: "#ABC"
    """)
    assert problems == []
    assert codebook.title == "" and codebook.version == 0
    first, second = codebook.codes
    assert (first.key, first.name, first.shortcut) == ("2020", "1999", "7")
    assert (
        first.description == ""
        and first.include == []
        and first.keywords == ["2020", "kz"]
    )
    assert first.status == "retired" and first.parent is None
    assert second.name == "spaced" and second.colour == "#abc"


def test_empty_codes_list_is_valid():
    codebook, problems = parse("codebook: New\nversion: 0\ncodes: []\n")
    assert problems == [] and codebook.codes == []


def test_every_colour_name_is_accepted():
    for name in COLOUR_NAMES:
        codebook, problems = parse(
            f"codes:\n  - key: a\n    name: A\n    colour: {name}\n"
        )
        assert problems == [] and codebook.codes[0].colour == name
    assert 20 <= len(COLOUR_NAMES) <= 30


def test_colour_hex():
    assert colour_hex("#ABC") == "#aabbcc"
    assert colour_hex("#d9534f") == "#d9534f"
    assert colour_hex("Red") == COLOUR_NAMES["red"]
    assert colour_hex(None) is None
    with pytest.raises(ValueError):
        colour_hex("reddish")


# --------------------------------------------------------------------------
# Problems, each with file, line and key
# --------------------------------------------------------------------------


def test_yaml_syntax_error_has_line_and_column():
    problem = only_problem("""\
    codebook: T
    codes:
      - key: a
        name: [unclosed
      - key: b
    """)
    assert problem.file == "cb.yaml"
    assert problem.line == 5
    assert problem.message.startswith("YAML syntax error:")
    assert "column" in problem.message


def test_yaml_tab_indentation_hint():
    problem = only_problem("codes:\n\t- key: a\n")
    assert problem.line == 2
    assert "tabs" in problem.message


def test_yaml_duplicate_field_in_one_code():
    problem = only_problem("codes:\n  - key: a\n    name: A\n    name: B\n")
    assert problem.line == 4
    assert "duplicate key" in problem.message and "name" in problem.message


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ("", 1, "empty"),
        ("# only a comment\n", 1, "empty"),
        ("- key: a\n  name: A\n", 1, "must be a mapping"),
        ("just text\n", 1, "must be a mapping"),
        ("codebook: T\nversion: 1\n", 1, "missing 'codes'"),
        ("codebook: T\ncodes:\n", 2, "codes: []"),
        ("codebook: T\ncodes: {a: 1}\n", 2, "not a mapping"),
        ("codebook: T\nversion: one\ncodes: []\n", 2, "version must be a whole number"),
        ("codebook: T\nversion: -1\ncodes: []\n", 2, "version must be a whole number"),
        ("codebook: [T]\ncodes: []\n", 1, "title"),
    ],
)
def test_document_level_problems(text, line, words):
    problem = only_problem(text)
    assert problem.line == line
    assert problem.key is None
    assert words in problem.message


def test_unknown_top_level_field_lists_allowed_and_suggests():
    problem = only_problem("codebook: T\nversoin: 1\ncodes: []\n")
    assert problem.line == 2
    assert "unknown field 'versoin' (did you mean 'version'?)" in problem.message
    assert "codebook, version, codes" in problem.message


def test_unknown_code_field_suggests_closest():
    problem = only_problem("""\
    codes:
      - key: push
        name: Push
        colour_: red
    """)
    assert problem.line == 4
    assert problem.key == "push"
    assert problem.message.startswith(
        "unknown field 'colour_' (did you mean 'colour'?)"
    )
    for name in CODE_FIELDS:
        assert name in problem.message


def test_unknown_field_without_close_match():
    problem = only_problem("codes:\n  - key: a\n    name: A\n    zzz: 1\n")
    assert (
        "did you mean" not in problem.message
        and "unknown field 'zzz'" in problem.message
    )


def test_missing_key():
    problem = only_problem("""\
    codes:
      - key: a
        name: A
      - name: No key here
        description: x
    """)
    assert problem.line == 4 and problem.key is None
    assert problem.message.startswith("missing key")


@pytest.mark.parametrize(
    ("key", "hint"),
    [
        ("Push Factors", "(try 'push-factors')"),
        ("-x", ""),
        ("a.b", "(try 'a-b')"),
        ('""', ""),
    ],
)
def test_invalid_key(key, hint):
    problem = only_problem(f"codes:\n  - name: A\n    key: {key}\n")
    assert problem.line == 3
    assert "key" in problem.message
    assert hint in problem.message


def test_key_of_wrong_type():
    problem = only_problem("codes:\n  - key: [a]\n    name: A\n")
    assert problem.line == 2 and problem.message == "key must be text, not a list"


def test_duplicate_keys_report_both_lines():
    problem = only_problem("""\
    codes:
      - key: push
        name: Push
        children:
          - key: wages
            name: Wages
      - key: pull
        name: Pull
        children:
          - key: wages
            name: Wages again
    """)
    assert problem.line == 10
    assert problem.key == "wages"
    assert "duplicate key 'wages'" in problem.message
    assert "lines 5 and 10" in problem.message


@pytest.mark.parametrize(
    ("name_line", "message"),
    [
        ("", "missing name"),
        ('    name: ""\n', "name is empty"),
        ("    name:\n", "name is empty"),
        ("    name: '   '\n", "name is empty"),
        ("    name: [a, b]\n", "name must be text, not a list"),
    ],
)
def test_missing_or_empty_name(name_line, message):
    problem = only_problem(f"codes:\n  - key: a\n{name_line}    description: d\n")
    assert problem.key == "a"
    assert problem.message == message
    assert problem.line == (2 if message == "missing name" else 3)


def test_duplicate_shortcuts():
    problem = only_problem("""\
    codes:
      - key: a
        name: A
        shortcut: "1"
      - key: b
        name: B
        children:
          - key: c
            name: C
            shortcut: 1
    """)
    assert problem.line == 10
    assert problem.key == "c"
    assert problem.message == "duplicate shortcut '1': also used by 'a' at line 4"


def test_shortcut_longer_than_one_character():
    problem = only_problem("codes:\n  - key: a\n    name: A\n    shortcut: ab\n")
    assert (problem.line, problem.key) == (4, "a")
    assert problem.message == "shortcut 'ab' is longer than one character"


@pytest.mark.parametrize(
    ("char", "meaning"),
    [
        ("q", "quit"),
        ("j", "next unit"),
        ("G", "bottom"),
        ("?", "help"),
        ("/", "corpus search"),
        ("]", "next document"),
    ],
)
def test_reserved_shortcut(char, meaning):
    problem = only_problem(f"codes:\n  - key: a\n    name: A\n    shortcut: '{char}'\n")
    assert (problem.line, problem.key) == (4, "a")
    assert problem.message == f"shortcut '{char}' is reserved for {meaning}"


@pytest.mark.parametrize(
    ("value", "words"),
    [
        ('" "', "not a visible character"),
        ('""', "is empty"),
        ("", "is empty"),
        ("[a]", "not a list"),
    ],
)
def test_other_bad_shortcuts(value, words):
    problem = only_problem(f"codes:\n  - key: a\n    name: A\n    shortcut: {value}\n")
    assert problem.line == 4 and words in problem.message


def test_unknown_parent_with_suggestion():
    problem = only_problem("""\
    codes:
      - key: push
        name: Push
      - key: wages
        name: Wages
        parent: psuh
    """)
    assert (problem.line, problem.key) == (6, "wages")
    assert problem.message == "unknown parent 'psuh' (did you mean 'push'?)"


def test_parent_cycle_reports_path():
    problem = only_problem("""\
    codes:
      - key: a
        name: A
        parent: b
      - key: b
        name: B
        parent: a
    """)
    assert (problem.line, problem.key) == (4, "a")
    assert "parent cycle: a -> b -> a" in problem.message


def test_longer_cycle_through_nesting():
    problem = only_problem("""\
    codes:
      - key: a
        name: A
        parent: c
        children:
          - key: b
            name: B
            children:
              - key: c
                name: C
    """)
    assert (problem.line, problem.key) == (4, "a")
    assert "parent cycle: a -> c -> b -> a" in problem.message


def test_self_parent():
    problem = only_problem("codes:\n  - key: a\n    name: A\n    parent: a\n")
    assert problem.line == 4 and "parent cycle: a -> a" in problem.message


def test_nested_code_with_different_parent():
    problem = only_problem("""\
    codes:
      - key: push
        name: Push
        children:
          - key: wages
            name: Wages
            parent: pull
      - key: pull
        name: Pull
    """)
    assert (problem.line, problem.key) == (7, "wages")
    assert "nested under 'push' but says parent: 'pull'" in problem.message


@pytest.mark.parametrize(
    ("value", "words"),
    [
        ("'#12'", "'#12' is not a colour"),
        ("reddd", "(did you mean 'red'?)"),
        ("'#ggg'", "not a colour"),
        ("", "quote hex colours"),
        ("#d9534f", "quote hex colours"),
        ("12", "must be text, not a number"),
    ],
)
def test_bad_colour(value, words):
    problem = only_problem(f"codes:\n  - key: a\n    name: A\n    colour: {value}\n")
    assert (problem.line, problem.key) == (4, "a")
    assert words in problem.message
    assert problem.message.startswith("colour")


def test_colour_and_color_together():
    problem = only_problem(
        "codes:\n  - key: a\n    name: A\n    colour: red\n    color: blue\n"
    )
    assert problem.line == 5 and "both 'colour' and 'color'" in problem.message


def test_bad_color_alias_is_named_as_written():
    problem = only_problem("codes:\n  - key: a\n    name: A\n    color: nope\n")
    assert problem.message.startswith("color 'nope' is not a colour")


@pytest.mark.parametrize(
    ("field_text", "line", "message"),
    [
        (
            "include: {a: rule}",
            4,
            "include must be a string or a list of strings, not a mapping",
        ),
        (
            "keywords: 42",
            4,
            "keywords must be a string or a list of strings, not a number",
        ),
        (
            "exclude: true",
            4,
            "exclude must be a string or a list of strings, not true/false",
        ),
        (
            "examples: [ok, [nested]]",
            4,
            "examples item 2 is a list: each item must be text",
        ),
        ("keywords: [a, '']", 4, "keywords item 2 is empty: each item must be text"),
        (
            "description: [a]",
            4,
            "description must be text, not a list (put it in quotes)",
        ),
        (
            "description: 2024-01-01",
            4,
            "description must be text, not a date (put it in quotes)",
        ),
        ("children: x", 4, "children must be a list of codes, not text"),
        ("parent: {a: 1}", 4, "parent must be the key of another code, not a mapping"),
    ],
)
def test_wrong_types(field_text, line, message):
    problem = only_problem(f"codes:\n  - key: a\n    name: A\n    {field_text}\n")
    assert (problem.line, problem.key) == (line, "a")
    assert problem.message == message


@pytest.mark.parametrize(
    ("value", "words"),
    [
        ("gone", "'gone' is not a status"),
        ("retierd", "(did you mean 'retired'?)"),
        ("3", "a number is not a status"),
    ],
)
def test_bad_status(value, words):
    problem = only_problem(f"codes:\n  - key: a\n    name: A\n    status: {value}\n")
    assert (problem.line, problem.key) == (4, "a")
    assert words in problem.message and "'active' or 'retired'" in problem.message


def test_code_that_is_not_a_mapping():
    problem = only_problem("codes:\n  - key: a\n    name: A\n  - push\n")
    assert problem.line == 4
    assert (
        "each code must be a mapping" in problem.message
        and "'- key: push'" in problem.message
    )


def test_all_problems_are_reported_in_line_order():
    codebook, problems = parse("""\
    codebook: Bad
    version: 1
    extra: 3
    codes:
      - key: push
        name: Push
        colour_: red
        shortcut: q
        children:
          - key: wages
            name: ""
            shortcut: "12"
            include: {a: 1}
            keywords: 42
      - key: push
        name: Dup
        colour: "#12"
        status: gone
      - key: Bad Key
        name: x
      - name: nokey
      - key: a
        name: A
        parent: b
        shortcut: "1"
      - key: b
        name: B
        parent: a
        shortcut: "1"
      - key: orphan
        name: O
        parent: nowhere
    """)
    assert codebook is None
    lines = [p.line for p in problems]
    assert lines == sorted(lines)
    assert lines == [3, 7, 8, 11, 12, 13, 14, 15, 17, 18, 19, 21, 24, 29, 32]
    assert all(p.file == "cb.yaml" for p in problems)


def test_check_never_raises_on_odd_content():
    odd = [
        "codes: [1, 2, null]\n",
        "codes:\n  - {}\n",
        "codes:\n  - key: a\n    name: A\n    children: [1, {key: b}]\n",
        "codes:\n  - key: null\n    name: null\n    children: null\n",
        "? [complex, key]\n: 1\ncodes: []\n",
        "codes: &x\n  - key: a\n    name: A\n    children: *x\n",
        "--- \n...\n",
        "a: 1\n---\nb: 2\n",
        "codes:\n  - key: a\n    name: A\n    shortcut: 1.5\n    version: 3\n",
        "\x00",
    ]
    for text in odd:
        codebook, problems = parse_codebook_text(text, "odd.yaml")
        assert (codebook is None) == bool(problems), text
        for problem in problems:
            assert str(problem).startswith("odd.yaml")


# --------------------------------------------------------------------------
# Problem and error objects, files
# --------------------------------------------------------------------------


def test_problem_str():
    assert (
        str(CodebookProblem("cb.yaml", 12, "wages", "name is empty"))
        == "cb.yaml:12: [wages] name is empty"
    )
    assert str(CodebookProblem("cb.yaml", 3, None, "boom")) == "cb.yaml:3: boom"
    assert str(CodebookProblem("cb.yaml", None, None, "gone")) == "cb.yaml: gone"


def test_error_lists_every_problem(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text(
        "codes:\n  - key: a\n    name: ''\n  - key: a\n    name: B\n", encoding="utf-8"
    )
    with pytest.raises(CodebookError) as caught:
        load_codebook(path)
    error = caught.value
    assert isinstance(error, CotagError)
    assert len(error.problems) == 2
    assert str(error).splitlines() == [str(p) for p in error.problems]
    assert str(error).splitlines()[0] == f"{path}:3: [a] name is empty"


def test_missing_and_undecodable_files(tmp_path):
    codebook, problems = check_codebook(tmp_path / "nope.yaml")
    assert codebook is None and len(problems) == 1
    assert problems[0].line is None and "cannot read" in problems[0].message
    bad = tmp_path / "latin1.yaml"
    bad.write_bytes("codes:\n  - key: a\n    name: Caf\xe9\n".encode("latin-1"))
    codebook, problems = check_codebook(bad)
    assert codebook is None and problems[0].line == 3 and "UTF-8" in problems[0].message
    with pytest.raises(CodebookError):
        load_codebook(tmp_path / "nope.yaml")


def test_utf8_bom_is_accepted(tmp_path):
    path = tmp_path / "bom.yaml"
    path.write_bytes(
        b"\xef\xbb\xbfcodebook: T\ncodes:\n  - key: a\n    name: \xc3\x81\n"
    )
    codebook = load_codebook(path)
    assert codebook.codes[0].name == "\u00c1"


def test_format_check_report():
    codebook, problems = parse_codebook_text(EXAMPLE)
    assert (
        format_check_report("cb.yaml", codebook, problems)
        == "cb.yaml: ok, 6 codes, version 3"
    )
    codebook, problems = parse("codes:\n  - key: a\n    name: ''\n    shortcut: q\n")
    assert format_check_report("cb.yaml", codebook, problems).splitlines() == [
        "cb.yaml:3: [a] name is empty",
        "cb.yaml:4: [a] shortcut 'q' is reserved for quit",
        "cb.yaml: 2 problem(s)",
    ]


def test_codespec_defaults():
    code = CodeSpec("a", "A")
    assert code.parent is None and code.include == [] and code.status == "active"
    assert code.colour is None and code.shortcut is None and not code.retired


# --------------------------------------------------------------------------
# Reserved keys
# --------------------------------------------------------------------------


def test_reserved_keys_from_keymap():
    expected = set("jkgGnwhlcmxud][ovf/?qb")
    assert set(RESERVED_KEYS) == expected
    assert RESERVED_KEYS["q"] == "quit"
    assert RESERVED_KEYS["?"] == "help"
    for char in "0123456789aeiprstyzABCDEFHXYZ!@#$%^&*()-=+,.;:'\"<>|~`{}":
        assert not is_reserved(char), char


def test_keymap_is_well_formed():
    assert all(isinstance(spec, KeySpec) for spec in KEYMAP)
    assert all(spec.context in CONTEXTS for spec in KEYMAP)
    assert all(spec.id and spec.key and spec.description for spec in KEYMAP)
    pairs = [(spec.key, spec.context) for spec in KEYMAP]
    assert len(pairs) == len(set(pairs)), "a key is bound twice in one context"
    assert keys_for("next_unit") == ["j", "down"]
    assert keys_for("redo") == ["ctrl+r"]
    for key in (
        "shift+down",
        "shift+up",
        "shift+left",
        "shift+right",
        "escape",
        "enter",
        "tab",
        "ctrl+p",
    ):
        assert any(spec.key == key for spec in KEYMAP), key


def test_binding_key():
    assert binding_key("?") == "question_mark"
    assert binding_key("/") == "slash"
    assert binding_key("]") == "right_square_bracket"
    assert binding_key("-") == "minus"
    assert binding_key("G") == "G"
    assert binding_key("1") == "1"
    assert binding_key("ctrl+r") == "ctrl+r"


def test_keys_module_is_pure_data():
    import subprocess
    import sys

    code = "import sys, cotag.keys, cotag.codebook; print('textual' in sys.modules)"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "False"


def test_error_str_for_load(tmp_path):
    path = tmp_path / "x.yaml"
    path.write_text(
        "codes:\n  - key: a\n    name: A\n    parent: zz\n", encoding="utf-8"
    )
    with pytest.raises(CodebookError, match=r"x\.yaml:4: \[a\] unknown parent 'zz'"):
        load_codebook(path)


def test_codebook_doc_lists_exactly_the_reserved_characters():
    import re
    from pathlib import Path

    from cotag.keys import RESERVED_KEYS

    doc = (Path(__file__).resolve().parents[2] / "docs" / "codebook.md").read_text(encoding="utf-8")
    section = doc[doc.index("The reserved single characters are"):]
    listed = re.search(r"^`([^`]+)`$", section, re.MULTILINE).group(1).split()
    assert sorted(listed) == sorted(RESERVED_KEYS) and len(listed) == len(set(listed))


def test_numbers_are_read_as_written_where_text_is_expected(tmp_path):
    """`key: 01` is the key "01", not "1": numbered codes keep their zeros (and 0x.., 1_000 their form)."""
    codebook, problems = parse(
        """\
        codebook: 2021
        codes:
          - key: 01
            name: 010
          - key: 1
            name: One
          - key: 0x1f
            name: 1_000
          - key: child
            name: Child
            parent: 01
        """
    )
    assert problems == []
    assert codebook.title == "2021"
    assert [(c.key, c.name, c.parent) for c in codebook.codes] == [
        ("01", "010", None), ("child", "Child", "01"), ("1", "One", None), ("0x1f", "1_000", None)]
    problem = only_problem(
        """\
        codes:
          - key: a
            name: A
            shortcut: 07
        """
    )
    assert "shortcut '07' is longer than one character" in problem.message


def test_a_too_deeply_nested_codebook_is_a_problem_not_a_crash(tmp_path):
    lines, indent = ["codes:"], "  "
    for i in range(300):
        lines += [f"{indent}- key: k{i}", f"{indent}  name: K{i}", f"{indent}  children:"]
        indent += "    "
    lines[-1] = lines[-1].replace("children:", "description: deepest")
    path = tmp_path / "deep.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    codebook, problems = check_codebook(path)
    assert codebook is None
    assert [str(p) for p in problems] == [
        (f"{path}: the file is nested too deeply to read (codes inside codes more than 100 levels deep?); "
         "write deep codes flat, naming their parent with 'parent:'")]
