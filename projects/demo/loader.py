"""Load the illustrative demo: negative list, enterprises, parks, the opportunity list, projects
and demo users, in one transaction, through the contract import functions.

Owns the demo's parks, opportunity list and users (plain data below) and the order of the
load. The CSV files are imported with the same functions as the `import_*` commands, so the
demo exercises the real validation; an invalid file raises `DemoLoadError` and, because the
whole load is one `transaction.atomic()`, leaves the database as it was.

Idempotent: every step compares with what is stored and writes only what differs, so a
second run reports created 0, updated 0 and bumps no `updated_at`.
"""

import csv
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django_countries.fields import Country

from core.importers import negative_list_import
from core.imports import ImportResult, RowError
from core.money import exchange_rates_latest, to_cny
from enterprises.importers import enterprises_import
from enterprises.models import Enterprise, Membership
from enterprises.services import enterprise_verify, membership_add
from projects.importers import projects_import
from projects.models import OpportunityList, Park, Project

DEMO_DIR = Path(__file__).resolve().parent
NEGATIVE_LIST_FILE = DEMO_DIR / "negative_list.csv"
ENTERPRISES_FILE = DEMO_DIR / "enterprises.csv"
PROJECTS_FILE = DEMO_DIR / "projects.csv"

# One shared password for every demo account; it passes Django's password validators.
DEMO_PASSWORD = "parklink-demo-2025"  # noqa: S105 - published demo credential, not a secret

OPPORTUNITY_LIST_NAME = "ILSTC SOE Strategic Cooperation Opportunity List 2025"
OPPORTUNITY_LIST: dict[str, Any] = {
    "name_zh": "2025年重庆国企西部陆海新通道战略合作机会清单",
    "publisher_reference": "ENT-0009",
    "released_on": dt.date(2025, 9, 10),
    "description": (
        "Illustrative demo data modelled on the strategic cooperation opportunity list that "
        "Chongqing's state-owned enterprises released in 2025: 36 major projects with a total "
        "investment of just over 70 billion yuan, seeking about 40 billion yuan from partners, "
        "in infrastructure, transportation, smart logistics and integrated industrial "
        "development along the New International Land-Sea Trade Corridor (ILSTC). Titles, "
        "amounts and owners are illustrative, not real projects or commitments."
    ),
}

