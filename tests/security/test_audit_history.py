"""Audit history: every change to the audited models names who made it and when."""

import pytest
from django.test import Client
from django.urls import reverse

from core.models import ExchangeRate, NegativeListRule, Sector
from core.services import exchange_rate_save
from deals.services import interest_express, interest_transition
from enterprises.importers import enterprises_import
from enterprises.models import Enterprise, Membership
from enterprises.services import enterprise_update, membership_add
from projects.services import project_update
from tests.factories import ProjectFactory, UserFactory
from tests.imports.files import CQ_PORT, ENTERPRISE_HEADER, STRAITS, csv_write

pytestmark = pytest.mark.django_db


def test_project_update_service_records_who_changed_the_title(soe, soe_staff):
    project = ProjectFactory(owner=soe, title="Old title")

    project_update(project=project, by=soe_staff, title="New title")

    latest = project.history.latest()
    assert (latest.history_type, latest.title, latest.history_user) == ("~", "New title", soe_staff)
    assert latest.prev_record.title == "Old title"
    delta = latest.diff_against(latest.prev_record)
    assert [(c.field, c.old, c.new) for c in delta.changes] == [("title", "Old title", "New title")]


def test_a_tags_only_project_edit_leaves_a_record_naming_the_old_and_new_codes(soe, soe_staff):
    project = ProjectFactory(owner=soe, sectors=["logistics"])
    records_before = project.history.count()

    project_update(project=project, by=soe_staff, sectors=["logistics", "logistics.warehousing"])

    latest = project.history.latest()
    assert project.history.count() == records_before + 1
    assert (latest.history_user, latest.history_change_reason) == (
        soe_staff,
        "sectors: logistics → logistics, logistics.warehousing",
    )


def test_an_unchanged_tags_edit_leaves_no_record(soe, soe_staff):
    project = ProjectFactory(owner=soe, sectors=["logistics"])
    records_before = project.history.count()

    project_update(project=project, by=soe_staff, sectors=["logistics"])

    assert project.history.count() == records_before


def test_an_enterprise_edit_of_text_and_tags_is_one_record_with_both(
    foreign_enterprise, foreign_member
):
    foreign_enterprise.corridors.clear()

    enterprise_update(
        enterprise=foreign_enterprise,
        by=foreign_member,
        description="Bonded warehousing in Laem Chabang.",
        corridors=["ilstc_rail_sea"],
    )

    latest = foreign_enterprise.history.latest()
    assert latest.prev_record is not None
    assert (latest.description, latest.history_user, latest.history_change_reason) == (
        "Bonded warehousing in Laem Chabang.",
        foreign_member,
        "corridors: - → ilstc_rail_sea",
    )


def test_interest_express_and_transition_record_their_authors(soe, soe_staff, foreign_member):
    project = ProjectFactory(owner=soe)
    interest = interest_express(project=project, by=foreign_member, message="Keen.")

    interest_transition(interest=interest, to="in_discussion", by=soe_staff, note="Call set")

    records = list(interest.history.order_by("history_date", "history_id"))
    assert [(r.history_type, r.state, r.history_user) for r in records] == [
        ("+", "new", foreign_member),
        ("~", "in_discussion", soe_staff),
    ]


def test_enterprise_update_and_membership_changes_are_recorded(foreign_enterprise, foreign_member):
    enterprise_update(enterprise=foreign_enterprise, by=foreign_member, description="Cold stores.")
    membership_add(enterprise=foreign_enterprise, user=foreign_member, role=Membership.Role.ADMIN)

    assert foreign_enterprise.history.latest().history_user == foreign_member
    assert foreign_enterprise.history.latest().description == "Cold stores."
    membership = Membership.objects.get(user=foreign_member)
    assert [r.role for r in membership.history.order_by("history_date")] == ["member", "admin"]


def test_an_admin_edit_of_a_negative_list_rule_is_recorded_with_the_admin(admin_user):
    rule = NegativeListRule.objects.create(
        sector=Sector.objects.get(code="logistics"), rule="chinese_control"
    )
    client = Client()
    client.force_login(admin_user)

    response = client.post(
        reverse("admin:core_negativelistrule_change", args=[rule.pk]),
        {"sector": "logistics", "rule": "prohibited", "note": "2026 list"},
    )

    assert response.status_code == 302
    latest = rule.history.latest()
    assert (latest.rule, latest.note, latest.history_user) == (
        "prohibited",
        "2026 list",
        admin_user,
    )


def test_the_admin_history_page_shows_who_changed_what(soe, soe_staff, admin_user):
    project = ProjectFactory(owner=soe, title="Before")
    project_update(project=project, by=soe_staff, title="After")
    client = Client()
    client.force_login(admin_user)

    page = client.get(reverse("admin:projects_project_history", args=[project.pk]))

    body = page.content.decode()
    assert page.status_code == 200
    assert "soe_staff" in body
    assert "Before" in body
    assert "After" in body


def test_exchange_rate_changes_are_recorded(admin_user):
    exchange_rate_save(currency="SGD", rate_to_cny="5.30", valid_on="2026-11-01")
    exchange_rate_save(currency="SGD", rate_to_cny="5.35", valid_on="2026-11-01")

    rate = ExchangeRate.objects.get(currency="SGD", valid_on="2026-11-01")
    assert [str(r.rate_to_cny) for r in rate.history.order_by("history_date")] == [
        "5.3000000000",
        "5.3500000000",
    ]


def test_deleting_a_user_keeps_the_history_without_them(soe, soe_staff):
    project = ProjectFactory(owner=soe, title="Old")
    project_update(project=project, by=soe_staff, title="New")
    soe_staff_pk = soe_staff.pk
    UserFactory(username="bystander")

    soe_staff.delete()

    latest = project.history.latest()
    assert latest.title == "New"
    assert latest.history_user_id is None
    assert soe_staff_pk not in project.history.values_list("history_user_id", flat=True)


def test_imports_leave_an_audit_record_per_created_or_changed_row(tmp_path):
    first = csv_write(tmp_path / "first.csv", ENTERPRISE_HEADER, [STRAITS, CQ_PORT])
    enterprises_import(path=first)
    enterprises_import(path=first)  # unchanged: no new records
    renamed = {**STRAITS, "name": "Straits Logistics (Johor) Pte Ltd"}
    enterprises_import(path=csv_write(tmp_path / "second.csv", ENTERPRISE_HEADER, [renamed]))

    straits = Enterprise.objects.get(reference="ENT-0001")
    records = list(straits.history.order_by("history_date", "history_id"))
    assert [(r.history_type, r.name, r.history_change_reason) for r in records] == [
        ("+", "Straits Logistics Pte Ltd", "import"),
        ("~", "Straits Logistics (Johor) Pte Ltd", "import"),
    ]
    port = Enterprise.objects.get(reference="ENT-0002")
    assert [r.history_type for r in port.history.all()] == ["+"]
