"""A coder as a separate OS process for the PostgreSQL team tests: codes in small transactions and reports each commit.

    python team_worker.py code URL CODER DOCUMENT_ID CODE_ID SECONDS
        Print "ready", wait for a line on stdin, then for SECONDS: apply the code to
        the next span through CodingSession.apply, the coding app's own path (one
        transaction: checks, the coding and its event), then print
        "ok CODING_ID START END". Prints "done N" at the end.
    python team_worker.py hang URL CODER DOCUMENT_ID CODE_ID COUNT
        Insert COUNT codings, their events and a progress row in one transaction,
        print "pending", then wait to be killed before committing.

It connects with URL (a coder's own role), so the row-level security policies
are in force for every write, as for a coder's TUI on the shared server.
"""

from __future__ import annotations

import sys
import time


def main(argv: list[str]) -> int:
    from sqlmodel import Session, select

    from cotag.store import codings as coding_store
    from cotag.store import progress as progress_store
    from cotag.store.database import make_engine
    from cotag.store.events import log_event
    from cotag.store.models import Coder

    mode, url, coder, document_id, code_id = argv[0], argv[1], argv[2], int(argv[3]), int(argv[4])
    engine = make_engine(url)
    with Session(engine) as session:
        coder_id = session.exec(select(Coder.id).where(Coder.name == coder)).one()

    if mode == "code":
        from pathlib import Path

        from cotag.coding import CodingSession
        from cotag.project import Project
        from cotag.store.models import Code, Document

        seconds = float(argv[5])
        with Session(engine) as session:
            length = len(session.get(Document, document_id).text)
            key = session.get(Code, code_id).key
        # The project as the coder's app opens it, on the coder's own role.
        project = Project(root=Path.cwd(), config={}, database_url=url)
        coding = CodingSession(project, coder=coder)
        # Every span of the document once, in order: (0, 1), (0, 2), ... A repeated span would be refused
        # by apply (the same code on the same span), so each commit is a distinct coding.
        spans = ((start, end) for start in range(length) for end in range(start + 1, length + 1))
        # Start-up (imports, first connection) takes seconds on a small machine; the test releases
        # every process at once so that their coding windows really overlap.
        print("ready", flush=True)
        sys.stdin.readline()
        deadline = time.time() + seconds
        done = 0
        while time.time() < deadline:
            start, end = next(spans)
            change = coding.apply(document_id=document_id, code=key, start=start, end=end)
            # Printed only after apply's commit returned: every "ok" line is a promise the test checks.
            print(f"ok {change.coding_id} {start} {end}", flush=True)
            done += 1
        print(f"done {done}", flush=True)
        project.close()
        return 0

    if mode == "hang":
        count = int(argv[5])
        session = Session(engine)
        for i in range(count):
            coding = coding_store.add_coding(session, document_id=document_id, code_id=code_id, coder_id=coder_id,
                                             start=i, end=i + 1)
            log_event(session, kind="code.apply", actor=coder, payload={"coding": coding.id})
        progress_store.touch(session, coder_id=coder_id, document_id=document_id, cursor=count, status="done")
        session.flush()  # on the server, uncommitted
        print("pending", flush=True)
        time.sleep(120)
        return 1
    raise SystemExit(f"unknown mode {mode!r}")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