_ICP = Park.Kind.INTERNATIONAL_COOPERATION_PARK
# (name, name_zh, kind, partner countries, description); all in Chongqing, China.
PARKS: list[tuple[str, str, str, list[str], str]] = [
    (
        "China (Chongqing) Pilot Free Trade Zone",
        "中国（重庆）自由贸易试验区",
        Park.Kind.FREE_TRADE_ZONE,
        [],
        "The pilot free trade zone covering Liangjiang, Xiyong and Guoyuan Port, with "
        "simplified customs, cross-border RMB settlement and open access for foreign investors.",
    ),
    (
        "Liangjiang New Area",
        "两江新区",
        Park.Kind.ECONOMIC_DEVELOPMENT_ZONE,
        [],
        "A state-level new area in northern Chongqing with automotive, electronics, "
        "biomedicine and logistics clusters and six international cooperation parks.",
    ),
    (
        "Guoyuan Port International Logistics Hub",
        "果园港国际物流枢纽",
        Park.Kind.LOGISTICS_HUB,
        [],
        "The largest inland river port of the upper Yangtze, where the Yangtze waterway, the "
        "ILSTC rail-sea route and the China-Europe Railway Express meet.",
    ),
    (
        "Guoyuan Port Bonded Logistics Center (B-type)",
        "果园港保税物流中心（B型）",
        Park.Kind.BONDED_ZONE,
        [],
        "A public bonded logistics centre at Guoyuan Port for bonded storage, distribution "
        "and simple processing of imported and export goods.",
    ),
    (
        "Lianglu-Cuntan Free Trade Port Area",
        "两路寸滩保税港区",
        Park.Kind.BONDED_ZONE,
        [],
        "A bonded port area combining the Cuntan river port and the airport zone, with "
        "bonded processing, maintenance, exhibition and cross-border e-commerce.",
    ),
    (
        "China-Singapore (Chongqing) Demonstration Initiative on Strategic Connectivity",
        "中新（重庆）战略性互联互通示范项目",
        _ICP,
        ["SG"],
        "The third government-to-government project between China and Singapore, jointly "
        "promoting financial services, aviation, transport and logistics, and information "
        "and communications technology, and the ILSTC southbound corridor.",
    ),
    (
        "Xiyong Micro-electronics Industrial Park",
        "西永微电子产业园区",
        Park.Kind.ECONOMIC_DEVELOPMENT_ZONE,
        [],
        "An electronics manufacturing park with laptop, server and semiconductor packaging "
        "plants and a comprehensive bonded zone next to the railway port.",
    ),
    (
        "Chongqing Airport Economic Demonstration Zone",
        "重庆临空经济示范区",
        Park.Kind.ECONOMIC_DEVELOPMENT_ZONE,
        [],
        "The national airport economy demonstration zone around Jiangbei International "
        "Airport, for air logistics, aviation services and high-value manufacturing.",
    ),
    (
        "Chongqing International Logistics Hub Park",
        "重庆国际物流枢纽园区",
        Park.Kind.LOGISTICS_HUB,
        [],
        "The logistics park around the Chongqing railway port in Shapingba, origin of the "
        "China-Europe Railway Express and a node of the ILSTC rail routes.",
    ),
    (
        "Liangjiang China-Germany International Cooperation Industrial Park",
        "两江新区中德国际合作产业园",
        _ICP,
        ["DE"],
        "An international cooperation park of Liangjiang for German intelligent equipment, "
        "automotive and industrial technology firms.",
    ),
    (
        "Liangjiang China-Switzerland International Cooperation Industrial Park",
        "两江新区中瑞国际合作产业园",
        _ICP,
        ["CH"],
        "An international cooperation park of Liangjiang for Swiss precision instruments, "
        "medical technology and life sciences firms.",
    ),
    (
        "Liangjiang China-Italy International Cooperation Industrial Park",
        "两江新区中意国际合作产业园",
        _ICP,
        ["IT"],
        "An international cooperation park of Liangjiang for Italian design, machinery and "
        "consumer goods firms.",
    ),
    (
        "Liangjiang China-Japan International Cooperation Industrial Park",
        "两江新区中日国际合作产业园",
        _ICP,
        ["JP"],
        "An international cooperation park of Liangjiang for Japanese automotive parts, "
        "robotics and smart logistics firms.",
    ),
    (
        "Liangjiang China-South Korea International Cooperation Industrial Park",
        "两江新区中韩国际合作产业园",
        _ICP,
        ["KR"],
        "An international cooperation park of Liangjiang for Korean battery, materials and "
        "electronics firms.",
    ),
    (
        "Liangjiang China-Israel International Cooperation Industrial Park",
        "两江新区中以国际合作产业园",
        _ICP,
        ["IL"],
        "An international cooperation park of Liangjiang for Israeli agritech, water and "
        "digital technology firms.",
    ),
]


@dataclass(frozen=True)
class DemoUser:
    username: str
    first_name: str
    last_name: str
    email: str
    role_label: Any  # lazily translated: what the person does in the demo
    enterprise_reference: str | None = None  # None: platform operator, no enterprise
    membership_role: str = Membership.Role.MEMBER
    is_superuser: bool = False


DEMO_USERS: list[DemoUser] = [
    DemoUser(
        username="admin",
        first_name="Platform",
        last_name="Administrator",
        email="admin@parklink.example",
        role_label=gettext_lazy("platform admin (superuser)"),
        is_superuser=True,
    ),
    DemoUser(
        username="soe.minsheng",
        first_name="Wei",
        last_name="Li",
        email="li.wei@minsheng-group.example",
        role_label=gettext_lazy("SOE staff"),
        enterprise_reference="ENT-0003",
        membership_role=Membership.Role.ADMIN,
    ),
    DemoUser(
        username="soe.airport",
        first_name="Min",
        last_name="Zhang",
        email="zhang.min@cqairportgroup.example",
        role_label=gettext_lazy("SOE staff"),
        enterprise_reference="ENT-0002",
        membership_role=Membership.Role.ADMIN,
    ),
    DemoUser(
        username="firm.siam",
        first_name="Somchai",
        last_name="Prasert",
        email="somchai@siamgateway.example",
        role_label=gettext_lazy("foreign firm staff"),
        enterprise_reference="ENT-0030",
        membership_role=Membership.Role.ADMIN,
    ),
    DemoUser(
        username="firm.andes",
        first_name="Valentina",
        last_name="Rojas",
        email="valentina.rojas@andesautomotores.example",
        role_label=gettext_lazy("foreign firm staff"),
        enterprise_reference="ENT-0065",
        membership_role=Membership.Role.MEMBER,
    ),
]


