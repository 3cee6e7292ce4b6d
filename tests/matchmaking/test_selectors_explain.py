"""Reads: one query per page of recommendations; reasons in the reader's language."""

import pytest
from django.utils import translation

from matchmaking.explain import reasons_text
from matchmaking.selectors import match_list_for_enterprise, match_list_for_project
from matchmaking.services import project_rescore
from tests.factories import EnterpriseFactory, ProjectFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def firm(soe):
    firm = EnterpriseFactory(sectors=["logistics.warehousing"], cooperation_modes=["operation"])
    for _ in range(3):
        project = ProjectFactory(
            owner=soe, sectors=["logistics.warehousing"], cooperation_modes=["operation"]
        )
        project_rescore(project_id=project.pk)
    return firm


def test_recommendations_and_candidates_are_read_in_one_query(firm, django_assert_num_queries):
    with django_assert_num_queries(1):
        projects = [m.project.reference for m in match_list_for_enterprise(enterprise=firm)]
    with django_assert_num_queries(1):
        project = match_list_for_enterprise(enterprise=firm).first().project
    with django_assert_num_queries(1):
        candidates = [m.enterprise.name for m in match_list_for_project(project=project)]

    assert len(projects) == 3
    assert candidates == [firm.name]


def test_reasons_use_the_reference_labels_of_the_active_language():
    reasons = [{"code": "sector_same", "side": "project", "params": {"codes": ["logistics"]}}]

    with translation.override("en"):
        assert reasons_text(reasons) == ["Same sector: Logistics."]
    with translation.override("zh-hans"):
        assert "物流" in reasons_text(reasons)[0]


def test_an_unknown_reason_code_is_shown_as_is():
    assert reasons_text([{"code": "something_new", "params": {}}]) == ["something_new"]
