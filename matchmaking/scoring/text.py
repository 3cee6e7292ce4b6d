"""TF-IDF text vectors without a fitted vocabulary (hashing), so any batch is encoded alike.

The IDF comes from the enterprise descriptions of the batch (document frequencies of the
hashed terms), so rare, specific words ("bonded", "Chabang") weigh more than "logistics".
Runs of CJK characters are split into character bigrams so Chinese text matches too.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, HashingVectorizer

N_FEATURES = 2**18
_TOKEN = re.compile(r"[\u3400-\u9fff]+|[^\W_]{2,}")
_CJK = re.compile(r"[\u3400-\u9fff]")


def analyse(text: str) -> list[str]:
    """Lower-cased word tokens without English stop words; CJK runs as character bigrams."""
    out: list[str] = []
    for token in _TOKEN.findall(text.lower()):
        if _CJK.match(token):
            out.extend(token[i : i + 2] for i in range(max(len(token) - 1, 1)))
        elif token not in ENGLISH_STOP_WORDS and not token.isdigit():
            out.append(token)
    return out


_VECTORIZER = HashingVectorizer(
    n_features=N_FEATURES,
    analyzer=analyse,
    alternate_sign=False,
    norm=None,
    dtype=np.float32,
)


def _counts(texts: Sequence[str]) -> sparse.csr_matrix:
    if len(texts) == 0:
        return sparse.csr_matrix((0, N_FEATURES), dtype=np.float32)
    m = _VECTORIZER.transform(list(texts)).tocsr()
    m.data = 1 + np.log(m.data)  # sublinear term frequency
    return m


@dataclass(frozen=True)
class TextIndex:
    idf: np.ndarray  # N_FEATURES float32

    @classmethod
    def fit(cls, texts: Sequence[str]) -> TextIndex:
        return cls.fit_transform(texts)[0]

    @classmethod
    def fit_transform(cls, texts: Sequence[str]) -> tuple[TextIndex, sparse.csr_matrix]:
        """The index fitted on `texts` and their vectors, analysing each text once."""
        counts = _counts(texts)
        df = np.bincount(counts.indices, minlength=N_FEATURES)
        index = cls.from_frequencies(df, counts.shape[0])
        return index, index._weigh(counts)

    @classmethod
    def from_frequencies(cls, df: np.ndarray, n: int) -> TextIndex:
        """The index of `n` documents whose hashed terms occur in `df` of them."""
        return cls(idf=(np.log((1 + n) / (1 + df)) + 1).astype(np.float32))

    @staticmethod
    def frequencies(texts: Sequence[str]) -> np.ndarray:
        """Document frequency of each hashed term in `texts` (add chunks' results up)."""
        return np.bincount(_counts(texts).indices, minlength=N_FEATURES)

    def transform(self, texts: Sequence[str]) -> sparse.csr_matrix:
        return self._weigh(_counts(texts))

    def _weigh(self, m: sparse.csr_matrix) -> sparse.csr_matrix:
        m = m.copy()
        m.data *= self.idf[m.indices]
        norms = np.sqrt(np.asarray(m.multiply(m).sum(axis=1)).ravel())
        norms[norms == 0] = 1
        m = sparse.diags((1 / norms).astype(np.float32)) @ m
        return m.tocsr().astype(np.float32)


@lru_cache(maxsize=100_000)
def _term_column(term: str) -> int:
    return int(_VECTORIZER.transform([term]).indices[0])


def rank_terms(
    terms: set[str] | frozenset[str],
    *,
    index: TextIndex,
    limit: int = 4,
    rarity: dict[str, tuple[float, str]] | None = None,
) -> list[str]:
    """The rarest (most telling) of `terms` first.

    `rarity` (a dict kept by the caller for one `index`) remembers each term's sort key.
    """
    if rarity is None:
        return sorted(terms, key=lambda t: (-float(index.idf[_term_column(t)]), t))[:limit]

    def key(term: str) -> tuple[float, str]:
        found = rarity.get(term)
        if found is None:
            found = rarity[term] = (-float(index.idf[_term_column(term)]), term)
        return found

    return sorted(terms, key=key)[:limit]


def shared_terms(
    project_text: str, enterprise_text: str, *, index: TextIndex, limit: int = 4
) -> list[str]:
    """Words both texts use, rarest first: the evidence of a text match."""
    common = set(analyse(project_text)) & set(analyse(enterprise_text))
    return rank_terms(common, index=index, limit=limit)
