"""`manage.py load_demo`: the illustrative ILSTC 2025 opportunity list, enterprises and users."""

import shutil
from decimal import Decimal
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.management import CommandError, call_command
from django.http import HttpRequest

from core.models import NegativeListRule
from core.money import exchange_rates_latest, to_cny
from enterprises.models import Enterprise, Membership
from enterprises.selectors import enterprise_for_user
from enterprises.signals import enterprise_changed
from projects.demo import loader
from projects.models import OpportunityList, Park, Project, ProjectTransition

pytestmark = pytest.mark.django_db

LIST_NAME = "ILSTC SOE Strategic Cooperation Opportunity List 2025"
DOMAIN_PARKS = {
    "China (Chongqing) Pilot Free Trade Zone": ("free_trade_zone", []),
    "Liangjiang New Area": ("economic_development_zone", []),
    "Guoyuan Port International Logistics Hub": ("logistics_hub", []),
    "Guoyuan Port Bonded Logistics Center (B-type)": ("bonded_zone", []),
    "Lianglu-Cuntan Free Trade Port Area": ("bonded_zone", []),
    "China-Singapore (Chongqing) Demonstration Initiative on Strategic Connectivity": (
        "international_cooperation_park",
        ["SG"],
    ),
    "Xiyong Micro-electronics Industrial Park": ("economic_development_zone", []),
    "Chongqing Airport Economic Demonstration Zone": ("economic_development_zone", []),
    "Liangjiang China-Germany International Cooperation Industrial Park": (
        "international_cooperation_park",
        ["DE"],
    ),
    "Liangjiang China-Switzerland International Cooperation Industrial Park": (
        "international_cooperation_park",
        ["CH"],
    ),
    "Liangjiang China-Italy International Cooperation Industrial Park": (
        "international_cooperation_park",
        ["IT"],
    ),
    "Liangjiang China-Japan International Cooperation Industrial Park": (
        "international_cooperation_park",
        ["JP"],
    ),
    "Liangjiang China-South Korea International Cooperation Industrial Park": (
        "international_cooperation_park",
        ["KR"],
    ),
    "Liangjiang China-Israel International Cooperation Industrial Park": (
        "international_cooperation_park",
        ["IL"],
    ),
}
# username -> (enterprise reference or None, membership role or None, superuser)
DEMO_ACCOUNTS = {
    "admin": (None, None, True),
    "soe.minsheng": ("ENT-0003", "admin", False),
    "soe.airport": ("ENT-0002", "admin", False),
    "firm.siam": ("ENT-0030", "admin", False),
    "firm.andes": ("ENT-0065", "member", False),
}


def load_demo() -> str:
    out = StringIO()
    call_command("load_demo", stdout=out, stderr=StringIO())
    return out.getvalue()


def codes(manager) -> set[str]:
    return set(manager.values_list("pk", flat=True))


def snapshot() -> dict[str, object]:
    user_model = get_user_model()
    return {
        "enterprises": sorted(Enterprise.objects.values_list("reference", "updated_at")),
        "projects": sorted(Project.objects.values_list("reference", "updated_at", "status")),
        "transitions": ProjectTransition.objects.count(),
        "parks": sorted(Park.objects.values_list("name", "kind", "partner_countries")),
        "lists": OpportunityList.objects.count(),
        "rules": sorted(NegativeListRule.objects.values_list("sector_id", "rule", "updated_at")),
        "users": sorted(user_model.objects.values_list("username", "password", "last_login")),
        "memberships": sorted(Membership.objects.values_list("user__username", "enterprise_id")),
    }


