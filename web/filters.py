"""The opportunity browser's form: the API's filterset (projects.api.filters.ProjectFilter)
with select boxes and page labels, so the page and the API filter by exactly the same rules
and a browser URL is also an API query.

Parameters (see ProjectFilter): sector, corridor, mode, place, park, list, min_amount,
max_amount, currency, q, ordering; plus page.
"""

from django import forms
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from core.models import CooperationMode, Corridor, Region, Sector
from projects.api.filters import ProjectFilter
from projects.models import OpportunityList, Park
from web.money import VIEWER_CURRENCIES

# The filters the page shows, in order; the others (status, owner, deadlines) still work
# from the URL.
FORM_FIELDS = (
    "q",
    "sector",
    "corridor",
    "mode",
    "place",
    "park",
    "list",
    "min_amount",
    "max_amount",
    "currency",
    "ordering",
)


class MultiValueSelect(forms.Select):
    """A single select that still reads repeated parameters (`sector=a&sector=b`)."""

    def value_from_datadict(self, data, files, name):
        values = data.getlist(name) if hasattr(data, "getlist") else [data.get(name)]
        values = [value for value in values if value not in (None, "")]
        return values or None


def _any(label=None):
    return [("", label or _("Any"))]


def _sector_choices():
    return _any() + [
        (sector.code, f"— {sector.label}" if sector.parent_id else sector.label)
        for sector in Sector.objects.order_by("sort_order", "code")
    ]


def _place_choices():
    regions = [(region.code, region.label) for region in Region.objects.all()]
    return _any(_("Anywhere")) + regions + list(countries)


def _labelled(model):
    return _any() + [(obj.code, obj.label) for obj in model.objects.all()]


def _named(queryset):
    from core.models import localized

    return _any() + [(obj.pk, localized(obj.name, obj.name_zh)) for obj in queryset]


ORDERING_CHOICES = [
    ("", _("Relevance, then reference")),
    ("-published_at", _("Newest first")),
    ("deadline", _("Deadline soonest")),
    ("-amount", _("Largest investment")),
    ("amount", _("Smallest investment")),
    ("title", _("Title A–Z")),
]


class ProjectBrowserFilter(ProjectFilter):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        fields = self.form.fields
        page = {
            "q": (_("Search"), None),
            "sector": (_("Sector"), _sector_choices()),
            "corridor": (_("Corridor"), _labelled(Corridor)),
            "mode": (_("Cooperation mode"), _labelled(CooperationMode)),
            "place": (_("Partners sought in"), _place_choices()),
            "park": (_("Park"), _named(Park.objects.all())),
            "list": (_("Opportunity list"), _named(OpportunityList.objects.all())),
            "min_amount": (_("Minimum total investment"), None),
            "max_amount": (_("Maximum total investment"), None),
            "currency": (_("Currency of the amounts"), [(c, c) for c in VIEWER_CURRENCIES]),
            "ordering": (_("Sort by"), None),
        }
        for name, (label, choices) in page.items():
            fields[name].label = label
            if choices is not None:
                fields[name].widget = MultiValueSelect(choices=choices)
        fields["q"].widget = forms.TextInput(attrs={"type": "search"})
        fields["place"].help_text = _("A country or region; projects open to anywhere included.")
        fields["currency"].widget = forms.Select(choices=[(c, c) for c in VIEWER_CURRENCIES])
        fields["ordering"].widget = MultiValueSelect(choices=ORDERING_CHOICES)

    def visible_fields(self):
        return [self.form[name] for name in FORM_FIELDS]


# ProjectFilter adds `list` (and re-adds `ordering` last) after its class body; take its
# final set of filters, in its order.
ProjectBrowserFilter.base_filters = dict(ProjectFilter.base_filters)
