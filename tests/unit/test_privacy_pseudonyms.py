"""The pseudonym layer: offsets through the layer, inflected forms, the table file, and suggestions."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cotag.errors import CotagError
from cotag.privacy.pseudonyms import (Entry, PseudonymTable, Pseudonymiser, SuggestInput, gazetteer, load_pipeline,
                                      suggest)

ENTRIES = [Entry("Aigerim Bekova", "[person 1]", "person"), Entry("Aktau", "[place 1]", "place"),
           Entry("Nazarbayev University", "[organisation 1]", "organisation"), Entry("Dana", "D.", "person")]
PLAIN = ["we", "left", "the", "city", "salary", "was", "low", "and", "my", "cousin", "moved", "Dan"]
NAMES = ["Aigerim Bekova", "AKTAU", "Aktau", "Nazarbayev University", "aktau", "Dana", "Aigerim Bekovoy"]
PSEUDONYM = {"aigerim bekova": "[person 1]", "aigerim bekovoy": "[person 1]", "aktau": "[place 1]",
             "nazarbayev university": "[organisation 1]", "dana": "D."}


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(PLAIN + NAMES), min_size=1, max_size=30), st.data())
def test_a_span_of_whole_words_reads_the_same_words_through_the_layer(tokens, data):
    """Words outside replaced strings are identical; a span covering a replaced string covers its pseudonym."""
    text = " ".join(tokens)
    starts, pos = [], 0
    for token in tokens:
        starts.append(pos)
        pos += len(token) + 1
    i = data.draw(st.integers(0, len(tokens) - 1))
    j = data.draw(st.integers(i + 1, len(tokens)))
    start, end = starts[i], starts[j - 1] + len(tokens[j - 1])
    layered = Pseudonymiser(ENTRIES).apply(text)
    expected = " ".join(PSEUDONYM.get(t.casefold(), t) for t in tokens[i:j])
    assert layered.span(start, end) == expected
    assert layered.original == text  # the stored text is untouched


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(PLAIN + NAMES), min_size=1, max_size=20), st.data())
def test_every_character_outside_a_replacement_maps_to_itself(tokens, data):
    text = " ".join(tokens)
    layered = Pseudonymiser(ENTRIES).apply(text)
    inside = {p for r in layered.replacements for p in range(r.start, r.end)}
    position = data.draw(st.integers(0, len(text) - 1))
    if position not in inside:
        assert layered.text[layered.map_start(position)] == text[position]
    # Spans never turn inside out and the map is monotonic.
    a = data.draw(st.integers(0, len(text)))
    b = data.draw(st.integers(a, len(text)))
    new_a, new_b = layered.map_span(a, b)
    assert 0 <= new_a <= new_b <= len(layered.text)
    assert layered.map_start(a) <= layered.map_start(b)


def _variants(word: str) -> st.SearchStrategy[str]:
    """A real string as transcripts write it: any letter case, possessive, Russian endings of a Cyrillic name."""
    endings = ["", "'s", "’s"] + (["а", "у", "ым", "е", "ой"] if word == "Иванов" else [])
    return st.tuples(st.lists(st.booleans(), min_size=len(word), max_size=len(word)), st.sampled_from(endings)).map(
        lambda t: "".join(c.upper() if up else c.lower() for c, up in zip(word, t[0])) + t[1])


REAL_WORDS = ["Aigerim", "Aktau", "Иванов", "KazMunayGas"]
LAYER = Pseudonymiser([Entry("Aigerim", "[person 1]", "person"), Entry("Aktau", "[place 1]", "place"),
                       Entry("Иванов", "[person 2]", "person"), Entry("KazMunayGas", "[company]", "organisation")])


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(st.sampled_from(PLAIN + [",", ".", "\n", "(", ")", "«", "»"]),
                          st.sampled_from(REAL_WORDS).flatmap(_variants)), max_size=25),
       st.sampled_from([" ", "\n", " \n "]))
def test_no_real_string_survives_the_layer_in_any_case(tokens, glue):
    out = LAYER.apply(glue.join(tokens)).text.casefold()
    for real in REAL_WORDS:
        stem = real.casefold()[:-2] if real == "Иванов" else real.casefold()
        assert stem not in out


def test_a_span_ending_inside_a_name_covers_the_whole_pseudonym():
    layered = Pseudonymiser(ENTRIES).apply("I met Aigerim Bekova in Aktau.")
    assert layered.span(0, 9) == "I met [person 1]"  # "I met Aig" takes no half name
    assert layered.span(10, 23) == "[person 1] in"
    assert layered.text == "I met [person 1] in [place 1]."


def test_case_possessive_and_russian_kazakh_inflections_are_replaced():
    layer = Pseudonymiser([Entry("Караганда", "[город]", "place"), Entry("Иванов", "[И.]", "person"),
                           Entry("Marat", "[M.]", "person"), Entry("Aktau", "[A]", "place")])
    text = ("В Караганде, из Караганды, Карагандой; Иванова и Ивановым; Қарағанды? "
            "Marata, Maratom, MARAT's car, Aktau's port, aktau.")
    out = layer.apply(text).text
    for real in ("Караганд", "Иванов", "Marat", "MARAT", "Aktau", "aktau"):
        assert real.casefold() not in out.casefold()
    assert "Қарағанды" in out  # a Kazakh spelling is another entry (the gazetteer lists it), not an inflection
    # Whole words only: "Aktaus" is not replaced, "Maratovich" (a patronymic) is a known limit.
    assert layer.apply("Aktaus Maratovich").text == "Aktaus Maratovich"


def test_the_table_round_trips_and_refuses_a_pseudonym_that_leaks(tmp_path):
    table = PseudonymTable.load(tmp_path / "pseudonyms.yaml")
    table.add("Aigerim", "[person 1]", "person")
    with pytest.raises(CotagError, match="already has the pseudonym"):
        table.add("aigerim", "[x]", "person")
    with pytest.raises(CotagError, match="contains the real string 'Aigerim'"):
        table.add("Dana", "Aigerim's friend", "person")
    with pytest.raises(CotagError, match="unknown kind"):
        table.add("Dana", "D.", "friend")
    table.save()
    again = PseudonymTable.load(tmp_path / "pseudonyms.yaml")
    assert [(e.real, e.pseudonym, e.kind) for e in again.entries] == [("Aigerim", "[person 1]", "person")]


def test_a_broken_table_file_names_itself(tmp_path):
    path = tmp_path / "pseudonyms.yaml"
    path.write_text("entries:\n  - real: Aktau\n    pseudonym: x\n    kind: planet\n", encoding="utf-8")
    with pytest.raises(CotagError, match=r"pseudonyms.yaml: entry 1 \('Aktau'\): unknown kind 'planet'"):
        PseudonymTable.load(path)
    path.write_text("entries: [\n", encoding="utf-8")
    with pytest.raises(CotagError, match="pseudonyms.yaml line"):
        PseudonymTable.load(path)


def test_proposals_keep_ids_and_a_rejected_one_is_not_offered_again(tmp_path):
    text = "We met Dauren in Aktau and later left. Later Dauren went to Shevchenko."
    docs = [SuggestInput("E001", text, {"name": "Saule Ali"}, ["Interviewer", "Respondent", "Zhanna"])]
    table = PseudonymTable.load(tmp_path / "pseudonyms.yaml")
    first = table.merge(suggest(docs))
    found = {p.real: p for p in first}
    assert found["Saule Ali"].kind == "person" and found["Saule Ali"].source == "front matter"
    assert found["Zhanna"].source == "speaker"
    assert found["Aktau"].kind == "place" and found["Aktau"].source == "gazetteer"
    assert found["Dauren"].count == 2 and found["Dauren"].source == "capitalised"
    assert "Interviewer" not in found and "We" not in found and "Later" not in found
    # Two spellings of one city share a suggested pseudonym.
    assert found["Shevchenko"].pseudonym == found["Aktau"].pseudonym
    table.reject([found["Dauren"].id])
    table.accept([found["Aktau"].id])
    assert table.merge(suggest(docs)) == []  # nothing new: the rejected and the accepted are both known
    assert table.proposal(found["Dauren"].id).status == "rejected"
    assert table.find("aktau").pseudonym == found["Aktau"].pseudonym
    with pytest.raises(CotagError, match="no proposal 'p999'"):
        table.accept(["p999"])
    # A form an entry already replaces is not proposed.
    table.add("Aigerim Bekova", "[person 1]", "person")
    inflected = [SuggestInput("E002", "I asked Aigerim Bekovoy and Nurlan.", {}, [])]
    assert [p.real for p in table.merge(suggest(inflected))] == ["Nurlan"]


def test_gazetteer_maps_cities_and_their_other_names_to_regions():
    gaz = gazetteer()
    assert gaz.region_of("Aktau") == "Mangystau Region"
    assert gaz.region_of("Усть-Каменогорск") == "East Kazakhstan Region"
    assert gaz.region_of("nur-sultan") == "Akmola Region"
    assert gaz.region_of("Mangystau Region") == "Mangystau Region"
    assert gaz.region_of("Heidelberg") is None


def test_without_spacy_there_are_no_entity_suggestions(monkeypatch):
    import builtins

    real_import = builtins.__import__

    def no_spacy(name, *args, **kwargs):
        if name == "spacy":
            raise ImportError("no spacy")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_spacy)
    nlp, why = load_pipeline(None)
    assert nlp is None and "spaCy is not installed" in why


def test_no_installed_model_means_no_pipeline_and_says_so():
    import spacy  # a dependency of cotag (sentence splitting); its models are not
    if spacy.util.get_installed_models():
        pytest.skip("a spaCy model is installed here")
    nlp, why = load_pipeline(None)
    assert nlp is None and "no spaCy model is installed" in why
    with pytest.raises(CotagError, match="spaCy model 'xx_no_such_model' cannot be loaded"):
        load_pipeline("xx_no_such_model")


def test_a_spacy_pipelines_entities_become_proposals():
    """No model is installable offline: a blank pipeline with an EntityRuler stands in for one."""
    import spacy
    nlp = spacy.blank("en")
    ruler = nlp.add_pipe("entity_ruler")
    ruler.add_patterns([{"label": "PERSON", "pattern": "gulnara"}, {"label": "ORG", "pattern": "akimat"},
                        {"label": "GPE", "pattern": [{"LOWER": "zhanatas"}]}])
    docs = [SuggestInput("E001", "my friend gulnara works at the akimat in Zhanatas.", {}, [])]
    found = {f.real: f for f in suggest(docs, nlp=nlp)}
    assert (found["gulnara"].kind, found["gulnara"].source) == ("person", "spaCy PERSON")
    assert found["akimat"].kind == "organisation"
    assert found["Zhanatas"].kind == "place"


def test_the_longest_entry_wins_and_leading_punctuation_is_no_obstacle():
    layer = Pseudonymiser([Entry("Almaty", "[city]", "place"), Entry("Almaty Region", "[region]", "place"),
                           Entry("«Bolashak»", "[programme]", "organisation"),
                           Entry("L.N. Gumilyov", "[uni]", "other")])
    assert layer.apply("Almaty Region, not Almaty; «Bolashak» at L.N. Gumilyov.").text == \
        "[region], not [city]; «[programme] at [uni]."


COMMENTED = """\
# Hand-written: the Mangystau table.
entries:
  # The city.
  - real: Aktau
    pseudonym: '[place 1]'
    kind: place  # all spellings