def test_list_has_36_projects_worth_just_over_70_billion_seeking_about_40_billion():
    load_demo()

    opportunity_list = OpportunityList.objects.get(name=LIST_NAME)
    projects = list(opportunity_list.projects.all())
    rates = exchange_rates_latest()
    total = sum(to_cny(p.total_investment, p.currency, rates=rates) for p in projects)
    sought = sum(to_cny(p.external_investment_sought, p.currency, rates=rates) for p in projects)
    assert len(projects) == 36
    assert Decimal("70e9") < total < Decimal("71e9")
    assert Decimal("39.5e9") <= sought <= Decimal("40.5e9")
    assert opportunity_list.name_zh == "2025年重庆国企西部陆海新通道战略合作机会清单"
    assert opportunity_list.publisher.reference == "ENT-0009"
    assert opportunity_list.publisher.ownership_id == "soe"
    assert opportunity_list.released_on.year == 2025
    assert "Illustrative" in opportunity_list.description
    assert {p.owner.ownership_id for p in projects} == {"soe"}
    assert 8 <= len({p.owner_id for p in projects}) <= 10
    assert sum(p.status == Project.Status.PUBLISHED for p in projects) == 35
    assert {p.deadline.year for p in projects} == {2026, 2027}
    assert min(p.deadline for p in projects).isoformat() == "2026-12-31"


def test_every_listed_project_has_an_import_transition_and_published_ones_a_publication_time():
    load_demo()

    projects = Project.objects.filter(opportunity_list__name=LIST_NAME)
    for project in projects:
        (transition,) = project.transitions.all()
        assert (transition.from_status, transition.to_status) == ("draft", project.status)
        assert transition.note == "Imported from projects.csv"
        assert (project.published_at is not None) == (project.status == "published")


def test_airport_high_end_air_logistics_project_keeps_the_reported_4_2_billion():
    load_demo()

    project = Project.objects.get(reference="ILSTC-2025-01")
    assert project.total_investment == Decimal("4200000000.00")
    assert project.currency == "CNY"
    assert project.status == Project.Status.PUBLISHED
    assert project.owner.name == "Chongqing Airport Group Co., Ltd."
    assert project.park.name == "Chongqing Airport Economic Demonstration Zone"
    assert "logistics.air_cargo" in codes(project.sectors)
    assert codes(project.corridors) == {"air_cargo"}
    assert codes(project.cooperation_modes) == {"equity_investment", "joint_venture", "operation"}


def test_minsheng_vehicle_routes_seek_carmakers_and_traders_in_three_regions():
    load_demo()

    project = Project.objects.get(reference="ILSTC-2025-02")
    assert project.owner.reference == "ENT-0003"
    assert codes(project.target_regions) == {"LATIN_AMERICA", "MIDDLE_EAST", "AFRICA"}
    assert list(project.target_countries) == []
    assert codes(project.sectors) == {
        "logistics.shipping",
        "manufacturing.automotive",
        "services.trade",
    }
    assert {"ocean_shipping", "yangtze_waterway"} <= codes(project.corridors)
    assert codes(project.cooperation_modes) == {
        "route_partnership",
        "offtake",
        "trade_distribution",
    }


def test_minsheng_thai_warehouse_is_located_in_thailand_with_20000_square_metres():
    load_demo()

    project = Project.objects.get(reference="ILSTC-2025-03")
    assert project.owner.reference == "ENT-0003"
    assert project.location_country.code == "TH"
    assert project.location_city == "Chonburi"
    assert "20,000 m²" in project.description
    assert codes(project.sectors) == {"logistics.warehousing"}
    assert codes(project.cooperation_modes) == {"leasing", "operation"}
    assert "ASEAN" in codes(project.target_regions)


def test_at_least_60_verified_enterprises_from_at_least_10_countries_and_regions():
    load_demo()

    enterprises = Enterprise.objects.all()
    places = {e.country.code for e in enterprises}
    assert enterprises.count() >= 60
    assert len(places) >= 10
    assert {"CN", "TH", "SG", "MY", "VN", "HK", "MO", "DE", "BR", "AE"} <= places
    assert not enterprises.filter(is_verified=False).exists()
    assert not enterprises.filter(verified_at__isnull=True).exists()
    assert {e.currency for e in enterprises} >= {"CNY", "USD", "SGD", "THB", "MYR", "EUR", "AED"}
    for enterprise in enterprises:
        assert enterprise.contact_email.endswith(".example"), enterprise.reference
        assert enterprise.website.startswith("https://"), enterprise.reference
        assert enterprise.website.endswith(".example"), enterprise.reference


