"""Candidate partnerships as the API shows them: score, eligibility and the reasons."""

import functools
from collections.abc import Callable, Iterable
from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from core.api.serializers import RowPlanMixin, country_code
from enterprises.api.serializers import EnterpriseSummarySerializer
from enterprises.models import Enterprise
from matchmaking.models import Match


class MatchProjectSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    reference = serializers.CharField()
    title = serializers.CharField()
    status = serializers.CharField()
    owner_id = serializers.IntegerField()


class ReasonSerializer(serializers.Serializer):
    code = serializers.CharField()
    params = serializers.DictField(required=False)
    text = serializers.CharField(
        required=False, help_text=_("The reason in the active language, when available.")
    )


class MatchSerializer(RowPlanMixin, serializers.ModelSerializer):
    project = MatchProjectSerializer(read_only=True)
    enterprise = EnterpriseSummarySerializer(read_only=True)
    score = serializers.SerializerMethodField(help_text=_("0 to 100, one decimal."))
    reasons = serializers.SerializerMethodField()
    components = serializers.DictField(read_only=True)

    class Meta:
        model = Match
        fields = [
            "id",
            "project",
            "enterprise",
            "score",
            "eligible",
            "ineligibility_reason",
            "reasons",
            "components",
            "state",
            "state_changed_at",
            "computed_at",
            "config_version",
        ]
        read_only_fields = fields

    def get_score(self, match: Match) -> float:
        return score_shown(match.score)

    def get_reasons(self, match: Match) -> list[dict]:
        return reasons_shown(match.reasons, explain=self.context.get("explain"))


def score_shown(score: float) -> float:
    return round(float(score), 1)


def reasons_shown(stored: list | None, *, explain: Callable[[dict], str] | None) -> list[dict]:
    """The stored reasons as dicts (a legacy reason is a bare code), each with its text in the
    active language when the request has an explainer."""
    reasons = []
    for reason in stored or []:
        item = dict(reason) if isinstance(reason, dict) else {"code": str(reason)}
        if explain is not None:
            item["text"] = explain(item)
        reasons.append(item)
    return reasons


class MatchMarkInputSerializer(serializers.Serializer):
    state = serializers.ChoiceField(
        choices=[Match.State.VIEWED, Match.State.DISMISSED],
        help_text=_("viewed or dismissed (contacted is set by inviting the candidate)."),
    )


class MatchListQuerySerializer(serializers.Serializer):
    project = serializers.IntegerField(
        required=False,
        min_value=1,
        help_text=_("A project of yours: list its candidates instead of your recommendations."),
    )


# List pages: rows read with values_list and written out by hand ----------------------------

# The columns match_rows reads, in its order.
MATCH_ROW_COLUMNS = (
    "id",
    "project_id",
    "project__reference",
    "project__title",
    "project__status",
    "project__owner",
    "enterprise_id",
    "enterprise__reference",
    "enterprise__name",
    "enterprise__ownership",
    "enterprise__country",
    "enterprise__is_verified",
    "score",
    "eligible",
    "ineligibility_reason",
    "reasons",
    "components",
    "state",
    "state_changed_at",
    "computed_at",
    "config_version",
)


@functools.cache
def _row_formats() -> dict[str, Any]:
    """MatchSerializer's own field instances for the values that need formatting."""
    fields = MatchSerializer().fields
    return {
        name: fields[name].to_representation
        for name in ("components", "state_changed_at", "computed_at")
    }


_enterprise_country = country_code(Enterprise._meta.get_field("country"))


def match_rows(rows: Iterable[tuple], *, explain: Callable[[dict], str] | None) -> list[dict]:
    """MatchSerializer's representation of each row of MATCH_ROW_COLUMNS, byte for byte once
    rendered (tests/api/test_match_rows.py), without model instances or DRF's per-field
    work. `explain`: the request's reason texts (the serializer's context["explain"])."""
    formats = _row_formats()
    components_f = formats["components"]
    changed_f, computed_f = formats["state_changed_at"], formats["computed_at"]
    out = []
    for (
        pk,
        project_id,
        project_reference,
        project_title,
        project_status,
        project_owner,
        enterprise_id,
        enterprise_reference,
        enterprise_name,
        enterprise_ownership,
        enterprise_country,
        enterprise_verified,
        score,
        eligible,
        ineligibility_reason,
        stored_reasons,
        components,
        state,
        state_changed_at,
        computed_at,
        config_version,
    ) in rows:
        out.append(
            {
                "id": pk,
                "project": {
                    "id": project_id,
                    "reference": project_reference,
                    "title": project_title,
                    "status": project_status,
                    "owner_id": project_owner,
                },
                "enterprise": {
                    "id": enterprise_id,
                    "reference": enterprise_reference,
                    "name": enterprise_name,
                    "ownership": enterprise_ownership,
                    "country": _enterprise_country(enterprise_country),
                    "is_verified": enterprise_verified,
                },
                "score": score_shown(score),
                "eligible": eligible,
                "ineligibility_reason": ineligibility_reason,
                "reasons": reasons_shown(stored_reasons, explain=explain),
                "components": None if components is None else components_f(components),
                "state": state,
                "state_changed_at": None
                if state_changed_at is None
                else changed_f(state_changed_at),
                "computed_at": computed_f(computed_at),
                "config_version": config_version,
            }
        )
    return out
