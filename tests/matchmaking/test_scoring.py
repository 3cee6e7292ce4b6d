"""The pure engine on tiny hand-made inputs: every component, every hard rule, exact values."""

import json
import random
from dataclasses import replace

import numpy as np
import pytest

from core import codes
from matchmaking.scoring import (
    STATUS_CONTROL_NO_MODE,
    STATUS_CONTROL_ONLY,
    STATUS_ELIGIBLE,
    STATUS_OWNER,
    STATUS_PROHIBITED,
    Weights,
    enterprise_batch,
    explain_pair,
    explain_pairs,
    explain_pairs_json,
    negative_rule_for,
    packed,
    pair_scores,
    rank,
    rank_chunks,
    reference,
    rows_of,
    score_block,
)
from tests.matchmaking.helpers import VOCAB, batches, enterprise, fits, project, score_one


@pytest.mark.parametrize(
    ("project_sectors", "enterprise_sectors", "expected"),
    [
        (("logistics.warehousing",), ("logistics.warehousing",), (1.0, 1.0, 1.0)),
        # a child matches its parent partly, both ways
        (("logistics.warehousing",), ("logistics",), (0.5, 0.5, 0.5)),
        (("logistics",), ("logistics.warehousing",), (0.5, 0.5, 0.5)),
        # siblings do not match
        (("logistics.warehousing",), ("logistics.shipping",), (0.0, 0.0, 0.0)),
        # half of the enterprise's sectors concern the project
        (
            ("logistics.warehousing",),
            ("logistics.warehousing", "manufacturing.automotive"),
            (1.0, 0.5, 0.6667),
        ),
        # two children of the same parent do not add up to the parent
        (("logistics",), ("logistics.rail", "logistics.shipping"), (0.5, 0.5, 0.5)),
    ],
)
def test_sector_fit_follows_the_tree(project_sectors, enterprise_sectors, expected):
    result = fits(project(sectors=project_sectors), enterprise(sectors=enterprise_sectors))

    assert result["sector"] == expected


def test_text_fit_is_tfidf_cosine_saturating_at_one():
    same = "Bonded warehousing at Laem Chabang"

    assert fits(project(), enterprise(), p_text=same, e_text=same)["text"] == (1.0, 1.0, 1.0)
    assert fits(project(), enterprise(), p_text=same, e_text="Coffee machines")["text"] == (
        0.0,
        0.0,
        0.0,
    )


def test_text_fit_finds_a_firm_by_its_description():
    p_text = "Overseas warehouse in Thailand near Laem Chabang port: bonded storage partners."
    e_texts = [
        "Provides bonded warehousing and 3PL at Laem Chabang in Chonburi.",
        "Makes coffee machines and packaging equipment in Italy.",
    ]
    pb, eb = batches([project()], [enterprise(id=1), enterprise(id=2)], [p_text], e_texts)

    text = pair_scores(pb, eb, np.array([0, 0]), np.array([0, 1]), Weights()).components["text"]

    assert text["fit"][0] > 0.3
    assert text["fit"][1] == 0.0


@pytest.mark.parametrize(
    ("project_corridors", "enterprise_corridors", "expected"),
    [
        (("ilstc_rail_sea", "ocean_shipping"), ("ilstc_rail_sea",), (0.5, 1.0, 0.6667)),
        # the enterprise states none: unknown, not a mismatch
        (("ilstc_rail_sea",), (), (0.5, 1.0, 0.6667)),
        # the project uses none
        ((), ("air_cargo",), (1.0, 0.5, 0.6667)),
        # four corridors listed, one used: breadth does not buy score
        (
            ("air_cargo",),
            ("air_cargo", "ocean_shipping", "ilstc_rail", "ilstc_road"),
            (1.0, 0.25, 0.4),
        ),
        (("air_cargo",), ("ocean_shipping",), (0.0, 0.0, 0.0)),
    ],
)
def test_corridor_fit(project_corridors, enterprise_corridors, expected):
    result = fits(project(corridors=project_corridors), enterprise(corridors=enterprise_corridors))

    assert result["corridor"] == expected


