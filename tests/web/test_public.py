"""Public pages: home, opportunity browser, project, park and enterprise pages."""

from decimal import Decimal

import pytest
from django.urls import reverse

from core.models import Region
from projects.models import Project
from tests.factories import (
    EnterpriseFactory,
    OpportunityListFactory,
    ParkFactory,
    ProjectFactory,
)
from tests.web.helpers import rate_set

pytestmark = pytest.mark.django_db


def titles(response) -> list[str]:
    return [p.title for p in response.context["page"].object_list]


def test_home_shows_each_list_with_its_public_totals(client):
    big = OpportunityListFactory(name="Chongqing SOE list 2025")
    ProjectFactory(
        opportunity_list=big,
        total_investment=Decimal("4200000000"),
        external_investment_sought=Decimal("2000000000"),
    )
    ProjectFactory(
        opportunity_list=big,
        total_investment=Decimal("800000000"),
        external_investment_sought=Decimal("500000000"),
    )
    ProjectFactory(
        opportunity_list=big,
        status=Project.Status.DRAFT,
        total_investment=Decimal("9000000000"),
        external_investment_sought=Decimal("1"),
    )

    response = client.get(reverse("web:home"))

    assert response.status_code == 200
    [entry] = response.context["lists"]
    totals = entry["public"]
    assert (totals.projects, totals.total_cny, totals.sought_cny) == (
        2,
        Decimal("5000000000"),
        Decimal("2500000000"),
    )
    content = response.content.decode()
    assert "Chongqing SOE list 2025" in content
    assert "CNY 5 billion" in content
    assert "CNY 2.5 billion" in content


def test_browser_filters_by_sector_family_and_place(client):
    ProjectFactory(
        title="Thai warehouse", sectors=["logistics.warehousing"], target_countries=["TH"]
    )
    ProjectFactory(
        title="Warehouse for Europe", sectors=["logistics.warehousing"], target_countries=["DE"]
    )
    ProjectFactory(title="Warehouse open to all", sectors=["logistics.warehousing"])
    ProjectFactory(
        title="Thai car plant", sectors=["manufacturing.automotive"], target_countries=["TH"]
    )

    response = client.get(
        reverse("web:project_list"), {"sector": "logistics", "place": "TH", "ordering": "title"}
    )

    # A parent sector covers its children; a project seeking partners anywhere is included.
    assert titles(response) == ["Thai warehouse", "Warehouse open to all"]


def test_browser_place_region_matches_targeted_region_and_member_countries(client):
    asean = Region.objects.get(code="ASEAN")
    targeted = ProjectFactory(title="Seeks ASEAN partners")
    targeted.target_regions.set([asean])
    ProjectFactory(title="Seeks Malaysian partners", target_countries=["MY"])
    ProjectFactory(title="Seeks German partners", target_countries=["DE"])

    by_region = client.get(reverse("web:project_list"), {"place": "ASEAN", "ordering": "title"})
    by_country = client.get(reverse("web:project_list"), {"place": "VN", "ordering": "title"})

    assert titles(by_region) == ["Seeks ASEAN partners", "Seeks Malaysian partners"]
    assert titles(by_country) == ["Seeks ASEAN partners"]


def test_browser_amount_range_is_compared_in_cny(client):
    rate_set("USD", "7")
    ProjectFactory(
        title="Priced in USD",
        currency="USD",
        total_investment=Decimal("20000000"),  # 140 m CNY
        external_investment_sought=Decimal("10000000"),
    )
    ProjectFactory(
        title="Priced in CNY",
        total_investment=Decimal("50000000"),
        external_investment_sought=Decimal("50000000"),
    )

    response = client.get(
        reverse("web:project_list"), {"min_amount": "19000000", "currency": "USD"}
    )

    assert titles(response) == ["Priced in USD"]


def test_browser_shows_a_bad_filter_beside_its_field_and_no_results(client):
    ProjectFactory(title="Anything")

    response = client.get(reverse("web:project_list"), {"min_amount": "9", "max_amount": "1"})

    assert titles(response) == []
    assert response.context["filter"].form.errors["min_amount"] == [
        "The minimum is above the maximum."
    ]
    assert "The minimum is above the maximum." in response.content.decode()


def test_browser_full_text_needs_every_word_and_hides_drafts(client):
    ProjectFactory(title="Premium shipping routes", description="Ro-ro vessels to Latin America")
    ProjectFactory(title="Premium warehouse", description="Bonded storage")
    ProjectFactory(title="Draft shipping", description="Latin America", status="draft")

    response = client.get(reverse("web:project_list"), {"q": "premium latin"})

    assert titles(response) == ["Premium shipping routes"]


def test_browser_pagination_keeps_the_filters_in_its_links(client):
    for n in range(14):
        ProjectFactory(title=f"Rail {n:02d}", sectors=["logistics.rail"])

    response = client.get(
        reverse("web:project_list"), {"sector": "logistics.rail", "ordering": "title"}
    )

    assert len(titles(response)) == 12
    assert response.context["paginator"].count == 14
    assert 'href="?sector=logistics.rail&amp;ordering=title&amp;page=2"' in (
        response.content.decode()
    )
    second = client.get(
        reverse("web:project_list"),
        {"sector": "logistics.rail", "ordering": "title", "page": 2},
    )
    assert titles(second) == ["Rail 12", "Rail 13"]


