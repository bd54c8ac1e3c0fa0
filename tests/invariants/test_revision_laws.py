"""Laws of `cotag revise` over generated corrections, on both back ends: every coding and passage memo whose words
still exist lands on exactly those words; one whose words were edited or deleted is flagged, and nothing is lost
(every coding is accounted for by an item, every memo is still there); undo puts everything back."""

from __future__ import annotations

from dataclasses import dataclass

from hypothesis import given
from hypothesis import strategies as st
from invariants.profiles import study_settings

# Distinct words (lower case, three letters at least) so that "the same words" is never ambiguous; inserted and
# replacing words are upper case, so never equal to an old one (tests/unit/test_revision_align.py does the same).
WORDS = st.lists(st.text(alphabet="abcdefghijklmnop", min_size=3, max_size=7), min_size=6, max_size=30, unique=True)
SEPARATORS = (" ", " ", " ", ", ", ". ", "\n")


@dataclass(frozen=True)
class Token:
    origin: int | None  # index of the old token it is, None for an inserted word
    word: str
    sep: str  # what follows the word


@dataclass(frozen=True)
class Case:
    old: tuple[Token, ...]
    new: tuple[Token, ...]
    codings: tuple[tuple[str, int, int], ...]  # (coder, first token, last token)
    memos: tuple[tuple[str, int, int], ...]


@st.composite
def cases(draw) -> Case:
    words = draw(WORDS)
    pool = [w.upper() for w in draw(WORDS)]
    old = [Token(i, w, draw(st.sampled_from(SEPARATORS))) for i, w in enumerate(words)]
    old[-1] = Token(len(words) - 1, words[-1], ".")
    new = list(old)
    for _ in range(draw(st.integers(1, 6))):
        kind = draw(st.sampled_from(["insert", "delete", "replace", "rewrap"]))
        where = draw(st.integers(0, len(new) - 1))
        if kind == "insert" and pool:
            new.insert(where, Token(None, pool.pop(), " "))
        elif kind == "delete" and len(new) > 2:
            del new[where]
        elif kind == "replace" and pool:
            new[where] = Token(None, pool.pop(), new[where].sep)
        elif kind == "rewrap" and new[where].sep in (" ", "\n") and where < len(new) - 1:
            new[where] = Token(new[where].origin, new[where].word, "\n" if new[where].sep == " " else " ")

    def ranges(coders):
        out = []
        for _ in range(draw(st.integers(1, 5))):
            first = draw(st.integers(0, len(words) - 1))
            last = draw(st.integers(first, min(len(words) - 1, first + 4)))
            out.append((draw(st.sampled_from(coders)), first, last))
        return tuple(dict.fromkeys(out))

    return Case(tuple(old), tuple(new), ranges(("ana", "ben")), ranges(("ana", "caro")))


def _render(tokens) -> tuple[str, list[tuple[int, int]]]:
    """The transcript body and each token's word span in it (after the speaker label)."""
    text, places = "Respondent: ", []
    for token in tokens:
        places.append((len(text), len(text) + len(token.word)))
        text += token.word + token.sep
    return text + "\n", places


def _truth(case: Case, first: int, last: int) -> tuple[int, int] | None:
    """Where the words of old tokens first..last are in the new text, or None when an edit touched them: a word
    deleted or replaced, a word inserted among them, or punctuation between them changed (re-wrapping is no edit)."""
    positions = {t.origin: n for n, t in enumerate(case.new) if t.origin is not None}
    if any(i not in positions for i in range(first, last + 1)):
        return None
    at = positions[first]
    if [t.origin for t in case.new[at:at + last - first + 1]] != list(range(first, last + 1)):
        return None
    if any(case.old[i].sep.strip() != case.new[at + i - first].sep.strip() for i in range(first, last)):
        return None
    _, places = _render(case.new)
    return places[at][0], places[at + last - first][1]