@pytest.mark.parametrize(
    ("targets", "hq", "places", "expected"),
    [
        # HQ in a target region; project located in CN where the firm does not work
        (("ASEAN",), "TH", (), (1.0, 0.5, 0.6667)),
        # operates in the target region, and where the project is
        (("ASEAN",), "CN", ("VN",), (0.75, 1.0, 0.8571)),
        # neither
        (("ASEAN",), "DE", ("EUROPE",), (0.0, 0.0, 0.0)),
        # the project seeks partners anywhere
        ((), "DE", (), (1.0, 0.5, 0.6667)),
    ],
)
def test_region_fit_expands_region_codes(targets, hq, places, expected):
    result = fits(
        project(target_places=targets),
        enterprise(country=hq, places=places, foreign=hq != "CN"),
    )

    assert result["region"] == expected


@pytest.mark.parametrize(
    ("low", "high", "expected"),
    [
        (10_000_000, 100_000_000, 1.0),  # within the range
        (None, 5_000_000, 0.5),  # 10x too small
        (None, 500_000, 0.0),  # 100x too small
        (5_000_000_000, None, 0.0),  # 100x too large
        (None, None, 0.5),  # unknown
    ],
)
def test_capacity_fit_on_a_log_scale(low, high, expected):
    result = fits(
        project(sought_cny=50_000_000),
        enterprise(investment_min_cny=low, investment_max_cny=high),
    )

    assert result["capacity"][2] == expected


def test_capacity_fit_is_neutral_when_the_project_seeks_no_amount():
    result = fits(project(sought_cny=None), enterprise(investment_max_cny=1e6))

    assert result["capacity"] == (0.5, 0.5, 0.5)


@pytest.mark.parametrize(
    ("enterprise_modes", "expected"),
    [
        (("operation",), (0.5, 1.0, 0.6667)),
        (("operation", "leasing", "epc", "offtake"), (1.0, 0.5, 0.6667)),
        (("operation", "leasing"), (1.0, 1.0, 1.0)),
        (("epc",), (0.0, 0.0, 0.0)),
        ((), (0.5, 1.0, 0.6667)),
    ],
)
def test_mode_fit(enterprise_modes, expected):
    result = fits(project(modes=("operation", "leasing")), enterprise(modes=enterprise_modes))

    assert result["mode"] == expected


@pytest.mark.parametrize(
    ("sought", "ownership", "expected"),
    [
        ((), "private", 1.0),
        (("foreign",), "private", 0.0),
        (("foreign", "private"), "private", 1.0),
    ],
)
def test_ownership_fit(sought, ownership, expected):
    result = fits(project(partner_ownership=sought), enterprise(ownership=ownership))

    assert result["ownership"][2] == expected


def test_a_perfect_pair_scores_100_and_points_add_up_to_the_score():
    text = "bonded warehousing"
    s = score_one(
        project(corridors=("ilstc_rail_sea",), sought_cny=5e7, target_places=("CN",)),
        enterprise(corridors=("ilstc_rail_sea",), modes=("operation",), investment_max_cny=1e8),
        p_text=text,
        e_text=text,
    )

    assert round(float(s.score[0]), 4) == 100.0
    points = {name: round(float(c["points"][0]), 4) for name, c in s.components.items()}
    assert points == {
        "sector": 25.0,
        "text": 20.0,
        "corridor": 15.0,
        "region": 15.0,
        "capacity": 10.0,
        "mode": 10.0,
        "ownership": 5.0,
    }


def test_weights_are_normalised_and_passed_in():
    p = project(corridors=("air_cargo",))
    e = enterprise(corridors=("ocean_shipping",), modes=("operation",))
    only_corridor = Weights(sector=0, text=0, corridor=1, region=0, capacity=0, mode=0, ownership=0)
    only_sector = Weights(sector=2, text=0, corridor=0, region=0, capacity=0, mode=0, ownership=0)

    assert float(score_one(p, e, weights=only_corridor).score[0]) == 0.0
    assert float(score_one(p, e, weights=only_sector).score[0]) == 100.0


