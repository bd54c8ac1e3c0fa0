"""Broken and hostile codebooks: every one a problem with file and line, none a crash, none "ok"."""

from __future__ import annotations

import pytest

from cotag.codebook import (
    MAX_NUMBER_DIGITS,
    MAX_YAML_VALUES,
    CodebookError,
    check_codebook,
    load_codebook,
    parse_codebook_text,
)

HEAD = "codebook: Migration\nversion: 1\ncodes:\n  - key: push\n    name: Push factors\n"


def problems_of(text: str) -> list[str]:
    codebook, problems = parse_codebook_text(text, "cb.yaml")
    assert codebook is None and problems, "expected problems"
    return [str(p) for p in problems]


@pytest.mark.parametrize("text, line, says", [
    ("codebook: x\nversion: 2018-13-45\ncodes: []\n", 2, "'2018-13-45' is not a real date or time (month must be in"),
    ("codebook: 2018-02-30\nversion: 1\ncodes: []\n", 1, "'2018-02-30' is not a real date or time (day is out of range"),
    (HEAD + "    description: 2018-02-30 25:61:61\n", 6, "'2018-02-30 25:61:61' is not a real date or time"),
    ("codebook: x\nversion: " + "9" * 5000 + "\ncodes: []\n", 2, "a number of 5,000 digits is longer than the 100"),
    (HEAD + "    shortcut: " + "1" * 4301 + "\n", 6, "a number of 4,301 digits"),
    (HEAD + "    name2: !!int ten\n", 6, "'ten' is not a valid int"),
    (HEAD + "    name2: !!bool maybe\n", 6, "'maybe' is not a valid bool"),
])
def test_values_the_reader_cannot_convert_are_problems_at_their_line(text, line, says):
    found = problems_of(text)
    assert any(p.startswith(f"cb.yaml:{line}: ") and says in p for p in found), found


@pytest.mark.parametrize("text, line", [
    # The first was read as an empty children list and accepted as "ok".
    (HEAD + "    children: &c [{key: wages, name: Wages, children: *c}]\n", 6),
    ("codebook: x\nversion: 1\ncodes: &a [*a]\n", 3),
    (HEAD + "    keywords: &k [salary, *k]\n", 6),
    ("&top {codebook: x, version: 1, codes: [], again: *top}\n", 1),
])
def test_an_alias_inside_its_own_anchor_is_a_problem(text, line):
    found = problems_of(text)
    assert any(p.startswith(f"cb.yaml:{line}: ") and "is used inside its own anchor" in p for p in found), found


def test_the_recursive_children_codebook_was_accepted_before_and_is_not_now():
    text = HEAD + "    children: &c [{key: wages, name: Wages, children: *c}]\n"
    codebook, problems = parse_codebook_text(text, "cb.yaml")
    assert codebook is None
    assert [p.line for p in problems] == [6]


def alias_bomb(levels: int = 8, width: int = 9) -> str:
    lines = ["codebook: Bomb", "version: 1", "codes:", "  - key: a", "    name: A",
             "    examples: &l0 [" + ", ".join(["lol"] * width) + "]"]
    for level in range(1, levels + 1):
        lines.append(f"    x{level}: &l{level} [" + ", ".join([f"*l{level - 1}"] * width) + "]")
    lines.append(f"    keywords: *l{levels}")
    return "\n".join(lines) + "\n"


def test_an_alias_bomb_is_a_problem_not_ok():
    found = problems_of(alias_bomb())
    assert any(f"more than the {MAX_YAML_VALUES:,} a codebook may hold" in p for p in found), found


def test_aliases_that_stay_small_are_still_allowed():
    text = ("codebook: x\nversion: 1\ncodes:\n  - key: a\n    name: A\n    keywords: &words [pay, salary]\n"
            "  - key: b\n    name: B\n    keywords: *words\n")
    codebook, problems = parse_codebook_text(text, "cb.yaml")
    assert problems == [] and codebook.codes[1].keywords == ["pay", "salary"]


def test_numbers_up_to_the_limit_and_real_dates_are_read_as_before():
    text = f"codebook: x\nversion: {'1' * MAX_NUMBER_DIGITS}\ncodes: []\n"
    codebook, problems = parse_codebook_text(text, "cb.yaml")
    assert problems == [] and codebook.version == int("1" * MAX_NUMBER_DIGITS)
    found = problems_of("codebook: 2018-02-28\nversion: 1\ncodes: []\n")
    assert found == ["cb.yaml:1: codebook (the title) must be text, not a date"]


def test_check_and_load_of_a_file_name_it(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("codebook: x\nversion: 2018-13-45\ncodes: []\n", encoding="utf-8")
    codebook, problems = check_codebook(path)
    assert codebook is None and str(problems[0]).startswith(f"{path}:2: ")
    with pytest.raises(CodebookError) as info:
        load_codebook(path)
    assert f"{path}:2:" in str(info.value)


def test_saving_over_a_file_with_an_impossible_date_is_refused_and_leaves_it_as_it_was(tmp_path):
    from cotag.codebook import Codebook, save_codebook

    path = tmp_path / "cb.yaml"
    text = "codebook: x\nversion: 2018-13-45\ncodes: []\n"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CodebookError) as info:
        save_codebook(Codebook(title="x", version=1, codes=[]), path)
    assert str(info.value) == (f"{path}:2: '2018-13-45' is not a real date or time (month must be in 1..12); "
                               "write it in quotes to keep it as text")
    assert path.read_text(encoding="utf-8") == text
