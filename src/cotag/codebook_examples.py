"""Rulings teach the codebook: the lead turns a ruling into an include or exclude example of its code.

The passage the lead ruled on (the edited span of an "edit" ruling, else the disputed region) is quoted with its
document and the ruling's id, and appended to the code's `include` (the code belongs on text like this) or
`exclude` (it does not) list, in the YAML codebook file and in the project's copy of the codebook. The file is
written by the codebook module's comment-keeping writer (`save_codebook`): every comment and the layout stay,
and the version goes up by one. The change is logged (`codebook.example`). Coders see the example beside the
code's definition on the reconcile screen and in `cotag train report`.

`example_from_ruling` works in the session it is given (the project only for its codebook file's path);
services.codebook opens the transaction.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, Optional, Sequence

from cotag.errors import CotagError, NotFound

if TYPE_CHECKING:
    from cotag.store.session import Session

EXAMPLE = "codebook.example"
KINDS = ("include", "exclude")
QUOTE_LIMIT = 240  # characters of the passage quoted in the codebook


def quote(text: str, start: int, end: int) -> str:
    words = " ".join(text[start:end].split())
    return words if len(words) <= QUOTE_LIMIT else words[:QUOTE_LIMIT - 1] + "…"


def example_text(passage: str, *, document: str, ruling_id: str, note: str = "") -> str:
    """How an example reads in the codebook: the words, then where they come from (and the lead's note)."""
    source = f"{document}, ruling {ruling_id}" + (f": {note}" if note else "")
    return f'e.g. "{passage}" ({source})'


def example_from_ruling(project: Any, session: Session, *, ruling: str, kind: str, lead: str,
                        coders: Optional[Sequence[str]] = None, codebook: Optional[Path | str] = None) -> dict[str, Any]:
    """Add the ruled passage as an include or exclude example of the ruling's code; returns what was written."""
    from cotag import reconcile
    from cotag.codebook import load_codebook, save_codebook
    from cotag.store import code_rules
    from cotag.store.coders import require_lead
    from cotag.store.events import log_event

    if kind not in KINDS:
        raise CotagError(f"an example is 'include' or 'exclude', not {kind!r}")
    path = Path(codebook) if codebook is not None else project.codebook_path
    if path is None:
        raise CotagError("the project names no codebook file (codebook.path in cotag.toml): give --codebook FILE")
    if not path.exists():
        raise CotagError(f"{path}: no such codebook file")
    lead_row = require_lead(session, name=lead)
    found = code_rules.ruling(session, disagreement=ruling)
    if found is None:
        raise NotFound(f"no ruling on disagreement {ruling!r}: rule on it first (`cotag reconcile decide`), "
                       "then make it an example; ids are in `cotag reconcile list`")
    decision, document, code, _ = found
    if decision.ruling == "edit" and decision.start is not None and decision.end is not None:
        start, end = decision.start, decision.end
    else:
        try:
            d = reconcile.find_disagreement(session, disagreement_id=ruling, coders=coders,
                                            documents=[document.external_id])
        except CotagError as exc:
            raise CotagError(f"ruling {ruling}: its passage cannot be found ({exc})") from None
        start, end = d.start, d.end
    passage = quote(document.text, start, end)
    if not passage:
        raise CotagError(f"ruling {ruling}: the passage {start}-{end} of {document.external_id} has no words")
    text = example_text(passage, document=document.external_id, ruling_id=ruling, note=decision.note)
    book = load_codebook(path)
    spec = book.get(code.key)
    if spec is None:
        raise CotagError(f"{path}: has no code {code.key!r} (the ruling's code); load or save the codebook "
                         "so that the file and the project agree first")
    rules = spec.include if kind == "include" else spec.exclude
    if any(f"ruling {ruling}" in rule for rule in rules) or text in rules:
        raise CotagError(f"ruling {ruling} is already an {kind} example of {code.key}")
    # The project's copy first (flushed, not committed): if writing the file fails, the transaction rolls back.
    code_rules.add_rule(session, code=code, field=kind, text=text)
    rules.append(text)
    saved = save_codebook(book, path, expected_version=book.version)
    payload = {"ruling": ruling, "code": code.key, "kind": kind, "document": document.external_id,
               "start": start, "end": end, "text": text, "path": str(path), "version": saved.version}
    log_event(session, kind=EXAMPLE, actor=lead_row.name, payload=payload)
    return payload