def test_a_profile_that_tags_everything_loses_to_a_specialist():
    p = project(
        sectors=("logistics.warehousing",),
        modes=("operation", "leasing"),
        corridors=("ilstc_rail_sea",),
        target_places=("ASEAN",),
        location_country="TH",
        sought_cny=5e7,
    )
    common = {
        "country": "TH",
        "foreign": True,
        "investment_min_cny": 1e7,
        "investment_max_cny": 1e8,
    }
    specialist = enterprise(
        id=1,
        sectors=("logistics.warehousing",),
        modes=("operation", "leasing"),
        corridors=("ilstc_rail_sea",),
        **common,
    )
    everything = enterprise(
        id=2,
        sectors=tuple(codes.sector_codes()),
        modes=tuple(c for c, *_ in codes.COOPERATION_MODES),
        corridors=tuple(c for c, *_ in codes.CORRIDORS),
        places=tuple(code for code, *_ in codes.REGIONS),
        **common,
    )
    pb, eb = batches([p], [specialist, everything])

    s = pair_scores(pb, eb, np.array([0, 0]), np.array([0, 1]), Weights())

    assert round(float(s.score[0]), 2) == 80.0  # no text given: 20 points missing
    assert float(s.score[1]) < 45.0
    assert round(float(s.components["sector"]["enterprise"][1]), 4) == round(1.5 / 41, 4)


def test_the_owner_is_never_its_own_candidate():
    pb, eb = batches([project(owner_id=100)], [enterprise(id=100), enterprise(id=101)])

    s = pair_scores(pb, eb, np.array([0, 0]), np.array([0, 1]), Weights(min_score=0))
    selection = rank(pb, eb, Weights(min_score=0))

    assert s.status.tolist() == [STATUS_OWNER, STATUS_ELIGIBLE]
    assert selection.enterprise_rows.tolist() == [1]


def test_negative_rule_on_a_parent_covers_its_children():
    rules = {"logistics": "chinese_control", "services.finance": "prohibited"}

    assert negative_rule_for(("logistics.warehousing",), rules) == ("chinese_control", "logistics")
    assert negative_rule_for(("services.finance", "logistics"), rules) == (
        "prohibited",
        "services.finance",
    )
    assert negative_rule_for(("services",), rules) == ("", "")  # a child's rule stays on the child


FOREIGN = {"country": "SG", "foreign": True, "ownership": "foreign"}


@pytest.mark.parametrize(
    ("rule", "project_kw", "enterprise_kw", "status"),
    [
        ("prohibited", {}, FOREIGN, STATUS_PROHIBITED),
        # a Chinese private firm is not restricted
        ("prohibited", {}, {}, STATUS_ELIGIBLE),
        # foreign-owned, headquartered in CN: still foreign for the negative list
        ("prohibited", {}, {"ownership": "foreign", "foreign": True}, STATUS_PROHIBITED),
        # the project is not located in CN: the rule does not apply
        ("prohibited", {"location_country": "TH"}, FOREIGN, STATUS_ELIGIBLE),
        # control required and the project asks only for control modes
        (
            "chinese_control",
            {"modes": ("equity_investment", "joint_venture")},
            {**FOREIGN, "modes": ("equity_investment",)},
            STATUS_CONTROL_ONLY,
        ),
        # control required; the enterprise offers a non-control mode the project asks for
        (
            "chinese_control",
            {"modes": ("equity_investment", "operation")},
            {**FOREIGN, "modes": ("operation",)},
            STATUS_ELIGIBLE,
        ),
        # control required; the enterprise offers only equity
        (
            "chinese_control",
            {"modes": ("equity_investment", "operation")},
            {**FOREIGN, "modes": ("equity_investment",)},
            STATUS_CONTROL_NO_MODE,
        ),
    ],
)
def test_negative_list_hard_rules(rule, project_kw, enterprise_kw, status):
    p = project(negative_rule=rule, negative_sector="logistics", **project_kw)

    s = score_one(p, enterprise(**enterprise_kw))

    assert int(s.status[0]) == status
    assert float(s.score[0]) > 0  # the score is kept; only eligibility changes