@dataclass
class StepResult:
    name: str
    created: int = 0
    updated: int = 0
    unchanged: int = 0


@dataclass(frozen=True)
class UserRow:
    username: str
    role: str
    enterprise: str
    note: str = ""  # set when the account existed with a password other than the demo one


@dataclass
class DemoLoadSummary:
    steps: list[StepResult]
    list_name: str
    list_name_zh: str
    projects: int
    published: int
    total_investment_cny: Decimal
    sought_cny: Decimal
    users: list[UserRow] = field(default_factory=list)
    password: str = DEMO_PASSWORD


class DemoLoadError(Exception):
    """A demo file did not pass the contract import; nothing was written."""

    def __init__(self, *, step: str, errors: Sequence[RowError]) -> None:
        count = len(errors)
        super().__init__(
            ngettext(
                "The demo %(step)s file has %(count)d problem; nothing was changed.",
                "The demo %(step)s file has %(count)d problems; nothing was changed.",
                count,
            )
            % {"step": step, "count": count}
        )
        self.step = step
        self.errors = list(errors)


def _imported(name: str, result: ImportResult) -> StepResult:
    if not result.ok:
        raise DemoLoadError(step=name, errors=result.errors)
    return StepResult(
        name=name, created=result.created, updated=result.updated, unchanged=result.unchanged
    )


def _comparable(value: Any) -> Any:
    if isinstance(value, Country):
        return value.code
    if isinstance(value, list | tuple):
        return [_comparable(item) for item in value]
    return value


def _record_upsert(
    model: type[models.Model], *, lookup: dict[str, Any], values: dict[str, Any]
) -> str:
    """Create the record, or save the fields of `values` that differ. Returns what happened."""
    obj = model._default_manager.filter(**lookup).first()
    if obj is None:
        model._default_manager.create(**lookup, **values)
        return "created"
    changed = [
        name
        for name, value in values.items()
        if _comparable(getattr(obj, name)) != _comparable(value)
    ]
    if not changed:
        return "unchanged"
    for name in changed:
        setattr(obj, name, values[name])
    obj.save(update_fields=changed)
    return "updated"


def _count(step: StepResult, outcome: str) -> None:
    setattr(step, outcome, getattr(step, outcome) + 1)


def _parks_upsert() -> StepResult:
    step = StepResult(name=_("parks"))
    for name, name_zh, kind, partners, description in PARKS:
        values = {
            "name_zh": name_zh,
            "kind": kind,
            "country": "CN",
            "city": "Chongqing",
            "partner_countries": partners,
            "description": description,
        }
        _count(step, _record_upsert(Park, lookup={"name": name}, values=values))
    return step


def _opportunity_list_upsert() -> StepResult:
    step = StepResult(name=_("opportunity list"))
    publisher_id = Enterprise.objects.values_list("pk", flat=True).get(
        reference=OPPORTUNITY_LIST["publisher_reference"]
    )
    values = {
        "name_zh": OPPORTUNITY_LIST["name_zh"],
        "publisher_id": publisher_id,
        "released_on": OPPORTUNITY_LIST["released_on"],
        "description": OPPORTUNITY_LIST["description"],
    }
    lookup = {"name": OPPORTUNITY_LIST_NAME}
    _count(step, _record_upsert(OpportunityList, lookup=lookup, values=values))
    return step


def _demo_enterprise_references() -> list[str]:
    with ENTERPRISES_FILE.open(encoding="utf-8-sig", newline="") as handle:
        return [row["reference"] for row in csv.DictReader(handle)]


def _enterprises_verify(*, references: list[str], created: set[str]) -> StepResult:
    """Every demo enterprise is verified, so its members can act at once.

    Enterprises the import has just created (`created`) are marked verified in one UPDATE
    without a signal of their own: the import already announced them in this transaction,
    and the rescoring it enqueued runs after commit, when they are verified. A demo
    enterprise that existed unverified goes through `enterprise_verify`, which announces it.
    """
    step = StepResult(name=_("enterprise verifications"))
    now = timezone.now()
    fresh = Enterprise.objects.filter(reference__in=created, is_verified=False)
    step.updated += fresh.update(is_verified=True, verified_at=now, updated_at=now)
    others = Enterprise.objects.filter(reference__in=references).exclude(reference__in=created)
    for enterprise in others:
        verified = enterprise_verify(enterprise=enterprise, by=None)
        _count(step, "updated" if verified else "unchanged")
    return step


