"""The suggester: one class-weighted logistic regression per code over `features`, with reasons.

Training samples are the respondent units of the training documents, one per (unit, source): on a
document two coders coded, a unit one of them coded counts once as yes and once as no, so the
model learns how sure the team is.  The codebook adds a few samples of its own: each example and
include rule is a unit of its code (and of no other), each exclude rule a unit that is not of its
code.  With no codings at all the suggester is then a codebook-only one, and says so.

A suggestion carries its score (the model's probability) and the reasons a researcher can check:
the code's keywords in the unit, the codebook example it resembles, and the most similar unit the
training sources coded with the code.

The saved file (.cotag/suggester.npz) holds arrays and one JSON text: loading it runs no code,
unlike a pickle, so a project folder shared by a team cannot smuggle any in.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from cotag.errors import CotagError
from cotag.suggest.data import CodeInfo, DocumentUnits, TrainingData, codebook_hash
from cotag.suggest.features import (
    Vocabulary,
    document_features,
    keyword_pattern,
    matched_keywords,
    text_features,
)

MODEL_FILE = Path(".cotag") / "suggester.npz"
FORMAT = 1
DECISION = 0.5  # probability at which a code is suggested
MAX_PER_UNIT = 2  # codes suggested per unit at most: the codebook asks for one or two per sentence
EXAMPLE_SIMILARITY = 0.25  # cosine at which a codebook example is named as a reason
SIMILAR_UNIT = 0.2  # ... and a coded unit
SNIPPET = 120
# L2 penalty when the codebook is all there is to learn from (some 100 samples): SGD's learning rate falls as
# 1/(alpha t), and with the 1e-5 that suits 13,000 coded sentences the first steps on 100 samples are so large
# that the weights diverge and every probability is 0 or 1 (seen: "Let me answer in my own way." scored 1.00
# for two codes). A hundredfold larger penalty keeps the codebook-only scores moderate.
CODEBOOK_ONLY_ALPHA = 1e-2


def model_id(meta: dict[str, Any]) -> str:
    """A short id of one trained model (its training moment, data and codebook): what an accepted suggestion cites."""
    import hashlib

    if meta.get("model_id"):
        return str(meta["model_id"])
    basis = f"{meta.get('trained_at')}\0{meta.get('training_hash')}\0{meta.get('codebook_hash')}"
    return hashlib.sha256(basis.encode()).hexdigest()[:12]


@dataclass
class Suggestion:
    document: str
    unit: int
    start: int
    end: int
    code: str
    score: float
    reasons: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """As people read it: `unit` numbered from 1, as the transcript screen, `reconcile list` and the exports do."""
        return {"document": self.document, "unit": self.unit + 1, "start": self.start, "end": self.end,
                "code": self.code, "score": round(self.score, 4), "reasons": self.reasons}


def _codebook_samples(codes: Sequence[CodeInfo]) -> list[tuple[str, str, bool]]:
    """(code, text, is_positive) from the codebook: examples and include rules yes, exclude rules no."""
    out = []
    for code in codes:
        out += [(code.key, t, True) for t in (*code.examples, *code.include) if t.strip()]
        # "Higher pay abroad -> pull-wages": the text before the arrow describes what is not this code
        out += [(code.key, t.split("->")[0], False) for t in code.exclude if t.split("->")[0].strip()]
    return out


class Suggester:
    """A trained suggester: vocabulary, per-code weights, and what it needs to give reasons."""

    def __init__(self, *, codes: list[CodeInfo], modelled: list[str], vocab: Vocabulary, coef: np.ndarray,
                 intercept: np.ndarray, similar: Any, similar_codes: list[list[str]],
                 similar_refs: list[list[Any]], meta: dict[str, Any]) -> None:
        self.codes = codes
        self.modelled = modelled
        self.vocab = vocab
        self.coef = coef
        self.intercept = intercept
        self.similar = similar  # CSR: own TF-IDF of training units that carry a code
        self.similar_codes = similar_codes
        self.similar_refs = similar_refs  # [document, start, end, text]
        self.meta = meta
        self._patterns = [keyword_pattern(c.keywords) for c in codes]
        self._code_index = {c.key: i for i, c in enumerate(codes)}
        self._examples = None
        self._similar_index: dict[str, np.ndarray] | None = None
        self._places: tuple[np.ndarray, np.ndarray] | None = None

    # ------------------------------------------------------------------ training

    @classmethod
    def train(cls, data: TrainingData, *, alpha: float = 1e-5, epochs: int = 15, seed: int = 0) -> Suggester:
        """Fit one classifier per code that has both yes and no samples; scikit-learn is imported here only.

        Logistic regression fitted by stochastic gradient descent (log loss, L2 penalty `alpha`, classes
        weighted by their frequency): on the demo corpus's 13,000 samples x 36,000 features it is
        some ten times faster than liblinear, which would break the 10 s training budget.
        """
        from scipy import sparse
        from sklearn.linear_model import SGDClassifier

        began = time.perf_counter()
        codes = list(data.codes)
        index = {c.key: j for j, c in enumerate(codes)}
        n_codes = len(codes)
        by_doc = {d.document: d for d in data.documents}
        used_docs = sorted({lab.document for lab in data.labels})
        book = _codebook_samples(codes)
        vocab = Vocabulary.fit([t for d in used_docs for t in by_doc[d].texts] + [t for _, t, _ in book])
        patterns = [keyword_pattern(c.keywords) for c in codes]
        blocks, owns, y_rows, w_rows = [], [], [], []
        features: dict[str, tuple[Any, Any]] = {}
        for lab in data.labels:
            doc = by_doc[lab.document]
            rows = doc.respondent
            if not rows:
                continue
            if doc.document not in features:
                features[doc.document] = document_features(vocab, patterns, doc.texts, rows)
                own_doc = features[doc.document][1]
                owns.append((doc, rows, own_doc))
            x_doc, _ = features[doc.document]
            y = np.zeros((len(rows), n_codes))
            position = {u: r for r, u in enumerate(rows)}
            for key, units in lab.units.items():
                if key in index:
                    for u in units:
                        if u in position:  # a span on an interviewer sentence teaches nothing here
                            y[position[u], index[key]] = 1.0
            blocks.append(x_doc)
            y_rows.append(y)
            w_rows.append(np.ones((len(rows), n_codes)))
        n_units = sum(len(y) for y in y_rows)
        if book:
            blocks.append(text_features(vocab, patterns, [t for _, t, _ in book]))
            y = np.zeros((len(book), n_codes))
            w = np.zeros((len(book), n_codes))
            for r, (key, _, positive) in enumerate(book):
                if positive:  # an example of one code is an example of no other
                    y[r, index[key]] = 1.0
                    w[r] = 1.0
                w[r, index[key]] = 1.0
            y_rows.append(y)
            w_rows.append(w)
        if not blocks:
            raise CotagError("nothing to learn from: no codings by the chosen sources and no examples, include "
                             "or exclude rules in the codebook")
        x = sparse.vstack(blocks, format="csr")
        y_all, w_all = np.vstack(y_rows), np.vstack(w_rows)
        if n_units == 0:
            alpha = max(alpha, CODEBOOK_ONLY_ALPHA)
        modelled, coefs, intercepts = [], [], []
        for j, code in enumerate(codes):
            use = np.flatnonzero(w_all[:, j] > 0)
            yj = y_all[use, j]
            if yj.min(initial=1.0) == yj.max(initial=0.0):
                continue  # only yes or only no: nothing to tell apart
            clf = SGDClassifier(loss="log_loss", alpha=alpha, class_weight="balanced", max_iter=epochs, tol=None,
                                random_state=seed)
            clf.fit(x[use], yj)
            modelled.append(code.key)
            coefs.append(clf.coef_[0])
            intercepts.append(clf.intercept_[0])
        # what "similar coded unit" is looked up in: each training unit that some source coded, once
        sim_rows, similar_codes, similar_refs = [], [], []
        per_doc_labels: dict[str, list[Any]] = {}
        for lab in data.labels:
            per_doc_labels.setdefault(lab.document, []).append(lab)
        for doc, rows, own_doc in owns:
            for r, u in enumerate(rows):
                keys = sorted({k for lab in per_doc_labels[doc.document] for k, us in lab.units.items()
                               if u in us and k in index})
                if keys:
                    sim_rows.append(own_doc[r])
                    similar_codes.append(keys)
                    similar_refs.append([doc.document, doc.starts[u], doc.ends[u], doc.texts[u][:SNIPPET], u])
        similar = sparse.vstack(sim_rows, format="csr") if sim_rows else sparse.csr_matrix((0, len(vocab)))
        width = x.shape[1]
        meta = {
            "format": FORMAT,
            "trained_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "sources": list(data.sources),
            "include_coders": data.include_coders,
            "training_hash": data.data_hash,
            "codebook_hash": codebook_hash(codes),
            "documents": len(used_docs),
            # whose codings taught it: a coder is offered nothing there (it would show that document's consensus)
            "training_documents": used_docs,
            "samples": n_units,
            "codebook_samples": len(book),
            "positives": {c.key: int(y_all[:n_units, j].sum()) for j, c in enumerate(codes)},
            "seconds": round(time.perf_counter() - began, 3),
            "penalty": alpha,
        }
        meta["model_id"] = model_id(meta)
        return cls(codes=codes, modelled=modelled, vocab=vocab,
                   coef=np.vstack(coefs) if coefs else np.zeros((0, width)), intercept=np.asarray(intercepts),
                   similar=similar, similar_codes=similar_codes, similar_refs=similar_refs, meta=meta)

    # ------------------------------------------------------------------ suggesting

    def scores(self, doc: DocumentUnits) -> tuple[list[int], np.ndarray, Any]:
        """(respondent unit indices, units x modelled codes probabilities, own TF-IDF rows)."""
        units = doc.respondent
        if not units or not self.modelled:
            return units, np.zeros((len(units), len(self.modelled))), None
        x, own = document_features(self.vocab, self._patterns, doc.texts, units)
        z = np.asarray(x @ self.coef.T) + self.intercept
        prob = 1.0 / (1.0 + np.exp(-np.clip(z, -30, 30)))
        # a unit with no word the suggester has seen would be scored by its neighbours and the intercept
        # alone: nothing in the unit itself to point to, so no suggestion
        prob[np.diff(own.indptr) == 0] = 0.0
        return units, prob, own

    def decide(self, probabilities: np.ndarray, decision: float = DECISION) -> np.ndarray:
        """Boolean units x modelled codes: the codes suggested (at most MAX_PER_UNIT per unit, the likeliest)."""
        chosen = probabilities >= decision
        if probabilities.shape[1] > MAX_PER_UNIT:
            rank = np.argsort(-probabilities, axis=1)[:, MAX_PER_UNIT:]
            np.put_along_axis(chosen, rank, False, axis=1)
        return chosen

    @property
    def training_documents(self) -> set[str]:
        """The documents whose codings taught this model (older models: those with a coded unit on record)."""
        recorded = self.meta.get("training_documents")
        if isinstance(recorded, list):
            return {str(d) for d in recorded}
        return {str(ref[0]) for ref in self.similar_refs}

    def predict(self, doc: DocumentUnits, decision: float = DECISION) -> dict[str, set[int]]:
        """code -> unit indices suggested: exactly what `suggest` offers (evaluation measures what is shown)."""
        out: dict[str, set[int]] = {}
        for s in self.suggest(doc, decision=decision):
            out.setdefault(s.code, set()).add(s.unit)
        return out

    def suggest(self, doc: DocumentUnits, *, codes: Sequence[str] | None = None,
                decision: float = DECISION) -> list[Suggestion]:
        """Suggestions for a document's respondent units, in text order, each with its reasons.

        codes: only these (e.g. the codes that passed evaluation); None = every modelled code.
        A code the model scores high but for which no reason can be named (no keyword of the code in the unit,
        no codebook example and no coded unit like it) is not suggested: a researcher could not check it, and
        such suggestions are mostly the model's guesses from the neighbours' words (on the demo corpus 0.5% of
        the suggestions of a model trained on codings; most of a codebook-only model's).
        Unit indices are 0-based here, as in DocumentUnits; people see them from 1 (the command line adds one).
        """
        units, prob, own = self.scores(doc)
        chosen = self.decide(prob, decision)
        wanted = set(self.modelled if codes is None else codes)
        picks = [(r, j) for r, j in zip(*np.nonzero(chosen)) if self.modelled[j] in wanted]
        if not picks:
            return []
        # one product each for all suggestions: the units against the examples and the coded units
        pairs, vectors, example_rows = self._example_vectors()
        example_sims = np.asarray((own @ vectors.T).todense()) if vectors.shape[0] else None
        unit_sims = np.asarray((own @ self.similar.T).todense()) if self.similar.shape[0] else None
        out = []
        for r, j in picks:
            key = self.modelled[j]
            i = units[r]
            reasons: list[dict[str, Any]] = []
            found = matched_keywords(self._patterns[self._code_index[key]], doc.texts[i])
            if found:
                reasons.append({"kind": "keyword", "keywords": found})
            cols = example_rows.get(key)
            if example_sims is not None and cols is not None:
                best = cols[int(np.argmax(example_sims[r, cols]))]
                if example_sims[r, best] >= EXAMPLE_SIMILARITY:
                    reasons.append({"kind": "example", "example": pairs[best][1],
                                    "similarity": round(float(example_sims[r, best]), 3)})
            cols = self._similar_rows().get(key)
            if unit_sims is not None and cols is not None:
                # not the unit itself (a document the sources coded): "like itself" tells the researcher nothing
                ref_doc, ref_start = self._similar_places()
                cols = cols[(ref_doc[cols] != doc.document) | (ref_start[cols] != doc.starts[i])]
            if unit_sims is not None and cols is not None and len(cols):
                best = cols[int(np.argmax(unit_sims[r, cols]))]
                if unit_sims[r, best] >= SIMILAR_UNIT:
                    ref = self.similar_refs[best]
                    document, start, end, snippet = ref[:4]
                    reason = {"kind": "similar", "document": document, "start": int(start), "end": int(end),
                              "text": snippet, "similarity": round(float(unit_sims[r, best]), 3)}
                    if len(ref) > 4:  # models saved before the unit was recorded give offsets only
                        reason["unit"] = int(ref[4]) + 1  # numbered from 1, as people see units
                    reasons.append(reason)
            if not reasons:
                continue
            out.append(Suggestion(doc.document, i, doc.starts[i], doc.ends[i], key, float(prob[r, j]), reasons))
        out.sort(key=lambda s: (s.unit, -s.score))
        return out

    def _example_vectors(self):
        if self._examples is None:
            pairs = [(c.key, t) for c in self.codes for t in c.examples if t.strip()]
            rows: dict[str, list[int]] = {}
            for k, (code, _) in enumerate(pairs):
                rows.setdefault(code, []).append(k)
            self._examples = (pairs, self.vocab.transform([t for _, t in pairs]),
                              {k: np.asarray(v) for k, v in rows.items()})
        return self._examples

    def _similar_places(self) -> tuple[np.ndarray, np.ndarray]:
        """The coded units' documents and start offsets, as arrays (to leave a unit out of its own look-up)."""
        if self._places is None:
            self._places = (np.asarray([str(r[0]) for r in self.similar_refs], dtype=object),
                            np.asarray([int(r[1]) for r in self.similar_refs], dtype=np.int64))
        return self._places

    def _similar_rows(self) -> dict[str, np.ndarray]:
        if self._similar_index is None:
            rows: dict[str, list[int]] = {}
            for k, keys in enumerate(self.similar_codes):
                for key in keys:
                    rows.setdefault(key, []).append(k)
            self._similar_index = {k: np.asarray(v) for k, v in rows.items()}
        return self._similar_index

    # ------------------------------------------------------------------ keeping

    def save(self, path: Path) -> None:
        """Write atomically: a reader never sees half a model."""
        path.parent.mkdir(parents=True, exist_ok=True)
        text = json.dumps({
            "meta": self.meta, "modelled": self.modelled, "terms": self.vocab.terms,
            "codes": [[c.key, c.name, c.description, list(c.include), list(c.exclude), list(c.examples),
                       list(c.keywords), c.is_parent] for c in self.codes],
            "similar_codes": self.similar_codes, "similar_refs": self.similar_refs,
            "similar_shape": list(self.similar.shape),
        }, ensure_ascii=False)
        tmp = path.with_name(path.name + ".tmp")
        with tmp.open("wb") as fh:
            np.savez_compressed(fh, info=np.array(text), idf=self.vocab.idf, coef=self.coef.astype(np.float32),
                                intercept=self.intercept, sim_data=self.similar.data,
                                sim_indices=self.similar.indices, sim_indptr=self.similar.indptr)
        os.replace(tmp, path)

    @classmethod
    def load(cls, path: Path) -> Suggester:
        from scipy import sparse

        if not path.is_file():
            raise CotagError(f"{path}: no trained suggester; run `cotag suggest train` first")
        try:
            with np.load(path, allow_pickle=False) as z:
                info = json.loads(str(z["info"]))
                idf, coef, intercept = z["idf"], z["coef"].astype(np.float64), z["intercept"]
                sim = (z["sim_data"], z["sim_indices"], z["sim_indptr"])
        except (OSError, ValueError, KeyError) as exc:
            raise CotagError(f"{path}: not a suggester cotag can read ({exc}); run `cotag suggest train` again") from None
        if info.get("meta", {}).get("format") != FORMAT:
            raise CotagError(f"{path}: written by another version of cotag; run `cotag suggest train` again")
        codes = [CodeInfo(k, n, d, tuple(i), tuple(e), tuple(x), tuple(w), bool(p))
                 for k, n, d, i, e, x, w, p in info["codes"]]
        return cls(codes=codes, modelled=info["modelled"], vocab=Vocabulary(info["terms"], idf), coef=coef,
                   intercept=intercept, similar=sparse.csr_matrix(sim, shape=tuple(info["similar_shape"])),
                   similar_codes=info["similar_codes"], similar_refs=info["similar_refs"], meta=info["meta"])


def keyword_baseline(codes: Sequence[CodeInfo], doc: DocumentUnits) -> dict[str, set[int]]:
    """The baseline a suggester must beat: a respondent unit gets every code whose keyword it contains."""
    out: dict[str, set[int]] = {}
    for code in codes:
        pattern = keyword_pattern(code.keywords)
        if pattern is None:
            continue
        hits = {i for i in doc.respondent if pattern.search(doc.texts[i])}
        if hits:
            out[code.key] = hits
    return out