def test_rule_reasons_name_the_sector_and_modes():
    p = project(
        negative_rule="chinese_control",
        negative_sector="logistics",
        modes=("equity_investment", "operation"),
    )
    e = enterprise(modes=("operation",), **FOREIGN)
    s = score_one(p, e)
    sides = {
        n: {k: float(v[0]) for k, v in c.items() if k != "project"} for n, c in s.components.items()
    }

    reasons = explain_pair(
        project=p, enterprise=e, status=int(s.status[0]), sides=sides, vocab=VOCAB
    )

    assert reasons[0] == {
        "code": "negative_list_minority",
        "side": "rule",
        "params": {"sector": "logistics", "modes": ["operation"]},
    }
    assert {"code": "mode_shared", "side": "project", "params": {"codes": ["operation"]}} in reasons


def _random_records(rng: random.Random, n_projects: int, n_enterprises: int):
    sectors = codes.sector_codes()
    corridors = [c for c, *_ in codes.CORRIDORS]
    modes = [c for c, *_ in codes.COOPERATION_MODES]
    places = ["CN", "TH", "SG", "VN", "DE", "BR", "US", "ASEAN", "EUROPE", "LATIN_AMERICA"]
    owners = [c for c, *_ in codes.OWNERSHIP_TYPES]
    words = [
        "port",
        "rail",
        "bonded",
        "warehouse",
        "cargo",
        "vehicle",
        "bank",
        "finance",
        "chip",
        "cold",
        "chain",
        "park",
    ]
    enterprises, e_texts = [], []
    for i in range(n_enterprises):
        country = rng.choice(["CN", "TH", "SG", "DE"])
        lo = rng.choice([None, 10 ** rng.uniform(5, 9)])
        enterprises.append(
            enterprise(
                id=i,
                sectors=tuple(rng.sample(sectors, rng.randint(1, 4))),
                ownership=rng.choice(owners),
                country=country,
                foreign=country != "CN",
                modes=tuple(rng.sample(modes, rng.randint(0, 3))),
                corridors=tuple(rng.sample(corridors, rng.randint(0, 3))),
                places=tuple(rng.sample(places, rng.randint(0, 2))),
                investment_min_cny=lo,
                investment_max_cny=rng.choice([None, (lo or 1e5) * 10 ** rng.uniform(0, 2)]),
            )
        )
        e_texts.append(" ".join(rng.sample(words, 4)))
    projects, p_texts = [], []
    for i in range(n_projects):
        projects.append(
            project(
                id=1000 + i,
                owner_id=rng.randrange(n_enterprises),
                sectors=tuple(rng.sample(sectors, rng.randint(1, 3))),
                modes=tuple(rng.sample(modes, rng.randint(1, 3))),
                corridors=tuple(rng.sample(corridors, rng.randint(0, 2))),
                target_places=tuple(rng.sample(places, rng.randint(0, 2))),
                partner_ownership=tuple(rng.sample(owners, rng.randint(0, 2))),
                sought_cny=rng.choice([None, 10 ** rng.uniform(6, 10)]),
                location_country=rng.choice(["CN", "CN", "TH"]),
                negative_rule=rng.choice(["", "", "prohibited", "chinese_control"]),
                negative_sector="logistics",
            )
        )
        p_texts.append(" ".join(rng.sample(words, 5)))
    return projects, p_texts, enterprises, e_texts


def test_matrix_engine_equals_pair_scores_equals_the_per_pair_reference():
    projects, p_texts, enterprises, e_texts = _random_records(random.Random(7), 12, 40)
    pb, eb = batches(projects, enterprises, p_texts, e_texts)
    weights = Weights()

    block, status = score_block(pb, eb, 0, len(pb), weights)
    p_idx, e_idx = np.divmod(np.arange(len(pb) * len(eb)), len(eb))
    pairs = pair_scores(pb, eb, p_idx, e_idx, weights)

    np.testing.assert_allclose(block.ravel(), pairs.score, atol=1e-3)
    assert status.ravel().tolist() == pairs.status.tolist()
    for k in range(len(p_idx)):
        i, j = p_idx[k], e_idx[k]
        cos = float(pb.text[i].multiply(eb.text[j]).sum())
        score, ref_status, _ = reference.score_pair(
            projects[i], enterprises[j], vocab=VOCAB, weights=weights, text_cosine=cos
        )
        assert abs(score - float(pairs.score[k])) < 1e-3
        assert ref_status == int(pairs.status[k])


