"""Rescoring against the real database: what is stored, kept, ordered, retired and signalled."""

import json
import random
from datetime import date
from decimal import Decimal

import pytest
from django.utils import timezone

from core.models import ExchangeRate, NegativeListRule, Region, Sector
from matchmaking import services
from matchmaking.models import Match, MatchingConfig
from matchmaking.scoring import STATUS_ELIGIBLE
from matchmaking.selectors import match_list_for_enterprise, match_list_for_project
from matchmaking.services import (
    enterprise_rescore,
    match_mark,
    matches_rescore_all,
    matching_config_create,
    project_rescore,
)
from matchmaking.signals import matches_stored
from projects.models import Project
from tests.factories import EnterpriseFactory, ForeignEnterpriseFactory, ProjectFactory

pytestmark = pytest.mark.django_db

WAREHOUSE_TEXT = "Bonded warehousing and distribution next to the port."


@pytest.fixture
def warehouse(soe):
    project = ProjectFactory(
        reference="PRJ-WH",
        owner=soe,
        description=WAREHOUSE_TEXT,
        sectors=["logistics.warehousing"],
        cooperation_modes=["operation", "leasing"],
        external_investment_sought=Decimal("50000000"),
        total_investment=Decimal("100000000"),
    )
    soe.sectors.set(Sector.objects.filter(code="logistics.warehousing"))
    return project


def specialist(**kw):
    defaults = {
        "reference": "ENT-SPEC",
        "name": "Specialist Warehousing",
        "description": WAREHOUSE_TEXT,
        "sectors": ["logistics.warehousing"],
        "cooperation_modes": ["operation"],
        "investment_min": Decimal("10000000"),
        "investment_max": Decimal("100000000"),
    }
    return EnterpriseFactory(**{**defaults, **kw})


def carmaker(**kw):
    defaults = {
        "reference": "ENT-CAR",
        "name": "Carmaker",
        "description": "Makes electric cars.",
        "sectors": ["manufacturing.automotive"],
        "cooperation_modes": ["offtake"],
    }
    return EnterpriseFactory(**{**defaults, **kw})


def rows():
    return sorted(
        Match.objects.values_list(
            "pk", "project_id", "enterprise_id", "score", "eligible", "state", "config_version"
        )
    )


def test_rescore_stores_scored_explained_candidates_but_never_the_owner(warehouse, soe):
    spec, car = specialist(), carmaker()

    summary = project_rescore(project_id=warehouse.pk)

    matches = list(match_list_for_project(project=warehouse))
    assert [m.enterprise_id for m in matches] == [spec.pk, car.pk]
    assert soe.pk not in {m.enterprise_id for m in Match.objects.all()}
    best = matches[0]
    assert best.eligible is True
    assert best.config_version == 1
    assert best.state == Match.State.NEW
    assert set(best.components) == {
        "sector",
        "text",
        "corridor",
        "region",
        "capacity",
        "mode",
        "ownership",
    }
    assert round(sum(c["points"] for c in best.components.values()), 1) == round(best.score, 1)
    assert best.reasons[0]["code"] in {"sector_same", "text_terms", "region_anywhere"}
    assert {
        "code": "sector_same",
        "side": "project",
        "params": {"codes": ["logistics.warehousing"]},
    } in (best.reasons)
    assert summary.stored == 2
    assert summary.created == 2


def test_rescoring_twice_leaves_the_same_rows(warehouse):
    specialist(), carmaker()
    project_rescore(project_id=warehouse.pk)
    first = rows()

    summary = project_rescore(project_id=warehouse.pk)
    matches_rescore_all()

    assert rows() == first
    assert summary.created == 0


def test_a_rescore_rewrites_only_rows_whose_score_or_explanation_changed(
    warehouse, admin_user, django_capture_on_commit_callbacks
):
    specialist(), carmaker()
    project_rescore(project_id=warehouse.pk)
    first = dict(Match.objects.values_list("enterprise_id", "computed_at"))

    project_rescore(project_id=warehouse.pk)
    matches_rescore_all()
    unchanged = dict(Match.objects.values_list("enterprise_id", "computed_at"))
    with django_capture_on_commit_callbacks(execute=True):
        matching_config_create(by=admin_user, weight_sector=0.5)
    changed = dict(Match.objects.values_list("enterprise_id", "computed_at"))

    assert len(first) == 2
    assert unchanged == first  # same score and reasons: "computed at" still says when
    assert changed.keys() == first.keys()
    assert all(changed[e] > first[e] for e in first)