def test_browser_sorts_by_largest_investment(client):
    ProjectFactory(
        title="Small", total_investment=Decimal("10"), external_investment_sought=Decimal("10")
    )
    ProjectFactory(
        title="Large", total_investment=Decimal("900"), external_investment_sought=Decimal("900")
    )

    response = client.get(reverse("web:project_list"), {"ordering": "-amount"})

    assert titles(response) == ["Large", "Small"]


def test_browser_page_runs_a_fixed_number_of_queries(client, django_assert_max_num_queries):
    for n in range(12):
        ProjectFactory(title=f"Project {n}", corridors=["air_cargo"], park=ParkFactory())

    with django_assert_max_num_queries(30):
        response = client.get(reverse("web:project_list"))

    assert len(titles(response)) == 12


def test_project_page_shows_amounts_in_cny_and_the_chosen_currency(client):
    rate_set("USD", "7.17")
    park = ParkFactory(name="Guoyuan Port")
    project = ProjectFactory(
        title="Air logistics zone",
        total_investment=Decimal("4200000000"),
        external_investment_sought=Decimal("2000000000"),
        park=park,
        corridors=["air_cargo"],
        cooperation_modes=["joint_venture"],
    )

    response = client.get(
        reverse("web:project_detail", args=[project.reference]), {"currency": "USD"}
    )

    content = response.content.decode()
    assert "CNY 4.2 billion (≈ USD 585.77 million)" in content
    assert "Guoyuan Port" in content
    assert "International air cargo routes" in content
    assert "Joint venture" in content


def test_project_page_lists_similar_projects_of_the_same_sector_family(client):
    project = ProjectFactory(title="Cold store", sectors=["logistics.cold_chain"])
    ProjectFactory(title="Warehouse", sectors=["logistics.warehousing"])
    ProjectFactory(title="Bank", sectors=["services.finance"])

    response = client.get(reverse("web:project_detail", args=[project.reference]))

    assert [p.title for p in response.context["similar"]] == ["Warehouse"]


def test_draft_project_is_hidden_from_visitors_but_shown_to_its_owner(client, soe, soe_staff):
    draft = ProjectFactory(owner=soe, status=Project.Status.DRAFT)
    url = reverse("web:project_detail", args=[draft.reference])

    assert client.get(url).status_code == 404
    client.force_login(soe_staff)
    assert client.get(url).status_code == 200


def test_park_page_lists_its_published_projects(client):
    park = ParkFactory(name="Lianglu-Cuntan Free Trade Port Area")
    ProjectFactory(park=park, title="Bonded warehouse")
    ProjectFactory(park=park, title="Hidden draft", status="draft")

    listing = client.get(reverse("web:park_list"))
    page = client.get(reverse("web:park_detail", args=[park.pk]))

    assert "Lianglu-Cuntan Free Trade Port Area" in listing.content.decode()
    assert [p.title for p in page.context["projects"]] == ["Bonded warehouse"]


def test_enterprise_profile_is_public_only_once_verified(client):
    verified = EnterpriseFactory(name="Siam Logistics", is_verified=True)
    pending = EnterpriseFactory(name="Pending Co", is_verified=False)

    assert (
        client.get(reverse("web:enterprise_detail", args=[verified.reference])).status_code == 200
    )
    assert client.get(reverse("web:enterprise_detail", args=[pending.reference])).status_code == 404


def test_every_page_has_the_language_switch(client):
    response = client.get(reverse("web:project_list"))

    content = response.content.decode()
    assert f'action="{reverse("set_language")}"' in content
    assert 'name="language"' in content


def test_chinese_shows_reference_labels_in_chinese(client):
    ProjectFactory(title="Warehouse", sectors=["logistics.warehousing"])
    client.cookies["django_language"] = "zh-hans"

    response = client.get(reverse("web:project_list"), HTTP_ACCEPT_LANGUAGE="zh-hans")

    content = response.content.decode()
    assert "仓储" in content
    assert '<html lang="zh-hans">' in content


def test_chinese_pages_name_chinese_enterprises_by_their_chinese_name(client):
    from tests.factories import SoeFactory

    owner = SoeFactory(
        name="Minsheng Industrial (Group) Co., Ltd.", name_local="民生实业（集团）有限公司"
    )
    project = ProjectFactory(owner=owner)
    url = reverse("web:project_detail", args=[project.reference])

    english = client.get(url).content.decode()
    chinese = client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()

    assert "Minsheng Industrial (Group) Co., Ltd.</a>" in english
    assert "民生实业（集团）有限公司</a>" in chinese


def test_home_shows_the_agreements_signed_on_a_list(client):
    from django.utils import timezone

    from deals.models import Interest
    from tests.factories import ForeignEnterpriseFactory
    from tests.web.helpers import interest_make

    opportunity_list = OpportunityListFactory(name="Signed list")
    project = ProjectFactory(opportunity_list=opportunity_list)
    interest = interest_make(project=project, enterprise=ForeignEnterpriseFactory())
    Interest.objects.filter(pk=interest.pk).update(
        state="agreement_signed",
        signed_value=Decimal("1220000000"),
        signed_currency="CNY",
        signed_at=timezone.now(),
    )

    response = client.get(reverse("web:home"))

    content = response.content.decode()
    assert "CNY 1.22 billion" in content
    assert "1 agreement signed" in content
