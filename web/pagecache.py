"""Visitors' public pages (home, the opportunity browser, project pages), kept in the cache.

For a visitor who is not signed in, these pages depend only on the URL, the language, the
chosen currency, the exchange rates and the public data; rendering them (filters, counts,
cards, similar projects: 10–20 queries and the template engine) was most of the web tier's
work under load. The main content of each page is cached under a key made of those and a
generation number that `pages_forget` moves on whenever public data changes (a project, its
codes or status, an enterprise, a park, a list, reference data, a signed agreement —
connected in web.apps), so a change shows on the next request. The page around it (header,
language switch with its CSRF token, messages) is rendered for every request, and anybody
signed in gets the page rendered for them.

Only 200 responses are kept, for settings.WEB_PAGE_CACHE_SECONDS at most (0 turns the cache
off). Without Redis the pages are rendered as if there were no cache.
"""

import contextlib
import hashlib
import logging
import re
from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

from deals import workflow as deal_workflow
from web.cards import CACHE_DOWN, generation, generation_move, rates_fingerprint
from web.money import request_rates, viewer_currency

logger = logging.getLogger(__name__)

GENERATION_KEY = "web:page-generation"
# base.html wraps the content block in these, so that it can be cut out of a rendered page.
CONTENT_START = "<!-- parklink:content -->"
CONTENT_END = "<!-- /parklink:content -->"
_TITLE = re.compile(r"<title>(.*?)</title>", re.DOTALL)


def _key(request: HttpRequest) -> str:
    path = hashlib.blake2s(request.get_full_path().encode(), digest_size=16).hexdigest()
    return ":".join(
        (
            "web:page:v1",
            generation(GENERATION_KEY),
            get_language() or settings.LANGUAGE_CODE,
            viewer_currency(request),
            rates_fingerprint(request_rates(request)),
            request.resolver_match.view_name if request.resolver_match else "",
            path,
        )
    )


def _cut(html: str) -> tuple[str, str] | None:
    start, end = html.find(CONTENT_START), html.find(CONTENT_END)
    title = _TITLE.search(html)
    if start < 0 or end < start or title is None:
        return None
    return title.group(1), html[start + len(CONTENT_START) : end]


def cached_for_visitors(view):
    """View decorator: a visitor's GET is answered from the cached content when possible."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        seconds = settings.WEB_PAGE_CACHE_SECONDS
        if not seconds or request.method != "GET" or request.user.is_authenticated:
            return view(request, *args, **kwargs)
        try:
            key = _key(request)
            cached = cache.get(key)
        except CACHE_DOWN:
            return view(request, *args, **kwargs)
        if cached is not None:
            title, content = cached
            return render(
                request,
                "web/cached_page.html",
                # Both were cut from a page the template engine rendered (escaped).
                {"page_title": mark_safe(title), "page_content": mark_safe(content)},  # noqa: S308
            )
        response = view(request, *args, **kwargs)
        if response.status_code == 200 and not response.streaming:
            parts = _cut(response.content.decode(response.charset or "utf-8"))
            if parts is not None:
                with contextlib.suppress(*CACHE_DOWN):
                    cache.set(key, parts, seconds)
        return response

    return wrapped


def pages_forget(**kwargs) -> None:
    """Public data changed: every cached page is stale."""
    generation_move(GENERATION_KEY, what="cached public pages")


def pages_forget_on_signed(instance=None, **kwargs) -> None:
    """The home page shows each list's signed agreements: a signed interest changes it."""
    if instance is not None and instance.state == deal_workflow.AGREEMENT_SIGNED:
        pages_forget()
