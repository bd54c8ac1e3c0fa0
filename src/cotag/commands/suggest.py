"""`cotag suggest`: train the project's code suggester, suggest codes for a document, evaluate it as a coder."""

from __future__ import annotations

import json
import os
from typing import Any

import typer
from typer.core import TyperGroup

from cotag.commands.common import emit_json, fail, open_project, split_names



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


def _threshold(project: Any, given: float | None) -> float:
    from cotag.suggest.evaluate import DEFAULT_THRESHOLD

    if given is not None:
        value = given
        origin = "--threshold"
    else:
        value = project.config.get("suggest", {}).get("threshold", DEFAULT_THRESHOLD)
        origin = "cotag.toml [suggest] threshold"
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0.0 <= float(value) <= 1.0:
        fail(f"{origin} must be a number between 0 and 1; got {value!r}")
    return float(value)


def _training(project: Any, include_coders: bool, coders: str | None):
    from cotag.suggest.data import read_training

    names = split_names(coders)
    if names is not None and not include_coders:
        fail("--coders chooses which coders' codings to learn from; it needs --include-coders")
    with project.session() as session:
        if names is not None:
            from cotag.suggest.data import coder_names

            unknown = [n for n in names if n not in coder_names(session)]
            if unknown:
                fail(f"--coders: no coder named {', '.join(map(repr, unknown))}")
        return read_training(session, include_coders=include_coders, coders=names)


@suggest_app.command("train")
def train(include_coders: bool = IncludeCoders, coders: str | None = CodersOption,
          as_json: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """Train the suggester on the codebook and the consensus (and coders, with --include-coders); save it."""
    from cotag.suggest.model import MODEL_FILE, Suggester

    project = open_project()
    data = _training(project, include_coders, coders)
    model = Suggester.train(data)
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
            "not_modelled": [c.key for c in data.codes if c.key not in model.modelled]}
    if as_json:
        emit_json(meta)
        return
    learnt = ", ".join(meta["sources"]) or "the codebook only (no consensus yet)"
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
             as_json: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """Codes suggested for each unit of a document, with a score and the reasons (keyword, example, similar unit)."""
    from cotag.suggest.data import codebook_hash, read_codes, read_documents
    from cotag.suggest.live import evaluated, passed_codes
    from cotag.suggest.model import MODEL_FILE, Suggester

    project = open_project()
    model = Suggester.load(project.root / MODEL_FILE)
    with project.session() as session:
        current = read_codes(session)
        (doc,) = read_documents(session, [document_id])
    notes = []
    if codebook_hash(current) != model.meta.get("codebook_hash"):
        notes.append("the codebook changed since the suggester was trained: run `cotag suggest train`")
    active = {c.key for c in current}
    evaluation = _load_evaluation(project)
    if all_codes:
        codes = [k for k in model.modelled if k in active]
        basis = "all codes (--all-codes)"
    elif evaluation is not None and evaluated(model, evaluation):
        codes = passed_codes(model, evaluation, active)
        basis = f"codes with alpha >= {evaluation['threshold']} against {evaluation['against']}"
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
        typer.echo(f"unit {s.unit:>4}  {s.code:<24} {s.score:.2f}  {text[:90]}")
        for r in s.reasons:
            if r["kind"] == "keyword":
                typer.echo(f"{'':12}keyword: {', '.join(r['keywords'])}")
            elif r["kind"] == "example":
                typer.echo(f"{'':12}like the codebook example ({r['similarity']:.2f}): {r['example'][:80]}")
            else:
                typer.echo(f"{'':12}like a coded unit of {r['document']} ({r['similarity']:.2f}): {r['text'][:70]}")


@suggest_app.command("evaluate")
def evaluate(against: str = typer.Option("consensus", "--against", help="Whose codings are the truth: consensus "
                                         "or a coder's name."),
             threshold: float | None = typer.Option(None, "--threshold", help="Alpha a code needs before it may be "
                                                    "suggested (default: cotag.toml \\[suggest] threshold, else 0.667)."),
             folds: int = typer.Option(5, "--folds", help="Cross-validation folds (by document)."),
             include_coders: bool = IncludeCoders, coders: str | None = CodersOption,
             as_json: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """Cross-validate by document and score the suggester as a coder (alpha, kappa per code), beside keywords alone."""
    from cotag.suggest.data import coded_documents, read_documents, read_spans
    from cotag.suggest.evaluate import cross_validate

    if folds < 2:
        fail("--folds needs at least 2")
    project = open_project()
    limit = _threshold(project, threshold)
    data = _training(project, include_coders, coders)
    with project.session() as session:
        docs = coded_documents(session, against)
        if len(docs) < 2:
            fail(f"{against!r} coded {len(docs)} document(s) (documents count when marked done); cross-validation "
                 f"needs at least two" + ("; evaluate against a coder with --against NAME"
                                          if against == "consensus" else ""))
        documents = read_documents(session, docs)
        spans = read_spans(session, against, docs)
    from cotag.suggest.live import EVALUATION_FILE

    result = cross_validate(data, against, documents, spans, folds=folds, threshold=limit)
    out = result.to_dict()
    out["training_hash"] = data.data_hash
    out["include_coders"] = include_coders
    path = project.root / EVALUATION_FILE
    saved = {k: out[k] for k in ("against", "threshold", "passed", "pooled_alpha", "keyword_pooled_alpha",
                                 "training_hash", "include_coders")}
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text(json.dumps(saved, indent=2), encoding="utf-8")
        os.replace(tmp, path)
    except OSError as exc:
        fail(f"cannot write {path}: {exc.strerror or exc}")
    if as_json:
        emit_json(out)
        return

    def f(v: float | None) -> str:
        return f"{v:.3f}" if v is not None else "n/a"

    typer.echo(f"suggester against {against}: {out['documents']} documents in {out['folds']} folds (by document); "
               f"learnt from {', '.join(data.sources) or 'the codebook only'}")
    typer.echo(f"{'code':<24}{'alpha':>8}{'kappa':>8}{'keywords':>10}  may suggest")
    for row in out["codes"]:
        why = "" if row["alpha"] is not None else f"  ({row['undefined_reason']})"
        typer.echo(f"{row['code']:<24}{f(row['alpha']):>8}{f(row['kappa']):>8}{f(row['keyword_alpha']):>10}  "
                   f"{'yes' if row['passed'] else 'no'}{why}")
    typer.echo(f"{'pooled alpha':<24}{f(out['pooled_alpha']):>8}{'':>8}{f(out['keyword_pooled_alpha']):>10}")
    typer.echo(f"may suggest (alpha >= {limit}): {', '.join(out['passed']) or 'no code'}")


def register(app: typer.Typer) -> None:
    app.add_typer(suggest_app, name="suggest")