def test_a_dismissed_match_stays_dismissed_after_a_rescore(warehouse, admin_user):
    spec = specialist()
    project_rescore(project_id=warehouse.pk)
    match = Match.objects.get(enterprise=spec)
    match_mark(match=match, state=Match.State.DISMISSED, by=admin_user)

    matching_config_create(by=admin_user, weight_text=0.6)
    matches_rescore_all()

    match.refresh_from_db()
    assert match.state == Match.State.DISMISSED
    assert match.config_version == 2


def test_viewing_never_undoes_a_dismissal(warehouse):
    specialist()
    project_rescore(project_id=warehouse.pk)
    match = Match.objects.get()
    match_mark(match=match, state=Match.State.DISMISSED)

    match_mark(match=match, state=Match.State.VIEWED)

    match.refresh_from_db()
    assert match.state == Match.State.DISMISSED


def test_ineligible_pairs_are_stored_with_the_reason_and_ranked_after_eligible_ones(warehouse):
    NegativeListRule.objects.create(
        sector=Sector.objects.get(code="logistics"), rule=NegativeListRule.Rule.PROHIBITED
    )
    foreign = specialist(reference="ENT-FOR", name="Foreign Specialist")
    foreign.ownership_id = "foreign"
    foreign.country = "SG"
    foreign.save()
    domestic = carmaker()

    project_rescore(project_id=warehouse.pk)

    matches = list(match_list_for_project(project=warehouse))
    assert [(m.enterprise_id, m.eligible) for m in matches] == [
        (domestic.pk, True),
        (foreign.pk, False),
    ]
    assert matches[1].score > matches[0].score  # the better fit, but not allowed
    assert matches[1].ineligibility_reason == "negative_list_prohibited"
    assert matches[1].reasons[0] == {
        "code": "negative_list_prohibited",
        "side": "rule",
        "params": {"sector": "logistics"},
    }
    # the firm is never pushed towards a project it may not join
    assert list(match_list_for_enterprise(enterprise=foreign)) == []
    assert [m.project_id for m in match_list_for_enterprise(enterprise=domestic)] == [warehouse.pk]


def test_chinese_control_with_only_control_modes_is_flagged(soe):
    NegativeListRule.objects.create(
        sector=Sector.objects.get(code="infrastructure.port"),
        rule=NegativeListRule.Rule.CHINESE_CONTROL,
    )
    port = ProjectFactory(
        owner=soe, sectors=["infrastructure.port"], cooperation_modes=["equity_investment"]
    )
    foreign = ForeignEnterpriseFactory(
        sectors=["infrastructure.port"], cooperation_modes=["equity_investment"]
    )

    project_rescore(project_id=port.pk)

    match = Match.objects.get(enterprise=foreign)
    assert match.eligible is False
    assert match.ineligibility_reason == "negative_list_control_only"


def test_currency_conversion_changes_the_capacity_fit(warehouse):
    # 1-2 million USD at 7.17 = 7.2-14.3 million CNY, against 50 million CNY sought: 0.54 decades
    usd = specialist(
        currency="USD", investment_min=Decimal("1000000"), investment_max=Decimal("2000000")
    )
    project_rescore(project_id=warehouse.pk)
    before = Match.objects.get(enterprise=usd).components["capacity"]["fit"]

    ExchangeRate.objects.create(
        currency="USD", rate_to_cny=Decimal("30"), valid_on=date(2026, 1, 1)
    )
    project_rescore(project_id=warehouse.pk)

    after = Match.objects.get(enterprise=usd).components["capacity"]["fit"]
    assert before == 0.729  # 1 - log10(50 / 14.34) / 2
    assert after == 1.0  # 30-60 million CNY now covers the 50 million sought


def test_matches_stored_names_only_new_eligible_matches(
    warehouse, django_capture_on_commit_callbacks
):
    received = []

    def receiver(sender, new_match_ids, **kwargs):
        received.append(new_match_ids)

    matches_stored.connect(receiver, dispatch_uid="test-receiver")
    try:
        spec = specialist()
        for _ in range(2):  # each announced by the prune task its rescore enqueues
            with django_capture_on_commit_callbacks(execute=True):
                project_rescore(project_id=warehouse.pk)
    finally:
        matches_stored.disconnect(dispatch_uid="test-receiver")

    assert received == [[Match.objects.get(enterprise=spec).pk], []]


def test_a_withdrawn_project_keeps_only_matches_users_acted_on(warehouse):
    spec, car = specialist(), carmaker()
    project_rescore(project_id=warehouse.pk)
    match_mark(match=Match.objects.get(enterprise=spec), state=Match.State.CONTACTED)
    Project.objects.filter(pk=warehouse.pk).update(status=Project.Status.WITHDRAWN)

    project_rescore(project_id=warehouse.pk)

    assert list(Match.objects.values_list("enterprise_id", "state")) == [
        (spec.pk, Match.State.CONTACTED)
    ]
    assert list(match_list_for_enterprise(enterprise=spec)) == []
    assert not Match.objects.filter(enterprise=car).exists()


