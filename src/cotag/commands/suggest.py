"""`cotag suggest`: train the project's code suggester, suggest codes for a document, evaluate it as a coder."""

from __future__ import annotations

import json
import os
from typing import Any

import typer
from typer.core import TyperGroup

from cotag.commands.common import JsonOption, OptionalLeadOption, emit_json, fail, open_project, split_names


class SuggestGroup(TyperGroup):
    """`cotag suggest DOCUMENT` is `cotag suggest document DOCUMENT`: a name that is no subcommand is a document."""

    def parse_args(self, ctx, args):
        if args and not args[0].startswith("-") and args[0] not in self.commands:
            args = ["document", *args]
        return super().parse_args(ctx, args)


suggest_app = typer.Typer(cls=SuggestGroup, no_args_is_help=True,
                          help="Code suggestions learnt from the codebook and the consensus, measured like a coder: "
                               "`cotag suggest train`, `cotag suggest DOCUMENT`, `cotag suggest evaluate`.")

IncludeCoders = typer.Option(False, "--include-coders", help="Also learn from the coders' codings (documents they "
                             "marked done). Off by default: suggestions learnt from other coders break blindness.")
CodersOption = typer.Option(None, "--coders", help="With --include-coders: only these coders (comma-separated).")


def _threshold(project: Any, given: float | None) -> tuple[float, str]:
    """The alpha a code needs, and where it was set (recorded with the evaluation and in the audit trail)."""
    from cotag.errors import CotagError
    from cotag.suggest.evaluate import DEFAULT_THRESHOLD
    from cotag.suggest.live import suggest_config

    if given is not None:
        value: Any = given
        origin = "--threshold"
    else:
        try:
            section = suggest_config(project)
        except CotagError as exc:  # [suggest] is not a table
            fail(str(exc))
        value = section.get("threshold", DEFAULT_THRESHOLD)
        origin = "cotag.toml [suggest] threshold" if "threshold" in section else "default"
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0.0 <= float(value) <= 1.0:
        fail(f"{'cotag.toml [suggest] threshold' if origin == 'default' else origin} must be a number between "
             f"0 and 1; got {value!r}")
    return float(value), origin


def _training(project: Any, include_coders: bool, coders: str | None) -> Any:
    from cotag.errors import CotagError
    from cotag.services.suggestions import training_data

    names = split_names(coders)
    if names is not None and not include_coders:
        fail("--coders chooses which coders' codings to learn from; it needs --include-coders")
    try:
        return training_data(project, include_coders=include_coders, coders=names)
    except CotagError as exc:
        if str(exc).startswith("--coders:"):
            fail(str(exc))
        raise


@suggest_app.command("train")
def train(include_coders: bool = IncludeCoders, coders: str | None = CodersOption,
          lead: str | None = OptionalLeadOption, as_json: bool = JsonOption) -> None:
    """Train the suggester on the codebook and the consensus (and coders, with --include-coders); save it."""
    from cotag.errors import CotagError
    from cotag.services.suggestions import TRAIN_EVENT, log_run
    from cotag.suggest.model import MODEL_FILE, Suggester

    project = open_project()
    data = _training(project, include_coders, coders)
    try:
        model = Suggester.train(data)
    except CotagError as exc:
        fail(str(exc))
    # the version number a researcher knows the codebook by (the hash beside it catches edits made without one)
    model.meta["codebook_version"] = _codebook_version(project)
    # the lead's [suggest] coders setting travels with the model: a copy handed to a coder keeps the restriction
    model.meta["coders_policy"] = _coders_policy(project)
    path = project.root / MODEL_FILE
    try:
        model.save(path)
    except OSError as exc:
        fail(f"cannot write {path}: {exc.strerror or exc}")
    meta = {**model.meta, "path": str(path), "modelled": model.modelled,
            "not_modelled": [c.key for c in data.codes if c.key not in model.modelled], "notes": data.notes}
    log_run(project, kind=TRAIN_EVENT, actor=lead or "", payload={
        k: meta[k] for k in ("model_id", "sources", "include_coders", "documents", "samples", "training_hash",
                             "codebook_hash", "codebook_version", "coders_policy")})
    if as_json:
        emit_json(meta)
        return
    for note in data.notes:
        typer.echo(f"note: {note}", err=True)
    learnt = ", ".join(meta["sources"]) or "the codebook only"
    typer.echo(f"trained on {learnt}: {meta['documents']} documents, {meta['samples']} unit judgements, "
               f"{meta['codebook_samples']} codebook examples and rules; {len(model.modelled)} codes in "
               f"{meta['seconds']:.1f} s")
    if meta["not_modelled"]:
        typer.echo("no suggestions possible (nothing to tell apart) for: " + ", ".join(meta["not_modelled"]))
    typer.echo(f"saved {path}")


