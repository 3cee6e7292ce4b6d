"""Forms of the web pages. They parse and label input; the services validate and write."""

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import UserCreationForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from core.models import CooperationMode, Corridor, OwnershipType, Region, Sector
from deals.models import Interest
from projects.models import OpportunityList, Park
from web.money import VIEWER_CURRENCIES


class LabelChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return obj.label


class LabelMultipleChoiceField(forms.ModelMultipleChoiceField):
    widget = forms.CheckboxSelectMultiple

    def label_from_instance(self, obj) -> str:
        label = obj.label
        if isinstance(obj, Sector) and obj.parent_id:
            return f"— {label}"
        return label


class LocalNameChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        from core.models import localized

        return localized(obj.name, getattr(obj, "name_zh", ""))


def currency_choices():
    return [(code, code) for code in VIEWER_CURRENCIES]


def apply_service_errors(
    form: forms.Form, error: ValidationError, *, renames: dict[str, str] | None = None
) -> None:
    """Show a service's ValidationError beside the fields it names (the rest on top)."""
    if hasattr(error, "error_dict"):
        for name, errors in error.error_dict.items():
            name = (renames or {}).get(name, name)
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, error)


class SignupForm(UserCreationForm):
    """A user and their enterprise's application; an admin verifies the enterprise."""

    email = forms.EmailField(label=_("Email"), help_text=_("For password resets and notices."))
    enterprise_name = forms.CharField(label=_("Enterprise name"), max_length=255)
    ownership = LabelChoiceField(
        label=_("Ownership"), queryset=OwnershipType.objects.all(), empty_label=None
    )
    country = forms.ChoiceField(label=_("Headquarters country"), choices=countries)
    sectors = LabelMultipleChoiceField(label=_("Sectors"), queryset=Sector.objects.all())
    website = forms.URLField(label=_("Website"), required=False, assume_scheme="https")
    description = forms.CharField(
        label=_("What your enterprise does"),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        help_text=_("Capabilities, assets, track record: matching reads this."),
    )

    class Meta(UserCreationForm.Meta):
        model = get_user_model()
        fields = ("username", "email")


