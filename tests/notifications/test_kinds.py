"""Each notification kind reaches exactly the right people, once."""

from datetime import date, timedelta

import pytest

from deals.services import interest_express, interest_invite, interest_transition
from matchmaking.models import MatchingConfig
from matchmaking.signals import matches_stored
from notifications import recipients
from notifications.models import Delivery, Notification
from notifications.services import deadline_reminders_create, follow_create, saved_search_create
from projects.models import Project
from projects.services import project_publish, project_transition, project_update
from tests.deals.factories import MatchFactory
from tests.factories import (
    EnterpriseFactory,
    ForeignEnterpriseFactory,
    MembershipFactory,
    ParkFactory,
    ProjectFactory,
    UserFactory,
)
from tests.notifications.helpers import notified


def member(enterprise, username):
    return MembershipFactory(enterprise=enterprise, user=UserFactory(username=username)).user


@pytest.fixture
def draft(soe):
    return ProjectFactory(
        owner=soe,
        status=Project.Status.DRAFT,
        title="Rail-sea cold chain hub",
        sectors=["logistics.cold_chain"],
        cooperation_modes=["joint_venture"],
        corridors=["ilstc_rail_sea"],
        total_investment="1200000000",
        external_investment_sought="800000000",
        park=ParkFactory(name="Guoyuan Port"),
    )


def test_saved_search_hit_reaches_only_users_whose_filters_fit(draft, soe_staff):
    fits = {
        "sector_parent": {"sector": "logistics", "corridor": ["ilstc_rail_sea", "air_cargo"]},
        "mode_and_amount": {"mode": "joint_venture", "min_amount": "100000000", "currency": "USD"},
        "park_and_words": {"park": "Guoyuan Port", "q": "COLD chain"},
        # As in the browser, amounts are the total investment (1.2 bn), not the 800 m sought.
        "total_not_sought": {"min_amount": "1000000000"},
    }
    misses = {
        "other_sector": {"sector": "manufacturing"},
        "too_small": {"max_amount": "100000000", "currency": "USD"},  # 717 m CNY < 1.2 bn
        "other_words": {"q": "airport"},
        "other_place": {"place": "TH"},
    }
    for username, filters in {**fits, **misses}.items():
        saved_search_create(user=UserFactory(username=username), name=username, filters=filters)
    # The owner's own staff are never told about their own project.
    saved_search_create(user=soe_staff, name="mine", filters={"sector": "logistics"})

    project_publish(project=draft, by=soe_staff)

    assert notified("saved_search") == sorted(fits)
    hit = Notification.objects.get(recipient__username="sector_parent")
    assert hit.context["search_name"] == "sector_parent"
    assert hit.project == draft


def test_a_project_that_was_already_published_does_not_hit_saved_searches_again(draft, soe_staff):
    saved_search_create(user=UserFactory(username="watcher"), name="all", filters={})
    project_publish(project=draft, by=soe_staff)
    project_transition(project=draft, to="negotiating", by=soe_staff)
    project_update(project=draft, by=soe_staff, title="Rail-sea cold chain hub, phase 2")

    assert notified("saved_search") == ["watcher"]


def test_new_eligible_match_above_threshold_reaches_both_sides_only(soe, soe_staff):
    MatchingConfig.objects.create(version=2, notify_threshold=70)
    project = ProjectFactory(owner=soe)
    candidate = ForeignEnterpriseFactory()
    member(candidate, "cand_a")
    member(candidate, "cand_b")
    low, blocked = EnterpriseFactory(), ForeignEnterpriseFactory()
    member(low, "low_member")
    member(blocked, "blocked_member")
    member(EnterpriseFactory(), "bystander")
    good = MatchFactory(project=project, enterprise=candidate, score=70.0)
    below = MatchFactory(project=project, enterprise=low, score=69.9)
    ineligible = MatchFactory(project=project, enterprise=blocked, score=95.0, eligible=False)

    matches_stored.send(sender=None, new_match_ids=[good.pk, below.pk, ineligible.pk])

    assert notified("match") == ["cand_a", "cand_b", "soe_staff"]
    assert Delivery.objects.count() == 3


def test_a_large_batch_of_new_matches_notifies_every_staffed_pair_once(soe, soe_staff, monkeypatch):
    """A full rescore reports its new matches in one list; they are read in batches, and
    pairs with nobody signed up on either side are skipped without loading them."""
    monkeypatch.setattr(recipients, "MATCH_BATCH_SIZE", 2)
    project = ProjectFactory(owner=soe)
    unstaffed_project = ProjectFactory()  # its owner has no members
    firms = [ForeignEnterpriseFactory() for _ in range(5)]
    for i, firm in enumerate(firms):
        member(firm, f"firm_{i}")
    ids = [MatchFactory(project=project, enterprise=f, score=80.0).pk for f in firms]
    ids += [MatchFactory(project=unstaffed_project, enterprise=EnterpriseFactory()).pk]

    matches_stored.send(sender=None, new_match_ids=ids + ids[:2])  # repeats are harmless

    assert notified("match") == [f"firm_{i}" for i in range(5)] + ["soe_staff"] * 5
    assert Delivery.objects.count() == 10


