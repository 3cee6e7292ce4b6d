from decimal import Decimal

import pytest

from core.imports import ImportResult, RowError
from enterprises.importers import enterprises_import
from enterprises.models import Enterprise
from tests.factories import EnterpriseFactory
from tests.imports.files import CQ_PORT, ENTERPRISE_HEADER, STRAITS, csv_write, xlsx_write

pytestmark = pytest.mark.django_db


def codes(manager) -> list[str]:
    return sorted(manager.values_list("pk", flat=True))


def test_valid_csv_creates_enterprises_with_every_field(tmp_path):
    path = csv_write(tmp_path / "enterprises.csv", ENTERPRISE_HEADER, [STRAITS, CQ_PORT])

    result = enterprises_import(path=path)

    assert result == ImportResult(created=2, updated=0, unchanged=0, errors=[])
    straits = Enterprise.objects.get(reference="ENT-0001")
    assert straits.name == "Straits Logistics Pte Ltd"
    assert straits.name_local == ""
    assert straits.ownership_id == "foreign"
    assert straits.country.code == "SG"
    assert codes(straits.sectors) == ["logistics.multimodal", "logistics.warehousing"]
    assert codes(straits.cooperation_modes) == ["joint_venture", "operation"]
    assert codes(straits.corridors) == ["ilstc_rail_sea"]
    assert straits.investment_min == Decimal("50000000.00")
    assert straits.investment_max == Decimal("300000000.50")
    assert straits.currency == "USD"
    assert straits.description == "Bonded warehouses in Singapore and Johor."
    assert straits.website == "https://straits.example.com"
    assert straits.contact_email == "bd@straits.example.com"
    port = Enterprise.objects.get(reference="ENT-0002")
    assert port.name_local == "重庆港务物流集团"
    assert port.ownership_id == "soe"
    assert codes(port.sectors) == ["infrastructure.port", "logistics"]
    assert codes(port.cooperation_modes) == []
    assert codes(port.corridors) == ["ilstc_rail_sea", "yangtze_waterway"]
    assert port.investment_min is None
    assert port.investment_max is None
    assert port.currency == "CNY"


def test_region_codes_are_stored_as_regions_and_country_codes_as_countries(tmp_path):
    path = csv_write(tmp_path / "enterprises.csv", ENTERPRISE_HEADER, [STRAITS])

    enterprises_import(path=path)

    straits = Enterprise.objects.get(reference="ENT-0001")
    assert codes(straits.regions) == ["ASEAN"]
    assert [country.code for country in straits.countries] == ["AE", "CN"]


def test_importing_the_same_file_again_changes_nothing(tmp_path):
    path = csv_write(tmp_path / "enterprises.csv", ENTERPRISE_HEADER, [STRAITS, CQ_PORT])
    enterprises_import(path=path)
    stamps = dict(Enterprise.objects.values_list("reference", "updated_at"))

    result = enterprises_import(path=path)

    assert result == ImportResult(created=0, updated=0, unchanged=2, errors=[])
    assert dict(Enterprise.objects.values_list("reference", "updated_at")) == stamps


def test_a_changed_row_updates_only_that_enterprise(tmp_path):
    enterprises_import(
        path=csv_write(tmp_path / "first.csv", ENTERPRISE_HEADER, [STRAITS, CQ_PORT])
    )
    stamps = dict(Enterprise.objects.values_list("reference", "updated_at"))
    changed = {**STRAITS, "regions": "ASEAN;EUROPE", "investment_max": "400000000"}

    result = enterprises_import(
        path=csv_write(tmp_path / "second.csv", ENTERPRISE_HEADER, [changed, CQ_PORT])
    )

    assert result == ImportResult(created=0, updated=1, unchanged=1, errors=[])
    straits = Enterprise.objects.get(reference="ENT-0001")
    assert codes(straits.regions) == ["ASEAN", "EUROPE"]
    assert straits.countries == []
    assert straits.investment_max == Decimal("400000000.00")
    assert straits.updated_at > stamps["ENT-0001"]
    assert Enterprise.objects.get(reference="ENT-0002").updated_at == stamps["ENT-0002"]


def test_an_import_sends_enterprise_changed_for_written_enterprises_only(tmp_path):
    from enterprises.signals import enterprise_changed

    received: list[list[int]] = []

    def receiver(sender, enterprise_ids, **kwargs):
        received.append(sorted(enterprise_ids))

    enterprise_changed.connect(receiver)
    try:
        enterprises_import(path=csv_write(tmp_path / "a.csv", ENTERPRISE_HEADER, [STRAITS]))
        enterprises_import(
            path=csv_write(tmp_path / "b.csv", ENTERPRISE_HEADER, [STRAITS, CQ_PORT])
        )
    finally:
        enterprise_changed.disconnect(receiver)

    ids = dict(Enterprise.objects.values_list("reference", "id"))
    assert received == [[ids["ENT-0001"]], [ids["ENT-0002"]]]


