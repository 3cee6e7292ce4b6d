"""Enterprise member pages: recommendations, interests, notifications, preferences, profile."""

import pytest
from django.urls import reverse

from deals.models import Interest
from matchmaking.models import Match
from notifications.models import Notification, Preference
from tests.factories import EnterpriseFactory, MembershipFactory, ProjectFactory, UserFactory
from tests.web.helpers import interest_make, match_make

pytestmark = pytest.mark.django_db


def test_recommendations_show_score_reasons_and_eligibility_warning(
    client, foreign_member, foreign_enterprise
):
    good = ProjectFactory(title="Thai warehouse")
    minority = ProjectFactory(title="Port terminal")
    barred = ProjectFactory(title="Port concession")
    match_make(
        project=good,
        enterprise=foreign_enterprise,
        score=91.2,
        reasons=[
            {
                "code": "sector_same",
                "side": "project",
                "params": {"codes": ["logistics.warehousing"]},
            },
        ],
    )
    match_make(
        project=minority,
        enterprise=foreign_enterprise,
        score=75.0,
        reasons=[
            {
                "code": "negative_list_minority",
                "side": "rule",
                "params": {"sector": "infrastructure.port", "modes": ["debt_financing"]},
            },
        ],
    )
    match_make(
        project=barred,
        enterprise=foreign_enterprise,
        score=70.0,
        eligible=False,
        reason="negative_list_prohibited",
        reasons=[
            {
                "code": "negative_list_prohibited",
                "side": "rule",
                "params": {"sector": "infrastructure.port"},
            },
        ],
    )
    ProjectFactory(title="Draft", status="draft")
    client.force_login(foreign_member)

    response = client.get(reverse("web:recommendations"))

    items = response.context["items"]
    # A firm is never shown a project it may not legally join.
    assert [i["match"].project.title for i in items] == ["Thai warehouse", "Port terminal"]
    assert items[0]["explained"].warnings == []
    assert items[1]["explained"].reasons == []
    assert items[1]["explained"].warnings == [
        "Eligible only as a minority partner (Ports requires Chinese control), through "
        "Debt financing."
    ]
    content = response.content.decode()
    assert ">91<" in content
    assert items[0]["explained"].reasons[0] in content
    assert 'class="warning">Eligible only as a minority partner (Ports' in content


def test_owner_sees_an_ineligible_candidate_with_its_reason(
    client, soe, soe_staff, foreign_enterprise
):
    project = ProjectFactory(owner=soe, title="Port concession")
    match_make(
        project=project,
        enterprise=foreign_enterprise,
        score=70.0,
        eligible=False,
        reason="negative_list_prohibited",
        reasons=[
            {
                "code": "negative_list_prohibited",
                "side": "rule",
                "params": {"sector": "infrastructure.port"},
            },
        ],
    )
    client.force_login(soe_staff)

    response = client.get(reverse("web:project_pipeline", args=[project.reference]))

    [candidate] = response.context["candidates"]
    assert candidate.explained.warnings == [
        "Ineligible: the negative list closes Ports to foreign investors and the project is in "
        "China."
    ]
    content = response.content.decode()
    assert "Ineligible: the negative list closes Ports" in content
    assert reverse("web:match_invite", args=[candidate.match.pk]) not in content


def test_dismissed_recommendation_disappears(client, foreign_member, foreign_enterprise):
    match = match_make(project=ProjectFactory(title="Not for us"), enterprise=foreign_enterprise)
    client.force_login(foreign_member)

    client.post(reverse("web:match_dismiss", args=[match.pk]))

    match.refresh_from_db()
    assert match.state == Match.State.DISMISSED
    assert client.get(reverse("web:recommendations")).context["items"] == []


def test_a_member_cannot_dismiss_another_enterprises_match(client, foreign_member):
    other = match_make(project=ProjectFactory(), enterprise=EnterpriseFactory())
    client.force_login(foreign_member)

    assert client.post(reverse("web:match_dismiss", args=[other.pk])).status_code == 404
    other.refresh_from_db()
    assert other.state == Match.State.NEW