proposals:
  # Open until the lead decides.
  - id: p1
    real: Berlin
    kind: place
    pseudonym: '[place 2]'
    source: gazetteer
    count: 1
    documents: [E001]
    status: open
# The end.
"""


def test_emptied_lists_keep_their_comments_and_the_file_reads_back(tmp_path):
    path = tmp_path / "pseudonyms.yaml"
    path.write_text(COMMENTED, encoding="utf-8")
    table = PseudonymTable.load(path)
    table.accept(["p1"])  # the only proposal leaves the file; its entry comes in
    table.remove("Aktau")  # and the only hand-written entry goes
    table.save()
    text = path.read_text(encoding="utf-8")
    # Every comment but the end-of-line one, which goes with the entry it was written on.
    for comment in ("# Hand-written: the Mangystau table.", "# The city.", "# Open until the lead decides.",
                    "# The end."):
        assert comment in text, text
    again = PseudonymTable.load(path)
    assert [(e.real, e.pseudonym) for e in again.entries] == [("Berlin", "[place 2]")]
    assert again.proposals == []
    # Emptied to nothing, then filled again: still a table that reads back, comments still there.
    again.remove("Berlin")
    again.save()
    third = PseudonymTable.load(path)
    assert third.entries == [] and "# The end." in path.read_text(encoding="utf-8")
    third.add("Aktau", "[place 1]", "place")
    third.save()
    assert [e.real for e in PseudonymTable.load(path).entries] == ["Aktau"]
    assert "# The city." in path.read_text(encoding="utf-8")


def test_a_table_written_one_row_a_line_stays_so_with_its_comments(tmp_path):
    """The layout docs/privacy.md shows: a row per line, a comment after one."""
    path = tmp_path / "pseudonyms.yaml"
    path.write_text('entries:\n'
                    '  - {real: Aktau, pseudonym: "[city A]", kind: place}\n'
                    '  - {real: Shevchenko, pseudonym: "[city A]", kind: place}   # Aktau\'s Soviet name\n'
                    'proposals: []\n', encoding="utf-8")
    table = PseudonymTable.load(path)
    table.add("Berlin", "[city B]", "place")
    table.save()
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[2].endswith("# Aktau's Soviet name")
    assert lines[3] == "  - {real: Berlin, pseudonym: '[city B]', kind: place}"
    assert [e.real for e in PseudonymTable.load(path).entries] == ["Aktau", "Shevchenko", "Berlin"]


def test_an_attribution_withholds_a_name_the_table_misses_as_a_whole_word_only():
    layer = Pseudonymiser([Entry("Aktau", "[city A]", "place")])
    attributes = {"name": "Ali", "place": "Aktau", "occupation": "teacher"}
    shown = layer.withhold_names("(Ali, teacher at Alibek school, Aktau)", attributes)
    assert shown == "([name withheld], teacher at Alibek school, [city A])"
    # A name the table covers is pseudonymised, not withheld; a non-name attribute is never withheld.
    covered = Pseudonymiser([Entry("Ali", "[person 1]", "person")])
    assert covered.withhold_names("(Ali, teacher)", attributes) == "([person 1], teacher)"
    assert layer.withhold_names("(teacher)", {"occupation": "teacher"}) == "(teacher)"
