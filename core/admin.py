"""Admin for the reference data (codes, places, exchange rates, the negative list).

Also sets the admin site's titles and holds `ServiceSaveMixin`, which makes a ModelAdmin
save through an app's services (so the admin and the API behave the same and signals fire).
"""

from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.admin.widgets import FilteredSelectMultiple
from django.db import models
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from import_export.admin import ExportMixin
from simple_history.admin import SimpleHistoryAdmin

from core.admin_import import ContractImportMixin
from core.models import (
    CooperationMode,
    Corridor,
    ExchangeRate,
    NegativeListRule,
    OwnershipType,
    Region,
    Sector,
)
from core.resources import NegativeListRuleResource
from core.services import exchange_rate_save
from core.signals import negative_list_changed

admin.site.site_header = _("Parklink administration")
admin.site.site_title = _("Parklink administration")
admin.site.index_title = _("Curation")


def countries_widget(db_field: models.Field, kwargs: dict[str, Any]) -> None:
    """A two-pane filterable picker for a multiple CountryField (hundreds of choices)."""
    if getattr(db_field, "multiple", False):
        kwargs["widget"] = FilteredSelectMultiple(db_field.verbose_name, is_stacked=False)


def adopt_saved(target: models.Model, saved: models.Model) -> None:
    """Make the admin's unsaved instance stand for the row a service saved."""
    for field in type(saved)._meta.concrete_fields:
        setattr(target, field.attname, getattr(saved, field.attname))
    target._state.adding = False
    target._state.db = saved._state.db


class ServiceSaveMixin:
    """Save the change form through services instead of `obj.save()` / `form.save_m2m()`.

    Subclasses implement `service_create(request, data)` (returns the saved object) and
    `service_update(request, obj, data)`; `data` holds the form's cleaned values of the
    editable model fields (on change: only the changed ones), M2M fields included.
    Inline formsets are saved as usual.
    """

    def service_create(self, request: HttpRequest, data: dict[str, Any]) -> models.Model:
        raise NotImplementedError

    def service_update(self, request: HttpRequest, obj: models.Model, data: dict[str, Any]) -> None:
        raise NotImplementedError

    def _model_data(self, form: forms.ModelForm, *, change: bool) -> dict[str, Any]:
        opts = form._meta.model._meta
        names = {f.name for f in opts.get_fields() if getattr(f, "editable", False)}
        wanted = form.changed_data if change else list(form.cleaned_data)
        return {n: form.cleaned_data[n] for n in wanted if n in names and n in form.cleaned_data}

    def save_model(self, request, obj, form, change):
        data = self._model_data(form, change=change)
        if change:
            if data:
                self.service_update(request, obj, data)
        else:
            adopt_saved(obj, self.service_create(request, data))

    def save_related(self, request, form, formsets, change):
        # The services have set the M2M fields; only the inlines are left.
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)


class ReferenceCodeAdmin(admin.ModelAdmin):
    """Codes are the contract: set once, then read-only; labels stay editable."""

    list_display = ("code", "label_en", "label_zh", "sort_order")
    list_editable = ("sort_order",)
    search_fields = ("code", "label_en", "label_zh")
    ordering = ("sort_order", "code")

    def get_readonly_fields(self, request, obj=None):
        return ("code",) if obj is not None else ()


class TopLevelSectorFilter(admin.SimpleListFilter):
    title = _("parent")
    parameter_name = "parent"

    def lookups(self, request, model_admin):
        return [
            ("__none__", _("Top level")),
            *((s.code, s.label) for s in Sector.objects.filter(parent__isnull=True)),
        ]

    def queryset(self, request, queryset):
        value = self.value()
        if value == "__none__":
            return queryset.filter(parent__isnull=True)
        if value:
            return queryset.filter(parent_id=value)
        return queryset


