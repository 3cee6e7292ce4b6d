"""Admin import of contract files through the same import functions as the `import_*` commands.

A ModelAdmin mixes in `ContractImportMixin` and names its import function:

    class EnterpriseAdmin(ContractImportMixin, ExportMixin, admin.ModelAdmin):
        contract_importer = "enterprises.importers.enterprises_import"

The changelist then shows an "Import file" link (next to "Add", and next to
django-import-export's "Export" when that mixin is used too), leading to an upload page
for staff with the model's add permission. The upload is saved to a temporary file that
keeps its name and extension, imported, and the result shown: the counts on the
changelist, or a table of every problem (and nothing written).
"""

from __future__ import annotations

import tempfile
from importlib import import_module
from pathlib import Path
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, SuspiciousFileOperation
from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import FileUploadHandler, SkipFile
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.text import get_valid_filename
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.csrf import csrf_exempt, csrf_protect

from core.imports import SUPPORTED_EXTENSIONS, Columns, ImportResult, importer_resolve

# Multipart framing around the file (boundaries, headers, the CSRF token) in bytes.
MULTIPART_OVERHEAD_BYTES = 64 * 1024


class UploadSizeLimitHandler(FileUploadHandler):
    """Drops an uploaded file as soon as it grows past `max_bytes`, before it is stored.

    The other form fields (the CSRF token) are still parsed; `exceeded` tells the view.
    """

    def __init__(self, request: HttpRequest, *, max_bytes: int) -> None:
        super().__init__(request)
        self.max_bytes = max_bytes
        self.received = 0
        self.exceeded = False

    def new_file(self, *args: Any, **kwargs: Any) -> None:
        super().new_file(*args, **kwargs)
        self.received = 0

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        self.received += len(raw_data)
        if self.received > self.max_bytes:
            self.exceeded = True
            raise SkipFile
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None


class ContractImportForm(forms.Form):
    file = forms.FileField(
        widget=forms.FileInput(attrs={"accept": ",".join(SUPPORTED_EXTENSIONS)}),
        label=gettext_lazy("File"),
        help_text=gettext_lazy("A .csv or .xlsx file with the columns of the data contract."),
    )

    def clean_file(self) -> UploadedFile:
        upload: UploadedFile = self.cleaned_data["file"]
        max_bytes = settings.IMPORT_MAX_BYTES
        if upload.size is not None and upload.size > max_bytes:
            raise forms.ValidationError(
                _("The file is %(size)d bytes; the limit is %(max)d bytes.")
                % {"size": upload.size, "max": max_bytes}
            )
        if Path(upload.name or "").suffix.lower() not in SUPPORTED_EXTENSIONS:
            raise forms.ValidationError(_("Upload a .csv or .xlsx file."))
        return upload


def _form_from(
    request: HttpRequest, *, limiter: UploadSizeLimitHandler
) -> tuple[ContractImportForm, str]:
    """The upload form (bound on POST) and why the upload was refused unread, if it was."""
    if request.method != "POST":
        return ContractImportForm(), ""
    max_bytes = settings.IMPORT_MAX_BYTES
    too_large = _("The file is larger than the limit of %(max)d bytes.") % {"max": max_bytes}
    content_length = int(request.META.get("CONTENT_LENGTH") or 0)
    if content_length > max_bytes + MULTIPART_OVERHEAD_BYTES:
        return ContractImportForm(), too_large  # refused before the body is parsed
    files = request.FILES  # parsed here, through the size-limiting handler
    if limiter.exceeded:
        return ContractImportForm(), too_large  # the handler dropped the file unstored
    return ContractImportForm(request.POST, files), ""


def _importer_columns(dotted_path: str) -> Columns | None:
    """The columns the import function's module declares (its COLUMNS), shown on the page."""
    module_path = dotted_path.rpartition(".")[0]
    columns = getattr(import_module(module_path), "COLUMNS", None) if module_path else None
    return columns if isinstance(columns, Columns) else None


def _upload_import(upload: UploadedFile, dotted_path: str) -> ImportResult:
    """Save the upload under its own name in a fresh temporary directory and import it."""
    original = Path(upload.name or "").name
    try:
        file_name = get_valid_filename(original)
    except SuspiciousFileOperation:
        file_name = "upload" + Path(original).suffix.lower()
    with tempfile.TemporaryDirectory(prefix="parklink-import-") as directory:
        target = Path(directory) / file_name
        with target.open("wb") as handle:
            for chunk in upload.chunks():
                handle.write(chunk)
        return importer_resolve(dotted_path)(path=target)


class ContractImportMixin:
    """Adds an "Import file" page to a ModelAdmin's changelist."""

    contract_importer: str = ""
    change_list_template = "admin/contract_import_change_list.html"
    contract_import_template = "admin/import_file.html"

    def get_urls(self) -> list[URLPattern]:
        opts = self.model._meta  # type: ignore[attr-defined]
        # CSRF is checked inside the view, after the size-limiting upload handler is in
        # place (the check reads the POST body, which parses the upload).
        view = self.admin_site.admin_view(csrf_exempt(self.contract_import_entry))  # type: ignore[attr-defined]
        urls = [path("import-file/", view, name=f"{opts.app_label}_{opts.model_name}_import_file")]
        return urls + super().get_urls()  # type: ignore[misc]

    def contract_import_entry(self, request: HttpRequest) -> HttpResponse:
        if not self.contract_importer or not self.has_add_permission(request):  # type: ignore[attr-defined]
            raise PermissionDenied
        limiter = UploadSizeLimitHandler(request, max_bytes=settings.IMPORT_MAX_BYTES)
        request.upload_handlers.insert(0, limiter)
        return csrf_protect(self.contract_import_view)(request, limiter=limiter)

    def contract_import_view(
        self, request: HttpRequest, *, limiter: UploadSizeLimitHandler
    ) -> HttpResponse:
        opts = self.model._meta  # type: ignore[attr-defined]
        errors: list = []
        form, refusal = _form_from(request, limiter=limiter)
        if form.is_bound and form.is_valid():
            result = _upload_import(form.cleaned_data["file"], self.contract_importer)
            if result.ok:
                self.message_user(request, result.summary(), messages.SUCCESS)  # type: ignore[attr-defined]
                return HttpResponseRedirect(
                    reverse(
                        f"admin:{opts.app_label}_{opts.model_name}_changelist",
                        current_app=self.admin_site.name,  # type: ignore[attr-defined]
                    )
                )
            errors = result.errors
            self.message_user(  # type: ignore[attr-defined]
                request,
                ngettext(
                    "%(count)d problem found; nothing was changed.",
                    "%(count)d problems found; nothing was changed.",
                    len(errors),
                )
                % {"count": len(errors)},
                messages.ERROR,
            )
        context: dict[str, Any] = {
            **self.admin_site.each_context(request),  # type: ignore[attr-defined]
            "title": _("Import %(name)s") % {"name": opts.verbose_name_plural},
            "opts": opts,
            "app_label": opts.app_label,
            "form": form,
            "errors": errors,
            "refusal": refusal,
            "max_bytes": settings.IMPORT_MAX_BYTES,
            "columns": _importer_columns(self.contract_importer),
            "has_view_permission": self.has_view_permission(request),  # type: ignore[attr-defined]
        }
        return TemplateResponse(request, self.contract_import_template, context)
