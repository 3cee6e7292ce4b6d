"""The column-wise explanation a full rescore stores equals the per-pair explanation.

`explain_pairs_json`, `TermTable` (shared words of a text match), `_components_json` and the
COPY text are built per column or per distinct value for speed; these tests compare them
with the per-pair definitions they replace, on random records and texts.
"""

import json
import random
from dataclasses import replace

import numpy as np
from django.utils import timezone

from core import codes
from matchmaking import services
from matchmaking.scoring import (
    STATUS_ELIGIBLE,
    STATUS_PROHIBITED,
    Vocabulary,
    Weights,
    explain_pairs,
    explain_pairs_json,
    pair_scores,
)
from matchmaking.scoring.text import TermTable, TextIndex, analyse, rank_terms, text_words
from tests.matchmaking.helpers import VOCAB, batches, enterprise, project

WORDS = [
    "port", "rail", "bonded", "warehouse", "cargo", "vehicle", "bank", "finance", "chip",
    "cold", "chain", "park", "the", "and", "2025", "x9", "Chabang", "港口物流", "冷链",
]  # fmt: skip
PLACES = ["CN", "TH", "SG", "VN", "DE", "BR", "US", "ASEAN", "EUROPE", "LATIN_AMERICA"]


def _text(rng: random.Random, n: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(n))


def _records(rng: random.Random, n_p: int, n_e: int, *, extra_sector: str | None = None):
    sectors = codes.sector_codes()
    corridors = [c for c, *_ in codes.CORRIDORS]
    modes = [c for c, *_ in codes.COOPERATION_MODES]
    owners = [c for c, *_ in codes.OWNERSHIP_TYPES]
    enterprises = []
    for i in range(n_e):
        country = rng.choice(["CN", "TH", "SG", "DE"])
        lo = rng.choice([None, 0.0, 10 ** rng.uniform(5, 9)])
        own = rng.sample(sectors, rng.randint(1, 4))
        if extra_sector and i % 7 == 0:
            own.append(extra_sector)
        enterprises.append(
            enterprise(
                id=i,
                sectors=tuple(own),
                ownership=rng.choice(owners),
                country=country,
                foreign=country != "CN",
                modes=tuple(rng.sample(modes, rng.randint(0, 3))),
                corridors=tuple(rng.sample(corridors, rng.randint(0, 3))),
                places=tuple(rng.sample(PLACES, rng.randint(0, 2))),
                investment_min_cny=lo,
                investment_max_cny=rng.choice([None, (lo or 1e5) * 10 ** rng.uniform(0, 2)]),
            )
        )
    projects = [
        project(
            id=1000 + i,
            owner_id=rng.randrange(n_e),
            sectors=tuple(rng.sample(sectors, rng.randint(1, 3))),
            modes=tuple(rng.sample(modes, rng.randint(1, 3))),
            corridors=tuple(rng.sample(corridors, rng.randint(0, 2))),
            target_places=tuple(rng.sample(PLACES, rng.randint(0, 2))),
            partner_ownership=tuple(rng.sample(owners, rng.randint(0, 2))),
            sought_cny=rng.choice([None, 0.0, 10 ** rng.uniform(6, 10)]),
            location_country=rng.choice(["CN", "CN", "TH"]),
            negative_rule=rng.choice(["", "", "prohibited", "chinese_control"]),
            negative_sector="logistics",
        )
        for i in range(n_p)
    ]
    p_texts = [_text(rng, 8) for _ in projects]
    e_texts = [_text(rng, 12) for _ in enterprises]
    return projects, p_texts, enterprises, e_texts


def _all_pairs(pb, eb):
    p_idx, e_idx = np.divmod(np.arange(len(pb) * len(eb)), len(eb))
    scores = pair_scores(pb, eb, p_idx, e_idx, Weights())
    keep = np.flatnonzero(scores.status != 4)  # the owner is never stored
    return pair_scores(pb, eb, p_idx[keep], e_idx[keep], Weights())


def test_explanations_built_by_column_equal_the_per_pair_reasons():
    projects, p_texts, enterprises, e_texts = _records(random.Random(5), 12, 80)
    projects[0] = replace(projects[0], negative_rule="prohibited", location_country="CN")
    projects[1] = replace(projects[1], negative_rule="chinese_control", location_country="CN")
    pb, eb = batches(projects, enterprises, p_texts, e_texts)
    pairs = _all_pairs(pb, eb)
    terms = {
        (p.id, e.id): ["bonded", "港口", 'a"b\\c', "cold", "rail"][: (p.id * 7 + e.id) % 6]
        for p in projects
        for e in enterprises
    }
    kw = {"projects": pb.records, "enterprises": eb.records, "vocab": VOCAB}

    expected = explain_pairs(pairs, terms=terms, **kw)
    cache: dict = {}
    first = explain_pairs_json(pairs, terms=terms, cache=cache, **kw)
    again = explain_pairs_json(pairs, terms=terms, cache=cache, **kw)  # from the cache

    assert [json.loads(text) for text in first] == expected
    assert again == first
    assert {r["code"] for reasons in expected for r in reasons} >= {
        "negative_list_prohibited",
        "negative_list_minority",
        "sector_breadth",
        "capacity_unknown",
        "capacity_below",
        "capacity_above",
        "text_terms",
    }
    assert {r["params"]["min_cny"] for rs in expected for r in rs if "min_cny" in r["params"]} >= {
        0.0,
        None,
    }