def test_demo_includes_the_text_only_thai_3pl_the_generalist_and_negative_list_hits():
    load_demo()

    thai = Enterprise.objects.get(reference="ENT-0031")
    assert thai.country.code == "TH"
    assert codes(thai.sectors) == {"logistics"}
    assert "bonded warehousing" in thai.description
    assert "Laem Chabang" in thai.description

    generalist = Enterprise.objects.get(reference="ENT-0026")
    assert codes(generalist.corridors) == {
        "ilstc_rail_sea",
        "ilstc_rail",
        "ilstc_road",
        "china_europe_rail",
        "yangtze_waterway",
        "manzhouli_russia_rail",
        "air_cargo",
        "ocean_shipping",
    }
    assert generalist.cooperation_modes.count() == 10
    assert generalist.sectors.count() == 7  # every parent sector

    ruled = set(NegativeListRule.objects.values_list("sector_id", flat=True))
    foreign_hits = {
        e.reference
        for e in Enterprise.objects.filter(ownership_id="foreign").prefetch_related("sectors")
        if codes(e.sectors) & ruled
    }
    assert {"ENT-0048", "ENT-0059"} <= foreign_hits  # a grid operator and a cargo airline


def test_illustrative_negative_list_rules_are_loaded():
    load_demo()

    rules = dict(NegativeListRule.objects.values_list("sector_id", "rule"))
    assert rules == {
        "energy.grid": "chinese_control",
        "logistics.air_cargo": "chinese_control",
        "digital.data_cloud": "chinese_control",
        "agriculture.products": "chinese_control",
        "services.professional": "prohibited",
    }
    for note in NegativeListRule.objects.values_list("note", flat=True):
        assert "Illustrative" in note


def test_parks_named_in_the_domain_exist_with_kind_city_and_partner_countries():
    load_demo()

    for name, (kind, partners) in DOMAIN_PARKS.items():
        park = Park.objects.get(name=name)
        assert park.kind == kind, name
        assert park.country.code == "CN", name
        assert park.city == "Chongqing", name
        assert park.name_zh, name
        assert [c.code for c in park.partner_countries] == partners, name


def test_demo_users_log_in_with_the_shared_password_and_belong_to_their_enterprises(client):
    load_demo()

    user_model = get_user_model()
    for username, (reference, role, superuser) in DEMO_ACCOUNTS.items():
        user = user_model.objects.get(username=username)
        assert client.login(
            request=HttpRequest(), username=username, password="parklink-demo-2025"
        ), username
        client.logout()
        assert not client.login(
            request=HttpRequest(), username=username, password="wrong-password-2025"
        )
        assert (user.is_superuser, user.is_staff) == (superuser, superuser), username
        enterprise = enterprise_for_user(user=user)
        if reference is None:
            assert enterprise is None
            continue
        assert enterprise.reference == reference, username
        assert enterprise.is_verified, username
        assert user.membership.role == role, username
    assert Enterprise.objects.get(reference="ENT-0030").country.code == "TH"
    assert Enterprise.objects.get(reference="ENT-0065").ownership_id == "foreign"
    assert Enterprise.objects.get(reference="ENT-0002").ownership_id == "soe"


def test_demo_password_passes_the_password_validators():
    load_demo()

    for user in get_user_model().objects.filter(username__in=DEMO_ACCOUNTS):
        validate_password("parklink-demo-2025", user=user)  # raises if refused


def test_second_run_changes_nothing():
    load_demo()
    before = snapshot()

    output = load_demo()

    assert snapshot() == before
    assert get_user_model().objects.filter(username__in=DEMO_ACCOUNTS).count() == 5
    for line in output.splitlines()[:7]:
        assert ": created 0, updated 0, unchanged " in line, line