def _file(folder, text: str):
    path = folder / "D1.md"
    path.write_text("---\nid: D1\n---\n" + text, encoding="utf-8")
    return path


@given(case=cases())
@study_settings()
def test_revise_lands_codings_and_memos_on_their_words_or_flags_them(backend, case):
    from sqlmodel import select

    from cotag.services import memos as memo_service
    from cotag import services
    from cotag.services import revision
    from cotag.store.codings import add_coding
    from cotag.store.coders import get_or_create_coder
    from cotag.store.models import Coding, Document, Memo, RevisionItem
    from factories import make_codes

    project = backend.project("revise")
    folder = backend.folder("files")
    old_body, old_places = _render(case.old)
    services.import_transcripts(project, paths=[_file(folder, old_body)])
    with project.session() as session:
        doc = session.exec(select(Document)).one()
        base = doc.text.index(old_body.strip())
        assert doc.text[base:base + len(old_body.strip())] == old_body.strip()
        code = make_codes(session, [("theme", "Theme")])["theme"]
        coding_ids = {}
        for coder, first, last in case.codings:
            who = get_or_create_coder(session, name=coder)
            start, end = base + old_places[first][0], base + old_places[last][1]
            coding_ids[add_coding(session, document_id=doc.id, code_id=code.id, coder_id=who.id, start=start,
                                  end=end).id] = (first, last)
        old_text = doc.text
    memo_ids = {}
    for coder, first, last in case.memos:
        start, end = base + old_places[first][0], base + old_places[last][1]
        memo_ids[memo_service.add_memo(project, coder=coder, text="why here?", span=("D1", start, end)).id] = \
            (first, last)
    with project.session() as session:
        memos_before = {m.id: (m.start, m.end, m.text) for m in session.exec(select(Memo))}
        live_before = sorted((c.id, c.start, c.end) for c in session.exec(
            select(Coding).where(Coding.deleted_at.is_(None))))

    new_body, _ = _render(case.new)
    report = revision.revise_paths(project, paths=[_file(folder, new_body)])
    if not report["revised"]:
        assert old_body == new_body
        return
    with project.session() as session:
        text = session.exec(select(Document)).one().text
        new_base = text.index(new_body.strip())
        items = {(i.kind, i.old_id): i for i in session.exec(select(RevisionItem))}
        memos = {m.id: m for m in session.exec(select(Memo))}
        spans = [("coding", i, first, last, (items[("coding", i)].new_start, items[("coding", i)].new_end))
                 for i, (first, last) in coding_ids.items()]
        spans += [("memo", i, first, last, (memos[i].start, memos[i].end)) for i, (first, last) in memo_ids.items()]
        # Nothing is lost: every coding has its item; every memo is still there, with its words.
        assert set(memos) == set(memos_before) and all(memos[i].text == memos_before[i][2] for i in memos)
        for kind, row_id, first, last, (start, end) in spans:
            item = items[(kind, row_id)]
            truth = _truth(case, first, last)
            old_words = old_text[base + old_places[first][0]:base + old_places[last][1]]
            if truth is not None:
                expected = (new_base + truth[0], new_base + truth[1])
                assert (start, end) == expected, (kind, item.status, old_words, text[start:end] if start else None)
                assert item.status in ("kept", "moved")
                assert " ".join(text[start:end].split()) == " ".join(old_words.split())
            else:
                assert item.status in ("changed", "orphaned"), (kind, item.status, old_words, text[start:end])
            if item.status == "orphaned":
                assert start is None
                if kind == "memo":  # kept, on its document
                    assert memos[row_id].document_id is not None

    revision.undo(project, revision_id=report["revised"][0]["revision"])
    with project.session() as session:
        assert {m.id: (m.start, m.end, m.text) for m in session.exec(select(Memo))} == memos_before
        assert sorted((c.id, c.start, c.end) for c in session.exec(
            select(Coding).where(Coding.deleted_at.is_(None)))) == live_before