def test_each_enterprise_keeps_only_its_best_k_projects(soe, admin_user):
    matching_config_create(by=admin_user, top_k=1, min_score=0)
    spec = specialist()
    weak = EnterpriseFactory(reference="ENT-WEAK", sectors=["logistics"])
    projects = [
        ProjectFactory(
            owner=soe, sectors=["logistics.warehousing"], cooperation_modes=["operation"]
        )
        for _ in range(3)
    ]

    matches_rescore_all()

    # every project keeps its single best candidate, the specialist ...
    assert sorted(Match.objects.filter(enterprise=spec).values_list("project_id", flat=True)) == [
        p.pk for p in projects
    ]
    # ... and the weaker firm keeps exactly one project, its best
    assert Match.objects.filter(enterprise=weak).count() == 1


def test_a_new_enterprise_is_scored_against_published_projects(warehouse, soe):
    draft = ProjectFactory(
        owner=soe, status=Project.Status.DRAFT, sectors=["logistics.warehousing"]
    )
    spec = specialist()

    enterprise_rescore(enterprise_id=spec.pk)

    assert list(Match.objects.filter(enterprise=spec).values_list("project_id", flat=True)) == [
        warehouse.pk
    ]
    assert not Match.objects.filter(project=draft).exists()


def test_region_codes_of_an_enterprise_are_expanded(soe):
    project = ProjectFactory(owner=soe, sectors=["logistics.warehousing"])
    project.target_regions.set(Region.objects.filter(code="ASEAN"))
    in_asean = specialist(reference="ENT-AS", country="CN")
    in_asean.regions.set(Region.objects.filter(code="ASEAN"))
    elsewhere = specialist(reference="ENT-EU", country="CN")
    elsewhere.regions.set(Region.objects.filter(code="EUROPE"))
    in_asean.save()

    project_rescore(project_id=project.pk)

    assert Match.objects.get(enterprise=in_asean).components["region"]["project"] == 0.75
    assert Match.objects.get(enterprise=elsewhere).components["region"]["project"] == 0.0


def test_a_new_configuration_is_a_new_version_and_rescores_on_commit(
    warehouse, admin_user, django_capture_on_commit_callbacks
):
    specialist()
    project_rescore(project_id=warehouse.pk)

    with django_capture_on_commit_callbacks(execute=True):
        config = matching_config_create(by=admin_user, weight_sector=0.5, note="More sector")

    assert config.version == 2
    assert config.created_by == admin_user
    assert MatchingConfig.objects.get(version=1).weight_sector == 0.25
    assert set(Match.objects.values_list("config_version", flat=True)) == {2}


def test_admin_save_of_a_configuration_creates_a_new_version(client, admin_user):
    client.force_login(admin_user)
    v1 = MatchingConfig.objects.get(version=1)
    data = {
        "weight_sector": "0.3",
        "weight_text": "0.2",
        "weight_corridor": "0.15",
        "weight_region": "0.15",
        "weight_capacity": "0.1",
        "weight_mode": "0.05",
        "weight_ownership": "0.05",
        "top_k": "20",
        "notify_threshold": "65",
        "min_score": "40",
        "note": "tuned",
    }

    response = client.post(f"/admin/matchmaking/matchingconfig/{v1.pk}/change/", data)

    assert response.status_code == 302
    assert list(MatchingConfig.objects.values_list("version", "top_k", "weight_sector")) == [
        (2, 20, 0.3),
        (1, 50, 0.25),
    ]
    assert MatchingConfig.objects.get(version=2).created_by == admin_user


def test_the_portable_upsert_path_keeps_states_and_reports_new_matches(
    warehouse, monkeypatch, django_capture_on_commit_callbacks
):
    """The bulk_create path (SQLite, other databases) behaves like the PostgreSQL COPY path."""
    monkeypatch.setattr("matchmaking.services._copy_upsert_available", lambda: False)
    received = []
    matches_stored.connect(
        lambda sender, new_match_ids, **kw: received.append(new_match_ids),
        dispatch_uid="t2",
        weak=False,
    )
    try:
        spec, car = specialist(), carmaker()
        with django_capture_on_commit_callbacks(execute=True):  # the prune announces
            project_rescore(project_id=warehouse.pk)
        match_mark(match=Match.objects.get(enterprise=spec), state=Match.State.DISMISSED)
        first = rows()
        with django_capture_on_commit_callbacks(execute=True):
            project_rescore(project_id=warehouse.pk)
    finally:
        matches_stored.disconnect(dispatch_uid="t2")

    assert rows() == first
    assert Match.objects.get(enterprise=spec).state == Match.State.DISMISSED
    assert received == [sorted(Match.objects.values_list("pk", flat=True)), []]
    assert Match.objects.filter(enterprise=car).exists()


