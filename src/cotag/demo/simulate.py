"""Simulated coders: the demo corpus's reference coding with controlled, seeded noise.

A simulated coder starts from transcripts/reference.csv (the generator's own coding)
and, with noise p:

- misses each reference span with probability p;
- shifts the boundaries of each kept span with probability p (start and end move by up
  to `SHIFT_CHARS` characters, so a span may spill into, or fall short of, a neighbouring
  sentence); given the document's text, a moved boundary lands on a word boundary, as a
  person selecting words would leave it, never in the middle of a word;
- adds extra codings: about p x (number of reference spans) respondent sentences that the
  reference left uncoded get a code drawn from the codes the reference uses.

With p = 0 the coder is an exact copy of the reference.  Every coder gets their own
random stream derived from (seed, coder name), so adding a coder does not change the
others, and all coders of one call code the same documents, which they mark done.
"""

from __future__ import annotations

import csv
import hashlib
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

SHIFT_CHARS = 40
DEFAULT_NOISE = 0.15
DEFAULT_SEED = 7
DEMO_CODERS: tuple[str, ...] = ("aliya", "bauyrzhan")
DEMO_DOCUMENTS = 20

RefSpan = tuple[str, int, int]  # code, start, end


@dataclass(frozen=True)
class SimulationReport:
    coders: list[str]
    documents: list[str]
    codings: dict[str, int]
    noise: float
    seed: int

    def as_dict(self) -> dict[str, Any]:
        return {"coders": self.coders, "documents": self.documents, "codings": self.codings,
                "noise": self.noise, "seed": self.seed}