def _codebook_version(project: Any) -> int | None:
    from cotag.codebook import load_codebook
    from cotag.errors import CotagError

    path = project.codebook_path
    if path is None or not path.is_file():
        return None
    try:
        return load_codebook(path).version
    except CotagError:
        return None


def _load_evaluation(project: Any) -> dict[str, Any] | None:
    from cotag.suggest.live import load_evaluation

    return load_evaluation(project.root)


def _coders_policy(project: Any) -> str:
    from cotag.errors import CotagError
    from cotag.suggest.live import coder_policy

    try:
        return coder_policy(project)
    except CotagError as exc:
        fail(str(exc))
        raise


@suggest_app.command("document")
def document(document_id: str = typer.Argument(..., metavar="DOCUMENT", help="Document id (see `cotag documents list`)."),
             all_codes: bool = typer.Option(False, "--all-codes", help="Every code the suggester knows, not only "
                                            "those that passed `cotag suggest evaluate`."),
             coder: str | None = typer.Option(None, "--coder", envvar="COTAG_CODER", metavar="NAME",
                                              help="Who asks (env COTAG_CODER): a coder who is not a lead sees only "
                                              "what the lead's [suggest] coders setting allows. On PostgreSQL a "
                                              "coder's database role decides."),
             as_json: bool = JsonOption) -> None:
    """Codes suggested for each unit of a document, with a score and the reasons (keyword, example, similar unit)."""
    from cotag.errors import CotagError
    from cotag.services.suggestions import asker, document_for_suggestions
    from cotag.suggest.data import codebook_hash
    from cotag.suggest.live import coder_refusal, configured_threshold, effective_threshold, evaluated, passed_codes
    from cotag.suggest.model import MODEL_FILE, Suggester

    project = open_project()
    model = Suggester.load(project.root / MODEL_FILE)
    who, is_lead = asker(project, coder)
    if not is_lead:
        try:
            refused = coder_refusal(project, model)
        except CotagError as exc:
            fail(str(exc))
        if refused is not None:
            fail(f"no suggestions for {who}: {refused} (the lead decides, with [suggest] coders in cotag.toml; "
                 "see docs/suggestions.md)")
        if all_codes:
            fail(f"--all-codes is the lead's: {who} sees only the codes that passed `cotag suggest evaluate`, "
                 "as in the coding screen")
    current, doc = document_for_suggestions(project, document_id)
    if not is_lead and doc.document in model.training_documents:
        from cotag.suggest.live import WITHHELD_NOTE

        fail(f"{WITHHELD_NOTE.replace('this document', doc.document)} (asked as {who}, not a lead)")
    notes = []
    if codebook_hash(current) != model.meta.get("codebook_hash"):
        notes.append("the codebook changed since the suggester was trained: run `cotag suggest train`")
    active = {c.key for c in current}
    evaluation = _load_evaluation(project)
    if all_codes:
        codes = [k for k in model.modelled if k in active]
        basis = "all codes (--all-codes)"
    elif evaluation is not None and evaluated(model, evaluation):
        try:
            configured = configured_threshold(project)
        except CotagError as exc:
            fail(str(exc))
        codes = passed_codes(model, evaluation, active, configured)
        basis = (f"codes with alpha >= {effective_threshold(evaluation, configured)} against "
                 f"{evaluation['against']}")
        if configured is not None and configured < float(evaluation["threshold"]):
            notes.append(f"cotag.toml's threshold {configured} is below the evaluation's {evaluation['threshold']}: "
                         "run `cotag suggest evaluate` again to let more codes through")
    else:
        codes = [k for k in model.modelled if k in active]
        basis = "all codes: not evaluated on this training data"
        notes.append("these suggestions are not evaluated: run `cotag suggest evaluate` to learn which codes "
                     "the suggester may suggest")
    suggestions = model.suggest(doc, codes=codes)
    if as_json:
        emit_json({"document": doc.document, "codes": codes, "basis": basis, "notes": notes,
                   "trained": {k: model.meta.get(k) for k in ("trained_at", "sources", "include_coders",
                                                              "training_hash", "codebook_version")},
                   "suggestions": [{**s.to_dict(), "text": doc.texts[s.unit]} for s in suggestions]})
        return
    for note in notes:
        typer.echo(f"note: {note}", err=True)
    typer.echo(f"{doc.document}: {len(suggestions)} suggestions ({basis})")
    for s in suggestions:
        text = doc.texts[s.unit]
        # units numbered from 1, as the transcript screen, `reconcile list` and the exports number them
        typer.echo(f"unit {s.unit + 1:>4}  {s.code:<24} {s.score:.2f}  {text[:90]}")
        for r in s.reasons:
            if r["kind"] == "keyword":
                typer.echo(f"{'':12}keyword: {', '.join(r['keywords'])}")
            elif r["kind"] == "example":
                typer.echo(f"{'':12}like the codebook example of {s.code} ({r['similarity']:.2f}): "
                           f"{r['example'][:80]}")
            else:
                where = f"unit {r['unit']} of {r['document']}" if "unit" in r else f"a unit of {r['document']}"
                typer.echo(f"{'':12}like {where}, coded {s.code} ({r['similarity']:.2f}): {r['text'][:70]}")