def test_rank_keeps_each_projects_and_each_enterprises_best_k():
    projects, p_texts, enterprises, e_texts = _random_records(random.Random(3), 9, 30)
    pb, eb = batches(projects, enterprises, p_texts, e_texts)
    weights = Weights(top_k=3, min_score=30)
    score, status = score_block(pb, eb, 0, len(pb), weights)
    score[status == STATUS_OWNER] = -1

    selection = rank(pb, eb, weights, chunk=4)

    got = set(zip(selection.project_rows.tolist(), selection.enterprise_rows.tolist(), strict=True))
    # Ties may be broken either way: compare with the K-th best score of each side.
    project_kth = np.sort(score, axis=1)[:, -3]
    masked = np.where((score >= 30) & (status == STATUS_ELIGIBLE), score, -1)
    enterprise_kth = np.maximum(np.sort(masked, axis=0)[-3, :], 30)
    must = {(i, j) for i, j in zip(*np.nonzero(score > project_kth[:, None]), strict=True)}
    must |= {(i, j) for i, j in zip(*np.nonzero(masked > enterprise_kth[None, :]), strict=True)}
    may = {(i, j) for i, j in zip(*np.nonzero(score >= project_kth[:, None]), strict=True)}
    may |= {(i, j) for i, j in zip(*np.nonzero(masked >= enterprise_kth[None, :]), strict=True)}
    assert must <= got <= may
    for i in range(len(pb)):
        assert sum(1 for p, _ in got if p == i) >= 3
    assert selection.pairs_scored == 9 * 30


def test_rank_keeps_explicit_pairs_whatever_their_rank():
    projects, p_texts, enterprises, e_texts = _random_records(random.Random(5), 2, 20)
    pb, eb = batches(projects, enterprises, p_texts, e_texts)
    weights = Weights(top_k=1, min_score=100)
    score, _ = score_block(pb, eb, 0, 2, weights)
    worst = int(np.argmin(score[0]))

    selection = rank(pb, eb, weights, keep=(np.array([0]), np.array([worst])))

    pairs = set(
        zip(selection.project_rows.tolist(), selection.enterprise_rows.tolist(), strict=True)
    )
    assert (0, worst) in pairs
    assert len(pairs) == 3


def test_encoded_reasons_equal_the_per_pair_reasons():
    """The COPY path stores `explain_pairs_json`: the same reasons, in the same order."""
    projects, p_texts, enterprises, e_texts = _random_records(random.Random(11), 15, 60)
    projects[0] = replace(projects[0], sought_cny=None)
    enterprises[1] = replace(enterprises[1], investment_min_cny=0.0, investment_max_cny=None)
    pb, eb = batches(projects, enterprises, p_texts, e_texts)
    p_idx, e_idx = np.divmod(np.arange(len(pb) * len(eb)), len(eb))
    pairs = pair_scores(pb, eb, p_idx, e_idx, Weights())
    terms = {
        (p.id, e.id): ["bonded", "cargo", "port", "rail", "cold"][: (p.id + e.id) % 6]
        for p in projects
        for e in enterprises
    }

    kw = {"projects": pb.records, "enterprises": eb.records, "vocab": VOCAB, "terms": terms}
    expected = explain_pairs(pairs, **kw)
    encoded = explain_pairs_json(pairs, **kw)

    assert [json.loads(text) for text in encoded] == expected
    assert {r["code"] for reasons in expected for r in reasons} >= {
        "capacity_unknown",
        "capacity_within",
        "text_terms",
        "negative_list_prohibited",
        "sector_same",
        "region_hq",
        "mode_shared",
        "ownership_sought",
    }
    assert encoded[0].startswith('[{"code":')


def _kept_scores(pb, eb, project_rows, enterprise_rows, weights):
    """Per project and per enterprise id, the sorted scores of the pairs kept."""
    scores = pair_scores(pb, eb, project_rows, enterprise_rows, weights)
    by_project, by_enterprise = {}, {}
    for p, e, s in zip(
        project_rows.tolist(), eb.ids[enterprise_rows].tolist(), scores.score.tolist(), strict=True
    ):
        by_project.setdefault(p, []).append(round(s, 3))
        by_enterprise.setdefault(e, []).append(round(s, 3))
    return (
        {k: sorted(v) for k, v in by_project.items()},
        {k: sorted(v) for k, v in by_enterprise.items()},
    )


