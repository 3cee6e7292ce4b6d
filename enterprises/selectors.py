"""Reads about enterprises and who belongs to them (the services write)."""

import functools
from collections.abc import Iterable
from typing import Any

from django.db import connections, router
from django.db.models import Q

from core.models import OwnershipType
from enterprises.models import Enterprise, Membership


def enterprise_for_user(*, user: Any) -> Enterprise | None:
    """The enterprise `user` belongs to (its ownership type read with it), or None
    (anonymous users, admins without one)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    # Asked by nearly every API request and page. The ORM's select_related query of
    # membership, enterprise and ownership type took 1.4 ms of CPU a call (compiling it,
    # building three instances); this is the same statement, written once per process from
    # the models' fields, and the same two instances (tests/api/test_enterprise_for_user.py).
    sql, enterprise_columns, ownership_columns = _enterprise_of_user_statement()
    database = router.db_for_read(Membership)
    connection = connections[database]
    with connection.cursor() as cursor:
        cursor.execute(sql, [user.pk])
        row = cursor.fetchone()
    if row is None:
        return None
    split = len(enterprise_columns)
    enterprise = _from_db(Enterprise, database, connection, enterprise_columns, row[:split])
    ownership = _from_db(OwnershipType, database, connection, ownership_columns, row[split:])
    Enterprise._meta.get_field("ownership").set_cached_value(enterprise, ownership)
    return enterprise


@functools.cache
def _enterprise_of_user_statement() -> tuple[str, tuple, tuple]:
    """SELECT every concrete column of the user's enterprise and of its ownership type,
    joined through the membership (a user has at most one; the lowest id if ever more)."""
    qn = connections[router.db_for_read(Membership)].ops.quote_name
    membership, enterprise, ownership = Membership._meta, Enterprise._meta, OwnershipType._meta
    m, e, o = qn(membership.db_table), qn(enterprise.db_table), qn(ownership.db_table)
    enterprise_columns = tuple(enterprise.concrete_fields)
    ownership_columns = tuple(ownership.concrete_fields)
    selected = ", ".join(
        [f"{e}.{qn(field.column)}" for field in enterprise_columns]
        + [f"{o}.{qn(field.column)}" for field in ownership_columns]
    )
    sql = (
        f"SELECT {selected} FROM {m}"  # noqa: S608 - names from the models, no input
        f" INNER JOIN {e} ON ({m}.{qn(membership.get_field('enterprise').column)}"
        f" = {e}.{qn(enterprise.pk.column)})"
        f" INNER JOIN {o} ON ({e}.{qn(enterprise.get_field('ownership').column)}"
        f" = {o}.{qn(ownership.pk.column)})"
        f" WHERE {m}.{qn(membership.get_field('user').column)} = %s"
        f" ORDER BY {m}.{qn(membership.pk.column)} LIMIT 1"
    )
    return sql, enterprise_columns, ownership_columns


def _from_db(model: Any, database: str, connection: Any, fields: tuple, values: tuple) -> Any:
    """A model instance from a row of `fields`, with the fields' database converters
    applied as the ORM applies them."""
    converted = []
    for field, value in zip(fields, values, strict=True):
        column = field.get_col(model._meta.db_table)
        for convert in connection.ops.get_db_converters(column) + field.get_db_converters(
            connection
        ):
            value = convert(value, column, connection)
        converted.append(value)
    return model.from_db(database, [field.attname for field in fields], converted)


def user_is_soe_staff(*, user: Any) -> bool:
    """True when `user` is a member of a state-owned enterprise."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    return Membership.objects.filter(
        user_id=user.pk, enterprise__ownership_id=OwnershipType.SOE
    ).exists()


def user_is_platform_admin(*, user: Any) -> bool:
    """Staff and superusers curate everything."""
    return bool(
        user is not None
        and getattr(user, "is_authenticated", False)
        and (user.is_staff or user.is_superuser)
    )


def enterprise_contact_visible_to(*, user: Any, enterprise: Enterprise) -> bool:
    """Whether `user` may see `enterprise`'s contact details (its contact email).

    The one rule for every page and the API (see `enterprise_ids_contact_visible_to`).
    """
    return enterprise.pk in enterprise_ids_contact_visible_to(
        user=user, enterprise_ids=[enterprise.pk]
    )


def enterprise_ids_contact_visible_to(*, user: Any, enterprise_ids: Iterable[int]) -> set[int]:
    """Those of `enterprise_ids` whose contact details `user` may see (at most two queries).

    - platform admins see every firm's contact;
    - a firm's own members see its contact;
    - anonymous users, users without an enterprise and members of unverified enterprises
      see no other firm's contact;
    - members of a verified enterprise see a firm's contact when the two share an interest
      or invitation (either firm on the project side);
    - SOE staff also see the contacts of the candidates scored for their projects.

    Interests and matches belong to higher layers (deals, matchmaking); they are reached
    through their reverse relations here, so this module imports neither.
    """
    wanted = {int(pk) for pk in enterprise_ids}
    if not wanted:
        return set()
    if user_is_platform_admin(user=user):
        return wanted
    own = enterprise_for_user(user=user)
    if own is None:
        return set()
    visible = {own.pk} & wanted
    others = wanted - visible
    if not others or not own.is_verified:
        return visible
    shared = Q(interests__project__owner_id=own.pk) | Q(projects__interests__enterprise_id=own.pk)
    if own.is_soe:
        shared |= Q(matches__project__owner_id=own.pk)
    visible |= set(
        Enterprise.objects.filter(shared, pk__in=others)
        .values_list("pk", flat=True)
        .distinct()
        .order_by()
    )
    return visible
