"""One document's attributes edited by hand: typed as import types them, all or nothing, and kept on re-import."""

from __future__ import annotations

import pytest
from test_attributes import attributes, corpus, events, write_transcript  # noqa: F401 - the fixture is shared

from cotag import services
from cotag.services.corpus import attribute_form, edit_attributes
from cotag.errors import CotagError


def test_the_form_shows_the_documents_values_as_text(corpus):  # noqa: F811
    project, _ = corpus
    form = attribute_form(project, document="E002")
    assert form.values["age"] == "45" and form.values["gender"] == "male"
    with pytest.raises(CotagError, match="no document with id 'E404'"):
        attribute_form(project, document="E404")


def test_an_edit_is_typed_logged_and_survives_reimport(corpus, tmp_path):  # noqa: F811
    project, folder = corpus
    before = attributes(project)["E001"]
    with pytest.raises(CotagError) as refused:
        edit_attributes(project, document="E001", values={"age": "forty", "place": "", "interviewed": "2024-02-30"},
                        actor="alice")
    message = str(refused.value)
    assert "nothing was changed" in message and "E001, attribute age: 'forty' is not a number" in message
    # Every problem is listed: a new attribute's text that looks like a date must be a real one.
    assert "E001, attribute interviewed: '2024-02-30' is not a real date" in message
    assert attributes(project)["E001"] == before and events(project) == []

    changes = edit_attributes(project, document="E001", values={"age": "39", "place": "", "languages": "kk; ru"},
                              actor="alice")
    assert sorted((c.attribute, c.new) for c in changes if c.attribute != "languages") == [("age", 39),
                                                                                              ("place", None)]
    assert [c.new for c in changes if c.attribute == "languages"] == [["kk", "ru"]]
    stored = attributes(project)["E001"]
    assert stored["age"] == 39 and "place" not in stored and stored["languages"] == ["kk", "ru"]
    [event] = events(project)
    assert event.actor == "alice" and event.payload["via"] == "edit"
    assert edit_attributes(project, document="E001", values={"age": "39"}, actor="alice") == []  # nothing to do

    # The transcript changes (uncoded, so it is replaced): the hand edit outlives its front matter.
    write_transcript(folder, "E001", gender="woman", extra="And rents are high.")
    assert services.import_transcripts(project, paths=[folder]).replaced == ["E001"]
    stored = attributes(project)["E001"]
    assert stored["age"] == 39 and "place" not in stored and stored["languages"] == ["kk", "ru"]
    assert stored["gender"] == "woman"


@pytest.mark.parametrize("values, message", [
    ({"id": "X"}, "'id' cannot be an attribute's name"),
    ({"group": "X"}, "'group' cannot be an attribute's name"),
    ({"": "lonely"}, "the value 'lonely' has no attribute name"),
    ({"a=b": "1"}, "'a=b' cannot be an attribute's name"),
    ({"note": "nul\x00"}, "NUL"),
])
def test_bad_names_and_values_are_refused(corpus, values, message):  # noqa: F811
    project, _ = corpus
    with pytest.raises(CotagError, match=message):
        edit_attributes(project, document="E001", values=values)