def test_rank_streamed_in_enterprise_chunks_keeps_what_rank_over_all_enterprises_keeps():
    projects, p_texts, enterprises, e_texts = _random_records(random.Random(11), 13, 70)
    pb, eb = batches(projects, enterprises, p_texts, e_texts)
    weights = Weights(top_k=4, min_score=35)
    whole = rank(pb, eb, weights, chunk=5)
    # The same enterprises in chunks of 9 (the last one shorter), encoded with eb's IDF.
    chunks = [
        enterprise_batch(
            enterprises[lo : lo + 9], e_texts[lo : lo + 9], vocab=VOCAB, text_index=eb.text_index
        )
        for lo in range(0, len(enterprises), 9)
    ]

    streamed = rank_chunks(pb, iter(chunks), weights, chunk=5)

    assert streamed.pairs_scored == whole.pairs_scored == 13 * 70
    rows = rows_of(eb, streamed.enterprise_ids)
    # Ties may be broken either way: the kept scores of every project and enterprise match.
    assert _kept_scores(pb, eb, streamed.project_rows, rows, weights) == _kept_scores(
        pb, eb, whole.project_rows, whole.enterprise_rows, weights
    )
    assert len(streamed.project_rows) == len(whole.project_rows)


def test_rank_streamed_never_keeps_the_owner_even_in_a_chunk_of_its_own():
    projects, p_texts, enterprises, e_texts = _random_records(random.Random(12), 3, 6)
    pb, eb = batches(projects, enterprises, p_texts, e_texts)
    weights = Weights(top_k=10, min_score=0)
    owners = {(i, p.owner_id) for i, p in enumerate(projects)}
    chunks = [
        enterprise_batch([e], [t], vocab=VOCAB, text_index=eb.text_index)
        for e, t in zip(enterprises, e_texts, strict=True)
    ]

    streamed = rank_chunks(pb, chunks, weights)

    kept = set(zip(streamed.project_rows.tolist(), streamed.enterprise_ids.tolist(), strict=True))
    assert not kept & owners
    assert len(kept) == 3 * 5  # every other pair fits in K = 10


def test_a_packed_chunk_scores_like_the_records_it_was_packed_from_at_any_rates():
    projects, p_texts, enterprises, e_texts = _random_records(random.Random(13), 5, 25)
    # Amounts in USD at 7.0 CNY: the records in CNY are what the batch from records sees.
    amounts = [
        (
            None if e.investment_min_cny is None else e.investment_min_cny / 7,
            None if e.investment_max_cny is None else e.investment_max_cny / 7,
            "USD",
        )
        for e in enterprises
    ]
    pb, eb = batches(projects, enterprises, p_texts, e_texts)
    chunk = packed.from_bytes(
        *packed.to_bytes(
            packed.pack(
                enterprises, e_texts, amounts=amounts, vocab=VOCAB, text_index=eb.text_index
            )
        )
    )
    weights = Weights()

    at_7 = packed.unpack(chunk, vocab=VOCAB, text_index=eb.text_index, rates={"USD": 7.0})
    at_70 = packed.unpack(chunk, vocab=VOCAB, text_index=eb.text_index, rates={"USD": 70.0})

    rows = rows_of(at_7, eb.ids)
    np.testing.assert_allclose(
        score_block(pb, at_7, 0, 5, weights)[0][:, rows], score_block(pb, eb, 0, 5, weights)[0],
        atol=1e-3,
    )  # fmt: skip
    assert at_7.records[int(rows[0])].sectors == enterprises[0].sectors
    # Ten times the rate: every known range moves up one decade, nothing re-encoded.
    known = ~np.isinf(at_7.cap_lo)
    np.testing.assert_allclose(at_70.cap_lo[known], at_7.cap_lo[known] + 1, atol=1e-5)
    first = next(i for i, e in enumerate(enterprises) if e.investment_min_cny)
    row = int(rows[first])
    assert at_70.records[row].investment_min_cny == pytest.approx(
        enterprises[first].investment_min_cny * 10, rel=1e-6
    )
    assert (
        packed.unpack(chunk, vocab=VOCAB, text_index=eb.text_index, rates={}).cap_known.sum() == 0
    )
