"""A small study exported to .qdpx, for the tests that hand the file to other tools' readers."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pytest
from factories import make_codes, make_document


@dataclass
class Study:
    """What the project holds, in the terms another tool's reader shows it."""

    project: object
    documents: dict[str, str] = field(default_factory=dict)  # id -> text
    # (document, coder, code name, quoted text)
    codings: set[tuple[str, str, str, str]] = field(default_factory=set)
    coding_memos: dict[tuple[str, str, str], str] = field(default_factory=dict)  # (document, coder, code name) -> memo
    memos: dict[str, str] = field(default_factory=dict)  # title -> text
    code_tree: dict[str, str | None] = field(default_factory=dict)  # name -> parent name
    coders: tuple[str, ...] = ("alice", "bob", "consensus")


def build_study(project) -> Study:
    """Two interviews with dated and numbered attributes; a code tree with Russian and Kazakh names; two coders
    and the consensus, one span coded with two codes, a coding memo, and memos on a document, a code and the
    project."""
    from cotag.store.coders import consensus_coder, get_or_create_coder
    from cotag.store.codings import add_coding
    from cotag.store.memos import add_memo

    study = Study(project=project)
    with project.session() as s:
        d1 = make_document(s, "E001", [("Interviewer", ["Why did you leave?"]),
                                       ("Respondent", ["Wages were low here.", "Жалақы аз болды."])],
                           attributes={"interview_date": "2023-05-01", "age": "34", "consented": True,
                                       "city": "Almaty"})
        d2 = make_document(s, "G002", [("Respondent", ["I studied abroad.", "Then came back."])], group="graduate",
                           attributes={"interview_date": "2024-01-15", "age": "29", "consented": False,
                                       "city": "Astana"})
        codes = make_codes(s, [("push", "Push"), ("wages", "Заработная плата", "push"), ("pull", "Pull"),
                               ("study", "Оқу", "pull")])
        alice = get_or_create_coder(s, name="alice")
        bob = get_or_create_coder(s, name="bob", role="lead")
        consensus = consensus_coder(s)
        t1, t2 = d1.text, d2.text

        def code(document, text, key, coder, quote, memo=""):
            start = text.index(quote)
            add_coding(s, document_id=document.id, code_id=codes[key].id, coder_id=coder.id, start=start,
                       end=start + len(quote), memo=memo)
            study.codings.add((document.external_id, coder.name, codes[key].name, quote))
            if memo:
                study.coding_memos[(document.external_id, coder.name, codes[key].name)] = memo

        code(d1, t1, "wages", alice, "Wages were low here.", memo="alice: central to the push story")
        code(d1, t1, "push", alice, "Wages were low here.")
        code(d1, t1, "wages", bob, "Wages were low")
        code(d1, t1, "wages", consensus, "Жалақы аз болды.")
        code(d2, t2, "study", alice, "I studied abroad.")
        code(d2, t2, "pull", bob, "Then came back.")
        for title, text, kwargs in (("On E001", "First interview, long.", {"document_id": d1.id}),
                                    ("On wages", "Check against pull.", {"code_id": codes["wages"].id}),
                                    ("Overall", "Coding went well.", {})):
            add_memo(s, coder_id=bob.id, text=text, title=title, **kwargs)
            study.memos[title] = text
        study.documents = {"E001": t1, "G002": t2}
        study.code_tree = {"Push": None, "Заработная плата": "Push", "Pull": None, "Оқу": "Pull"}
    return study


@pytest.fixture
def study(project) -> Study:
    return build_study(project)


@pytest.fixture(params=[False, True], ids=["selection-per-span", "one-code-per-selection"])
def exported(request, study, tmp_path) -> tuple[Study, Path]:
    """The study exported both ways: one selection per span and coder, and one per code."""
    from cotag.services.refi import export_qdpx

    path = tmp_path / "study.qdpx"
    export_qdpx(study.project, path, one_code_per_selection=request.param)
    return study, path