class ProjectForm(forms.Form):
    """An SOE project, as its staff create or edit it."""

    reference = forms.CharField(
        label=_("Reference"),
        max_length=64,
        required=False,
        help_text=_("Your stable key, e.g. ILSTC-2025-07. Left empty, one is made for you."),
    )
    title = forms.CharField(label=_("Title"), max_length=255)
    description = forms.CharField(label=_("Description"), widget=forms.Textarea(attrs={"rows": 6}))
    opportunity_list = LocalNameChoiceField(
        label=_("Opportunity list"),
        queryset=OpportunityList.objects.all(),
        required=False,
        empty_label=_("None"),
    )
    park = LocalNameChoiceField(
        label=_("Park"), queryset=Park.objects.all(), required=False, empty_label=_("None")
    )
    sectors = LabelMultipleChoiceField(label=_("Sectors"), queryset=Sector.objects.all())
    cooperation_modes = LabelMultipleChoiceField(
        label=_("Cooperation modes sought"), queryset=CooperationMode.objects.all()
    )
    corridors = LabelMultipleChoiceField(
        label=_("Corridors"), queryset=Corridor.objects.all(), required=False
    )
    target_regions = LabelMultipleChoiceField(
        label=_("Target regions"),
        queryset=Region.objects.all(),
        required=False,
        help_text=_("Where partners are sought; none means anywhere."),
    )
    target_countries = forms.MultipleChoiceField(
        label=_("Target countries"), choices=countries, required=False
    )
    partner_ownership = LabelMultipleChoiceField(
        label=_("Partner ownership sought"),
        queryset=OwnershipType.objects.all(),
        required=False,
        help_text=_("None means any."),
    )
    total_investment = forms.DecimalField(
        label=_("Total investment"), min_value=0, max_digits=20, decimal_places=2
    )
    external_investment_sought = forms.DecimalField(
        label=_("External investment sought"),
        min_value=0,
        max_digits=20,
        decimal_places=2,
        required=False,
        help_text=_("The part sought from partners; empty means the total."),
    )
    currency = forms.ChoiceField(label=_("Currency"), choices=currency_choices, initial="CNY")
    location_country = forms.ChoiceField(
        label=_("Location country"), choices=countries, initial="CN"
    )
    location_city = forms.CharField(label=_("Location city"), max_length=120, required=False)
    deadline = forms.DateField(
        label=_("Deadline"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def service_fields(self) -> dict:
        """The cleaned data as the project services take it."""
        data = dict(self.cleaned_data)
        data.pop("reference", None)
        data["location_city"] = data.get("location_city") or ""
        return data


class ProfileForm(forms.Form):
    """An enterprise's own profile, as its members edit it."""

    name = forms.CharField(label=_("Name"), max_length=255)
    name_local = forms.CharField(label=_("Local name"), max_length=255, required=False)
    country = forms.ChoiceField(label=_("Headquarters country"), choices=countries)
    sectors = LabelMultipleChoiceField(label=_("Sectors"), queryset=Sector.objects.all())
    cooperation_modes = LabelMultipleChoiceField(
        label=_("Cooperation modes"), queryset=CooperationMode.objects.all(), required=False
    )
    corridors = LabelMultipleChoiceField(
        label=_("Corridors"), queryset=Corridor.objects.all(), required=False
    )
    regions = LabelMultipleChoiceField(
        label=_("Operating regions"), queryset=Region.objects.all(), required=False
    )
    countries = forms.MultipleChoiceField(
        label=_("Operating countries"), choices=countries, required=False
    )
    investment_min = forms.DecimalField(
        label=_("Smallest commitment"), min_value=0, required=False, max_digits=20
    )
    investment_max = forms.DecimalField(
        label=_("Largest commitment"), min_value=0, required=False, max_digits=20
    )
    currency = forms.ChoiceField(label=_("Currency"), choices=currency_choices)
    description = forms.CharField(
        label=_("Description"), widget=forms.Textarea(attrs={"rows": 5}), required=False
    )
    website = forms.URLField(label=_("Website"), required=False, assume_scheme="https")
    contact_email = forms.EmailField(
        label=_("Contact email"),
        required=False,
        help_text=_("Receives notifications for the enterprise."),
    )


class InterestForm(forms.Form):
    message = forms.CharField(
        label=_("Message to the project owner"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
    )
    cooperation_mode = forms.ChoiceField(label=_("Proposed cooperation mode"), required=False)
    indicative_amount = forms.DecimalField(
        label=_("Indicative amount"), min_value=0, required=False, max_digits=20
    )
    currency = forms.ChoiceField(label=_("Currency"), choices=currency_choices, initial="CNY")

    def __init__(self, *args, project=None, **kwargs):
        super().__init__(*args, **kwargs)
        modes = project.cooperation_modes.all() if project is not None else []
        self.fields["cooperation_mode"].choices = [
            ("", _("Not decided")),
            *[(mode.code, mode.label) for mode in modes],
        ]


class InterestMoveForm(forms.Form):
    """Move one interest card on the pipeline board, with a note both sides see."""

    to = forms.ChoiceField(label=_("Move to"), choices=Interest.State.choices)
    note = forms.CharField(label=_("Note"), max_length=2000, required=False)
    signed_value = forms.DecimalField(
        label=_("Signed value"), min_value=0, required=False, max_digits=20
    )
    signed_currency = forms.ChoiceField(
        label=_("Signed currency"), choices=currency_choices, required=False
    )


class PasswordConfirmForm(forms.Form):
    """The user's current password, asked again before a download of their data or a deletion."""

    password = forms.CharField(
        label=_("Your password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def __init__(self, *args, user, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_password(self) -> str:
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise ValidationError(_("The password is not correct."), code="password_incorrect")
        return password