def test_a_run_after_an_edit_restores_the_demo_record_only():
    load_demo()
    Project.objects.filter(reference="ILSTC-2025-05").update(title="Edited title")
    park = Park.objects.get(name="Liangjiang New Area")
    park.city = "Somewhere else"
    park.save(update_fields=["city"])

    output = load_demo()

    assert Project.objects.get(reference="ILSTC-2025-05").title == (
        "Upgrade of the Guoyuan Port Bonded Logistics Center (B-type)"
    )
    assert Park.objects.get(name="Liangjiang New Area").city == "Chongqing"
    assert "projects: created 0, updated 1, unchanged 35" in output
    assert "parks: created 0, updated 1, unchanged 14" in output


def test_output_says_the_data_is_illustrative_and_prints_totals_and_accounts():
    output = load_demo()

    assert "ILLUSTRATIVE DEMO DATA - not real projects or commitments" in output
    assert "Projects: 36 (35 published)" in output
    assert "Total investment: 70,630,000,000 CNY" in output
    assert "Sought from partners: 40,000,000,000 CNY" in output
    assert "Demo users (password for all: parklink-demo-2025)" in output
    assert "projects: created 36, updated 0, unchanged 0" in output
    account_lines = {line.split()[0]: line for line in output.splitlines() if line.startswith("  ")}
    assert set(DEMO_ACCOUNTS) <= set(account_lines)
    assert "Minsheng Industrial (Group) Co., Ltd. (ENT-0003)" in account_lines["soe.minsheng"]
    assert "Andes Automotores S.A. (ENT-0065)" in account_lines["firm.andes"]


def test_an_invalid_demo_file_reports_every_problem_and_writes_nothing(tmp_path, monkeypatch):
    broken = tmp_path / "projects.csv"
    shutil.copy(loader.PROJECTS_FILE, broken)
    text = broken.read_text(encoding="utf-8")
    text = text.replace("logistics.air_cargo;logistics.smart", "logistics.teleport", 1)
    broken.write_text(text, encoding="utf-8")
    monkeypatch.setattr(loader, "PROJECTS_FILE", broken)
    err = StringIO()

    with pytest.raises(CommandError, match="1 problem; nothing was changed"):
        call_command("load_demo", stdout=StringIO(), stderr=err)

    assert err.getvalue().strip() == (
        'row 2, column "sectors", value "logistics.teleport": unknown sector code'
    )
    # The steps before the projects were rolled back with them.
    assert Enterprise.objects.count() == 0
    assert NegativeListRule.objects.count() == 0
    assert Park.objects.count() == 0
    assert OpportunityList.objects.count() == 0
    assert not get_user_model().objects.filter(username__in=DEMO_ACCOUNTS).exists()


def test_an_existing_account_keeps_its_own_password_and_is_not_duplicated(client):
    user_model = get_user_model()
    user_model.objects.create_superuser("admin", "ops@parklink.example", "own-Secret-pass-77")

    output = load_demo()

    admin = user_model.objects.get(username="admin")
    assert user_model.objects.filter(username="admin").count() == 1
    assert admin.email == "ops@parklink.example"
    assert client.login(request=HttpRequest(), username="admin", password="own-Secret-pass-77")
    assert not admin.check_password("parklink-demo-2025")
    (admin_line,) = [line for line in output.splitlines() if line.startswith("  admin ")]
    assert admin_line.endswith("[existing account, own password]")
    assert "users: created 4, updated 0, unchanged 1" in output


def test_a_demo_enterprise_unverified_since_is_verified_again_and_announced():
    load_demo()
    thai = Enterprise.objects.get(reference="ENT-0031")
    Enterprise.objects.filter(pk=thai.pk).update(is_verified=False, verified_at=None)
    announced: list[list[int]] = []

    def receiver(sender, *, enterprise_ids, **kwargs):
        announced.append(enterprise_ids)

    enterprise_changed.connect(receiver, dispatch_uid="test_demo_reverify")
    try:
        output = load_demo()
    finally:
        enterprise_changed.disconnect(dispatch_uid="test_demo_reverify")

    thai.refresh_from_db()
    assert thai.is_verified
    assert thai.verified_at is not None
    assert announced == [[thai.pk]]
    assert "enterprise verifications: created 0, updated 1, unchanged 66" in output
