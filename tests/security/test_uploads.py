"""Import uploads: zip bombs refused before openpyxl opens them; over-sized files refused."""

import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from core.imports import Columns, RowError, table_read
from enterprises.models import Enterprise
from tests.imports.files import ENTERPRISE_HEADER, STRAITS, csv_write, xlsx_write

COLUMNS = Columns(required=("reference", "name"), optional=())


def zip_bomb(path, *, inner_bytes: int):
    """A file that looks like a workbook but whose sheet unpacks to `inner_bytes` zeros."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        with archive.open("xl/worksheets/sheet1.xml", "w") as sheet:
            chunk = b"\0" * (1024 * 1024)
            for _ in range(inner_bytes // len(chunk)):
                sheet.write(chunk)
    return path


def test_a_highly_compressed_part_is_refused_as_a_file_error(tmp_path, settings):
    path = zip_bomb(tmp_path / "bomb.xlsx", inner_bytes=50 * 1024 * 1024)
    assert path.stat().st_size < 200_000

    rows, errors = table_read(path=path, columns=COLUMNS)

    assert rows == []
    assert len(errors) == 1
    error = errors[0]
    assert (error.row, error.column, error.value) == (0, "", "bomb.xlsx")
    assert error.reason.startswith("the part xl/worksheets/sheet1.xml is compressed ")
    assert error.reason.endswith("times; files compressed more than 100 times are refused")


def test_a_workbook_unpacking_past_the_cap_is_refused(tmp_path, settings):
    path = xlsx_write(
        tmp_path / "big.xlsx",
        ENTERPRISE_HEADER,
        [[STRAITS.get(c, "") for c in ENTERPRISE_HEADER]] * 200,
    )
    settings.IMPORT_MAX_UNCOMPRESSED_BYTES = 1000
    with zipfile.ZipFile(path) as archive:
        unpacked = sum(entry.file_size for entry in archive.infolist())

    rows, errors = table_read(path=path, columns=COLUMNS)

    assert rows == []
    assert errors == [
        RowError(
            0,
            "",
            "big.xlsx",
            f"the file unpacks to {unpacked} bytes; the limit is 1000 bytes",
        )
    ]


def test_an_ordinary_workbook_still_reads(tmp_path):
    path = xlsx_write(tmp_path / "ok.xlsx", ["reference", "name"], [["ENT-0001", "Straits"]] * 3)

    rows, errors = table_read(path=path, columns=COLUMNS)

    assert errors == []
    assert [row.raw("reference") for row in rows] == ["ENT-0001"] * 3


@pytest.mark.django_db
def test_the_admin_refuses_a_zip_bomb_and_imports_nothing(tmp_path, admin_user):
    path = zip_bomb(tmp_path / "enterprises.xlsx", inner_bytes=20 * 1024 * 1024)
    client = Client()
    client.force_login(admin_user)

    response = client.post(
        reverse("admin:enterprises_enterprise_import_file"),
        {"file": SimpleUploadedFile("enterprises.xlsx", path.read_bytes())},
    )

    assert response.status_code == 200
    assert "times are refused" in response.content.decode()
    assert Enterprise.objects.count() == 0


@pytest.mark.django_db
def test_the_admin_refuses_an_oversized_upload_and_imports_nothing(tmp_path, admin_user, settings):
    settings.IMPORT_MAX_BYTES = 1000
    path = csv_write(tmp_path / "enterprises.csv", ENTERPRISE_HEADER, [STRAITS] * 50)
    client = Client()
    client.force_login(admin_user)

    response = client.post(
        reverse("admin:enterprises_enterprise_import_file"),
        {"file": SimpleUploadedFile("enterprises.csv", path.read_bytes())},
    )

    assert response.status_code == 200
    assert "The file is larger than the limit of 1000 bytes." in response.content.decode()
    assert Enterprise.objects.count() == 0
