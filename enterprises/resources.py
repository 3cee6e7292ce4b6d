"""Export of enterprises in the contract's import columns (see core/resources.py)."""

from django.db.models import QuerySet
from import_export import resources

from core.resources import amount_text, codes_joined, contract_field
from enterprises.models import Enterprise

# The contract's columns, in the order of its table.
CONTRACT_COLUMNS = (
    "reference",
    "name",
    "name_local",
    "ownership",
    "country",
    "sectors",
    "cooperation_modes",
    "corridors",
    "regions",
    "investment_min",
    "investment_max",
    "currency",
    "description",
    "website",
    "contact_email",
)


class EnterpriseResource(resources.ModelResource):
    reference = contract_field("reference")
    name = contract_field("name")
    name_local = contract_field("name_local")
    ownership = contract_field("ownership")
    country = contract_field("country")
    sectors = contract_field("sectors")
    cooperation_modes = contract_field("cooperation_modes")
    corridors = contract_field("corridors")
    regions = contract_field("regions")
    investment_min = contract_field("investment_min")
    investment_max = contract_field("investment_max")
    currency = contract_field("currency")
    description = contract_field("description")
    website = contract_field("website")
    contact_email = contract_field("contact_email")

    class Meta:
        model = Enterprise
        fields = CONTRACT_COLUMNS
        export_order = CONTRACT_COLUMNS
        import_id_fields = ("reference",)

    def filter_export(self, queryset: QuerySet, **kwargs) -> QuerySet:
        # One query per relation for the whole export, not one per row.
        return queryset.prefetch_related("sectors", "cooperation_modes", "corridors", "regions")

    def dehydrate_reference(self, obj: Enterprise) -> str:
        return obj.reference

    def dehydrate_name(self, obj: Enterprise) -> str:
        return obj.name

    def dehydrate_name_local(self, obj: Enterprise) -> str:
        return obj.name_local

    def dehydrate_ownership(self, obj: Enterprise) -> str:
        return obj.ownership_id

    def dehydrate_country(self, obj: Enterprise) -> str:
        return obj.country.code

    def dehydrate_sectors(self, obj: Enterprise) -> str:
        return codes_joined(s.pk for s in obj.sectors.all())

    def dehydrate_cooperation_modes(self, obj: Enterprise) -> str:
        return codes_joined(m.pk for m in obj.cooperation_modes.all())

    def dehydrate_corridors(self, obj: Enterprise) -> str:
        return codes_joined(c.pk for c in obj.corridors.all())

    def dehydrate_regions(self, obj: Enterprise) -> str:
        places = [r.pk for r in obj.regions.all()] + [c.code for c in obj.countries]
        return codes_joined(places)

    def dehydrate_investment_min(self, obj: Enterprise) -> str:
        return amount_text(obj.investment_min)

    def dehydrate_investment_max(self, obj: Enterprise) -> str:
        return amount_text(obj.investment_max)

    def dehydrate_currency(self, obj: Enterprise) -> str:
        return obj.currency

    def dehydrate_description(self, obj: Enterprise) -> str:
        return obj.description

    def dehydrate_website(self, obj: Enterprise) -> str:
        return obj.website

    def dehydrate_contact_email(self, obj: Enterprise) -> str:
        return obj.contact_email