def read_reference(path: str | Path) -> dict[str, list[RefSpan]]:
    """document id -> [(code, start, end)] from a reference CSV (document,code,start,end[,text])."""
    out: dict[str, list[RefSpan]] = defaultdict(list)
    with Path(path).open(newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            out[row["document"]].append((row["code"], int(row["start"]), int(row["end"])))
    return dict(out)


def coder_rng(seed: int, name: str) -> np.random.Generator:
    """A stream per (seed, coder): stable whatever other coders are simulated alongside."""
    digest = hashlib.sha256(f"{seed}:{name}".encode()).digest()
    return np.random.default_rng(int.from_bytes(digest[:8], "little"))


OPENERS = frozenset("\"«“„‘([")


def snap_to_words(text: str, start: int, end: int) -> tuple[int, int]:
    """Widen (start, end) to whole words; start at a word or its opening quote, end before white space."""
    while 0 < start < len(text) and text[start - 1].isalnum() and text[start].isalnum():
        start -= 1
    while 0 < end < len(text) and text[end - 1].isalnum() and text[end].isalnum():
        end += 1
    # a selection starts at a word (or the quote or bracket that opens it), never at ": " or ", "
    while start < end - 1 and not (text[start].isalnum() or text[start] in OPENERS):
        start += 1
    while end > start + 1 and text[end - 1].isspace():
        end -= 1
    return start, end


def perturb(reference: Sequence[RefSpan], units: Sequence[tuple[int, int]], text_length: int,
            codes: Sequence[str], noise: float, rng: np.random.Generator,
            text: str | None = None) -> list[RefSpan]:
    """One coder's spans for one document: the reference with misses, shifts and extras.

    units: (start, end) of the document's respondent sentences (where extras may land).
    text: the document's text; when given, shifted boundaries are snapped to whole words
    (the random draws are the same either way, so a seed gives the same misses and extras).
    """
    if not 0.0 <= noise <= 1.0:
        raise ValueError(f"noise must lie between 0 and 1; got {noise}")
    out: list[RefSpan] = []
    for code, start, end in reference:
        if rng.random() < noise:
            continue  # missed
        if rng.random() < noise:
            ds, de = rng.integers(-SHIFT_CHARS, SHIFT_CHARS + 1, size=2)
            s = int(min(max(0, start + ds), text_length - 1))
            e = int(min(max(s + 1, end + de), text_length))
            start, end = snap_to_words(text, s, e) if text is not None else (s, e)
        out.append((code, start, end))
    if noise > 0 and codes and units:
        u = np.asarray(units, dtype=np.int64).reshape(-1, 2)
        r = np.asarray([(s, e) for _, s, e in reference], dtype=np.int64).reshape(-1, 2)
        # a unit is free when no reference span overlaps it (one broadcast per document)
        hit = (r[None, :, 0] < u[:, None, 1]) & (r[None, :, 1] > u[:, None, 0])
        free = [tuple(x) for x in u[~hit.any(axis=1)].tolist()]
        if free:
            n_extra = int(rng.binomial(len(reference) or 1, noise))
            n_extra = min(n_extra, len(free))
            for i in rng.choice(len(free), size=n_extra, replace=False):
                s, e = free[int(i)]
                out.append((str(codes[int(rng.integers(len(codes)))]), int(s), int(e)))
    return out


def choose_documents(available: Sequence[str], n: int | None, seed: int) -> list[str]:
    """n documents (all when None) drawn with the seed, returned in id order."""
    pool = sorted(available)
    if n is None or n >= len(pool):
        return pool
    if n < 1:
        raise ValueError(f"--documents needs at least 1; got {n}")
    rng = np.random.default_rng(seed)
    return sorted(pool[int(i)] for i in rng.choice(len(pool), size=n, replace=False))


def default_reference() -> Path:
    from cotag.demo.project import corpus_root

    return corpus_root() / "transcripts" / "reference.csv"


def simulate_coders(session: Any, names: Sequence[str], *, noise: float = DEFAULT_NOISE,
                    documents: int | None = DEMO_DOCUMENTS, seed: int = DEFAULT_SEED,
                    reference: str | Path | None = None, document_ids: Sequence[str] | None = None
                    ) -> SimulationReport:
    """Create the coders, write their codings and mark their documents done.

    The documents are those of the reference that are in the project: `document_ids`
    when given, else `documents` of them drawn with the seed (None = all).  Refuses to
    write for a coder who already has codings in one of those documents, so a rerun
    never doubles a coder's work.
    """
    from cotag.errors import CotagError
    from cotag.store import codings as coding_store
    from cotag.store import progress as progress_store
    from cotag.store import simulation as store
    from cotag.store.coders import get_or_create_coder
    from cotag.store.models import PROGRESS_DONE

    if not names:
        raise CotagError("name at least one coder to simulate")
    if len(set(names)) != len(names):
        raise CotagError("each simulated coder needs a different name")
    if not 0.0 <= noise <= 1.0:
        raise CotagError(f"--noise must lie between 0 and 1; got {noise}")
    ref_path = Path(reference) if reference is not None else default_reference()
    if not ref_path.is_file():
        raise CotagError(f"{ref_path}: reference coding not found")
    ref = read_reference(ref_path)
    in_project = store.texts_by_external_id(session, list(ref))
    if document_ids is not None:
        unknown = [d for d in document_ids if d not in in_project]
        if unknown:
            raise CotagError(f"not in both the project and the reference coding: {', '.join(unknown)}")
        chosen = sorted(dict.fromkeys(document_ids))
    else:
        if not in_project:
            raise CotagError(f"no document of {ref_path.name} is in this project (import the demo transcripts)")
        try:
            chosen = choose_documents(list(in_project), documents, seed)
        except ValueError as exc:
            raise CotagError(str(exc)) from None
    codes = store.code_ids(session)
    used_codes = sorted({code for d in chosen for code, _, _ in ref[d]})
    missing = [c for c in used_codes if c not in codes]
    if missing:
        raise CotagError(f"the reference uses codes the project lacks: {', '.join(missing)} (load the codebook)")
    doc_ids = [in_project[d][0] for d in chosen]
    units = store.respondent_units(session, doc_ids)

    counts: dict[str, int] = {}
    for name in names:
        coder = get_or_create_coder(session, name=name)
        assert coder.id is not None  # flushed: the coder has its id
        busy = store.first_coded_document(session, coder_id=coder.id, document_ids=doc_ids)
        if busy is not None:
            ext = next(d for d in chosen if in_project[d][0] == busy)
            raise CotagError(f"coder {name!r} already has codings in {ext}; choose another name or other documents")
        rng = coder_rng(seed, name)
        rows = []
        for ext in chosen:
            doc_id, text = in_project[ext]
            for code, start, end in perturb(ref[ext], units.get(doc_id, []), len(text), used_codes, noise, rng, text=text):
                rows.append({"document_id": doc_id, "code_id": codes[code], "coder_id": coder.id,
                             "start": start, "end": end})
        counts[name] = coding_store.add_codings(session, rows=rows)
        for doc_id in doc_ids:
            progress_store.touch(session, coder_id=coder.id, document_id=doc_id, status=PROGRESS_DONE)
    return SimulationReport(list(names), chosen, counts, noise, seed)
