"""TF-IDF text vectors without a fitted vocabulary (hashing), so any batch is encoded alike.

The IDF comes from the enterprise descriptions of the batch (document frequencies of the
hashed terms), so rare, specific words ("bonded", "Chabang") weigh more than "logistics".
Runs of CJK characters are split into character bigrams so Chinese text matches too.
"""

from __future__ import annotations

import itertools
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


def text_words(text: str) -> set[str] | frozenset[str]:
    """The words of `analyse(text)` as a set, plus, for ASCII text, its stop words and numbers.

    For ASCII text the tokens are found without filtering them (faster than `analyse`):
    the extra members are words `analyse` never returns, so intersecting the result with
    analysed words gives exactly what intersecting `set(analyse(text))` gives. Other
    text (CJK runs become bigrams) goes through `analyse`.
    """
    if text.isascii():
        return set(_TOKEN.findall(text.lower()))
    return frozenset(analyse(text))


def _term_columns(terms: Sequence[str]) -> list[int]:
    """`_term_column` of many terms with one transform (a term analyses to itself)."""
    if not terms:
        return []
    m = _VECTORIZER.transform(list(terms)).tocsr()
    counts = np.diff(m.indptr)
    return [
        int(m.indices[m.indptr[i]]) if counts[i] == 1 else _term_column(term)
        for i, term in enumerate(terms)
    ]


@dataclass(frozen=True)
class TermTable:
    """The words of a few texts (a chunk's projects) as columns, rarest first.

    `shared` gives, for pairs of one of these texts and another text's token set, the words
    both use, rarest first, exactly as `rank_terms` orders them (-idf, then the word), with
    sparse products over all pairs instead of a set intersection and a sort per pair.
    """

    terms: tuple[str, ...]  # column order: rarest first
    column: dict[str, int]
    rows: sparse.csr_matrix  # one row per text, 1 where it uses the term
    index: TextIndex

    @classmethod
    def of(cls, token_sets: Sequence[frozenset[str]], *, index: TextIndex) -> TermTable:
        words = sorted(set().union(*token_sets)) if token_sets else []
        idf = index.idf[np.asarray(_term_columns(words), dtype=np.int64)] if words else []
        ranked = sorted(zip(words, idf, strict=True), key=lambda wi: (-float(wi[1]), wi[0]))
        terms = tuple(w for w, _idf in ranked)
        column = {w: i for i, w in enumerate(terms)}
        table = cls(terms, column, sparse.csr_matrix((0, len(terms))), index)
        rows = table.encode(lambda i: token_sets[i], np.arange(len(token_sets)), len(token_sets))
        return cls(terms, column, rows, index)

    def encode(self, tokens, rows: np.ndarray, n: int) -> sparse.csr_matrix:
        """n x terms: for each of `rows`, 1 where `tokens(row)` (a set of words) has the term.

        `tokens(row)` may hold words no analysed text has (see `text_words`): only the
        table's terms are looked at.
        """
        known = self.column.keys()
        lengths = np.zeros(n, dtype=np.int64)
        columns: list[int] = []
        for row in np.unique(np.asarray(rows, dtype=np.int64)).tolist():
            found = sorted(self.column[t] for t in known & tokens(row))
            lengths[row] = len(found)
            columns.extend(found)
        indptr = np.concatenate([[0], np.cumsum(lengths)])
        data = np.ones(len(columns), dtype=np.float32)
        indices = np.asarray(columns, dtype=np.int64)
        return sparse.csr_matrix((data, indices, indptr), shape=(n, len(self.terms)))

    def shared(
        self, rows: np.ndarray, others: sparse.csr_matrix, other_rows: np.ndarray, limit: int
    ) -> list[list[str]]:
        """For each pair (rows[i], other_rows[i]): the words both use, rarest first (<= limit)."""
        if len(rows) == 0:
            return []
        both = self.rows[rows].multiply(others[other_rows]).tocsr()
        both.eliminate_zeros()
        if not both.has_sorted_indices:
            both.sort_indices()
        counts = np.minimum(np.diff(both.indptr), limit)
        ends = np.cumsum(counts)
        firsts = np.repeat(both.indptr[:-1], counts)
        within = np.arange(int(ends[-1])) - np.repeat(ends - counts, counts)
        names = np.array(self.terms, dtype=object)[both.indices[firsts + within]].tolist()
        bounds = np.concatenate([[0], ends]).tolist()
        return [names[a:b] for a, b in itertools.pairwise(bounds)]