@suggest_app.command("evaluate")
def evaluate(against: str = typer.Option("consensus", "--against", help="Whose codings are the truth: consensus "
                                         "or a coder's name."),
             threshold: float | None = typer.Option(None, "--threshold", help="Alpha a code needs before it may be "
                                                    "suggested (default: cotag.toml \\[suggest] threshold, else 0.667)."),
             folds: int = typer.Option(5, "--folds", help="Cross-validation folds (by document)."),
             include_coders: bool = IncludeCoders, coders: str | None = CodersOption,
             bootstrap: int = typer.Option(0, "--bootstrap", help="Bootstrap replicates for 95% intervals of "
                                           "alpha (e.g. 2000), as `cotag agreement --bootstrap`."),
             seed: int = typer.Option(20240607, "--seed", help="Bootstrap seed."),
             lead: str | None = OptionalLeadOption, as_json: bool = JsonOption) -> None:
    """Cross-validate by document and score the suggester as a coder (alpha, kappa per code), beside keywords alone."""
    from cotag.services.suggestions import EVALUATE_EVENT, evaluation_data, log_run
    from cotag.suggest.data import codebook_hash
    from cotag.suggest.evaluate import cross_validate

    if folds < 2:
        fail("--folds needs at least 2")
    if bootstrap < 0:
        fail("--bootstrap needs a number of replicates >= 0")
    project = open_project()
    limit, origin = _threshold(project, threshold)
    data = _training(project, include_coders, coders)
    docs, documents, spans, hidden = evaluation_data(project, against)
    if len(docs) < 2:
        if hidden:
            fail(f"{hidden}; evaluate against your own codings with --against NAME, or ask the lead to evaluate")
        what = ("there is no consensus yet (`cotag reconcile` writes it)" if against == "consensus" and not docs
                else f"{against!r} coded {len(docs)} document(s) (a coder's documents count when marked done)")
        fail(f"{what}; cross-validation by document needs at least two"
             + ("; evaluate against a coder with --against NAME" if against == "consensus" else ""))
    from cotag.suggest.live import EVALUATION_FILE

    result = cross_validate(data, against, documents, spans, folds=folds, threshold=limit, bootstrap=bootstrap,
                            seed=seed)
    out = result.to_dict()
    out["training_hash"] = data.data_hash
    out["codebook_hash"] = codebook_hash(data.codes)
    out["include_coders"] = include_coders
    out["threshold_from"] = origin
    out["notes"] = data.notes
    path = project.root / EVALUATION_FILE
    saved = {k: out[k] for k in ("against", "threshold", "threshold_from", "passed", "pooled_alpha",
                                 "keyword_pooled_alpha", "training_hash", "codebook_hash", "include_coders")}
    # every code's alpha: a threshold the lead raises later in cotag.toml applies without evaluating again
    saved["alphas"] = {row["code"]: row["alpha"] for row in out["codes"]}
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text(json.dumps(saved, indent=2), encoding="utf-8")
        os.replace(tmp, path)
    except OSError as exc:
        fail(f"cannot write {path}: {exc.strerror or exc}")
    log_run(project, kind=EVALUATE_EVENT, actor=lead or "", payload={
        **{k: v for k, v in saved.items() if k != "alphas"}, "folds": out["folds"], "documents": out["documents"],
        "sources": data.sources})
    if as_json:
        emit_json(out)
        return
    for note in data.notes:
        typer.echo(f"note: {note}", err=True)
    from cotag.suggest.evaluate import render_text

    typer.echo(render_text(out, learnt=data.sources, threshold_from=origin), nl=False)


def register(app: typer.Typer) -> None:
    app.add_typer(suggest_app, name="suggest")
