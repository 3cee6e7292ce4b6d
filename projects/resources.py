"""Export of projects in the contract's import columns (see core/resources.py).

`status` is exported as the contract's `draft` or `published`; a project further along
its workflow is exported as `published` (an import leaves such a status alone).
"""

from django.db.models import QuerySet
from import_export import resources

from core.resources import amount_text, codes_joined, contract_field
from projects.models import Project

# The contract's columns, in the order of its table.
CONTRACT_COLUMNS = (
    "reference",
    "title",
    "description",
    "owner",
    "opportunity_list",
    "park",
    "sectors",
    "cooperation_modes",
    "corridors",
    "target_regions",
    "partner_ownership",
    "total_investment",
    "external_investment_sought",
    "currency",
    "location_country",
    "location_city",
    "status",
    "deadline",
)


class ProjectResource(resources.ModelResource):
    reference = contract_field("reference")
    title = contract_field("title")
    description = contract_field("description")
    owner = contract_field("owner")
    opportunity_list = contract_field("opportunity_list")
    park = contract_field("park")
    sectors = contract_field("sectors")
    cooperation_modes = contract_field("cooperation_modes")
    corridors = contract_field("corridors")
    target_regions = contract_field("target_regions")
    partner_ownership = contract_field("partner_ownership")
    total_investment = contract_field("total_investment")
    external_investment_sought = contract_field("external_investment_sought")
    currency = contract_field("currency")
    location_country = contract_field("location_country")
    location_city = contract_field("location_city")
    status = contract_field("status")
    deadline = contract_field("deadline")

    class Meta:
        model = Project
        fields = CONTRACT_COLUMNS
        export_order = CONTRACT_COLUMNS
        import_id_fields = ("reference",)

    def filter_export(self, queryset: QuerySet, **kwargs) -> QuerySet:
        # One query per relation for the whole export, not one per row.
        return queryset.select_related("owner", "opportunity_list", "park").prefetch_related(
            "sectors", "cooperation_modes", "corridors", "target_regions", "partner_ownership"
        )

    def dehydrate_reference(self, obj: Project) -> str:
        return obj.reference

    def dehydrate_title(self, obj: Project) -> str:
        return obj.title

    def dehydrate_description(self, obj: Project) -> str:
        return obj.description

    def dehydrate_owner(self, obj: Project) -> str:
        return obj.owner.reference

    def dehydrate_opportunity_list(self, obj: Project) -> str:
        return obj.opportunity_list.name if obj.opportunity_list else ""

    def dehydrate_park(self, obj: Project) -> str:
        return obj.park.name if obj.park else ""

    def dehydrate_sectors(self, obj: Project) -> str:
        return codes_joined(s.pk for s in obj.sectors.all())

    def dehydrate_cooperation_modes(self, obj: Project) -> str:
        return codes_joined(m.pk for m in obj.cooperation_modes.all())

    def dehydrate_corridors(self, obj: Project) -> str:
        return codes_joined(c.pk for c in obj.corridors.all())

    def dehydrate_target_regions(self, obj: Project) -> str:
        places = [r.pk for r in obj.target_regions.all()] + [c.code for c in obj.target_countries]
        return codes_joined(places)

    def dehydrate_partner_ownership(self, obj: Project) -> str:
        return codes_joined(o.pk for o in obj.partner_ownership.all())

    def dehydrate_total_investment(self, obj: Project) -> str:
        return amount_text(obj.total_investment)

    def dehydrate_external_investment_sought(self, obj: Project) -> str:
        return amount_text(obj.external_investment_sought)

    def dehydrate_currency(self, obj: Project) -> str:
        return obj.currency

    def dehydrate_location_country(self, obj: Project) -> str:
        return obj.location_country.code

    def dehydrate_location_city(self, obj: Project) -> str:
        return obj.location_city

    def dehydrate_status(self, obj: Project) -> str:
        return Project.Status.DRAFT if obj.status == Project.Status.DRAFT else "published"

    def dehydrate_deadline(self, obj: Project) -> str:
        return obj.deadline.isoformat() if obj.deadline else ""