def test_express_interest_from_the_project_page(client, foreign_member, foreign_enterprise):
    project = ProjectFactory(title="Thai warehouse", cooperation_modes=["leasing"])
    client.force_login(foreign_member)

    response = client.post(
        reverse("web:interest_express", args=[project.reference]),
        {
            "message": "We need 5,000 m2.",
            "cooperation_mode": "leasing",
            "indicative_amount": "2000000",
            "currency": "CNY",
        },
    )

    interest = Interest.objects.get()
    assert response.url == reverse("web:interest_detail", args=[interest.pk])
    assert (interest.enterprise, interest.project, interest.message, interest.state) == (
        foreign_enterprise,
        project,
        "We need 5,000 m2.",
        "new",
    )
    page = client.get(reverse("web:project_detail", args=[project.reference]))
    assert "Your interest is in the pipeline:" in page.content.decode()


def test_second_interest_in_the_same_project_is_refused(client, foreign_member, foreign_enterprise):
    project = ProjectFactory()
    interest_make(project=project, enterprise=foreign_enterprise)
    client.force_login(foreign_member)

    response = client.post(
        reverse("web:interest_express", args=[project.reference]), {"currency": "CNY"}, follow=True
    )

    assert Interest.objects.count() == 1
    assert [str(m) for m in response.context["messages"]] == [
        "This enterprise already has an open interest in this project."
    ]


def test_my_interests_show_their_pipeline_state(client, foreign_member, foreign_enterprise):
    interest = interest_make(
        project=ProjectFactory(title="Rail hub"),
        enterprise=foreign_enterprise,
        state="meeting_scheduled",
    )
    interest_make(project=ProjectFactory(title="Not mine"), enterprise=EnterpriseFactory())
    client.force_login(foreign_member)

    response = client.get(reverse("web:my_interests"))

    assert response.context["interests"] == [interest]
    assert "Meeting scheduled" in response.content.decode()


def test_an_outsider_cannot_open_or_move_an_interest(client, foreign_enterprise):
    interest = interest_make(project=ProjectFactory(), enterprise=foreign_enterprise)
    outsider = MembershipFactory(enterprise=EnterpriseFactory(), user=UserFactory()).user
    client.force_login(outsider)

    assert client.get(reverse("web:interest_detail", args=[interest.pk])).status_code == 404
    assert (
        client.post(
            reverse("web:interest_move", args=[interest.pk]), {"to": "withdrawn"}
        ).status_code
        == 404
    )
    interest.refresh_from_db()
    assert interest.state == "new"


def test_member_sees_the_owners_move_and_a_notification(
    client, soe, soe_staff, foreign_member, foreign_enterprise
):
    project = ProjectFactory(owner=soe, title="Thai warehouse")
    interest = interest_make(project=project, enterprise=foreign_enterprise)
    client.force_login(soe_staff)
    client.post(
        reverse("web:interest_move", args=[interest.pk]),
        {"to": "in_discussion", "note": "Let us talk"},
    )
    client.force_login(foreign_member)

    detail = client.get(reverse("web:interest_detail", args=[interest.pk]))
    inbox = client.get(reverse("web:notifications"))

    assert "Let us talk" in detail.content.decode()
    assert 'id="interest-state">In discussion<' in detail.content.decode()
    assert Notification.objects.filter(recipient=foreign_member).count() == 1
    assert len(inbox.context["items"]) == 1
    assert inbox.context["items"][0]["read"] is False


def test_mark_all_read(client, foreign_member):
    Notification.objects.create(recipient=foreign_member, kind="match", key="k1")
    client.force_login(foreign_member)

    client.post(reverse("web:notifications"))

    assert Notification.objects.get().read_at is not None


def test_preferences_are_saved_per_kind(client, foreign_member):
    client.force_login(foreign_member)

    client.post(reverse("web:preferences"), {"kind_match": "weekly", "language": "zh-hans"})

    assert Preference.objects.get(user=foreign_member, kind="match").frequency == "weekly"
    page = client.get(reverse("web:preferences"))
    assert next(r for r in page.context["rows"] if r["kind"] == "match")["frequency"] == "weekly"
    assert page.context["language"] == "zh-hans"


