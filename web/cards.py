"""Project cards (the `<li>` of a project in every list: browser, home, similar projects),
rendered once and kept in the cache.

A card costs ~2 ms of template rendering plus the three prefetch queries (sectors, modes,
corridors) of its page, which made the card lists most of the opportunity browser's and the
home page's time under load. A card depends only on the project row, its sectors and modes,
its owner's and park's names, the reference labels, the language, the viewer's currency and
the exchange rates; so it is cached under a key made of the project's id and `updated_at`,
the language, the currency, a fingerprint of the rates, and a generation number that
`cards_forget` bumps whenever something else a card shows changes (a project's sectors or
modes, an enterprise, a park, a sector or mode label — connected in web.apps). Pages ask for
their projects' ids and `updated_at` only, and fetch and render just the cards not cached.
"""

import hashlib
import logging
from collections.abc import Iterable, Mapping
from decimal import Decimal
from uuid import uuid4

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.template.loader import get_template
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from projects.models import Project
from web.money import request_rates, viewer_currency

logger = logging.getLogger(__name__)

CARD_TEMPLATE = "web/includes/project_card.html"
# A safety net only: every change a card shows either changes its key or bumps the generation.
CARD_CACHE_SECONDS = 60 * 60
GENERATION_KEY = "web:card-generation"
# What a page needs from its projects to look their cards up.
CARD_KEY_FIELDS = ("pk", "updated_at")


# The cache is a shortcut only: while Redis is unreachable the pages render everything
# themselves, as they did before it, rather than answer 503.
CACHE_DOWN = (RedisConnectionError, RedisTimeoutError)


def rates_fingerprint(rates: Mapping[str, Decimal]) -> str:
    text = ";".join(f"{code}={rate}" for code, rate in sorted(rates.items()))
    return hashlib.blake2s(text.encode(), digest_size=8).hexdigest()


def generation(key: str) -> str:
    """The token of the current generation under `key`, part of every key of that cache."""
    token = cache.get(key)
    if token is None:  # first use, or evicted: any new token is a new generation
        cache.add(key, uuid4().hex, timeout=None)
        token = cache.get(key)
    return token


def generation_move(key: str, *, what: str) -> None:
    """Make everything cached under the generation `key` stale: a new token now, and again
    once the current transaction commits (an entry cached in between may hold old rows)."""

    def bump() -> None:
        try:
            cache.set(key, uuid4().hex, timeout=None)
        except CACHE_DOWN:  # the entries still expire by their own timeout
            logger.warning("could not move the %s to a new generation", what)

    bump()
    transaction.on_commit(bump)


def project_cards(request: HttpRequest, projects: Iterable[Project]) -> list[SafeString]:
    """The card HTML of each of `projects` (instances with at least pk and updated_at), in order."""
    projects = list(projects)
    if not projects:
        return []
    try:
        return _cards(request, projects)
    except CACHE_DOWN:
        template = get_template(CARD_TEMPLATE)
        fresh = {
            p.pk: p for p in card_queryset(Project.objects.filter(pk__in=[p.pk for p in projects]))
        }
        return [
            template.render({"project": fresh[p.pk]}, request) for p in projects if p.pk in fresh
        ]


def _cards(request: HttpRequest, projects: list[Project]) -> list[SafeString]:
    prefix = ":".join(
        (
            "web:card:v1",
            generation(GENERATION_KEY),
            get_language() or settings.LANGUAGE_CODE,
            viewer_currency(request),
            rates_fingerprint(request_rates(request)),
        )
    )
    keys = {p.pk: _key(prefix, p) for p in projects}
    cached = cache.get_many(list(keys.values()))
    cards = {pk: cached[key] for pk, key in keys.items() if key in cached}
    missing = [pk for pk in keys if pk not in cards]
    if missing:
        template = get_template(CARD_TEMPLATE)
        rendered = {}
        for project in card_queryset(Project.objects.filter(pk__in=missing)):
            cards[project.pk] = template.render({"project": project}, request)
            rendered[_key(prefix, project)] = cards[project.pk]
        cache.set_many(rendered, timeout=CARD_CACHE_SECONDS)
    # A project deleted between the two reads has no card; the others keep their order.
    return [mark_safe(cards[p.pk]) for p in projects if p.pk in cards]  # noqa: S308 - template output


def _key(prefix: str, project: Project) -> str:
    return f"{prefix}:{project.pk}:{project.updated_at.timestamp():.6f}"


def card_queryset(queryset: QuerySet[Project]) -> QuerySet[Project]:
    """`queryset` with what a card shows fetched along (owner, park, list, sectors, modes)."""
    return queryset.select_related("owner", "park", "opportunity_list").prefetch_related(
        "sectors", "cooperation_modes", "corridors"
    )


def cards_forget(**kwargs) -> None:
    """Every cached card is stale (something they show changed)."""
    generation_move(GENERATION_KEY, what="project cards")
