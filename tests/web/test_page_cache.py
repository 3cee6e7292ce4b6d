"""The caches behind the public pages (web/pagecache.py, web/cards.py and the browser's select
options in web/filters.py): a visitor's repeated page comes from the cache, on the real Redis,
and still every change of public data shows on the next request."""

import re

import pytest
from django.core.cache import cache
from django.urls import reverse

from projects.importers import projects_import
from projects.services import project_transition, project_update
from tests.factories import ParkFactory, ProjectFactory, SoeFactory
from tests.imports.files import AIR_LOGISTICS, PROJECT_HEADER, csv_write

pytestmark = pytest.mark.django_db


@pytest.fixture
def page_cache(settings):
    """The production setting (the test settings turn the page cache off)."""
    settings.WEB_PAGE_CACHE_SECONDS = 300


def without_csrf(response) -> str:
    """The page with its per-response CSRF token blanked."""
    assert response.status_code == 200
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", response.content.decode())


def test_a_visitors_repeated_page_comes_from_the_cache_unchanged(
    client, page_cache, django_assert_max_num_queries
):
    ProjectFactory(title="Cold store in Chongqing")
    url = reverse("web:project_list") + "?sector=logistics&currency=USD"
    first = client.get(url)

    # Only the visitor's session (the remembered currency) and the exchange rates (part of
    # the cache key) are read, not the projects, counts and cards of a rendered page.
    with django_assert_max_num_queries(2):
        second = client.get(url)

    assert "Cold store in Chongqing" in without_csrf(second)
    assert without_csrf(second) == without_csrf(first)
    assert "<title>Opportunities · Parklink</title>" in without_csrf(second)


def test_a_project_published_or_edited_after_caching_shows_at_once(client, page_cache):
    project = ProjectFactory(title="Bonded warehouse")
    draft = ProjectFactory(title="Rail terminal", status="in_review")
    browser = reverse("web:project_list")
    page = reverse("web:project_detail", args=[project.reference])
    assert "Rail terminal" not in without_csrf(client.get(browser))
    client.get(page)

    project_transition(project=draft, to="published", by=None)
    project_update(project=project, by=None, title="Bonded warehouse, phase 2")

    listed = without_csrf(client.get(browser))
    assert "Rail terminal" in listed
    assert "Bonded warehouse, phase 2" in listed
    assert "Bonded warehouse, phase 2" in without_csrf(client.get(page))


def test_a_reimported_project_shows_its_new_title_to_visitors_at_once(client, page_cache, tmp_path):
    """Imports write in bulk (no save signals); their own signal moves the cache on."""
    SoeFactory(reference="ENT-0002")
    row = {**AIR_LOGISTICS, "status": "published"}
    assert projects_import(path=csv_write(tmp_path / "a.csv", PROJECT_HEADER, [row])).errors == []
    browser = reverse("web:project_list")
    assert "High-end air logistics hub" in without_csrf(client.get(browser))

    renamed = {**row, "title": "Air logistics hub, phase 2"}
    result = projects_import(path=csv_write(tmp_path / "b.csv", PROJECT_HEADER, [renamed]))
    assert result.updated == 1

    assert "Air logistics hub, phase 2" in without_csrf(client.get(browser))


def test_cards_show_a_renamed_owner_and_changed_sectors(client, page_cache):
    project = ProjectFactory(title="Air cargo hub", sectors=["logistics"])
    url = reverse("web:project_list")
    assert "Logistics" in without_csrf(client.get(url))

    project.owner.name = "Chongqing Airport Logistics Group"
    project.owner.save()
    project.sectors.set(["manufacturing"])

    card = without_csrf(client.get(url))
    assert "Chongqing Airport Logistics Group" in card
    assert '<li class="tag">Manufacturing</li>' in card
    assert '<li class="tag">Logistics</li>' not in card


def test_a_new_park_is_offered_in_the_browser_at_once(client):
    client.get(reverse("web:project_list"))  # options cached

    park = ParkFactory(name="Sino-Thai Rayong Industrial Zone")

    page = without_csrf(client.get(reverse("web:project_list"), {"park": park.pk}))
    assert f'<option value="{park.pk}" selected>Sino-Thai Rayong Industrial Zone</option>' in page


def test_signed_in_members_and_other_languages_get_their_own_page(
    client, page_cache, foreign_member
):
    ProjectFactory()
    url = reverse("web:project_list")
    assert "Save this search" not in without_csrf(client.get(url))

    client.force_login(foreign_member)
    assert "Save this search" in without_csrf(client.get(url))
    client.logout()

    chinese = without_csrf(client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans"))
    assert '<html lang="zh-hans">' in chinese
    assert "<title>合作机会 · Parklink</title>" in chinese


def test_pages_render_without_the_cache_while_redis_is_unreachable(client, page_cache, settings):
    ProjectFactory(title="Cold store in Chongqing")
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens there: connection refused
        }
    }
    with pytest.raises(Exception, match=r"Connection refused|Error 111"):
        cache.get("anything")

    for url in (reverse("web:home"), reverse("web:project_list") + "?q=cold"):
        assert "Cold store in Chongqing" in without_csrf(client.get(url))