def test_profile_editor_saves_through_the_service(client, foreign_member, foreign_enterprise):
    client.force_login(foreign_member)

    response = client.post(
        reverse("web:profile"),
        {
            "name": "Straits Logistics Pte Ltd",
            "country": "SG",
            "currency": "SGD",
            "sectors": ["logistics.warehousing", "logistics.cold_chain"],
            "corridors": ["ilstc_rail_sea"],
            "investment_min": "1000000",
            "investment_max": "50000000",
        },
    )

    assert response.url == reverse("web:profile")
    foreign_enterprise.refresh_from_db()
    assert foreign_enterprise.currency == "SGD"
    assert sorted(foreign_enterprise.sectors.values_list("code", flat=True)) == [
        "logistics.cold_chain",
        "logistics.warehousing",
    ]


def test_profile_rule_error_shows_beside_the_field(client, foreign_member, foreign_enterprise):
    client.force_login(foreign_member)

    response = client.post(
        reverse("web:profile"),
        {
            "name": "Straits",
            "country": "SG",
            "currency": "SGD",
            "sectors": ["logistics"],
            "investment_min": "9",
            "investment_max": "1",
        },
    )

    assert response.context["form"].errors["investment_min"] == [
        "The smallest commitment cannot exceed the largest commitment."
    ]
    foreign_enterprise.refresh_from_db()
    assert foreign_enterprise.name == "Straits Logistics Pte Ltd"


def test_soe_staff_have_no_recommendations_page(client, soe_staff):
    client.force_login(soe_staff)

    assert client.get(reverse("web:recommendations")).status_code == 403


def test_saving_the_browser_search_keeps_its_filters(client, foreign_member):
    from notifications.models import SavedSearch

    client.force_login(foreign_member)

    response = client.post(
        reverse("web:search_save"),
        {
            "name": "Thai warehousing",
            "query": "sector=logistics.warehousing&place=TH&ordering=title&page=2",
        },
    )

    assert response.url == (
        reverse("web:project_list") + "?sector=logistics.warehousing&place=TH&ordering=title&page=2"
    )
    search = SavedSearch.objects.get(user=foreign_member)
    assert (search.name, search.filters) == (
        "Thai warehousing",
        {"sector": "logistics.warehousing", "place": "TH"},
    )
    page = client.get(reverse("web:preferences"))
    assert "Thai warehousing" in page.content.decode()


def test_a_search_needs_a_name_and_visitors_cannot_save(client, foreign_member):
    from notifications.models import SavedSearch

    assert client.post(reverse("web:search_save"), {"name": "x"}).status_code == 302
    client.force_login(foreign_member)
    client.post(reverse("web:search_save"), {"name": " ", "query": "sector=logistics"})

    assert not SavedSearch.objects.exists()


def test_follow_and_unfollow_a_project(client, foreign_member, foreign_enterprise):
    from notifications.models import Follow

    project = ProjectFactory(title="Rail hub")
    client.force_login(foreign_member)
    url = reverse("web:project_follow", args=[project.reference])

    client.post(url, {"follow": "1"})
    following = client.get(reverse("web:project_detail", args=[project.reference]))
    assert Follow.objects.filter(enterprise=foreign_enterprise, project=project).exists()
    assert "Stop following" in following.content.decode()

    client.post(url, {"follow": "0"})
    assert not Follow.objects.exists()


def test_navigation_shows_the_unread_count(client, foreign_member):
    Notification.objects.create(recipient=foreign_member, kind="match", key="a")
    Notification.objects.create(recipient=foreign_member, kind="match", key="b")
    client.force_login(foreign_member)

    response = client.get(reverse("web:home"))

    assert '<span class="nav-count"><span class="visually-hidden">(</span>2<' in (
        response.content.decode()
    )
