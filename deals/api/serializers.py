"""Interests, their pipeline history and the deal totals of an opportunity list."""

from decimal import Decimal

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from deals.models import Interest, InterestTransition
from enterprises.api.serializers import EnterpriseSummarySerializer, validate_currency


class InterestProjectSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    reference = serializers.CharField()
    title = serializers.CharField()
    status = serializers.CharField()
    owner_id = serializers.IntegerField()


class InterestTransitionSerializer(serializers.ModelSerializer):
    by = serializers.CharField(source="by.get_username", allow_null=True, read_only=True)

    class Meta:
        model = InterestTransition
        fields = ["id", "from_state", "to_state", "by", "at", "note"]
        read_only_fields = fields


class InterestSerializer(serializers.ModelSerializer):
    enterprise = EnterpriseSummarySerializer(read_only=True)
    project = InterestProjectSerializer(read_only=True)
    cooperation_mode = serializers.CharField(
        source="cooperation_mode_id", allow_null=True, read_only=True
    )
    next_states = serializers.SerializerMethodField(
        help_text=_("The states you may move this interest to.")
    )

    class Meta:
        model = Interest
        fields = [
            "id",
            "enterprise",
            "project",
            "initiated_by",
            "message",
            "cooperation_mode",
            "indicative_amount",
            "currency",
            "state",
            "next_states",
            "signed_value",
            "signed_currency",
            "signed_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_next_states(self, interest: Interest) -> list[str]:
        from deals import workflow

        enterprise_id = self.context.get("enterprise_id")
        sides = set()
        if enterprise_id is not None and enterprise_id == interest.enterprise_id:
            sides.add(workflow.ENTERPRISE)
        if enterprise_id is not None and enterprise_id == interest.project.owner_id:
            sides.add(workflow.OWNER)
        return workflow.next_states(interest.state, sides=frozenset(sides))


class InterestDetailSerializer(InterestSerializer):
    transitions = InterestTransitionSerializer(many=True, read_only=True)

    class Meta(InterestSerializer.Meta):
        fields = [*InterestSerializer.Meta.fields, "transitions"]
        read_only_fields = fields


class InterestExpressInputSerializer(serializers.Serializer):
    project = serializers.IntegerField(help_text=_("Id of a published or negotiating project."))
    message = serializers.CharField(allow_blank=True, required=False, default="", max_length=5000)
    cooperation_mode = serializers.SlugField(required=False, allow_null=True, default=None)
    indicative_amount = serializers.DecimalField(
        max_digits=20, decimal_places=2, min_value=Decimal(0), required=False, allow_null=True
    )
    currency = serializers.CharField(max_length=3, required=False, default="CNY")

    def validate_currency(self, value: str) -> str:
        return validate_currency(value)


class InterestInviteInputSerializer(serializers.Serializer):
    match = serializers.IntegerField(help_text=_("Id of a candidate of one of your projects."))
    message = serializers.CharField(allow_blank=True, required=False, default="", max_length=5000)
    cooperation_mode = serializers.SlugField(required=False, allow_null=True, default=None)


class InterestTransitionInputSerializer(serializers.Serializer):
    to = serializers.ChoiceField(choices=Interest.State.choices)
    note = serializers.CharField(allow_blank=True, required=False, default="", max_length=5000)
    signed_value = serializers.DecimalField(
        max_digits=20,
        decimal_places=2,
        min_value=Decimal("0.01"),
        required=False,
        allow_null=True,
        help_text=_("Required when `to` is agreement_signed."),
    )
    signed_currency = serializers.CharField(max_length=3, required=False, default="CNY")

    def validate_signed_currency(self, value: str) -> str:
        return validate_currency(value)

    def validate(self, attrs: dict) -> dict:
        if attrs["to"] == Interest.State.AGREEMENT_SIGNED and not attrs.get("signed_value"):
            raise serializers.ValidationError(
                {"signed_value": [_("An agreement needs its signed value.")]}
            )
        return attrs


class OpportunityListDealTotalsSerializer(serializers.Serializer):
    projects = serializers.IntegerField()
    total_investment_cny = serializers.DecimalField(max_digits=30, decimal_places=2)
    sought_cny = serializers.DecimalField(max_digits=30, decimal_places=2)
    interests_by_state = serializers.DictField(child=serializers.IntegerField())
    agreements_signed = serializers.IntegerField()
    agreements_value_cny = serializers.DecimalField(max_digits=30, decimal_places=2)
    agreements_with_foreign = serializers.IntegerField()
    summary = serializers.CharField(
        help_text=_("E.g. 14 signed, 12.2 billion yuan, 4 with foreign firms")
    )