def test_valid_xlsx_imports_like_csv(tmp_path):
    header = ["reference", "name", "ownership", "country", "sectors", "regions", "investment_min"]
    path = xlsx_write(
        tmp_path / "enterprises.xlsx",
        header,
        [
            [
                "ENT-0100",
                "Malaysia Rail Freight Sdn Bhd",
                "private",
                "MY",
                "logistics.rail",
                "ASEAN;VN",
                1500000,
            ],
            [
                "ENT-0101",
                "Bangkok Cold Chain Co",
                "foreign",
                "TH",
                "logistics.cold_chain",
                None,
                2500000.5,
            ],
        ],
    )

    result = enterprises_import(path=path)

    assert result == ImportResult(created=2, updated=0, unchanged=0, errors=[])
    rail = Enterprise.objects.get(reference="ENT-0100")
    assert rail.name == "Malaysia Rail Freight Sdn Bhd"
    assert codes(rail.sectors) == ["logistics.rail"]
    assert codes(rail.regions) == ["ASEAN"]
    assert [c.code for c in rail.countries] == ["VN"]
    assert rail.investment_min == Decimal("1500000.00")
    assert Enterprise.objects.get(reference="ENT-0101").investment_min == Decimal("2500000.50")
    assert enterprises_import(path=path).unchanged == 2


def test_unknown_sector_code_is_reported_and_nothing_is_written(tmp_path):
    bad = {**CQ_PORT, "sectors": "logistics;logistics.teleport"}
    path = csv_write(tmp_path / "enterprises.csv", ENTERPRISE_HEADER, [STRAITS, bad])

    result = enterprises_import(path=path)

    assert result.errors == [
        RowError(row=3, column="sectors", value="logistics.teleport", reason="unknown sector code")
    ]
    assert (result.created, result.updated, result.unchanged) == (0, 0, 0)
    assert not result.ok
    assert Enterprise.objects.count() == 0


def test_malformed_and_negative_numbers_are_reported(tmp_path):
    rows = [
        {**STRAITS, "investment_min": "5,000,000"},
        {**CQ_PORT, "investment_min": "-10", "investment_max": "1e6"},
    ]
    path = csv_write(tmp_path / "enterprises.csv", ENTERPRISE_HEADER, rows)

    result = enterprises_import(path=path)

    assert result.errors == [
        RowError(row=2, column="investment_min", value="5,000,000", reason="not a number"),
        RowError(row=3, column="investment_min", value="-10", reason="must not be negative"),
        RowError(row=3, column="investment_max", value="1e6", reason="not a number"),
    ]
    assert Enterprise.objects.count() == 0


def test_minimum_above_maximum_is_reported(tmp_path):
    rows = [{**STRAITS, "investment_min": "500", "investment_max": "100"}]
    path = csv_write(tmp_path / "enterprises.csv", ENTERPRISE_HEADER, rows)

    result = enterprises_import(path=path)

    assert result.errors == [
        RowError(
            row=2,
            column="investment_min",
            value="500",
            reason="greater than investment_max (100)",
        )
    ]
    assert Enterprise.objects.count() == 0


def test_duplicate_reference_in_one_file_names_both_rows(tmp_path):
    rows = [STRAITS, CQ_PORT, {**CQ_PORT, "name": "Another name"}]
    path = csv_write(tmp_path / "enterprises.csv", ENTERPRISE_HEADER, rows)

    result = enterprises_import(path=path)

    assert result.errors == [
        RowError(
            row=4,
            column="reference",
            value="ENT-0002",
            reason="repeated in the file (first in row 3)",
        )
    ]
    assert Enterprise.objects.count() == 0


def test_every_problem_of_every_row_is_reported(tmp_path):
    rows = [
        {**STRAITS, "ownership": "state", "country": "Singapore", "regions": "ASEAN;XX"},
        {**CQ_PORT, "name": "", "currency": "ZZZ", "contact_email": "not-an-email"},
    ]
    path = csv_write(tmp_path / "enterprises.csv", ENTERPRISE_HEADER, rows)

    result = enterprises_import(path=path)

    assert result.errors == [
        RowError(2, "ownership", "state", "unknown ownership type"),
        RowError(
            2, "country", "Singapore", "unknown country code (use ISO 3166-1 alpha-2, e.g. CN)"
        ),
        RowError(2, "regions", "XX", "unknown country or region code"),
        RowError(3, "name", "", "a value is required"),
        RowError(3, "currency", "ZZZ", "unknown currency (no exchange rate for it)"),
        RowError(3, "contact_email", "not-an-email", "not a valid email address"),
    ]


def test_a_bad_file_leaves_existing_enterprises_untouched(tmp_path):
    EnterpriseFactory(reference="ENT-0001", name="Old name")
    rows = [{**STRAITS, "name": "New name"}, {**CQ_PORT, "sectors": "nothing"}]

    result = enterprises_import(
        path=csv_write(tmp_path / "enterprises.csv", ENTERPRISE_HEADER, rows)
    )

    assert result.errors == [RowError(3, "sectors", "nothing", "unknown sector code")]
    assert list(Enterprise.objects.values_list("reference", "name")) == [("ENT-0001", "Old name")]


def test_optional_columns_missing_from_the_file_keep_stored_values(tmp_path):
    enterprises_import(path=csv_write(tmp_path / "full.csv", ENTERPRISE_HEADER, [STRAITS]))
    header = ["reference", "name", "ownership", "country", "sectors"]
    row = {key: STRAITS[key] for key in header}

    result = enterprises_import(
        path=csv_write(tmp_path / "short.csv", header, [{**row, "name": "Straits Logistics"}])
    )

    assert result == ImportResult(created=0, updated=1, unchanged=0, errors=[])
    straits = Enterprise.objects.get(reference="ENT-0001")
    assert straits.name == "Straits Logistics"
    assert straits.website == "https://straits.example.com"
    assert codes(straits.regions) == ["ASEAN"]
    assert straits.investment_max == Decimal("300000000.50")