def test_a_sector_code_outside_the_vocabulary_and_a_new_vocabulary_are_explained_alike():
    projects, p_texts, enterprises, e_texts = _records(
        random.Random(6), 6, 40, extra_sector="logistics.unlisted"
    )
    pb, eb = batches(projects, enterprises, p_texts, e_texts)
    pairs = _all_pairs(pb, eb)
    kw = {"projects": pb.records, "enterprises": eb.records}
    cache: dict = {}
    smaller = Vocabulary.build(
        sectors=codes.sector_codes()[:10],
        corridors=VOCAB.corridors,
        modes=VOCAB.modes,
        ownerships=VOCAB.ownerships,
        countries=["CN", "TH"],
        regions=VOCAB.regions,
        control_modes=VOCAB.control_modes,
    )

    for vocab in (VOCAB, smaller, VOCAB):
        encoded = explain_pairs_json(pairs, vocab=vocab, cache=cache, **kw)
        assert [json.loads(t) for t in encoded] == explain_pairs(pairs, vocab=vocab, **kw)


def test_shared_words_come_rarest_first_as_rank_terms_orders_them():
    rng = random.Random(7)
    p_texts = [_text(rng, 10) for _ in range(9)]
    e_texts = [_text(rng, 15) for _ in range(50)] + ["", "The AND 2025", "港口物流 port"]
    index = TextIndex.fit(e_texts)
    table = TermTable.of([frozenset(analyse(t)) for t in p_texts], index=index)
    others = table.encode(
        lambda row: text_words(e_texts[row]), np.arange(len(e_texts)), len(e_texts)
    )
    p_rows, e_rows = np.divmod(np.arange(len(p_texts) * len(e_texts)), len(e_texts))

    shared = table.shared(p_rows, others, e_rows, 4)

    expected = [
        rank_terms(set(analyse(p_texts[p])) & set(analyse(e_texts[e])), index=index, limit=4)
        for p, e in zip(p_rows.tolist(), e_rows.tolist(), strict=True)
    ]
    assert shared == expected
    assert any(len(words) == 4 for words in expected)
    assert any(word in {"港口", "口物", "冷链"} for words in expected for word in words)


def test_text_words_holds_what_analyse_finds_and_only_words_analyse_drops_besides():
    for text in ("The bonded port of Laem Chabang, 2025 and x9.", "港口物流 and Cold-chain"):
        words = text_words(text)
        assert words >= set(analyse(text))
        assert all(analyse(w) == [] for w in words - set(analyse(text)))


def test_components_json_equals_the_component_dicts():
    projects, p_texts, enterprises, e_texts = _records(random.Random(8), 5, 30)
    pb, eb = batches(projects, enterprises, p_texts, e_texts)
    pairs = _all_pairs(pb, eb)
    pairs.components["region"]["fit"][:3] = np.float32(-0.0)  # written as -0.0, like json

    encoded = services._components_json(pairs)

    assert [json.loads(text) for text in encoded] == services._components_rows(pairs)
    assert encoded == [
        json.dumps(row, separators=(",", ":")) for row in services._components_rows(pairs)
    ]
    assert '"fit":-0.0' in encoded[0]


def _copy_text_by_row(rows: list[tuple]) -> str:
    """COPY's text format, one row at a time (each JSON column's backslashes doubled)."""
    return "".join(
        f"{p}\t{e}\t{score!r}\t{'t' if ok else 'f'}\t{reason}\t"
        f"{comps.replace(chr(92), chr(92) * 2)}\t{why.replace(chr(92), chr(92) * 2)}\t"
        f"{version}\t{at.isoformat()}\n"
        for p, e, score, ok, reason, comps, why, version, at in rows
    )


def test_the_copy_text_built_by_column_equals_the_one_built_by_row():
    at = timezone.now()
    reasons = ['[{"code":"text_terms","params":{"terms":["a\\\\b","港口"]}}]', "[]"]
    components = ['{"sector":{"fit":0.5}}', "{}"]
    statuses = [STATUS_ELIGIBLE, STATUS_PROHIBITED]
    rows = [
        (
            1,
            2 + i,
            61.5 - i,
            status == STATUS_ELIGIBLE,
            services.STATUS_REASON.get(status, ""),
            components[i],
            reasons[i],
            3,
            at,
        )
        for i, status in enumerate(statuses)
    ]

    text = services._copy_columns(
        project_ids=[1, 1],
        enterprise_ids=[2, 3],
        scores=[61.5, 60.5],
        statuses=statuses,
        components=components,
        reasons=reasons,
        version=3,
        at=at,
    )

    assert text == _copy_text_by_row(rows)
    assert "\tf\tnegative_list_prohibited\t" in text
    assert text.count("\\\\\\\\") == 1  # the JSON escape, doubled for COPY


def test_an_enterprise_batch_read_again_for_another_part_is_explained_afresh():
    """The cache remembers interned fields per record sequence, by identity."""
    projects, p_texts, enterprises, e_texts = _records(random.Random(9), 4, 30)
    pb, eb = batches(projects, enterprises, p_texts, e_texts)
    other = [replace(e, sectors=("finance",), modes=()) for e in enterprises]
    pb2, eb2 = batches(projects, other, p_texts, e_texts)
    cache: dict = {}
    for p_batch, e_batch in ((pb, eb), (pb2, eb2), (pb, eb)):
        pairs = _all_pairs(p_batch, e_batch)
        kw = {"projects": p_batch.records, "enterprises": e_batch.records, "vocab": VOCAB}
        encoded = explain_pairs_json(pairs, cache=cache, **kw)
        assert [json.loads(t) for t in encoded] == explain_pairs(pairs, **kw)
