from decimal import Decimal

import pytest
from django.db import IntegrityError

from deals.models import Interest, InterestTransition
from deals.selectors import interest_list_visible_to, interest_transition_list
from deals.services import DealError, interest_express, interest_invite, interest_transition
from matchmaking.models import Match
from projects.models import Project, ProjectTransition
from tests.deals.factories import InterestFactory, MatchFactory
from tests.factories import MembershipFactory, ProjectFactory, UserFactory


@pytest.fixture
def project(soe):
    return ProjectFactory(owner=soe, reference="ILSTC-2025-07", title="Air logistics hub")


def test_member_of_verified_enterprise_expresses_interest(project, foreign_member):
    interest = interest_express(
        project=project,
        by=foreign_member,
        message="We run Singapore-Chongqing air cargo.",
        cooperation_mode="joint_venture",
        indicative_amount="250000000",
        currency="USD",
    )

    interest.refresh_from_db()
    assert interest.enterprise == foreign_member.membership.enterprise
    assert interest.project == project
    assert interest.initiated_by == Interest.Initiator.ENTERPRISE
    assert interest.state == Interest.State.NEW
    assert interest.cooperation_mode_id == "joint_venture"
    assert interest.indicative_amount == Decimal("250000000.00")
    assert interest.currency == "USD"
    assert interest.created_by == foreign_member


def test_unverified_enterprise_cannot_express_interest(project, foreign_member):
    enterprise = foreign_member.membership.enterprise
    enterprise.is_verified = False
    enterprise.save()

    with pytest.raises(DealError) as exc:
        interest_express(project=project, by=foreign_member)

    assert exc.value.code == "not_verified"
    assert Interest.objects.count() == 0


def test_user_without_an_enterprise_cannot_express_interest(project):
    with pytest.raises(DealError) as exc:
        interest_express(project=project, by=UserFactory())
    assert exc.value.code == "no_member"
    assert Interest.objects.count() == 0


def test_enterprise_cannot_express_interest_in_its_own_project(project, soe_staff):
    with pytest.raises(DealError) as exc:
        interest_express(project=project, by=soe_staff)
    assert exc.value.code == "own_project"
    assert Interest.objects.count() == 0


@pytest.mark.parametrize("status", ["draft", "in_review", "signed", "withdrawn", "expired"])
def test_interest_only_in_published_or_negotiating_projects(soe, foreign_member, status):
    project = ProjectFactory(owner=soe, status=status)
    with pytest.raises(DealError) as exc:
        interest_express(project=project, by=foreign_member)
    assert exc.value.code == "project_not_open"
    assert Interest.objects.count() == 0


def test_unknown_currency_is_refused_with_the_field_and_value(project, foreign_member):
    with pytest.raises(DealError) as exc:
        interest_express(project=project, by=foreign_member, indicative_amount="5", currency="XXX")
    assert exc.value.message == "currency: XXX is not a currency with an exchange rate."
    assert Interest.objects.count() == 0


def test_second_open_interest_for_the_same_pair_is_refused(project, foreign_member):
    first = interest_express(project=project, by=foreign_member)

    with pytest.raises(DealError) as exc:
        interest_express(project=project, by=foreign_member)

    assert exc.value.code == "already_open"
    assert list(Interest.objects.values_list("pk", flat=True)) == [first.pk]


def test_a_new_interest_is_possible_once_the_previous_one_is_closed(project, foreign_member):
    first = interest_express(project=project, by=foreign_member)
    interest_transition(interest=first, to="withdrawn", by=foreign_member, note="Timing.")

    second = interest_express(project=project, by=foreign_member)

    assert second.pk != first.pk
    assert Interest.objects.filter(project=project).count() == 2


def test_database_allows_only_one_open_interest_per_pair(project, foreign_enterprise):
    InterestFactory(project=project, enterprise=foreign_enterprise, state="in_discussion")
    InterestFactory(project=project, enterprise=foreign_enterprise, state="declined")

    with pytest.raises(IntegrityError):
        InterestFactory(project=project, enterprise=foreign_enterprise, state="new")


def test_owner_staff_invite_a_candidate_from_the_match_list(project, soe_staff, foreign_enterprise):
    match = MatchFactory(project=project, enterprise=foreign_enterprise)

    interest = interest_invite(match=match, by=soe_staff, message="Join our hub.")

    assert interest.initiated_by == Interest.Initiator.PROJECT_OWNER
    assert interest.enterprise == foreign_enterprise
    assert interest.project == project
    assert interest.state == Interest.State.NEW
    match.refresh_from_db()
    assert match.state == Match.State.CONTACTED
    assert match.state_changed_at is not None


def test_only_the_owners_staff_can_invite(project, other_soe_staff, foreign_member):
    match = MatchFactory(project=project, enterprise=foreign_member.membership.enterprise)

    for user in (other_soe_staff, foreign_member):
        with pytest.raises(DealError) as exc:
            interest_invite(match=match, by=user)
        assert exc.value.code == "not_owner"

    match.refresh_from_db()
    assert match.state == Match.State.NEW
    assert Interest.objects.count() == 0


