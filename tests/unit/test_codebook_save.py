"""Writing codebooks back: in-place updates keep comments, versions go up, codes are never lost."""

from __future__ import annotations

import copy
import difflib
import os

import pytest

from cotag.codebook import (
    Codebook,
    CodebookError,
    CodeSpec,
    load_codebook,
    parse_codebook_text,
    save_codebook,
)

NESTED = """\
# Codebook for the Kazakhstan interviews.
# Keep keys stable: codings refer to them.
codebook: Emigration from Kazakhstan   # working title
version: 4

codes:
  # ---- reasons to leave ----
  - key: push
    name: Push factors
    description: Reasons to leave.
    colour: "#d9534f"     # red-ish
    children:
      - key: wages
        name: Wages and income
        shortcut: "1"
        keywords: [salary, pay, income]
      # safety was split off wages in round 2
      - key: safety
        name: Safety
        shortcut: "2"
        include:
          - fear of violence
          - crime
  # ---- reasons to go somewhere ----
  - key: pull
    name: Pull factors
    color: blue
    children:
      - key: family
        name: Family abroad
  - key: other
    name: Other   # catch-all
"""

FLAT = """\
codebook: Flat
version: 1
codes:
  - key: push
    name: Push
  - key: pull
    name: Pull
  # wages sits under push
  - key: wages
    name: Wages
    parent: push
  - key: safety
    name: Safety
    parent: push
  - key: family
    name: Family
    parent: pull
"""


