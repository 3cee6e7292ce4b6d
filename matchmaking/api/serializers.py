"""Candidate partnerships as the API shows them: score, eligibility and the reasons."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from core.api.serializers import RowPlanMixin
from enterprises.api.serializers import EnterpriseSummarySerializer
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
        return round(float(match.score), 1)

    def get_reasons(self, match: Match) -> list[dict]:
        explain = self.context.get("explain")
        reasons = []
        for reason in match.reasons or []:
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
