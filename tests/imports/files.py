"""Build contract import files (CSV and XLSX) for the import tests."""

import csv
from pathlib import Path

from openpyxl import Workbook

ENTERPRISE_HEADER = [
    "reference",
    "name",
    "name_local",
    "ownership",
    "country",
    "sectors",
    "cooperation_modes",
    "corridors",
    "regions",
    "investment_min",
    "investment_max",
    "currency",
    "description",
    "website",
    "contact_email",
]

STRAITS = {
    "reference": "ENT-0001",
    "name": "Straits Logistics Pte Ltd",
    "ownership": "foreign",
    "country": "SG",
    "sectors": "logistics.warehousing; logistics.multimodal",
    "cooperation_modes": "joint_venture;operation",
    "corridors": "ilstc_rail_sea",
    "regions": "ASEAN;CN;;AE",
    "investment_min": "50000000",
    "investment_max": "300000000.50",
    "currency": "USD",
    "description": "Bonded warehouses in Singapore and Johor.",
    "website": "https://straits.example.com",
    "contact_email": "bd@straits.example.com",
}
CQ_PORT = {
    "reference": "ENT-0002",
    "name": "Chongqing Port Logistics Group",
    "name_local": "重庆港务物流集团",
    "ownership": "soe",
    "country": "CN",
    "sectors": "infrastructure.port;logistics",
    "corridors": "yangtze_waterway;ilstc_rail_sea",
}

PROJECT_HEADER = [
    "reference",
    "title",
    "description",
    "owner",
    "opportunity_list",
    "park",
    "sectors",
    "cooperation_modes",
    "corridors",
    "target_regions",
    "partner_ownership",
    "total_investment",
    "external_investment_sought",
    "currency",
    "location_country",
    "location_city",
    "status",
    "deadline",
]

AIR_LOGISTICS = {
    "reference": "ILSTC-2025-07",
    "title": "High-end air logistics hub",
    "description": "Air cargo terminal and bonded warehousing at the airport zone.",
    "owner": "ENT-0002",
    "opportunity_list": "2025 SOE strategic cooperation opportunity list",
    "park": "Chongqing Airport Economic Demonstration Zone",
    "sectors": "logistics.air_cargo;logistics.warehousing",
    "cooperation_modes": "equity_investment;operation",
    "corridors": "air_cargo",
    "target_regions": "ASEAN;DE",
    "partner_ownership": "foreign;private",
    "total_investment": "4200000000",
    "external_investment_sought": "2000000000",
    "location_city": "Chongqing",
    "deadline": "2026-06-30",
}
SHIPPING_ROUTES = {
    "reference": "ILSTC-2025-12",
    "title": "Premium shipping routes to Latin America",
    "description": "Vehicle shipping routes with automotive makers and traders.",
    "owner": "ENT-0002",
    "sectors": "logistics.shipping",
    "cooperation_modes": "route_partnership",
    "total_investment": "800000000",
    "status": "draft",
}


def csv_write(path: Path, header: list[str], rows: list[dict[str, str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=header)
        writer.writeheader()
        writer.writerows(rows)
    return path


def xlsx_write(path: Path, header: list[str], rows: list[list[object]]) -> Path:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    workbook.save(path)
    return path
