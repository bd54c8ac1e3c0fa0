"""The test factories lay out text exactly as units say (other tests rely on it)."""

from factories import make_codes, make_document

from cotag.store import documents as doc_store


def test_units_point_at_their_sentences(project):
    with project.session() as session:
        doc = make_document(session, "E001", [("Interviewer", ["How are you?"]),
                                              ("Respondent", ["Fine.", "Salaries are low here."])])
        make_codes(session, [("push", "Push"), ("wages", "Wages", "push", "1")])
        units = doc_store.list_units(session, document_id=doc.id)
    assert [doc.text[u.start:u.end] for u in units] == ["How are you?", "Fine.", "Salaries are low here."]
    assert [u.is_interviewer for u in units] == [True, False, False]
    assert [u.turn for u in units] == [0, 1, 1]
