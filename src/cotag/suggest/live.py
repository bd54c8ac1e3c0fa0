"""Suggestions while coding: which codes the coding screen may offer to whom, and accepting or dismissing one.

The coding screen offers a code on a unit only when all of these hold:

- a suggester was trained (`cotag suggest train`) and `cotag suggest evaluate` was run on the same
  training data: only the codes that passed the lead's threshold are offered (the CLI's
  `cotag suggest DOCUMENT` shows the others, with a note; the coding screen never does);
- the person coding may see this suggester: a lead always; a coder according to the lead's
  `[suggest] coders` setting (cotag.toml, and as recorded in the model when it was trained; the
  stricter of the two holds): `blind` (the default) only a suggester that learnt from the codebook
  and the consensus, never from coders' codings; `none` no suggestions at all; `all` any;
- the coder has not dismissed that code on that unit before (a `suggestion.dismiss` event), and does
  not already have the code on the unit.

Accepting writes the coding through the coder's CodingSession (undoable like any other) with
`Coding.source = "suggestion model=<id> score=<p>"`.  Nothing here imports a front end. `dismiss` and
`dismissed` work in the session they are given; services.suggestions opens the transaction.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cotag.errors import CotagError
from cotag.suggest.data import DocumentUnits, codebook_hash
from cotag.suggest.model import MODEL_FILE, Suggester, Suggestion, model_id

EVALUATION_FILE = Path(".cotag") / "suggester-evaluation.json"
WITHHELD_NOTE = ("no suggestions on this document: the suggester learnt from its codings, and would show a coder "
                 "what the consensus (or a colleague) coded here")
DISMISS = "suggestion.dismiss"  # event kind: one coder dismissed one code on one unit

# Who among the coders (not leads) may see suggestions, from the most open to the strictest.
CODERS_ALL = "all"
CODERS_BLIND = "blind"
CODERS_NONE = "none"
CODER_POLICIES = (CODERS_ALL, CODERS_BLIND, CODERS_NONE)
DEFAULT_CODER_POLICY = CODERS_BLIND


def suggest_config(project: Any) -> Mapping[str, Any]:
    section = project.config.get("suggest", {})
    if not isinstance(section, dict):
        raise CotagError(f"cotag.toml [suggest] must be a table of settings; got {section!r}")
    return section


def coder_policy(project: Any) -> str:
    """cotag.toml `[suggest] coders`: all, blind (default) or none."""
    value = suggest_config(project).get("coders", DEFAULT_CODER_POLICY)
    if value not in CODER_POLICIES:
        raise CotagError(f"cotag.toml [suggest] coders = {value!r}: use one of {', '.join(CODER_POLICIES)} "
                         "(who among the coders may see suggestions)")
    return str(value)


def show_at_start(project: Any) -> bool:
    """cotag.toml `[suggest] show`: suggestions are on when the coding screen opens (default: off)."""
    value = suggest_config(project).get("show", False)
    if not isinstance(value, bool):
        raise CotagError(f"cotag.toml [suggest] show = {value!r}: use true or false")
    return value


def stricter(a: str, b: str) -> str:
    return a if CODER_POLICIES.index(a) >= CODER_POLICIES.index(b) else b


def load_evaluation(root: Path) -> dict[str, Any] | None:
    """What `cotag suggest evaluate` last recorded beside the model (None: never run, or unreadable)."""
    try:
        data = json.loads((root / EVALUATION_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def evaluated(model: Suggester, evaluation: Mapping[str, Any] | None) -> bool:
    """True when the evaluation was run on this model's training data: the same codings (data hash), the same
    sources and the same codebook (its examples, rules and keywords teach the model too; an evaluation of the
    codebook before an edit says nothing about the model after it)."""
    return (evaluation is not None and evaluation.get("training_hash") == model.meta.get("training_hash")
            and evaluation.get("include_coders") == model.meta.get("include_coders")
            and evaluation.get("codebook_hash") == model.meta.get("codebook_hash"))


def coder_refusal(project: Any, model: Suggester) -> str | None:
    """Why a coder who is not a lead may not see this model's suggestions (None: they may).

    The lead's `[suggest] coders` setting, the stricter of the project's and the one recorded in the model:
    `none` shows coders nothing; `blind` (default) nothing from a model that learnt from coders' codings."""
    policy = coder_policy(project)
    recorded = model.meta.get("coders_policy", DEFAULT_CODER_POLICY)
    policy = stricter(policy, recorded if recorded in CODER_POLICIES else CODERS_NONE)
    if policy == CODERS_NONE:
        return "the lead has turned suggestions off for coders"
    if policy == CODERS_BLIND and model.meta.get("include_coders"):
        return "this suggester learnt from coders' codings: not shown to a blind coder"
    return None


def configured_threshold(project: Any) -> float | None:
    """cotag.toml `[suggest] threshold`, when the lead set one (None: not set)."""
    value = suggest_config(project).get("threshold")
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0.0 <= float(value) <= 1.0:
        raise CotagError(f"cotag.toml [suggest] threshold must be a number between 0 and 1; got {value!r}")
    return float(value)


def effective_threshold(evaluation: Mapping[str, Any], configured: float | None) -> float:
    """The alpha a code needs now: the evaluation's threshold, or the lead's cotag.toml threshold when that is
    stricter. Raising the threshold in cotag.toml takes effect at once (the evaluation kept every code's alpha);
    lowering it needs `cotag suggest evaluate` again, so that an evaluation run with a strict --threshold is never
    loosened behind its back."""
    saved = float(evaluation.get("threshold", 0.0))
    return saved if configured is None else max(saved, configured)


