"""The opportunity browser's form: the API's filterset (projects.api.filters.ProjectFilter)
with select boxes and page labels, so the page and the API filter by exactly the same rules
and a browser URL is also an API query.

Parameters (see ProjectFilter): sector, corridor, mode, place, park, list, min_amount,
max_amount, currency, q, ordering; plus page.
"""

import contextlib
import logging

from django import forms
from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.forms.utils import flatatt
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from core.models import CooperationMode, Corridor, Region, Sector
from projects.api.filters import ProjectFilter
from projects.models import OpportunityList, Park
from web.cards import CACHE_DOWN
from web.money import VIEWER_CURRENCIES

logger = logging.getLogger(__name__)

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


def options_html(choices) -> str:
    """`<option value="…">label</option>` for each (value, label), escaped, none selected."""
    return "".join(
        f'<option value="{escape("" if value is None else value)}">{escape(label)}</option>'
        for value, label in choices
    )


class OptionsSelect(forms.Select):
    """A select whose options are one string of HTML, built once (`options_html`).

    The "place" select alone has ~270 options (every country and region); Django renders each
    option through the template engine, which was a third of the opportunity browser's time
    under load. Same markup as Django's: `<select name id …><option value="…" selected>…`.
    """

    def __init__(self, attrs=None, *, options: str):
        super().__init__(attrs)
        self.options = options

    def render(self, name, value, attrs=None, renderer=None):
        final_attrs = self.build_attrs(self.attrs, attrs)
        options = self.options
        for chosen in dict.fromkeys(str(v) for v in self.format_value(value)):
            plain = f'<option value="{escape(chosen)}">'
            options = options.replace(plain, plain[:-1] + " selected>", 1)
        return mark_safe(f'<select name="{escape(name)}"{flatatt(final_attrs)}>{options}</select>')  # noqa: S308 - options_html escapes


class MultiValueSelect(OptionsSelect):
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


# The select boxes' options come from reference data (sectors, corridors, modes, regions,
# parks, lists) and the country names, which change only when an admin edits them; reading
# six tables and sorting ~250 translated country names on every page view cost more than the
# page's own query. They are cached per language and dropped whenever one of those models
# is saved or deleted (see choices_forget below, connected in web.apps).
CHOICES_CACHE_SECONDS = 60 * 60
CHOICE_MODELS = (Sector, Corridor, CooperationMode, Region, Park, OpportunityList)


def _choices_key(language: str) -> str:
    return f"web:browser-choices:v2:{language}"


def browser_choices() -> dict[str, str]:
    """The options of the browser's select boxes in the active language, as HTML."""
    key = _choices_key(get_language() or settings.LANGUAGE_CODE)
    try:
        choices = cache.get(key)
    except CACHE_DOWN:  # a shortcut only: build them while Redis is unreachable
        choices = None
    if choices is None:
        choices = {
            "sector": options_html(_sector_choices()),
            "corridor": options_html(_labelled(Corridor)),
            "mode": options_html(_labelled(CooperationMode)),
            "place": options_html(_place_choices()),
            "park": options_html(_named(Park.objects.all())),
            "list": options_html(_named(OpportunityList.objects.all())),
        }
        with contextlib.suppress(*CACHE_DOWN):
            cache.set(key, choices, CHOICES_CACHE_SECONDS)
    return choices


def choices_forget(**kwargs) -> None:
    """Drop the cached options (every language): now, and again once the change commits, so
    that a page rendered in between from the old rows does not keep them."""

    def forget() -> None:
        try:
            cache.delete_many([_choices_key(code) for code, _name in settings.LANGUAGES])
        except CACHE_DOWN:
            logger.warning("could not drop the cached options of the opportunity browser")

    forget()
    transaction.on_commit(forget)


ORDERING_CHOICES = [
    ("", _("Relevance, then reference")),
    ("-published_at", _("Newest first")),
    ("deadline", _("Deadline soonest")),
    ("-amount", _("Largest investment")),
    ("amount", _("Smallest investment")),
    ("title", _("Title A–Z")),
]


CURRENCY_OPTIONS = options_html((c, c) for c in VIEWER_CURRENCIES)


class ProjectBrowserFilter(ProjectFilter):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        fields = self.form.fields
        choices = browser_choices()
        page = {
            "q": (_("Search"), None),
            "sector": (_("Sector"), choices["sector"]),
            "corridor": (_("Corridor"), choices["corridor"]),
            "mode": (_("Cooperation mode"), choices["mode"]),
            "place": (_("Partners sought in"), choices["place"]),
            "park": (_("Park"), choices["park"]),
            "list": (_("Opportunity list"), choices["list"]),
            "min_amount": (_("Minimum total investment"), None),
            "max_amount": (_("Maximum total investment"), None),
            "currency": (_("Currency of the amounts"), None),
            "ordering": (_("Sort by"), None),
        }
        for name, (label, choices) in page.items():
            fields[name].label = label
            if choices is not None:
                fields[name].widget = MultiValueSelect(options=choices)
        fields["q"].widget = forms.TextInput(attrs={"type": "search"})
        fields["place"].help_text = _("A country or region; projects open to anywhere included.")
        fields["currency"].widget = OptionsSelect(options=CURRENCY_OPTIONS)
        fields["ordering"].widget = MultiValueSelect(options=options_html(ORDERING_CHOICES))

    def visible_fields(self):
        return [self.form[name] for name in FORM_FIELDS]


# ProjectFilter adds `list` (and re-adds `ordering` last) after its class body; take its
# final set of filters, in its order.
ProjectBrowserFilter.base_filters = dict(ProjectFilter.base_filters)
