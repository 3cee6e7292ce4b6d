import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile

from enterprises.models import Enterprise
from projects.models import ProjectTransition
from tests.factories import SoeFactory, UserFactory
from tests.imports.files import (
    AIR_LOGISTICS,
    CQ_PORT,
    ENTERPRISE_HEADER,
    PROJECT_HEADER,
    STRAITS,
    csv_write,
)

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.imports.admin_urls")]

CHANGELIST = "/admin/enterprises/enterprise/"
IMPORT_PAGE = "/admin/enterprises/enterprise/import-file/"


def upload(path, name=None):
    return SimpleUploadedFile(name or path.name, path.read_bytes())


def test_changelist_links_to_the_import_page_next_to_export(client, admin_user):
    client.force_login(admin_user)

    response = client.get(CHANGELIST)

    content = response.content.decode()
    assert response.status_code == 200
    assert f'<a href="{IMPORT_PAGE}" class="importlink">Import file</a>' in content
    assert 'class="export_link">Export</a>' in content


def test_import_page_lists_the_contract_columns(client, admin_user):
    client.force_login(admin_user)

    content = client.get(IMPORT_PAGE).content.decode()

    assert "<code>reference, name, ownership, country, sectors</code>" in content
    assert 'accept=".csv,.xlsx"' in content


def test_superuser_uploading_a_bad_file_sees_every_error_and_nothing_is_written(
    client, admin_user, tmp_path
):
    rows = [{**STRAITS, "sectors": "logistics.teleport"}, {**CQ_PORT, "investment_max": "-1"}]
    path = csv_write(tmp_path / "enterprises.csv", ENTERPRISE_HEADER, rows)
    client.force_login(admin_user)

    response = client.post(IMPORT_PAGE, {"file": upload(path)})

    assert response.status_code == 200
    assert [(e.row, e.column, e.value, e.reason) for e in response.context["errors"]] == [
        (2, "sectors", "logistics.teleport", "unknown sector code"),
        (3, "investment_max", "-1", "must not be negative"),
    ]
    content = response.content.decode()
    assert "<td>logistics.teleport</td>" in content
    assert "<td>unknown sector code</td>" in content
    assert "2 problems; nothing was changed" in content
    assert Enterprise.objects.count() == 0


def test_superuser_uploading_a_good_file_creates_records(client, admin_user, tmp_path):
    path = csv_write(tmp_path / "enterprises.csv", ENTERPRISE_HEADER, [STRAITS, CQ_PORT])
    client.force_login(admin_user)

    response = client.post(IMPORT_PAGE, {"file": upload(path)}, follow=True)

    assert response.redirect_chain == [(CHANGELIST, 302)]
    assert [str(m) for m in response.context["messages"]] == ["Created 2, updated 0, unchanged 0."]
    assert sorted(Enterprise.objects.values_list("reference", flat=True)) == [
        "ENT-0001",
        "ENT-0002",
    ]


def test_an_admin_import_names_the_admin_in_the_audit_history(client, admin_user, tmp_path):
    path = csv_write(tmp_path / "enterprises.csv", ENTERPRISE_HEADER, [STRAITS])
    client.force_login(admin_user)

    client.post(IMPORT_PAGE, {"file": upload(path)})

    record = Enterprise.history.get(reference="ENT-0001")
    assert (record.history_type, record.history_user, record.history_change_reason) == (
        "+",
        admin_user,
        "import",
    )


def test_uploaded_xlsx_keeps_its_name_in_the_transition_note(client, admin_user, tmp_path):
    from tests.imports.files import xlsx_write

    SoeFactory(reference="ENT-0002")
    path = xlsx_write(
        tmp_path / "list.xlsx",
        PROJECT_HEADER,
        [[AIR_LOGISTICS.get(column) for column in PROJECT_HEADER]],
    )
    client.force_login(admin_user)

    response = client.post(
        "/admin/projects/project/import-file/", {"file": upload(path, "SOE list 2025.xlsx")}
    )

    assert response.status_code == 302
    assert ProjectTransition.objects.get().note == "Imported from SOE_list_2025.xlsx"


