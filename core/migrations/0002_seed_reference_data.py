"""Seed the contract's reference codes, their labels and the first exchange rates.

Idempotent (update_or_create): labels an admin edited are kept only if the code is new;
re-running after a code was added creates just that code.
"""

from datetime import date
from decimal import Decimal

from django.db import migrations


def seed(apps, schema_editor):
    from core import codes

    Sector = apps.get_model("core", "Sector")
    Corridor = apps.get_model("core", "Corridor")
    CooperationMode = apps.get_model("core", "CooperationMode")
    OwnershipType = apps.get_model("core", "OwnershipType")
    Region = apps.get_model("core", "Region")
    ExchangeRate = apps.get_model("core", "ExchangeRate")

    order = 0
    for parent_code, en, zh, children in codes.SECTOR_TREE:
        order += 10
        parent, _ = Sector.objects.get_or_create(
            code=parent_code, defaults={"label_en": en, "label_zh": zh, "sort_order": order}
        )
        for child_code, cen, czh in children:
            order += 1
            Sector.objects.get_or_create(
                code=f"{parent_code}.{child_code}",
                defaults={"parent": parent, "label_en": cen, "label_zh": czh, "sort_order": order},
            )
    for model, rows in (
        (Corridor, codes.CORRIDORS),
        (CooperationMode, codes.COOPERATION_MODES),
        (OwnershipType, codes.OWNERSHIP_TYPES),
    ):
        for i, (code, en, zh) in enumerate(rows):
            model.objects.get_or_create(
                code=code, defaults={"label_en": en, "label_zh": zh, "sort_order": i}
            )
    for i, (code, en, zh, members) in enumerate(codes.REGIONS):
        Region.objects.get_or_create(
            code=code,
            defaults={"label_en": en, "label_zh": zh, "countries": members, "sort_order": i},
        )
    valid_on = date.fromisoformat(codes.SEED_RATES_DATE)
    for currency, rate in codes.SEED_RATES_TO_CNY.items():
        ExchangeRate.objects.get_or_create(
            currency=currency, valid_on=valid_on, defaults={"rate_to_cny": Decimal(rate)}
        )


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