def test_a_rescore_that_finds_the_same_match_again_never_notifies_again(soe, soe_staff):
    project = ProjectFactory(owner=soe)
    candidate = ForeignEnterpriseFactory()
    member(candidate, "cand")
    match = MatchFactory(project=project, enterprise=candidate, score=80.0)
    matches_stored.send(sender=None, new_match_ids=[match.pk])

    matches_stored.send(sender=None, new_match_ids=[match.pk])  # the same ids again
    match.delete()  # dropped out of the top k, then found again as a new row
    again = MatchFactory(project=project, enterprise=candidate, score=81.0)
    matches_stored.send(sender=None, new_match_ids=[again.pk])

    assert notified("match") == ["cand", "soe_staff"]
    assert Delivery.objects.count() == 2


def test_interest_reaches_the_owners_staff_and_invitation_the_candidate(
    soe, soe_staff, foreign_enterprise, foreign_member
):
    member(soe, "soe_colleague")
    member(foreign_enterprise, "foreign_colleague")
    member(EnterpriseFactory(), "bystander")

    interest_express(project=ProjectFactory(owner=soe), by=foreign_member, message="Hello")
    invited = ForeignEnterpriseFactory()
    member(invited, "invitee")
    match = MatchFactory(project=ProjectFactory(owner=soe), enterprise=invited)
    interest_invite(match=match, by=soe_staff, message="Join us")

    assert notified("interest") == ["soe_colleague", "soe_staff"]
    assert notified("invitation") == ["invitee"]
    invitation = Notification.objects.get(kind="invitation")
    assert invitation.context["message"] == "Join us"


def test_pipeline_transition_reaches_both_sides_except_who_made_it(
    soe, soe_staff, foreign_enterprise, foreign_member
):
    member(soe, "soe_colleague")
    member(foreign_enterprise, "foreign_colleague")
    member(EnterpriseFactory(), "bystander")
    interest = interest_express(project=ProjectFactory(owner=soe), by=foreign_member)

    interest_transition(interest=interest, to="in_discussion", by=soe_staff, note="Call")

    assert notified("transition") == ["foreign_colleague", "foreign_member", "soe_colleague"]
    note = Notification.objects.filter(kind="transition").first()
    assert (note.context["to_state"], note.context["note"]) == ("in_discussion", "Call")


def test_followed_project_change_reaches_the_following_enterprises_members(
    soe, soe_staff, foreign_enterprise, foreign_member
):
    project = ProjectFactory(owner=soe, status=Project.Status.PUBLISHED)
    follow_create(enterprise=foreign_enterprise, project=project)
    follow_create(enterprise=soe, project=project)  # the owner's own follow is ignored
    member(EnterpriseFactory(), "bystander")

    project_update(project=project, by=soe_staff, description="Now with a bonded warehouse.")
    project_transition(project=project, to="negotiating", by=soe_staff)

    assert notified("followed_change") == ["foreign_member", "foreign_member"]
    statuses = sorted(
        n.context.get("to_status", "") for n in Notification.objects.filter(kind="followed_change")
    )
    assert statuses == ["", "negotiating"]


def test_deadline_reminders_reach_followers_once_per_deadline(
    soe, foreign_enterprise, foreign_member
):
    today = date(2026, 5, 1)
    soon = ProjectFactory(owner=soe, deadline=today + timedelta(days=7))
    later = ProjectFactory(owner=soe, deadline=today + timedelta(days=8))
    past = ProjectFactory(owner=soe, deadline=today - timedelta(days=1))
    unfollowed = ProjectFactory(owner=soe, deadline=today + timedelta(days=2))
    for project in (soon, later, past):
        follow_create(enterprise=foreign_enterprise, project=project)
    assert unfollowed.followers.count() == 0

    assert deadline_reminders_create(today=today) == 1
    assert deadline_reminders_create(today=today + timedelta(days=1)) == 1  # `later` now
    assert deadline_reminders_create(today=today + timedelta(days=1)) == 0

    reminded = Notification.objects.filter(kind="deadline").order_by("pk")
    assert [n.project for n in reminded] == [soon, later]
    assert [n.recipient for n in reminded] == [foreign_member, foreign_member]
