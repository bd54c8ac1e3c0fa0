"""The disclosure check: k per respondent, coarsening to a minimum k, and the demo corpus's unique attributions."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from cotag.errors import CotagError
from cotag.export.attribution import build_attribution
from cotag.privacy.disclosure import (Coarsening, Respondent, age_band, attribution_for, choose_coarsening,
                                      coarsen_order, k_values, sector_map)

REPO = Path(__file__).resolve().parents[2]
ATTRIBUTION = build_attribution(groups={"expert", "graduate"})


def demo_respondents() -> list[Respondent]:
    """The shipped demo corpus's front matter, as the importer stores it as attributes."""
    out = []
    for path in sorted((REPO / "transcripts").glob("*/*.md")):
        head = path.read_text(encoding="utf-8").split("---")[1]
        meta = yaml.safe_load(head)
        out.append(Respondent(str(meta.pop("id")), str(meta.pop("group")), meta))
    return out


def test_age_bands():
    assert [age_band(v) for v in (24, "38", 40.0, 64, "n/a", None)] == ["20-29", "30-39", "40-49", "60-69", None,
                                                                         None]


def test_coarsening_steps_per_attribute():
    c = Coarsening(levels={"age": 1, "place": 1, "occupation": 1, "gender": 2}, sectors=sector_map(None))
    expert = {"gender": "female", "age": 38, "occupation": "civil servant", "place": "Aktau"}
    assert c.apply(expert) == {"gender": None, "age": "30-39", "occupation": "civil service",
                               "place": "Mangystau Region"}
    # The respondent's own sector wins; an occupation nobody mapped, and a place abroad, are left out.
    assert c.apply({"occupation": "economist", "sector": "science"})["occupation"] == "science"
    assert c.apply({"occupation": "shaman", "place": "Heidelberg"}) == {"occupation": None, "place": None}
    assert c.describe() == ["age to 10-year bands", "place to region", "occupation to sector", "gender left out"]


respondent = st.builds(
    lambda i, g, a, p: Respondent(f"E{i:03d}", "expert", {"gender": g, "age": a, "place": p}),
    st.integers(0, 999), st.sampled_from(["male", "female", None]), st.integers(24, 64) | st.none(),
    st.sampled_from(["Aktau", "Almaty", "Astana", "Mangystau Region", None]))


@settings(max_examples=100, deadline=None)
@given(st.lists(respondent, min_size=1, max_size=40, unique_by=lambda r: r.document))
def test_k_counts_the_respondents_printing_the_same_attribution(respondents):
    ks = k_values(respondents, ATTRIBUTION)
    printed = Counter(text for text, _ in ks.values())
    assert all(k == printed[text] for text, k in ks.values())
    # Summed over respondents, 1/k counts the distinct attributions.
    assert round(sum(1 / k for _, k in ks.values()), 6) == len(printed)


@settings(max_examples=100, deadline=None)
@given(st.lists(respondent, min_size=3, max_size=40, unique_by=lambda r: r.document), st.integers(1, 3),
       st.data())
def test_min_k_holds_for_every_quoted_respondent_after_coarsening(respondents, min_k, data):
    quoted = data.draw(st.sets(st.sampled_from([r.document for r in respondents]), min_size=1))
    chosen, ks = choose_coarsening(respondents, quoted, ATTRIBUTION, min_k, sectors={})
    assert set(ks) == quoted and all(ks[d][1] >= min_k for d in quoted)
    for document in quoted:
        levels = chosen[document].levels
        # Coarsening follows the order: nothing is left out while a coarser step was still untried.
        if any(level == 2 for level in levels.values()):
            assert levels.get("age") in (1, 2) and levels.get("place") in (1, 2)
        # No more than needed: one step fewer would leave the respondent below min_k.
        assert k_values(respondents, ATTRIBUTION, chosen[document])[document] == ks[document]


def test_min_k_larger_than_the_corpus_is_refused():
    people = [Respondent("E1", "expert", {"gender": "male"}), Respondent("E2", "expert", {"gender": "female"})]
    with pytest.raises(CotagError, match="--min-k 3: the corpus has only 2 respondents"):
        choose_coarsening(people, {"E1"}, ATTRIBUTION, 3)


def test_order_comes_from_cotag_toml_and_is_checked():
    assert coarsen_order({"privacy": {"coarsen": ["place", "age"]}}) == ["place", "age"]
    assert coarsen_order({}) == ["age", "place", "occupation", "gender"]
    with pytest.raises(CotagError, match=r"\[privacy\] coarsen must be a list"):
        coarsen_order({"privacy": {"coarsen": "age"}})


def test_the_demo_corpus_has_unique_attributions_and_min_k_removes_them():
    respondents = demo_respondents()
    assert len(respondents) == 187
    ks = k_values(respondents, ATTRIBUTION)
    unique = sorted(doc for doc, (_, k) in ks.items() if k == 1)
    # Gender, exact age, occupation and city single out nearly every respondent of the demo corpus.
    assert len(unique) > 150
    assert ks["E001"] == ("(female, 58, doctor, Nur-Sultan)", 1)
    # Even gender and place alone leave some respondents alone in their cell.
    by_place = k_values(respondents, attribution_for(["gender", "place"], None, set()))
    assert by_place["E068"] == ("(female, East Kazakhstan Region)", 1)
    assert by_place["G001"] == ("(female, Heidelberg)", 1)
    quoted = {r.document for r in respondents}
    chosen, after = choose_coarsening(respondents, quoted, ATTRIBUTION, 3, sectors=sector_map(None))
    assert set(after) == quoted and min(k for _, k in after.values()) >= 3
    # Each respondent is coarsened only as far as it needs: E001 keeps gender and a region.
    assert after["E001"] == ("(female, private sector, Akmola Region)", 4)
    assert chosen["E001"].describe() == ["age left out", "place to region", "occupation to sector"]
    # The k printed is the true count of the corpus under that respondent's coarsening.
    again = k_values(respondents, ATTRIBUTION, chosen["E001"])
    assert again["E001"] == after["E001"]


def test_the_privacy_core_does_not_import_textual():
    import subprocess
    import sys

    code = ("import sys, cotag.privacy.pseudonyms, cotag.privacy.disclosure, cotag.commands.privacy\n"
            "print(any(m == 'textual' or m.startswith('textual.') for m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"
