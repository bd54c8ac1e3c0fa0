"""A coder as a separate OS process for the PostgreSQL team tests: codes in small transactions and reports each commit.

    python team_worker.py code URL CODER DOCUMENT_ID CODE_ID SECONDS
        Print "ready", wait for a line on stdin, then for SECONDS: insert a coding
        and its event in one transaction, commit, then print "ok CODING_ID".
        Prints "done N" at the end.
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
        seconds = float(argv[5])
        # Start-up (imports, first connection) takes seconds on a small machine; the test releases
        # every process at once so that their coding windows really overlap.
        print("ready", flush=True)
        sys.stdin.readline()
        deadline = time.time() + seconds
        done = 0
        while time.time() < deadline:
            with Session(engine) as session:
                coding = coding_store.add_coding(session, document_id=document_id, code_id=code_id,
                                                 coder_id=coder_id, start=done, end=done + 1)
                log_event(session, kind="code.apply", actor=coder, payload={"coding": coding.id})
                session.commit()
                coding_id = coding.id
            # Printed only after commit returned: every "ok" line is a promise the test checks.
            print(f"ok {coding_id}", flush=True)
            done += 1
        print(f"done {done}", flush=True)
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
