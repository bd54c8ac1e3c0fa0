"""--where with operators, ranges and lists: numbers as numbers, dates as dates, clear errors."""

from __future__ import annotations

import pytest
from sqlmodel import select

from cotag.errors import CotagError
from cotag.export.scope import Scope, resolve
from cotag.store.models import Document
from test_export_quotes import build_study


def documents(project, *where: str) -> set[str]:
    with project.session() as session:
        selection = resolve(session, Scope(where=where))
    return {d.external_id for d in selection.documents}


@pytest.fixture
def study(project):
    build_study(project)
    with project.session() as session:  # dates as the importer stores them: ISO text
        for document, day in zip(session.exec(select(Document).order_by(Document.external_id)),
                                 ["2024-03-05", "2024-11-20", "2023-12-31", "2024-01-01"]):
            document.attributes = {**document.attributes, "interview_date": day}
            session.add(document)
    return project


def test_comparisons_and_ranges(study):
    # ages: E001 38, E002 45, G001 33, G002 none
    assert documents(study, "age>35") == {"E001", "E002"}
    assert documents(study, "age>=45") == {"E002"}
    assert documents(study, "age<38") == {"G001"}
    assert documents(study, "age<=38") == {"E001", "G001"}
    assert documents(study, "age=30..39") == {"E001", "G001"}
    assert documents(study, "age=..40") == {"E001", "G001"}
    assert documents(study, "age=40..") == {"E002"}
    # 100 > 45 as numbers, though "100" < "45" as text.
    assert documents(study, "age<100") == {"E001", "E002", "G001"}
    # Different conditions must all hold, even on one attribute.
    assert documents(study, "age>30", "age<40") == {"E001", "G001"}


def test_dates_compare_as_dates(study):
    assert documents(study, "interview_date>=2024-01-01") == {"E001", "E002", "G002"}
    assert documents(study, "interview_date=2024-01-01..2024-06-30") == {"E001", "G002"}
    assert documents(study, "interview_date<2024-01-01") == {"G001"}


def test_lists_and_not_equal(study):
    assert documents(study, "gender!=female") == {"E002", "G001"}
    assert documents(study, "degree_country=USA,austria") == {"G001", "G002"}
    assert documents(study, "group!=expert") == {"G001", "G002"}
    assert documents(study, "id!=E001,E002") == {"G001", "G002"}
    # The old meanings stay: one attribute twice is either value.
    assert documents(study, "gender=male", "gender=female") == {"E001", "E002", "G001", "G002"}


@pytest.mark.parametrize("where, message", [
    ("age>forty", "'forty' is neither a number nor a date"),
    ("age=>30", "unknown operator '=>'"),
    ("age<>30", "unknown operator '<>'"),
    ("age=40..30", "the range is empty"),
    ("age=..", "a range needs a bound"),
    ("interview_date>2024-02-30", "not a real date"),
    ("gender>3", "no document's gender is one of the numbers"),
    ("place=Almaty,Astana", "no document has place='Astana'"),
    ("gender!=nonbinary", "no document has gender='nonbinary'"),
    ("age", "write attribute=value"),
    ("religion<3", "unknown attribute 'religion'"),
])
def test_bad_conditions_are_clear_errors(study, where, message):
    with pytest.raises(CotagError) as caught:
        documents(study, where)
    assert message in str(caught.value)


def test_quotes_and_matrix_use_it(study):
    from cotag.services.export import export_matrix
    from cotag.services.export import export_quotes

    summary, _ = export_quotes(study, None, fmt="csv", scope=Scope(where=("age=30..39",)))
    assert summary["respondents"] == 2  # E001 (38) and G001 (33)
    matrix, _ = export_matrix(study, None, fmt="csv", scope=Scope(where=("age>40",)), by="group")
    assert matrix["columns"] == ["expert"]  # E002 (45) only


def test_quotes_behind_a_matrix_cell(study):
    from cotag.services.export import export_cell_quotes
    from cotag.services.export import export_matrix

    scope = Scope(coders=("alice",))
    _, matrix = export_matrix(study, None, fmt="csv", scope=scope, by="gender")
    # alice: wages (with lowpay rolled up) in E001 (female), E002 and G001 (male).
    wages_row = next(line for line in matrix.splitlines() if line.startswith("wages,"))
    summary, text = export_cell_quotes(study, None, cell="wages:male", by="gender", fmt="csv", scope=scope)
    assert summary["respondents"] == 2 and summary["quotes"] == 2
    assert {"E002", "G001"} <= set(text.replace(",", " ").split())
    assert "E001" not in text
    assert wages_row  # the matrix has the row the cell comes from
    no_rollup, _ = export_cell_quotes(study, None, cell="wages:male", by="gender", fmt="csv", scope=scope,
                                      rollup=False)
    assert no_rollup["quotes"] == 1  # G001's wages; E002's is lowpay
    total, _ = export_cell_quotes(study, None, cell="wages:total", by="gender", fmt="csv", scope=scope)
    assert total["quotes"] == 3
    with pytest.raises(CotagError, match="no column 'other' in the matrix by gender"):
        export_cell_quotes(study, None, cell="wages:other", by="gender", fmt="csv", scope=scope)
    with pytest.raises(CotagError, match="write CODE:VALUE"):
        export_cell_quotes(study, None, cell="wages", by="gender", fmt="csv", scope=scope)