def test_a_new_enterprise_enters_a_project_only_if_it_beats_its_kth_candidate(
    warehouse, admin_user
):
    matching_config_create(by=admin_user, top_k=1, min_score=100)  # no enterprise side
    best = specialist()
    project_rescore(project_id=warehouse.pk)
    weaker = carmaker()
    stronger = specialist(reference="ENT-SPEC2", name="Second Specialist")
    Match.objects.filter(enterprise=best).update(score=50.0)

    enterprise_rescore(enterprise_id=weaker.pk)
    enterprise_rescore(enterprise_id=stronger.pk)

    assert not Match.objects.filter(enterprise=weaker).exists()
    assert Match.objects.filter(enterprise=stronger, project=warehouse).exists()


def test_admin_lists_matches_read_only_with_search_and_filters(client, admin_user, warehouse):
    spec = specialist()
    carmaker()
    project_rescore(project_id=warehouse.pk)
    client.force_login(admin_user)

    found = client.get("/admin/matchmaking/match/", {"q": "Specialist", "eligible__exact": "1"})
    change = client.get(f"/admin/matchmaking/match/{Match.objects.get(enterprise=spec).pk}/change/")
    add = client.get("/admin/matchmaking/match/add/")

    assert found.status_code == 200
    assert list(found.context["cl"].result_list) == [Match.objects.get(enterprise=spec)]
    assert change.status_code == 200
    assert "Same sector: Warehousing." in change.content.decode()
    assert add.status_code == 403


@pytest.mark.django_db
def test_a_new_matching_configuration_is_audited_with_its_author(admin_user):
    from matchmaking.services import matching_config_create

    config = matching_config_create(by=admin_user, weight_text=0.3)

    record = config.history.get()
    assert record.history_user == admin_user
    assert record.weight_text == 0.3
    assert record.history_type == "+"


@pytest.mark.parametrize("scope", ["all", "projects", "enterprises"])
def test_the_prune_in_sql_deletes_exactly_what_the_python_ranking_dooms(scope):
    rng = random.Random(4)
    projects = [ProjectFactory() for _ in range(4)]
    firms = [EnterpriseFactory() for _ in range(9)]
    now = timezone.now()
    Match.objects.bulk_create(
        Match(
            project=p,
            enterprise=e,
            score=rng.choice([40.0, 55.5, 61.0, 61.0, 70.0, 88.0]),  # ties on purpose
            eligible=rng.random() < 0.8,
            state=rng.choice(["new", "new", "new", "dismissed", "viewed"]),
            config_version=1,
            computed_at=now,
        )
        for p in projects
        for e in firms
    )
    kwargs = {
        "all": {},
        "projects": {"project_ids": [projects[0].pk, projects[2].pk]},
        "enterprises": {"enterprise_ids": [f.pk for f in firms[:5]]},
    }[scope]
    doomed = set(
        services._prune_doomed(3, 60.0, kwargs.get("project_ids"), kwargs.get("enterprise_ids"))
    )
    before = set(Match.objects.values_list("pk", flat=True))
    assert doomed  # the case prunes something, and keeps something
    assert doomed < before

    deleted = services._prune_postgresql(
        3, 60.0, kwargs.get("project_ids"), kwargs.get("enterprise_ids")
    )

    assert deleted == len(doomed)
    assert set(Match.objects.values_list("pk", flat=True)) == before - doomed


def test_the_copy_upsert_stores_json_escapes_and_unicode_as_they_were(warehouse):
    from django.db import transaction

    firm = specialist()
    reasons = [
        {"code": "text_terms", "side": "project", "params": {"terms": ['a\\b "c"\td', "港口"]}}
    ]
    encoded = json.dumps(reasons, ensure_ascii=False, separators=(",", ":"))
    text = services._copy_columns(
        project_ids=[warehouse.pk],
        enterprise_ids=[firm.pk],
        scores=[61.5],
        statuses=[STATUS_ELIGIBLE],
        components=['{"sector":{"fit":0.5}}'],
        reasons=[encoded],
        version=3,
        at=timezone.now(),
    )

    with transaction.atomic():
        services._kept_start()
        services._upsert_copy(text)

    match = Match.objects.get()
    assert match.reasons == reasons
    assert match.components == {"sector": {"fit": 0.5}}
    assert (match.score, match.eligible, match.config_version) == (61.5, True, 3)