def passed_codes(model: Suggester, evaluation: Mapping[str, Any] | None, active: Iterable[str],
                 configured: float | None = None) -> list[str]:
    """The codes the evaluation let through (at the effective threshold), still active and modelled, in the model's
    order; [] if not evaluated."""
    if not evaluated(model, evaluation):
        return []
    assert evaluation is not None
    passed = set(evaluation.get("passed", []))
    alphas = evaluation.get("alphas")
    if configured is not None and isinstance(alphas, dict):
        limit = effective_threshold(evaluation, configured)
        passed &= {k for k, v in alphas.items() if isinstance(v, (int, float)) and v >= limit}
    passed &= set(active)
    return [k for k in model.modelled if k in passed]


def source_text(model_key: str, score: float) -> str:
    """Coding.source of an accepted suggestion."""
    from cotag.store.models import SOURCE_SUGGESTION

    return f"{SOURCE_SUGGESTION} model={model_key} score={score:.3f}"


def document_units(document: str, text: str, units: Sequence[Any]) -> DocumentUnits:
    """A transcript as the suggester reads it, from units already loaded (start, end, turn, is_interviewer)."""
    return DocumentUnits(document, [text[u.start:u.end] for u in units], [u.start for u in units],
                         [u.end for u in units], [bool(u.is_interviewer) for u in units], [u.turn for u in units])


@dataclass
class LiveSuggester:
    """The suggester as the coding screen uses it: loaded once, limited to the codes this person may be offered."""

    model: Suggester | None
    codes: list[str]
    model_key: str = ""
    note: str = ""  # why no code (or fewer) is offered, for the status line
    reasons: dict[str, str] = field(default_factory=dict)
    # documents nothing is offered on: for a coder (not a lead), those whose codings taught the model
    withheld: set[str] = field(default_factory=set)

    @property
    def active(self) -> bool:
        return self.model is not None and bool(self.codes)

    @classmethod
    def open(cls, project: Any, *, lead: bool, active_codes: Iterable[str] | None = None) -> LiveSuggester:
        """Load the project's suggester for a lead or a coder; never raises for a missing or unusable model."""
        try:
            policy = coder_policy(project)
        except CotagError as exc:
            return cls(None, [], note=str(exc))
        if not lead and policy == CODERS_NONE:
            return cls(None, [], note="the lead has turned suggestions off for coders")
        path = project.root / MODEL_FILE
        if not path.is_file():
            return cls(None, [], note="no suggester trained yet (`cotag suggest train`)")
        try:
            model = Suggester.load(path)
        except CotagError as exc:
            return cls(None, [], note=str(exc))
        key = model_id(model.meta)
        if not lead:
            refused = coder_refusal(project, model)
            if refused is not None:
                return cls(None, [], key, refused)
        if active_codes is None:
            active_codes = [c.key for c in model.codes]
        try:
            configured = configured_threshold(project)
        except CotagError as exc:
            return cls(None, [], key, str(exc))
        codes = passed_codes(model, load_evaluation(project.root), active_codes, configured)
        if not evaluated(model, load_evaluation(project.root)):
            return cls(model, [], key, "the suggester is not evaluated (`cotag suggest evaluate`)")
        if not codes:
            return cls(model, [], key, "no code passed the evaluation")
        # A coder coding a document the model learnt from (a trainee's practice document, a third coder's) would
        # be shown that document's consensus, sentence by sentence: coders are offered nothing there.
        return cls(model, codes, key, withheld=set() if lead else model.training_documents)

    def offers(self, doc: DocumentUnits) -> list[Suggestion]:
        """The suggestions for a whole document (respondent units), limited to the codes that passed."""
        if self.model is None or not self.codes or doc.document in self.withheld:
            return []
        return self.model.suggest(doc, codes=self.codes)

    def withheld_note(self, document: str) -> str:
        """Why nothing is offered on this document ("" when it is not withheld)."""
        return (WITHHELD_NOTE if document in self.withheld else "")

    def codebook_changed(self, codes: Sequence[Any]) -> bool:
        return self.model is not None and codebook_hash(codes) != self.model.meta.get("codebook_hash")


# --------------------------------------------------------------------------- accepting and dismissing


def accept(session: Any, *, document_id: int, suggestion: Suggestion, model_key: str,
           cursor: int | None = None) -> Any:
    """Apply the suggested code to its unit as the session's coder, recording that it came from a suggestion."""
    return session.apply(document_id=document_id, code=suggestion.code, start=suggestion.start, end=suggestion.end,
                         cursor=cursor, source=source_text(model_key, suggestion.score))


def dismiss(session: Any, *, actor: str, owner: str, document: str, suggestion: Suggestion, model_key: str) -> None:
    """Remember that this coder does not want this code offered on this unit again (an event of their own)."""
    from cotag.store.events import log_event

    log_event(session, kind=DISMISS, actor=actor, payload={
        "document": document, "code": suggestion.code, "start": suggestion.start, "end": suggestion.end,
        "coder": owner, "model": model_key, "score": round(suggestion.score, 4)})


def dismissed(session: Any, *, actor: str, owner: str, document: str) -> set[tuple[str, int, int]]:
    """(code, start, end) this coder dismissed in this document, by any model (a unit's code stays dismissed)."""
    from cotag.store.events import list_events

    events = list_events(session, actor=actor, kind=DISMISS)
    return {(str(e.payload["code"]), int(e.payload["start"]), int(e.payload["end"])) for e in events
            if e.kind == DISMISS and e.payload.get("document") == document and e.payload.get("coder") == owner
            and {"code", "start", "end"} <= set(e.payload)}
