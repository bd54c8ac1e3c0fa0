"""Training on a shared PostgreSQL database, as each role: a lead gives training documents, a trainee codes blind
(their role cannot read the consensus), and their practice codings change nobody's agreement."""

from __future__ import annotations

import uuid

import pytest
from factories import make_codes, make_document
from sqlalchemy import text

from cotag.services import training
from cotag.coding import CodingSession
from cotag.errors import CotagError
from cotag.project import Project, init_project
from cotag.services.agreement import agreement_report as project_agreement
from cotag.reliability.units import Selection
from cotag.store.coders import consensus_coder, get_or_create_coder
from cotag.store.codings import add_coding
from cotag.services.team import add_coder
from cotag.team import drop_coder_role

pytestmark = pytest.mark.postgres

TURNS = [("R", ["We left for work.", "My sister was there.", "It rained all day."])]
S1, S2, S3 = (3, 20), (21, 41), (42, 60)


@pytest.fixture
def team(postgres_url, tmp_path, monkeypatch):
    monkeypatch.delenv("COTAG_DATABASE_URL", raising=False)
    monkeypatch.delenv("COTAG_PROJECT", raising=False)
    owner = init_project(tmp_path / "team", database_url=postgres_url)
    prefix = "t" + uuid.uuid4().hex[:8] + "_"
    names = {short: prefix + short for short in ("lena", "anna", "ben", "tia")}
    urls = {short: add_coder(owner, name=name, lead=short == "lena")["url"] for short, name in names.items()}
    with owner.session() as session:
        doc = make_document(session, "E001", TURNS)
        codes = make_codes(session, [("work", "Work"), ("family", "Family")])
        ids = {short: get_or_create_coder(session, name=name).id for short, name in names.items()}
        consensus = consensus_coder(session).id
        for coder, code, span in (("anna", "work", S1), ("ben", "work", S1), ("anna", "family", S2),
                                  ("ben", "family", S3)):
            add_coding(session, document_id=doc.id, code_id=codes[code].id, coder_id=ids[coder], start=span[0],
                       end=span[1])
        for code, span in (("work", S1), ("family", S2)):
            add_coding(session, document_id=doc.id, code_id=codes[code].id, coder_id=consensus, start=span[0],
                       end=span[1])
    projects = {short: Project(root=owner.root, config=owner.config, database_url=url) for short, url in urls.items()}
    yield owner, names, projects, doc.id
    for project in projects.values():
        project.close()
    for name in names.values():
        drop_coder_role(owner.engine, name)
    owner.close()


def test_lead_trains_trainee_codes_blind_and_agreement_stays(team):
    owner, names, projects, document_id = team
    selection = Selection(include_unfinished=True)
    before = project_agreement(owner, selection).report.to_dict()
    with pytest.raises(CotagError, match="not a lead"):
        training.train(projects["tia"], coder=names["tia"], documents=["E001"], lead=names["tia"])
    given = training.train(projects["lena"], coder=names["tia"], documents=["E001"], lead=names["lena"])
    assert given["added"] == ["E001"]
    # Blind: the trainee's role reads no consensus coding, and no other coder's.
    with projects["tia"].engine.connect() as conn:
        others = conn.execute(text("SELECT count(*) FROM coding c JOIN coder d ON d.id = c.coder_id "
                                   "WHERE d.name <> :me"), {"me": names["tia"]}).scalar()
    assert others == 0
    work = CodingSession(projects["tia"], coder=names["tia"])
    work.apply(document_id=document_id, code="work", start=S1[0], end=S1[1])
    work.apply(document_id=document_id, code="family", start=S3[0], end=S3[1])
    work.mark_done(document_id=document_id, done=True)
    # The lead's and the owner's agreement are what they were: tia's practice is not study data.
    assert project_agreement(owner, selection).report.to_dict() == before
    assert project_agreement(projects["lena"], selection).report.to_dict() == before
    report = training.report(projects["lena"], coder=names["tia"])
    rows = {row["code"]: row for row in report["codes"]}
    assert report["documents"] == ["E001"]
    assert [m["start"] for m in rows["family"]["misses"]] == [S2[0]]
    assert [m["start"] for m in rows["family"]["extras"]] == [S3[0]]
