"""The file plumbing every import shares, exercised through the enterprise import."""

import pytest
from openpyxl import Workbook

from core.imports import RowError
from enterprises.importers import enterprises_import
from enterprises.models import Enterprise
from tests.imports.files import CQ_PORT, ENTERPRISE_HEADER, STRAITS, csv_write, xlsx_write

pytestmark = pytest.mark.django_db

MINIMAL = ["reference", "name", "ownership", "country", "sectors"]


def test_missing_required_column_is_reported_on_the_header_row(tmp_path):
    header = ["reference", "name", "country", "sectors"]
    path = csv_write(tmp_path / "e.csv", header, [{k: STRAITS[k] for k in header}])

    result = enterprises_import(path=path)

    assert result.errors == [RowError(1, "ownership", "", "missing required column")]
    assert Enterprise.objects.count() == 0


def test_unknown_column_is_reported_on_the_header_row(tmp_path):
    header = [*MINIMAL, "employees"]
    path = csv_write(tmp_path / "e.csv", header, [{**{k: STRAITS[k] for k in MINIMAL}}])

    result = enterprises_import(path=path)

    assert result.errors == [RowError(1, "employees", "employees", "unknown column")]
    assert Enterprise.objects.count() == 0


def test_broken_xlsx_is_a_clear_error(tmp_path):
    path = tmp_path / "enterprises.xlsx"
    path.write_bytes(b"reference,name\nENT-1,not really a workbook\n")

    result = enterprises_import(path=path)

    assert result.errors == [RowError(0, "", "enterprises.xlsx", "not a valid XLSX file")]
    assert str(result.errors[0]) == 'file "enterprises.xlsx": not a valid XLSX file'
    assert Enterprise.objects.count() == 0


def test_truncated_xlsx_is_a_clear_error(tmp_path):
    good = xlsx_write(tmp_path / "good.xlsx", MINIMAL, [["ENT-1", "A", "soe", "CN", "logistics"]])
    path = tmp_path / "cut.xlsx"
    path.write_bytes(good.read_bytes()[:300])

    result = enterprises_import(path=path)

    assert result.errors == [RowError(0, "", "cut.xlsx", "not a valid XLSX file")]


def test_other_file_types_are_refused(tmp_path):
    path = tmp_path / "enterprises.json"
    path.write_text("[]")

    result = enterprises_import(path=path)

    assert result.errors == [
        RowError(0, "", "enterprises.json", "unsupported file type .json; use .csv or .xlsx")
    ]


def test_file_over_the_size_cap_is_refused(tmp_path, settings):
    settings.IMPORT_MAX_BYTES = 100
    path = csv_write(tmp_path / "e.csv", ENTERPRISE_HEADER, [STRAITS])
    size = path.stat().st_size

    result = enterprises_import(path=path)

    assert result.errors == [
        RowError(0, "", "e.csv", f"the file is {size} bytes; the limit is 100 bytes")
    ]
    assert Enterprise.objects.count() == 0


def test_file_over_the_row_cap_is_refused(tmp_path, settings):
    settings.IMPORT_MAX_ROWS = 1
    path = csv_write(tmp_path / "e.csv", ENTERPRISE_HEADER, [STRAITS, CQ_PORT])

    result = enterprises_import(path=path)

    assert result.errors == [RowError(0, "", "e.csv", "the file has more than 1 data row")]
    assert Enterprise.objects.count() == 0


def test_csv_with_a_byte_order_mark_and_blank_lines_imports(tmp_path):
    path = tmp_path / "e.csv"
    path.write_bytes(
        "\ufeffreference,name,ownership,country,sectors\r\n"
        "\r\n"
        "ENT-7,Excel Export Ltd,private,HK,services.trade\r\n".encode()
    )

    result = enterprises_import(path=path)

    assert (result.created, result.errors) == (1, [])
    assert Enterprise.objects.get().country.code == "HK"


def test_non_utf8_csv_is_a_clear_error(tmp_path):
    path = tmp_path / "e.csv"
    path.write_bytes(
        "reference,name,ownership,country,sectors\nE1,Café,soe,CN,x\n".encode("latin-1")
    )

    result = enterprises_import(path=path)

    assert result.errors == [RowError(0, "", "e.csv", "not UTF-8 encoded text")]


def test_a_value_outside_the_named_columns_is_reported(tmp_path):
    path = tmp_path / "e.csv"
    path.write_text(
        "reference,name,ownership,country,sectors\nENT-8,A Ltd,soe,CN,logistics,stray\n"
    )

    result = enterprises_import(path=path)

    assert result.errors == [RowError(2, "", "stray", "a value outside the named columns")]


def test_xlsx_formulas_are_not_evaluated(tmp_path):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(MINIMAL)
    sheet.append(["ENT-9", '=HYPERLINK("http://evil.example","x")', "soe", "CN", "logistics"])
    path = tmp_path / "e.xlsx"
    workbook.save(path)

    result = enterprises_import(path=path)

    # openpyxl stores no cached value for a formula it wrote, so the cell reads as empty.
    assert result.errors == [RowError(2, "name", "", "a value is required")]
    assert Enterprise.objects.count() == 0


def test_only_the_first_sheet_is_read(tmp_path):
    workbook = Workbook()
    workbook.active.append(MINIMAL)
    workbook.active.append(["ENT-10", "First Sheet Ltd", "soe", "CN", "logistics"])
    other = workbook.create_sheet("notes")
    other.append(["anything", "at", "all"])
    path = tmp_path / "e.xlsx"
    workbook.save(path)

    result = enterprises_import(path=path)

    assert (result.created, result.errors) == (1, [])
    assert Enterprise.objects.get().name == "First Sheet Ltd"
