"""Markup rules every page keeps: labelled form controls, no inline script or style (CSP)."""

from html.parser import HTMLParser

import pytest
from django.urls import reverse

from tests.factories import ProjectFactory

pytestmark = pytest.mark.django_db


class Controls(HTMLParser):
    def __init__(self):
        super().__init__()
        self.ids: list[str] = []
        self.labelled: set[str] = set()
        self.inline: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "style" in attrs or any(name.startswith("on") for name in attrs):
            self.inline.append(tag)
        if tag in ("script", "style"):
            self.inline.append(tag)
        if tag == "label" and attrs.get("for"):
            self.labelled.add(attrs["for"])
        hidden = attrs.get("type") in ("hidden", "submit")
        if tag in ("input", "select", "textarea") and not hidden:
            self.ids.append(attrs.get("id") or f"<{tag} name={attrs.get('name')}>")


def parse(response) -> Controls:
    assert response.status_code == 200
    parser = Controls()
    parser.feed(response.content.decode())
    return parser


@pytest.mark.parametrize(
    ("role", "name"),
    [
        (None, "web:home"),
        (None, "web:project_list"),
        (None, "web:signup"),
        (None, "web:login"),
        (None, "web:password_reset"),
        ("soe_staff", "web:project_create"),
        ("soe_staff", "web:dashboard"),
        ("foreign_member", "web:profile"),
        ("foreign_member", "web:preferences"),
    ],
)
def test_every_control_has_a_label_and_nothing_is_inline(request, client, role, name):
    ProjectFactory()
    if role:
        client.force_login(request.getfixturevalue(role))

    page = parse(client.get(reverse(name)))

    assert page.ids
    assert [i for i in page.ids if i not in page.labelled] == []
    assert page.inline == []


def test_project_page_controls_are_labelled(client, foreign_member):
    project = ProjectFactory()
    client.force_login(foreign_member)

    page = parse(client.get(reverse("web:project_detail", args=[project.reference])))

    assert [i for i in page.ids if i not in page.labelled] == []
    assert page.inline == []