class SectorForm(forms.ModelForm):
    class Meta:
        model = Sector
        fields = ("code", "parent", "label_en", "label_zh", "sort_order")

    def clean(self):
        cleaned = super().clean()
        code, parent = cleaned.get("code"), cleaned.get("parent")
        if self.instance._state.adding and code:
            if parent is not None and not code.startswith(f"{parent.code}."):
                self.add_error(
                    "code",
                    _("A child sector's code is “%(parent)s.” followed by its own code.")
                    % {"parent": parent.code},
                )
            elif parent is None and "." in code:
                self.add_error("code", _("A top-level sector's code has no “.”; pick a parent."))
            elif parent is not None and parent.parent_id is not None:
                self.add_error("parent", _("Sectors have two levels: pick a top-level parent."))
        return cleaned


@admin.register(Sector)
class SectorAdmin(ReferenceCodeAdmin):
    form = SectorForm
    list_display = ("code", "label_en", "label_zh", "parent", "sort_order")
    list_filter = (TopLevelSectorFilter,)
    list_select_related = ("parent",)
    autocomplete_fields = ("parent",)
    fields = ("code", "parent", "label_en", "label_zh", "sort_order")

    def get_readonly_fields(self, request, obj=None):
        # The parent is part of the code (`parent.child`), so it is fixed with it.
        return ("code", "parent") if obj is not None else ()


@admin.register(Corridor)
class CorridorAdmin(ReferenceCodeAdmin):
    pass


@admin.register(CooperationMode)
class CooperationModeAdmin(ReferenceCodeAdmin):
    pass


@admin.register(OwnershipType)
class OwnershipTypeAdmin(ReferenceCodeAdmin):
    pass


@admin.register(Region)
class RegionAdmin(ReferenceCodeAdmin):
    list_display = ("code", "label_en", "label_zh", "member_count", "sort_order")
    fields = ("code", "label_en", "label_zh", "countries", "sort_order")

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        countries_widget(db_field, kwargs)
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    @admin.display(description=_("members"))
    def member_count(self, obj: Region) -> int:
        return len(obj.countries)


@admin.register(ExchangeRate)
class ExchangeRateAdmin(SimpleHistoryAdmin):
    list_display = ("currency", "rate_to_cny", "valid_on", "created_at")
    list_filter = ("currency", ("valid_on", admin.DateFieldListFilter))
    search_fields = ("currency",)
    ordering = ("currency", "-valid_on")
    date_hierarchy = "valid_on"
    readonly_fields = ("created_at",)
    fields = ("currency", "rate_to_cny", "valid_on", "created_at")

    def get_readonly_fields(self, request, obj=None):
        # Currency and date are the rate's key: a different key is a new rate.
        if obj is not None:
            return ("currency", "valid_on", "created_at")
        return ("created_at",)

    def save_model(self, request, obj, form, change):
        adopt_saved(
            obj,
            exchange_rate_save(
                currency=obj.currency, rate_to_cny=obj.rate_to_cny, valid_on=obj.valid_on
            ),
        )


@admin.register(NegativeListRule)
class NegativeListRuleAdmin(ContractImportMixin, ExportMixin, SimpleHistoryAdmin):
    contract_importer = "core.importers.negative_list_import"
    resource_classes = [NegativeListRuleResource]

    list_display = ("sector", "sector_code", "rule", "short_note", "updated_at")
    list_filter = ("rule",)
    list_select_related = ("sector",)
    search_fields = ("sector__code", "sector__label_en", "sector__label_zh", "note")
    ordering = ("sector__code",)
    autocomplete_fields = ("sector",)
    readonly_fields = ("updated_at",)
    fields = ("sector", "rule", "note", "updated_at")

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        negative_list_changed.send(sender=NegativeListRule)

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        negative_list_changed.send(sender=NegativeListRule)

    @admin.display(description=_("code"), ordering="sector__code")
    def sector_code(self, obj: NegativeListRule) -> str:
        return obj.sector_id

    @admin.display(description=_("note"))
    def short_note(self, obj: NegativeListRule) -> str:
        return obj.note if len(obj.note) <= 80 else f"{obj.note[:79]}…"
