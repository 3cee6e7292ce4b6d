"""The one write only the web sign-up needs: a user's application for their enterprise.

Creation and validation are enterprises.services' (`enterprise_create`, `membership_add`);
this only picks a fresh reference and makes the applicant the enterprise's administrator.
An administrator then verifies the enterprise (`enterprise_verify`, in the admin) before
its members may express interest.
"""

import secrets

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from core.models import OwnershipType, Sector
from enterprises.models import Enterprise, Membership
from enterprises.services import enterprise_create, membership_add

# Applications get references of their own, apart from the imported ENT-0001 ... series.
REFERENCE_PREFIX = "ENT-W"


def _new_reference() -> str:
    while True:
        reference = f"{REFERENCE_PREFIX}{secrets.token_hex(4).upper()}"
        if not Enterprise.objects.filter(reference=reference).exists():
            return reference


@transaction.atomic
def enterprise_application_submit(
    *,
    user: AbstractBaseUser,
    name: str,
    ownership: OwnershipType,
    country: str,
    sectors: list[Sector],
    website: str = "",
    description: str = "",
) -> Enterprise:
    """Create an unverified enterprise with `user` as its administrator."""
    enterprise = enterprise_create(
        by=user,
        reference=_new_reference(),
        name=name.strip(),
        ownership=ownership,
        country=country,
        sectors=sectors,
        website=website,
        description=description,
        contact_email=getattr(user, "email", "") or "",
    )
    membership_add(enterprise=enterprise, user=user, role=Membership.Role.ADMIN)
    return enterprise


@transaction.atomic
def user_delete(*, user: AbstractBaseUser) -> None:
    """Delete `user`'s account; what their enterprise did with them stays, anonymised.

    The interests they created, the pipeline steps and project changes they made are kept,
    with their author set to NULL (shown without a name); notes and messages are kept.
    Their membership, notifications, preferences, saved searches, API token and sessions go
    with the user row. The audit history keeps its records, without naming them.
    """
    locked = get_user_model().objects.select_for_update().get(pk=user.pk)
    # The audit record of the membership's removal cannot name a user that is being
    # deleted (its history_user would point at a missing row), so it names no one.
    for membership in Membership.objects.filter(user_id=locked.pk):
        membership._history_user = None
        membership.delete()
    locked.delete()
