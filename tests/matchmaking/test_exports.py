"""`export_matches`: the contract's fields, ordering and formats, exactly."""

import json
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from core.models import NegativeListRule, Sector
from matchmaking.services import matches_rescore_all
from tests.factories import EnterpriseFactory, ProjectFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def exported(soe):
    NegativeListRule.objects.create(
        sector=Sector.objects.get(code="logistics.warehousing"),
        rule=NegativeListRule.Rule.PROHIBITED,
    )
    ProjectFactory(
        reference="PRJ-EXP",
        owner=soe,
        description="Bonded warehouse at the port.",
        sectors=["logistics.warehousing"],
        cooperation_modes=["operation"],
        total_investment=Decimal("100000000"),
        external_investment_sought=Decimal("50000000"),
    )
    EnterpriseFactory(
        reference="ENT-A",
        description="Bonded warehouse operator.",
        sectors=["logistics.warehousing"],
        cooperation_modes=["operation"],
        investment_min=Decimal("10000000"),
        investment_max=Decimal("100000000"),
    )
    EnterpriseFactory(
        reference="ENT-B",
        country="SG",
        description="Bonded warehouse operator.",
        sectors=["logistics.warehousing"],
        cooperation_modes=["operation"],
    )
    EnterpriseFactory(reference="ENT-C", sectors=["manufacturing.automotive"])
    matches_rescore_all()


def export(*args: str) -> str:
    out = StringIO()
    call_command("export_matches", *args, stdout=out)
    return out.getvalue()


A_REASONS = [
    "Same sector: Warehousing.",
    "Its description mentions bonded, warehouse.",
    "The project seeks partners anywhere.",
    "Works where the project is located (China).",
    "Its investment range (CNY 10 million to CNY 100 million) fits the CNY 50 million sought.",
    "Offers the cooperation modes asked for: Operation and management.",
]
C_REASONS = [
    "The project seeks partners anywhere.",
    "Works where the project is located (China).",
    "States no cooperation modes (the project asks for Operation and management).",
    "Investment capacity or amount sought not stated.",
    "No sector in common with Warehousing.",
]
B_REASONS = [
    "Ineligible: the negative list closes Warehousing to foreign investors and the project "
    "is in China.",
    "Same sector: Warehousing.",
    "Its description mentions bonded, warehouse.",
    "The project seeks partners anywhere.",
    "Offers the cooperation modes asked for: Operation and management.",
    "Investment capacity or amount sought not stated.",
]


def test_csv_export_is_best_first_with_ineligible_pairs_last(exported):
    def row(*cells: str) -> str:
        return ",".join(cells) + "\n"

    assert export() == (
        row("project", "enterprise", "rank", "score", "eligible", "reasons")
        + row("PRJ-EXP", "ENT-A", "1", "100.0", "true", '"' + "; ".join(A_REASONS) + '"')
        + row("PRJ-EXP", "ENT-C", "2", "46.7", "true", "; ".join(C_REASONS))
        + row("PRJ-EXP", "ENT-B", "3", "90.0", "false", '"' + "; ".join(B_REASONS) + '"')
    )


def test_json_export_with_top_and_project(exported, tmp_path):
    target = tmp_path / "matches.json"

    export("--format", "json", "--top", "2", "--project", "PRJ-EXP", "--output", str(target))

    assert json.loads(target.read_text(encoding="utf-8")) == [
        {
            "project": "PRJ-EXP",
            "enterprise": "ENT-A",
            "rank": 1,
            "score": 100.0,
            "eligible": True,
            "reasons": A_REASONS,
        },
        {
            "project": "PRJ-EXP",
            "enterprise": "ENT-C",
            "rank": 2,
            "score": 46.7,
            "eligible": True,
            "reasons": C_REASONS,
        },
    ]


def test_export_of_an_unknown_project_is_a_clear_error(exported):
    with pytest.raises(CommandError, match=r"No project with reference NOPE\."):
        export("--project", "NOPE")