def test_inviting_an_enterprise_with_an_open_interest_is_refused(
    project, soe_staff, foreign_member
):
    interest_express(project=project, by=foreign_member)
    match = MatchFactory(project=project, enterprise=foreign_member.membership.enterprise)

    with pytest.raises(DealError) as exc:
        interest_invite(match=match, by=soe_staff)

    assert exc.value.code == "already_open"
    match.refresh_from_db()
    assert match.state == Match.State.NEW


def _interest_in(state, project, enterprise):
    return InterestFactory(project=project, enterprise=enterprise, state=state)


# (who, from, to, allowed)
MATRIX = [
    ("enterprise", "new", "in_discussion", True),
    ("owner", "new", "in_discussion", True),
    ("enterprise", "in_discussion", "meeting_scheduled", True),
    ("owner", "meeting_scheduled", "mou_signed", True),
    ("owner", "new", "declined", True),
    ("owner", "mou_signed", "declined", True),
    ("enterprise", "new", "declined", False),
    ("enterprise", "meeting_scheduled", "withdrawn", True),
    ("owner", "in_discussion", "withdrawn", False),
    ("owner", "new", "meeting_scheduled", False),
    ("enterprise", "mou_signed", "in_discussion", False),
    ("owner", "declined", "in_discussion", False),
    ("enterprise", "withdrawn", "new", False),
    ("outsider", "new", "in_discussion", False),
    ("outsider", "new", "declined", False),
]


@pytest.mark.parametrize(("who", "from_state", "to_state", "allowed"), MATRIX)
def test_pipeline_transition_permissions(
    project, soe_staff, foreign_member, other_soe_staff, who, from_state, to_state, allowed
):
    interest = _interest_in(from_state, project, foreign_member.membership.enterprise)
    actor = {"enterprise": foreign_member, "owner": soe_staff, "outsider": other_soe_staff}[who]

    if allowed:
        transition = interest_transition(interest=interest, to=to_state, by=actor, note="ok")
        interest.refresh_from_db()
        assert interest.state == to_state
        assert (transition.from_state, transition.to_state, transition.by) == (
            from_state,
            to_state,
            actor,
        )
    else:
        with pytest.raises(DealError):
            interest_transition(interest=interest, to=to_state, by=actor, note="no")
        interest.refresh_from_db()
        assert interest.state == from_state
        assert InterestTransition.objects.count() == 0


def test_transitions_store_who_when_and_note_visible_to_both_sides(
    project, soe_staff, foreign_member, other_soe_staff
):
    interest = interest_express(project=project, by=foreign_member)
    interest_transition(interest=interest, to="in_discussion", by=soe_staff, note="Call Monday")
    interest_transition(
        interest=interest, to="meeting_scheduled", by=foreign_member, note="Meet 3 June"
    )

    history = [
        (t.from_state, t.to_state, t.by.username, t.note)
        for t in interest_transition_list(interest=interest)
    ]
    assert history == [
        ("new", "in_discussion", "soe_staff", "Call Monday"),
        ("in_discussion", "meeting_scheduled", "foreign_member", "Meet 3 June"),
    ]
    assert all(t.at is not None for t in interest.transitions.all())
    assert list(interest_list_visible_to(user=soe_staff)) == [interest]
    assert list(interest_list_visible_to(user=foreign_member)) == [interest]
    assert list(interest_list_visible_to(user=other_soe_staff)) == []


def test_signing_the_agreement_records_its_value_and_signs_the_project(
    project, soe_staff, foreign_member
):
    interest = _interest_in("mou_signed", project, foreign_member.membership.enterprise)

    interest_transition(
        interest=interest,
        to="agreement_signed",
        by=soe_staff,
        note="Signed at the 2025 conference",
        signed_value="120000000",
        signed_currency="USD",
    )

    interest.refresh_from_db()
    assert interest.state == "agreement_signed"
    assert interest.signed_value == Decimal("120000000.00")
    assert interest.signed_currency == "USD"
    assert interest.signed_at is not None
    project.refresh_from_db()
    assert project.status == Project.Status.SIGNED
    assert list(ProjectTransition.objects.values_list("from_status", "to_status", "by")) == [
        ("published", "signed", soe_staff.pk)
    ]


@pytest.mark.parametrize(
    ("value", "currency"), [(None, "USD"), ("0", "USD"), ("-5", "USD"), ("100", ""), ("abc", "CNY")]
)
def test_an_agreement_without_a_valid_signed_value_is_refused(
    project, soe_staff, foreign_member, value, currency
):
    interest = _interest_in("mou_signed", project, foreign_member.membership.enterprise)

    with pytest.raises(DealError):
        interest_transition(
            interest=interest,
            to="agreement_signed",
            by=soe_staff,
            signed_value=value,
            signed_currency=currency,
        )

    interest.refresh_from_db()
    assert interest.state == "mou_signed"
    assert interest.signed_value is None
    project.refresh_from_db()
    assert project.status == Project.Status.PUBLISHED
    assert InterestTransition.objects.count() == 0


def test_a_second_member_of_the_same_enterprise_also_acts_for_it(project, foreign_member):
    colleague = MembershipFactory(enterprise=foreign_member.membership.enterprise).user
    interest = interest_express(project=project, by=foreign_member)

    interest_transition(interest=interest, to="withdrawn", by=colleague)

    interest.refresh_from_db()
    assert interest.state == "withdrawn"
