"""Corpus-wide fuzzy search: typos forgiven, short queries exact, hits located inside their unit."""

from __future__ import annotations


from factories import make_document

from cotag.search import CorpusIndex, SearchHit
from cotag.services.queries import corpus_index, search


def build(project):
    with project.session() as session:
        make_document(session, "E001", [("Interviewer", ["Why did you leave?"]),
                                        ("Respondent", ["My brother left for Berlin.", "Salaries are low."])])
        make_document(session, "G002", [("Respondent", ["The scholarship paid for my brother's flat."])],
                      group="graduate")


def test_typos_are_forgiven_and_hits_point_at_their_unit(sqlite_project):
    build(sqlite_project)
    hits = search(sqlite_project, "brothr left")
    assert (hits[0].document, hits[0].unit) == ("E001", 1)
    assert hits[0].text[hits[0].match_start:hits[0].match_end].startswith("brother")
    assert {(h.document, h.unit) for h in search(sqlite_project, "scholarship")} == {("G002", 0)}
    assert search(sqlite_project, "zzzz qqqq") == []


def test_short_queries_match_exactly_and_case_blind(sqlite_project):
    build(sqlite_project)
    assert [(h.document, h.unit, h.score) for h in search(sqlite_project, "LOW")] == [("E001", 2, 100.0)]


def test_matching_documents_and_limits(sqlite_project):
    build(sqlite_project)
    index = corpus_index(sqlite_project)
    assert len(index) == 4
    ids = index.matching_documents("brother")
    assert len(ids) == 2
    assert len(index.search("brother", limit=1)) == 1
    # Counted in full even when the list is cut: the search dialog says how many there are.
    counted = index.search_counted("brother", limit=1)
    assert (len(counted.hits), counted.total, counted.documents) == (1, 2, 2)
    assert index.search_counted("zzzz qqqq").total == 0


def test_context_cuts_long_units_around_the_match():
    text = "word " * 40 + "the needle is here " + "word " * 40
    start = text.index("needle")
    hit = SearchHit(1, "E001", 0, 100.0, text, start, start + 6)
    snippet, s, e = hit.context(40)
    assert snippet[s:e] == "needle" and snippet.startswith("…") and snippet.endswith("…")
    assert len(snippet) <= 42


def test_search_on_a_corpus_sized_index_is_one_pass_per_word_and_locates_only_shown_hits(monkeypatch):
    """The work a search does, not its wall-clock time (bench/ measures that): one C pass over the whole
    index for the phrase, then one per word over the units still in the running, and the costly alignment
    inside a unit only for the hits shown."""
    from rapidfuzz import process

    rows = [(i // 240, f"E{i // 240:03d}", i % 240, "R", f"sentence {i} about wages, family and leaving for Berlin")
            for i in range(45_000)]
    index = CorpusIndex(rows)
    passes: list[int] = []
    real_extract = process.extract

    def counting_extract(query, choices, **kwargs):
        passes.append(len(choices))
        return real_extract(query, choices, **kwargs)

    located: list[int] = []
    real_hit = CorpusIndex._hit

    def counting_hit(self, i, score, needle):
        located.append(i)
        return real_hit(self, i, score, needle)

    monkeypatch.setattr(process, "extract", counting_extract)
    monkeypatch.setattr(CorpusIndex, "_hit", counting_hit)
    result = index.search_counted("leavng for berlin", limit=50)
    assert result.total == 45_000 and len(result.hits) == 50
    # the phrase over every unit, then "berlin" (longest word first) over every unit, then "leavng" over the
    # units "berlin" left: three passes, never one per unit
    assert passes == [45_000, 45_000, 45_000]
    assert len(located) == 50
    # a rare word narrows the field: the next word is looked for only where it was found
    rare = CorpusIndex([(i // 240, f"E{i // 240:03d}", i % 240, "R",
                         f"sentence {i} about leaving for {'Kostanay' if i % 100 == 0 else 'Berlin'}")
                        for i in range(45_000)])
    passes.clear()
    assert rare.search_counted("leavng kostanay", limit=10).total == 450
    assert passes == [45_000, 45_000, 450]
