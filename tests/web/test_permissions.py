"""Who may open which page: a matrix of roles x pages, asserting the exact status code.

302 for a visitor means "sign in first" (asserted to go to the sign-in page); 403 means the
signed-in role may not open the page.
"""

import pytest
from django.urls import reverse

from tests.factories import ParkFactory, ProjectFactory

pytestmark = pytest.mark.django_db

ANON, MEMBER, SOE, ADMIN = "anonymous", "foreign_member", "soe_staff", "admin_user"
ROLES = (ANON, MEMBER, SOE, ADMIN)

# page name -> expected status per role (anonymous, member, SOE staff, admin)
MATRIX = {
    "home": (200, 200, 200, 200),
    "project_list": (200, 200, 200, 200),
    "project_detail": (200, 200, 200, 200),
    "draft_detail": (404, 404, 200, 200),
    "park_list": (200, 200, 200, 200),
    "park_detail": (200, 200, 200, 200),
    "enterprise_detail": (200, 200, 200, 200),
    "profile": (302, 200, 200, 403),
    "recommendations": (302, 200, 403, 403),
    "my_interests": (302, 200, 403, 403),
    "notifications": (302, 200, 200, 403),
    "preferences": (302, 200, 200, 403),
    "my_projects": (302, 403, 200, 403),
    "project_create": (302, 403, 200, 403),
    "project_edit": (302, 403, 200, 403),
    "project_pipeline": (302, 403, 200, 403),
    "dashboard": (302, 403, 200, 200),
}


@pytest.fixture
def urls(soe, foreign_enterprise):
    park = ParkFactory()
    project = ProjectFactory(owner=soe, park=park)
    draft = ProjectFactory(owner=soe, status="draft")
    return {
        "home": reverse("web:home"),
        "project_list": reverse("web:project_list"),
        "project_detail": reverse("web:project_detail", args=[project.reference]),
        "draft_detail": reverse("web:project_detail", args=[draft.reference]),
        "park_list": reverse("web:park_list"),
        "park_detail": reverse("web:park_detail", args=[park.pk]),
        "enterprise_detail": reverse("web:enterprise_detail", args=[foreign_enterprise.reference]),
        "profile": reverse("web:profile"),
        "recommendations": reverse("web:recommendations"),
        "my_interests": reverse("web:my_interests"),
        "notifications": reverse("web:notifications"),
        "preferences": reverse("web:preferences"),
        "my_projects": reverse("web:my_projects"),
        "project_create": reverse("web:project_create"),
        "project_edit": reverse("web:project_edit", args=[project.reference]),
        "project_pipeline": reverse("web:project_pipeline", args=[project.reference]),
        "dashboard": reverse("web:dashboard"),
    }


@pytest.mark.parametrize("role", ROLES)
def test_each_role_opens_exactly_the_pages_it_may(request, client, urls, role):
    if role != ANON:
        client.force_login(request.getfixturevalue(role))

    got = {page: client.get(url).status_code for page, url in urls.items()}

    expected = {page: codes[ROLES.index(role)] for page, codes in MATRIX.items()}
    assert got == expected
    if role == ANON:
        response = client.get(urls["dashboard"])
        assert response.url.startswith(reverse("web:login"))