def test_other_file_types_are_refused_by_the_form(client, admin_user, tmp_path):
    path = tmp_path / "enterprises.txt"
    path.write_text("reference\n")
    client.force_login(admin_user)

    response = client.post(IMPORT_PAGE, {"file": upload(path)})

    assert response.context["form"].errors == {"file": ["Upload a .csv or .xlsx file."]}


def test_staff_without_add_permission_cannot_import(client, tmp_path):
    staff = UserFactory(username="viewer", is_staff=True)
    staff.user_permissions.add(Permission.objects.get(codename="view_enterprise"))
    path = csv_write(tmp_path / "enterprises.csv", ENTERPRISE_HEADER, [STRAITS])
    client.force_login(staff)

    get = client.get(IMPORT_PAGE)
    post = client.post(IMPORT_PAGE, {"file": upload(path)})
    changelist = client.get(CHANGELIST)

    assert (get.status_code, post.status_code) == (403, 403)
    assert "Import file" not in changelist.content.decode()
    assert Enterprise.objects.count() == 0


def test_staff_with_add_permission_can_import(client, tmp_path):
    staff = UserFactory(username="curator", is_staff=True)
    staff.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_enterprise", "add_enterprise"])
    )
    path = csv_write(tmp_path / "enterprises.csv", ENTERPRISE_HEADER, [STRAITS])
    client.force_login(staff)

    response = client.post(IMPORT_PAGE, {"file": upload(path)})

    assert response.status_code == 302
    assert Enterprise.objects.get().reference == "ENT-0001"


def test_anonymous_visitor_is_sent_to_login(client):
    response = client.get(IMPORT_PAGE)

    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_request_larger_than_the_cap_is_refused_before_the_upload_is_parsed(
    client, admin_user, settings, tmp_path
):
    settings.IMPORT_MAX_BYTES = 1000
    path = tmp_path / "enterprises.csv"
    path.write_text(",".join(ENTERPRISE_HEADER) + "\n" + "x" * 200_000 + "\n")
    client.force_login(admin_user)

    response = client.post(IMPORT_PAGE, {"file": upload(path)})

    assert response.status_code == 200
    assert response.context["refusal"] == "The file is larger than the limit of 1000 bytes."
    assert '<p class="errornote">The file is larger than the limit of 1000 bytes.</p>' in (
        response.content.decode()
    )
    assert Enterprise.objects.count() == 0


def test_upload_growing_past_the_cap_is_dropped_while_it_is_received(
    client, admin_user, settings, tmp_path
):
    # Small enough to pass the request-size check, larger than the cap once received.
    settings.IMPORT_MAX_BYTES = 1000
    path = csv_write(tmp_path / "enterprises.csv", ENTERPRISE_HEADER, [STRAITS] * 20)
    client.force_login(admin_user)

    response = client.post(IMPORT_PAGE, {"file": upload(path)})

    assert response.context["refusal"] == "The file is larger than the limit of 1000 bytes."
    assert not response.context["form"].is_bound
    assert Enterprise.objects.count() == 0


def test_import_page_checks_the_csrf_token(admin_user, tmp_path):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(admin_user)
    path = csv_write(tmp_path / "enterprises.csv", ENTERPRISE_HEADER, [STRAITS])

    refused = client.post(IMPORT_PAGE, {"file": upload(path)})
    token = client.get(IMPORT_PAGE).cookies["csrftoken"].value
    accepted = client.post(IMPORT_PAGE, {"file": upload(path), "csrfmiddlewaretoken": token})

    assert (refused.status_code, accepted.status_code) == (403, 302)
    assert Enterprise.objects.get().reference == "ENT-0001"