def _users_upsert() -> tuple[StepResult, list[UserRow]]:
    """Create the demo accounts that do not exist yet.

    An account that already exists (a real `admin`, or a demo user who changed a password)
    keeps its password, flags and enterprise; it only gets its demo membership if it has
    none. So running the demo on a database never resets anyone's credentials.
    """
    step = StepResult(name=_("users"))
    rows: list[UserRow] = []
    user_model = get_user_model()
    enterprises = Enterprise.objects.in_bulk(
        [u.enterprise_reference for u in DEMO_USERS if u.enterprise_reference],
        field_name="reference",
    )
    for demo in DEMO_USERS:
        user = user_model._default_manager.filter(username=demo.username).first()
        outcome = "unchanged"
        note = ""
        if user is not None and not user.check_password(DEMO_PASSWORD):
            note = _("existing account, own password")
        if user is None:
            user = user_model(
                username=demo.username,
                first_name=demo.first_name,
                last_name=demo.last_name,
                email=demo.email,
                is_staff=demo.is_superuser,
                is_superuser=demo.is_superuser,
            )
            user.set_password(DEMO_PASSWORD)
            user.save()
            outcome = "created"
        role_label = str(demo.role_label)
        enterprise_label = "-"
        if demo.enterprise_reference:
            membership = (
                Membership.objects.select_related("enterprise").filter(user_id=user.pk).first()
            )
            if membership is None:
                membership = membership_add(
                    enterprise=enterprises[demo.enterprise_reference],
                    user=user,
                    role=demo.membership_role,
                )
                outcome = "created" if outcome == "created" else "updated"
            enterprise = membership.enterprise
            enterprise_label = f"{enterprise.name} ({enterprise.reference})"
            role_label = f"{role_label} ({Membership.Role(membership.role).label})"
        _count(step, outcome)
        rows.append(
            UserRow(username=demo.username, role=role_label, enterprise=enterprise_label, note=note)
        )
    return step, rows


def _list_totals(opportunity_list: OpportunityList) -> tuple[int, int, Decimal, Decimal]:
    rates = exchange_rates_latest()
    projects = list(
        Project.objects.filter(opportunity_list=opportunity_list).values_list(
            "status", "total_investment", "external_investment_sought", "currency"
        )
    )
    total = sum((to_cny(t, c, rates=rates) for _s, t, _x, c in projects), Decimal(0))
    sought = sum((to_cny(x, c, rates=rates) for _s, _t, x, c in projects), Decimal(0))
    published = sum(1 for s, *_rest in projects if s == Project.Status.PUBLISHED)
    return len(projects), published, total, sought


@transaction.atomic
def demo_load() -> DemoLoadSummary:
    """Load (or bring up to date) the whole illustrative demo in one transaction.

    Raises DemoLoadError, writing nothing, if any demo file fails the contract import.
    """
    demo_references = _demo_enterprise_references()
    existing = set(
        Enterprise.objects.filter(reference__in=demo_references).values_list("reference", flat=True)
    )
    steps = [
        _imported(_("negative list rules"), negative_list_import(path=NEGATIVE_LIST_FILE)),
        _imported(_("enterprises"), enterprises_import(path=ENTERPRISES_FILE)),
        _enterprises_verify(references=demo_references, created=set(demo_references) - existing),
        # Parks and the list exist before the projects, so the import finds them by name.
        _parks_upsert(),
        _opportunity_list_upsert(),
        _imported(_("projects"), projects_import(path=PROJECTS_FILE)),
    ]
    user_step, user_rows = _users_upsert()
    steps.append(user_step)
    opportunity_list = OpportunityList.objects.get(name=OPPORTUNITY_LIST_NAME)
    count, published, total, sought = _list_totals(opportunity_list)
    return DemoLoadSummary(
        steps=steps,
        list_name=opportunity_list.name,
        list_name_zh=opportunity_list.name_zh,
        projects=count,
        published=published,
        total_investment_cny=total,
        sought_cny=sought,
        users=user_rows,
    )
