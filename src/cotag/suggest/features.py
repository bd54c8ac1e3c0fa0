"""Features of a unit: TF-IDF of its words and word pairs, of its neighbours', and the codebook's keywords.

The TF-IDF is computed here (smoothed idf, sublinear term frequency, unit length, as scikit-learn's
TfidfVectorizer does) so that a saved suggester is plain arrays and a word list: suggesting for a
document needs neither scikit-learn nor unpickling a file.

A unit's row is [its own TF-IDF | NEIGHBOUR_WEIGHT x the previous unit's | NEIGHBOUR_WEIGHT x the
next unit's | one column per code: does the unit contain one of the code's keywords].  The
neighbours are the units just before and after in the document, interviewer questions included:
"Why would you leave?" tells a lot about the answer that follows.
"""

from __future__ import annotations

import itertools
import math
import re
from collections import Counter
from collections.abc import Sequence

import numpy as np

WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)?", re.UNICODE)
NEIGHBOUR_WEIGHT = 0.5


def words(text: str) -> list[str]:
    return WORD.findall(text.lower())


def terms(text: str) -> list[str]:
    """Words and neighbouring word pairs."""
    w = words(text)
    return w + [f"{a} {b}" for a, b in itertools.pairwise(w)]


class Vocabulary:
    """Terms and their inverse document frequencies, learnt from the training texts."""

    def __init__(self, terms_: Sequence[str], idf: np.ndarray) -> None:
        self.terms = list(terms_)
        self.index = {t: i for i, t in enumerate(self.terms)}
        self.idf = np.asarray(idf, dtype=np.float64)

    @classmethod
    def fit(cls, texts: Sequence[str], min_df: int = 1) -> Vocabulary:
        df: Counter[str] = Counter()
        for text in texts:
            df.update(set(terms(text)))
        kept = sorted(t for t, n in df.items() if n >= min_df)
        n = len(texts)
        idf = np.array([math.log((1 + n) / (1 + df[t])) + 1.0 for t in kept])
        return cls(kept, idf)

    def __len__(self) -> int:
        return len(self.terms)

    def transform(self, texts: Sequence[str]):
        """texts -> CSR matrix (len(texts) x vocabulary), rows of unit length (empty text: a zero row)."""
        from scipy import sparse

        indptr = [0]
        indices: list[int] = []
        data: list[float] = []
        for text in texts:
            counts = Counter(i for i in (self.index.get(t) for t in terms(text)) if i is not None)
            row = [(i, (1.0 + math.log(c)) * self.idf[i]) for i, c in sorted(counts.items())]
            norm = math.sqrt(sum(v * v for _, v in row)) or 1.0
            indices.extend(i for i, _ in row)
            data.extend(v / norm for _, v in row)
            indptr.append(len(indices))
        return sparse.csr_matrix((np.asarray(data, dtype=np.float64), np.asarray(indices, dtype=np.int64),
                                  np.asarray(indptr, dtype=np.int64)), shape=(len(texts), len(self.terms)))


def keyword_pattern(keywords: Sequence[str]) -> re.Pattern[str] | None:
    """One pattern for a code's keywords: whole words (or phrases), any case."""
    cleaned = sorted({k.strip().lower() for k in keywords if k and k.strip()}, key=len, reverse=True)
    if not cleaned:
        return None
    return re.compile(r"(?<![^\W_])(?:" + "|".join(re.escape(k) for k in cleaned) + r")(?![^\W_])", re.IGNORECASE)


def matched_keywords(pattern: re.Pattern[str] | None, text: str) -> list[str]:
    if pattern is None:
        return []
    return list(dict.fromkeys(m.group(0).lower() for m in pattern.finditer(text)))


def keyword_matrix(patterns: Sequence[re.Pattern[str] | None], texts: Sequence[str]) -> np.ndarray:
    """units x codes, 1.0 where the unit contains one of the code's keywords."""
    out = np.zeros((len(texts), len(patterns)))
    for i, text in enumerate(texts):
        lowered = text.lower()
        for j, pattern in enumerate(patterns):
            if pattern is not None and pattern.search(lowered):
                out[i, j] = 1.0
    return out


def shifted(own):
    """(previous, next) rows of a document's units' TF-IDF: row i of each is unit i-1's and i+1's (zero at the ends)."""
    from scipy import sparse

    n, width = own.shape
    zero = sparse.csr_matrix((1, width))
    if n == 0:
        return own, own
    return (sparse.vstack([zero, own[:-1]], format="csr"), sparse.vstack([own[1:], zero], format="csr"))


def document_features(vocab: Vocabulary, patterns: Sequence[re.Pattern[str] | None], texts: Sequence[str],
                      rows: Sequence[int]):
    """Feature rows (CSR) of some units of one document (`texts`: all its units in order), and their own TF-IDF.

    Every unit's text is vectorised once; a unit's neighbours are the rows next to it.
    """
    from scipy import sparse

    own = vocab.transform(texts)
    prev, nxt = shifted(own)
    rows = list(rows)
    blocks = [own[rows], NEIGHBOUR_WEIGHT * prev[rows], NEIGHBOUR_WEIGHT * nxt[rows],
              sparse.csr_matrix(keyword_matrix(patterns, [texts[i] for i in rows]))]
    return sparse.hstack(blocks, format="csr"), own[rows]


def text_features(vocab: Vocabulary, patterns: Sequence[re.Pattern[str] | None], texts: Sequence[str]):
    """Feature rows of free-standing texts (codebook examples and rules): no neighbours."""
    from scipy import sparse

    own = vocab.transform(texts)
    empty = sparse.csr_matrix(own.shape)
    blocks = [own, empty, empty, sparse.csr_matrix(keyword_matrix(patterns, texts))]
    return sparse.hstack(blocks, format="csr")
