"""store/plain_reads.py: the loaders report commands use without the ORM give what the ORM loaders give, on a
plain connection and on a session, on SQLite and PostgreSQL; their table and column names are the models'; and
`cotag agreement` and `cotag export matrix --by` load neither SQLModel nor pandas (issue #14's start-up)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import test_bulk_loaders
from sqlmodel import select

from cotag.store import codings as coding_store
from cotag.store import documents as doc_store
from cotag.store import plain_reads, progress_rows
from cotag.store.coders import list_coders
from cotag.store.codes import list_codes

REPO = Path(__file__).resolve().parents[2]


def test_plain_reads_name_the_models_tables_columns_and_values():
    from cotag.store import models

    tables = {t.name: t for t in models.SQLModel.metadata.tables.values()}
    for light in (plain_reads.DOCUMENT, plain_reads.UNIT, plain_reads.CODER, plain_reads.CODE, plain_reads.CODING,
                  plain_reads.PROGRESS, plain_reads.TRAINING):
        assert light.name in tables
        assert {c.name for c in light.columns} <= {c.name for c in tables[light.name].columns}, light.name
    assert plain_reads.STATUS_ACTIVE == models.STATUS_ACTIVE
    assert plain_reads.PROGRESS_DONE == models.PROGRESS_DONE
    assert plain_reads.SOURCE_SUGGESTION == models.SOURCE_SUGGESTION
    assert plain_reads.CONSENSUS_CODER == models.CONSENSUS_CODER
    assert plain_reads.ROLE_LEAD == models.ROLE_LEAD


def test_plain_reads_give_what_the_orm_loaders_give(project):
    ids = test_bulk_loaders._study(project)
    from cotag.store import training

    with project.session() as session:
        training.add(session, coder_id=ids["ben"], document_ids=[ids["E001"]], lead="lena")  # practice: left out
    coders = [ids["anna"], ids["ben"]]
    with project.session() as session:
        expected = {
            "documents": doc_store.document_ids(session),
            "expert": doc_store.document_ids(session, groups=["expert"], external_ids=["E002", "E001"]),
            "groups": doc_store.group_names(session),
            "existing": doc_store.existing_external_ids(session, external_ids=["E001", "X9"]),
            "units": doc_store.unit_columns(session),
            "some units": doc_store.unit_columns(session, document_ids=[ids["E001"]]),
            "codings": coding_store.live_coding_columns(session, coder_ids=coders),
            "coded": coding_store.coded_pairs(session, coder_ids=coders),
            "done": progress_rows.done_pairs(session, coder_ids=coders),
            "used": coding_store.used_code_ids(session, coder_ids=coders),
            "coders": [(c.id, c.name, c.role) for c in list_coders(session)],
            "codes": [(c.id, c.key, c.parent_id, c.status, c.position) for c in list_codes(session)],
            "suggested": coding_store.suggestion_spans(session, coder_ids=coders, document_ids=[ids["E002"]]),
        }
        assert session.exec(select(1)).one() == 1

    def plain(source) -> dict:
        return {
            "documents": plain_reads.document_ids(source),
            "expert": plain_reads.document_ids(source, groups=["expert"], external_ids=["E002", "E001"]),
            "groups": plain_reads.group_names(source),
            "existing": plain_reads.existing_external_ids(source, external_ids=["E001", "X9"]),
            "units": plain_reads.unit_columns(source),
            "some units": plain_reads.unit_columns(source, document_ids=[ids["E001"]]),
            "codings": plain_reads.live_coding_columns(source, coder_ids=coders),
            "coded": plain_reads.coded_pairs(source, coder_ids=coders),
            "done": plain_reads.done_pairs(source, coder_ids=coders),
            "used": plain_reads.used_code_ids(source, coder_ids=coders),
            "coders": plain_reads.coders(source),
            "codes": plain_reads.codes(source),
            "suggested": plain_reads.suggestion_spans(source, coder_ids=coders, document_ids=[ids["E002"]]),
        }

    assert (ids["ben"], ids["E001"]) not in expected["coded"]  # ben's coding there is practice: left out
    assert (ids["anna"], ids["E002"]) in expected["done"]
    with project.reading() as connection:
        assert plain(connection) == expected
    with project.session() as session:
        assert plain(session) == expected


def _loaded(args: list[str], project: Path) -> list[str]:
    code = ("import sys; sys.argv[0] = 'cotag'; from cotag.cli import main\n"
            "try:\n    main()\nexcept SystemExit:\n    pass\n"
            "print(sorted(m for m in ('sqlmodel', 'sqlalchemy.orm', 'pandas', 'cotag.store.models') "
            "if m in sys.modules), file=sys.stderr)")
    done = subprocess.run([sys.executable, "-c", code, "--project", str(project), *args], capture_output=True,
                          text=True, env={"PYTHONPATH": str(REPO / "src")})
    return eval(done.stderr.strip().splitlines()[-1])  # noqa: S307 (our own print of a list of names)


def test_agreement_and_the_matrix_load_neither_the_orm_nor_pandas(sqlite_project):
    from factories import make_codes, make_document

    from cotag.store.coders import get_or_create_coder
    from cotag.store.models import PROGRESS_DONE
    from cotag.store.rows import row_id

    with sqlite_project.session() as session:
        document = row_id(make_document(session, "E001", test_bulk_loaders.TURNS))
        codes = make_codes(session, [("wages", "Wages")])
        for name in ("anna", "ben"):
            coder = row_id(get_or_create_coder(session, name=name))
            coding_store.add_codings(session, rows=[{"document_id": document, "code_id": row_id(codes["wages"]),
                                                     "coder_id": coder, "start": 30, "end": 44}])
            progress_rows.add_progress(session, coder_id=coder, document_id=document, status=PROGRESS_DONE,
                                       cursor=0, updated_at=None)
    assert _loaded(["agreement"], sqlite_project.root) == []
    assert "pandas" not in _loaded(["export", "matrix", "--by", "group"], sqlite_project.root)
