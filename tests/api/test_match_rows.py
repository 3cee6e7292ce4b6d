"""The match list's page, written by hand from plain values (matchmaking.api.serializers.
match_rows), is byte for byte what MatchSerializer gives for the same matches: candidates
(SOE staff) and recommendations (an enterprise member), with every row shape, in English
and in Chinese (the reasons' texts are the request's language)."""

from datetime import timedelta

import pytest
from django.utils import timezone, translation
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from matchmaking.api.serializers import MatchSerializer
from matchmaking.api.views import MatchViewSet
from matchmaking.models import Match
from tests.factories import EnterpriseFactory, ProjectFactory

pytestmark = pytest.mark.django_db

render = JSONRenderer().render


def _varied_matches(soe, foreign_enterprise) -> int:
    project = ProjectFactory(owner=soe, reference="M-01", title="Cold chain hub 冷链")
    other = ProjectFactory(owner=soe, reference="M-02", title="Rail terminal")
    now = timezone.now()
    reasons = [
        {"code": "sector_same", "params": {"codes": ["logistics"]}},
        {"code": "region", "params": {"places": ["TH", "ASEAN"]}},
    ]
    rows = [
        (project, foreign_enterprise, 82.45, True, "", reasons, {"sector": 0.25, "text": None}),
        (project, EnterpriseFactory(country="TH"), 55.0, True, "", [], {}),
        (
            project,
            EnterpriseFactory(ownership_id="foreign", is_verified=False),
            40.04,
            False,
            "negative_list_prohibited",
            [{"code": "negative_list_prohibited", "params": {"sector": "logistics"}}, "legacy"],
            {"sector": 0.1},
        ),
        (other, foreign_enterprise, 70.0, True, "", reasons[:1], {"region": 0.15}),
    ]
    for number, (proj, enterprise, score, eligible, why, why_list, components) in enumerate(rows):
        Match.objects.create(
            project=proj,
            enterprise=enterprise,
            score=score,
            eligible=eligible,
            ineligibility_reason=why,
            reasons=why_list,
            components=components,
            config_version=3,
            computed_at=now - timedelta(minutes=number),
            state=Match.State.VIEWED if number == 1 else Match.State.NEW,
            state_changed_at=now if number == 1 else None,
        )
    return project.pk


def _serializer_rows(user, params: dict) -> list[dict]:
    """The same page through MatchSerializer over model instances (the retrieve path)."""
    request = Request(APIRequestFactory().get("/", params))
    request.user = user
    view = MatchViewSet(request=request, action="list", format_kwarg=None, args=(), kwargs={})
    matches = view.filter_queryset(view.get_queryset())[:100]
    return MatchSerializer(matches, many=True, context=view.get_serializer_context()).data


@pytest.mark.parametrize("language", ["en", "zh-hans"])
@pytest.mark.parametrize("params", [{}, {"eligible": "true"}, {"min_score": "50"}])
def test_candidate_rows_are_the_serializers_bytes(
    api, soe, soe_staff, foreign_enterprise, params, language
):
    project_id = _varied_matches(soe, foreign_enterprise)
    params = {**params, "project": project_id, "page_size": 100}
    with translation.override(language):
        response = api(soe_staff).get("/api/v1/matches/", params, HTTP_ACCEPT_LANGUAGE=language)
        rows = response.json()["results"]
        expected = _serializer_rows(soe_staff, params)
    assert rows
    assert render(rows) == render(expected)
    if not params.get("eligible") and not params.get("min_score"):
        assert len(rows) == 3
        assert rows[-1]["reasons"][-1]["code"] == "legacy"
        assert rows[0]["components"] == {"sector": 0.25, "text": None}
        assert all(reason["text"] for reason in rows[0]["reasons"])


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_recommendation_rows_are_the_serializers_bytes(
    api, soe, foreign_enterprise, foreign_member, language
):
    _varied_matches(soe, foreign_enterprise)
    with translation.override(language):
        response = api(foreign_member).get("/api/v1/matches/", HTTP_ACCEPT_LANGUAGE=language)
        rows = response.json()["results"]
        expected = _serializer_rows(foreign_member, {})
    assert [row["project"]["reference"] for row in rows] == ["M-01", "M-02"]
    assert render(rows) == render(expected)