def write(tmp_path, text, name="codebook.yaml"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def semantic(codebook: Codebook) -> list[tuple]:
    """Everything about the codes except the line they are on."""
    return [
        (
            c.key,
            c.name,
            c.parent,
            c.description,
            c.include,
            c.exclude,
            c.examples,
            c.keywords,
            c.colour,
            c.shortcut,
            c.status,
            c.position,
        )
        for c in codebook.codes
    ]


def changed_lines(before: str, after: str) -> list[str]:
    return [
        line
        for line in difflib.unified_diff(
            before.splitlines(), after.splitlines(), lineterm="", n=0
        )
        if line[:1] in "+-" and not line.startswith(("+++", "---"))
    ]


def test_unchanged_save_only_bumps_version_and_keeps_comments(tmp_path):
    path = write(tmp_path, NESTED)
    codebook = load_codebook(path)
    saved = save_codebook(codebook, path)
    after = path.read_text(encoding="utf-8")
    assert changed_lines(NESTED, after) == ["-version: 4", "+version: 5"]
    assert saved.version == 5
    assert semantic(saved) == semantic(codebook)
    assert codebook.version == 4, "the codebook passed in is not modified"


def test_version_increases_on_each_save(tmp_path):
    path = write(tmp_path, NESTED)
    for expected in (5, 6, 7):
        saved = save_codebook(load_codebook(path), path)
        assert saved.version == expected
        assert load_codebook(path).version == expected


def test_version_written_when_absent(tmp_path):
    path = write(
        tmp_path, "# no version yet\ncodebook: T\ncodes:\n  - key: a\n    name: A\n"
    )
    save_codebook(load_codebook(path), path)
    text = path.read_text(encoding="utf-8")
    assert text.splitlines()[:3] == ["# no version yet", "codebook: T", "version: 1"]
    assert load_codebook(path).version == 1


def test_version_follows_the_file_not_the_object(tmp_path):
    path = write(tmp_path, NESTED)
    codebook = load_codebook(path)
    codebook.version = 1
    assert save_codebook(codebook, path).version == 5


def test_rename_changes_only_that_line(tmp_path):
    path = write(tmp_path, NESTED)
    codebook = load_codebook(path)
    codebook.by_key()["wages"].name = "Wages, pay and income"
    codebook.title = "Emigration from Kazakhstan, 1991-2022"
    saved = save_codebook(codebook, path)
    after = path.read_text(encoding="utf-8")
    assert changed_lines(NESTED, after) == [
        "-codebook: Emigration from Kazakhstan   # working title",
        "-version: 4",
        "+codebook: Emigration from Kazakhstan, 1991-2022 # working title",
        "+version: 5",
        "-        name: Wages and income",
        "+        name: Wages, pay and income",
    ]
    assert saved.by_key()["wages"].name == "Wages, pay and income"
    assert saved.title == "Emigration from Kazakhstan, 1991-2022"


def test_move_goes_to_end_of_new_parent_and_takes_its_comment(tmp_path):
    path = write(tmp_path, NESTED)
    codebook = load_codebook(path)
    codebook.by_key()["safety"].parent = "pull"
    saved = save_codebook(codebook, path)
    assert [c.key for c in saved.children("pull")] == ["family", "safety"]
    assert [c.key for c in saved.children("push")] == ["wages"]
    assert saved.path_of("safety") == ["Pull factors", "Safety"]
    text = path.read_text(encoding="utf-8")
    # The comment above the moved code travels with it, re-indented.
    assert "      # safety was split off wages in round 2\n      - key: safety" in text
    assert (
        text.index("- key: family")
        < text.index("- key: safety")
        < text.index("- key: other")
    )
    for comment in (
        "# Keep keys stable",
        "# working title",
        "# red-ish",
        "# ---- reasons to leave ----",
        "# ---- reasons to go somewhere ----",
        "# catch-all",
    ):
        assert comment in text
    assert "parent:" not in text, "a nested file stays nested"
    # The moved code keeps its fields, including its block list.
    assert saved.by_key()["safety"].include == ["fear of violence", "crime"]


def test_move_under_a_code_without_children(tmp_path):
    path = write(tmp_path, NESTED)
    codebook = load_codebook(path)
    codebook.by_key()["family"].parent = "other"
    saved = save_codebook(codebook, path)
    assert saved.children("pull") == []
    assert [c.key for c in saved.children("other")] == ["family"]
    text = path.read_text(encoding="utf-8")
    assert "children: []" not in text
    assert "    name: Other   # catch-all\n    children:\n      - key: family\n" in text


def test_move_to_top_level_and_back(tmp_path):
    path = write(tmp_path, NESTED)
    codebook = load_codebook(path)
    codebook.by_key()["wages"].parent = None
    saved = save_codebook(codebook, path)
    assert [c.key for c in saved.children(None)] == ["push", "pull", "other", "wages"]
    saved.by_key()["wages"].parent = "push"
    again = save_codebook(saved, path)
    assert [c.key for c in again.children("push")] == ["safety", "wages"]
    assert again.version == 6


def test_move_in_a_flat_file_updates_parent_field(tmp_path):
    path = write(tmp_path, FLAT)
    codebook = load_codebook(path)
    codebook.by_key()["wages"].parent = "pull"
    saved = save_codebook(codebook, path)
    assert [c.key for c in saved.children("pull")] == ["family", "wages"]
    text = path.read_text(encoding="utf-8")
    assert "children" not in text, "a flat file stays flat"
    assert text.rstrip().endswith("- key: wages\n    name: Wages\n    parent: pull")
    assert "  # wages sits under push\n  - key: wages" in text


def test_new_codes_are_added_at_the_end_of_their_parent(tmp_path):
    path = write(tmp_path, NESTED)
    codebook = load_codebook(path)
    codebook.codes += [
        CodeSpec(
            "housing", "Housing", parent="push", shortcut="3", keywords=["flat", "rent"]
        ),
        CodeSpec("climate", "Climate", description="Weather.\nWinters.", colour="teal"),
        CodeSpec(
            "cold", "Cold", parent="climate", include=["mentions winter"], colour="#00F"
        ),
    ]
    saved = save_codebook(codebook, path)
    assert [c.key for c in saved.children("push")] == ["wages", "safety", "housing"]
    assert [c.key for c in saved.children(None)] == ["push", "pull", "other", "climate"]
    assert [c.key for c in saved.children("climate")] == ["cold"]
    housing, climate, cold = (saved.by_key()[k] for k in ("housing", "climate", "cold"))
    assert housing.shortcut == "3" and housing.keywords == ["flat", "rent"]
    assert climate.description == "Weather.\nWinters." and climate.colour == "teal"
    assert cold.include == ["mentions winter"] and cold.colour == "#00f"
    text = path.read_text(encoding="utf-8")
    assert 'shortcut: "3"' in text and "keywords: [flat, rent]" in text
    assert "description: |\n      Weather.\n      Winters.\n" in text


def test_codes_missing_from_the_codebook_are_left_in_the_file(tmp_path):
    path = write(tmp_path, NESTED)
    codebook = load_codebook(path)
    codebook.codes = [c for c in codebook.codes if c.key not in ("safety", "other")]
    saved = save_codebook(codebook, path)
    assert {"safety", "other"} <= set(saved.by_key())
    assert saved.by_key()["safety"].shortcut == "2"
    assert changed_lines(NESTED, path.read_text(encoding="utf-8")) == [
        "-version: 4",
        "+version: 5",
    ]


def test_retire_and_field_changes(tmp_path):
    path = write(tmp_path, NESTED)
    codebook = load_codebook(path)
    codes = codebook.by_key()
    codes["safety"].status = "retired"
    codes["safety"].shortcut = None
    codes["push"].colour = None
    codes["pull"].colour = "green"
    codes["wages"].keywords = ["salary", "wage"]
    codes["wages"].examples = ["I earned 200 dollars"]
    saved = save_codebook(codebook, path)
    text = path.read_text(encoding="utf-8")
    assert saved.by_key()["safety"].status == "retired"
    assert saved.by_key()["safety"].shortcut is None
    assert saved.by_key()["push"].colour is None and "#d9534f" not in text
    assert "color: green" in text, "the file's spelling 'color' is kept"
    assert "keywords: [salary, wage]" in text, "a flow list stays a flow list"
    assert "examples:\n          - I earned 200 dollars" in text
    assert "        status: retired" in text
    assert "      # safety was split off wages in round 2" in text


def test_reloading_gives_the_same_codes(tmp_path):
    path = write(tmp_path, NESTED)
    codebook = load_codebook(path)
    codes = codebook.by_key()
    codes["wages"].name = "Pay"
    codes["family"].parent = "push"
    codes["other"].status = "retired"
    codebook.codes.append(CodeSpec("new", "New one", parent="pull", examples=["x"]))
    saved = save_codebook(codebook, path)
    reloaded = load_codebook(path)
    assert semantic(reloaded) == semantic(saved)
    expected = {
        c.key: (c.name, c.parent, c.status, c.shortcut, c.keywords)
        for c in codebook.codes
    }
    assert {
        c.key: (c.name, c.parent, c.status, c.shortcut, c.keywords)
        for c in reloaded.codes
    } == expected


def test_fresh_file_is_written_nicely_and_round_trips(tmp_path):
    source = load_codebook(write(tmp_path, NESTED))
    target = tmp_path / "new" / "fresh.yaml"
    target.parent.mkdir()
    saved = save_codebook(source, target)
    assert saved.version == source.version + 1
    assert saved.path == target
    text = target.read_text(encoding="utf-8")
    assert text.startswith("# cotag codebook")
    assert (
        "\ncodebook: Emigration from Kazakhstan\nversion: 5\n\ncodes:\n  - key: push\n"
        in text
    )
    assert "\n\n  - key: pull\n" in text, "a blank line between top-level codes"
    assert "    children:\n      - key: wages\n" in text
    reloaded = load_codebook(target)
    assert semantic(reloaded) == semantic(source)
    assert [(c.key, c.parent) for c in reloaded.codes] == [
        (c.key, c.parent) for c in source.codes
    ]


def test_fresh_file_from_codes_in_any_order(tmp_path):
    codebook = Codebook(
        title="Built in code",
        version=0,
        codes=[
            CodeSpec("child", "Child", parent="root", shortcut="#"),
            CodeSpec("root", "Root", colour="#abcdef", description="multi\nline"),
            CodeSpec(
                "grandchild", "Grandchild", parent="child", include=["a: b", "- c"]
            ),
        ],
    )
    path = tmp_path / "fresh.yaml"
    saved = save_codebook(codebook, path)
    assert saved.version == 1
    assert [(c.key, c.parent) for c in saved.codes] == [
        ("root", None),
        ("child", "root"),
        ("grandchild", "child"),
    ]
    grandchild = saved.by_key()["grandchild"]
    assert grandchild.include == ["a: b", "- c"]
    assert saved.by_key()["child"].shortcut == "#"
    assert saved.by_key()["root"].description == "multi\nline"


def test_flat_and_nested_saved_fresh_give_the_same_file(tmp_path):
    flat = load_codebook(write(tmp_path, FLAT, "flat.yaml"))
    nested_text = (
        save_codebook(flat, tmp_path / "a.yaml") and (tmp_path / "a.yaml").read_text()
    )
    again = save_codebook(load_codebook(tmp_path / "a.yaml"), tmp_path / "b.yaml")
    assert semantic(again) == semantic(flat)
    assert "parent:" not in nested_text


def test_invalid_result_is_refused_and_file_untouched(tmp_path):
    path = write(tmp_path, NESTED)
    codebook = load_codebook(path)
    codebook.by_key()["wages"].shortcut = "q"
    codebook.codes.append(CodeSpec("lost", "Lost", parent="nowhere"))
    with pytest.raises(CodebookError) as caught:
        save_codebook(codebook, path)
    assert path.read_text(encoding="utf-8") == NESTED
    messages = [p.message for p in caught.value.problems]
    assert any("unknown parent 'nowhere'" in m for m in messages)


def test_invalid_shortcut_is_refused(tmp_path):
    path = write(tmp_path, NESTED)
    codebook = load_codebook(path)
    codebook.by_key()["wages"].shortcut = "q"
    with pytest.raises(CodebookError, match="shortcut 'q' is reserved for quit"):
        save_codebook(codebook, path)
    assert path.read_text(encoding="utf-8") == NESTED
    assert not [p for p in os.listdir(tmp_path) if p.endswith(".tmp")]


def test_duplicate_shortcut_with_a_code_left_in_the_file_is_refused(tmp_path):
    path = write(tmp_path, NESTED)
    codebook = load_codebook(path)
    codebook.codes = [c for c in codebook.codes if c.key != "safety"]
    codebook.by_key()["family"].shortcut = "2"
    with pytest.raises(CodebookError, match="duplicate shortcut '2'"):
        save_codebook(codebook, path)


def test_expected_version_guards_against_concurrent_saves(tmp_path):
    path = write(tmp_path, NESTED)
    first = load_codebook(path)
    second = copy.deepcopy(first)
    save_codebook(first, path, expected_version=first.version)
    second.by_key()["wages"].name = "Lost update"
    with pytest.raises(CodebookError, match="version 5 on disk, expected 4"):
        save_codebook(second, path, expected_version=second.version)
    assert load_codebook(path).by_key()["wages"].name == "Wages and income"


def test_cannot_update_a_broken_file(tmp_path):
    path = write(tmp_path, "codes:\n  - key: a\n    name: [unclosed\n")
    codebook = Codebook("T", 1, [CodeSpec("a", "A")])
    with pytest.raises(CodebookError, match="YAML syntax error"):
        save_codebook(codebook, path)
    path.write_text("- just a list\n", encoding="utf-8")
    with pytest.raises(CodebookError, match="cannot update this file"):
        save_codebook(codebook, path)


def test_parent_cycle_in_the_codebook_is_refused(tmp_path):
    codebook = Codebook(
        "T", 1, [CodeSpec("a", "A", parent="b"), CodeSpec("b", "B", parent="a")]
    )
    with pytest.raises(CodebookError, match="parent cycle"):
        save_codebook(codebook, tmp_path / "fresh.yaml")
    path = write(tmp_path, FLAT)
    with pytest.raises(CodebookError, match="parent cycle"):
        save_codebook(codebook, path)
    assert path.read_text(encoding="utf-8") == FLAT


def test_indentation_of_the_file_is_kept(tmp_path):
    text = "codebook: T\nversion: 1\ncodes:\n- key: a\n  name: A\n  children:\n  - key: b\n    name: B\n"
    path = write(tmp_path, text)
    codebook = load_codebook(path)
    codebook.by_key()["b"].name = "Bee"
    save_codebook(codebook, path)
    assert path.read_text(encoding="utf-8") == text.replace(
        "version: 1", "version: 2"
    ).replace("name: B\n", "name: Bee\n")


def test_saved_text_is_a_valid_codebook_for_every_step(tmp_path):
    path = write(tmp_path, NESTED)
    codebook = load_codebook(path)
    steps = [
        lambda c: setattr(c.by_key()["push"], "name", "Reasons to leave"),
        lambda c: setattr(c.by_key()["other"], "parent", "pull"),
        lambda c: c.codes.append(CodeSpec("misc", "Misc", parent="other")),
        lambda c: setattr(c.by_key()["pull"], "parent", "push"),
        lambda c: setattr(c.by_key()["misc"], "status", "retired"),
    ]
    for step in steps:
        step(codebook)
        saved = save_codebook(codebook, path)
        _, problems = parse_codebook_text(path.read_text(encoding="utf-8"))
        assert problems == []
        codebook = saved
    assert codebook.path_of("misc") == [
        "Reasons to leave",
        "Pull factors",
        "Other",
        "Misc",
    ]
    assert codebook.version == 9


SECTIONS = """\
codes:
  # == A ==
  - key: a
    name: A

  # == B ==
  - key: b
    name: B
    # note inside b

  # == C ==
  - key: c
    name: C
"""


def test_heading_after_a_moved_code_stays_with_what_follows(tmp_path):
    path = write(tmp_path, NESTED)
    codebook = load_codebook(path)
    codebook.by_key()["safety"].parent = "pull"
    save_codebook(codebook, path)
    text = path.read_text(encoding="utf-8")
    assert (
        "        keywords: [salary, pay, income]\n  # ---- reasons to go somewhere ----\n  - key: pull\n"
        in text
    )


def test_comments_move_with_a_middle_code_and_are_reindented(tmp_path):
    path = write(tmp_path, SECTIONS)
    codebook = load_codebook(path)
    codebook.by_key()["b"].parent = "c"
    save_codebook(codebook, path)
    assert path.read_text(encoding="utf-8") == (
        "version: 1\n"
        "codes:\n"
        "  # == A ==\n"
        "  - key: a\n"
        "    name: A\n"
        "\n"
        "  # == C ==\n"
        "  - key: c\n"
        "    name: C\n"
        "    children:\n"
        "      # == B ==\n"
        "      - key: b\n"
        "        name: B\n"
        "        # note inside b\n"
    )


def test_comment_above_the_first_code_moves_with_it(tmp_path):
    path = write(tmp_path, SECTIONS)
    codebook = load_codebook(path)
    codebook.by_key()["a"].parent = "c"
    save_codebook(codebook, path)
    assert path.read_text(encoding="utf-8") == (
        "version: 1\n"
        "codes:\n"
        "  # == B ==\n"
        "  - key: b\n"
        "    name: B\n"
        "    # note inside b\n"
        "\n"
        "  # == C ==\n"
        "  - key: c\n"
        "    name: C\n"
        "    children:\n"
        "      # == A ==\n"
        "      - key: a\n"
        "        name: A\n"
    )
