"""The product list's "Export CSV" and "Import CSV" pages (see scent.catalog.transfer).

Import is two steps: upload, which checks the file and shows what would change (a dry
run, nothing written); then confirm, which imports it. The checked file travels to the
confirm step inside a signed, compressed token in the page (no temporary file, no
session storage, so it works with every session driver and on several web servers);
the confirm step checks every row again, so a catalogue that changed in between is
caught. Export needs the permission to view products; import, which may create
products as well as change them, needs both "add" and "change".
"""

from __future__ import annotations

import csv
from itertools import chain
from pathlib import PurePath

from django import forms
from django.contrib import messages
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponseRedirect, StreamingHttpResponse
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.text import get_valid_filename

from scent.catalog.models import Product
from scent.catalog.transfer import (
    COLUMN_HELP,
    REQUIRED_COLUMNS,
    ImportFileError,
    ImportReport,
    decode_csv,
    export_rows,
    import_catalogue,
)

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
PREVIEW_MAX_AGE = 60 * 60  # seconds a checked file may wait for its confirmation
CHANGES_SHOWN = 200  # lines of "what changes" on the preview page
_SALT = "scent.catalog.admin_transfer.import"
_SPREADSHEETS = {".xlsx", ".xls", ".xlsm", ".ods", ".numbers"}
_TEXT_SUFFIXES = {".csv", ".txt", ".tsv", ""}


def urls(model_admin) -> list:
    """The two pages, for ProductAdmin.get_urls (before its catch-all object URLs)."""
    prefix = _prefix(model_admin)
    wrap = model_admin.admin_site.admin_view
    return [
        path(
            "export/",
            wrap(lambda request: export_view(request, model_admin)),
            name=f"{prefix}_export",
        ),
        path(
            "import/",
            wrap(lambda request: import_view(request, model_admin)),
            name=f"{prefix}_import",
        ),
    ]


def may_import(request: HttpRequest, model_admin) -> bool:
    return model_admin.has_add_permission(request) and model_admin.has_change_permission(request)


def _check_permission(request: HttpRequest, model_admin, *, importing: bool) -> None:
    allowed = (
        may_import(request, model_admin) if importing else model_admin.has_view_permission(request)
    )
    if not allowed:
        raise PermissionDenied


class _Echo:
    """A file whose write() hands the text back, so csv.writer can feed a stream."""

    def write(self, value: str) -> str:
        return value


def export_view(request: HttpRequest, model_admin) -> StreamingHttpResponse:
    """Download every size as CSV (UTF-8 with a BOM, so Excel shows accents right)."""
    _check_permission(request, model_admin, importing=False)
    writer = csv.writer(_Echo())
    response = StreamingHttpResponse(
        chain(["\ufeff"], (writer.writerow(row) for row in export_rows())),
        content_type="text/csv; charset=utf-8",
    )
    filename = f"catalogue-{timezone.localdate().isoformat()}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


class UploadForm(forms.Form):
    file = forms.FileField(
        label="CSV file",
        help_text="UTF-8 text (in Excel: Save as > CSV UTF-8), at most 5 MB, a header row "
        "first. Nothing is written until you confirm.",
        error_messages={
            "required": "Choose a CSV file to import.",
            "empty": "The file is empty: it needs a header row and one row per size.",
            "invalid": "No file was sent; choose a CSV file to import.",
        },
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )

    text: str = ""

    def clean_file(self):
        upload = self.cleaned_data["file"]
        suffix = PurePath(upload.name or "").suffix.lower()
        if suffix in _SPREADSHEETS:
            raise ValidationError(
                "This is a spreadsheet, not a CSV file: in your spreadsheet choose "
                "Save as / Export, then 'CSV UTF-8', and upload that file.",
                code="spreadsheet",
            )
        if suffix not in _TEXT_SUFFIXES:
            raise ValidationError(
                f"A {suffix} file is not a CSV file: upload a .csv file.", code="not_csv"
            )
        if upload.size > MAX_UPLOAD_BYTES:
            raise ValidationError(
                f"The file is {upload.size / 1024 / 1024:.1f} MB; the limit is "
                f"{MAX_UPLOAD_BYTES // 1024 // 1024} MB. Split it into several files.",
                code="too_big",
            )
        try:
            self.text = decode_csv(upload.read())
        except ImportFileError as exc:
            raise ValidationError(str(exc), code="unreadable") from None
        return upload


def _upload_name(name: str) -> str:
    return get_valid_filename(PurePath(name or "catalogue.csv").name)[:100] or "catalogue.csv"


def import_view(request: HttpRequest, model_admin) -> TemplateResponse | HttpResponseRedirect:
    """Upload and preview (dry run), then confirm."""
    _check_permission(request, model_admin, importing=True)
    form = UploadForm()
    report: ImportReport | None = None
    token = ""
    if request.method == "POST" and "token" in request.POST:
        payload = _read_token(request)
        if payload is not None:
            report = import_catalogue(
                payload["csv"], dry_run=False, actor=request.user, name=payload["name"]
            )
            if report.ok:
                messages.success(request, report.summary())
                return HttpResponseRedirect(reverse(f"admin:{_prefix(model_admin)}_changelist"))
            messages.error(request, report.summary())
    elif request.method == "POST":
        form = UploadForm(request.POST, request.FILES)
        if form.is_valid():
            name = _upload_name(form.cleaned_data["file"].name)
            report = import_catalogue(form.text, dry_run=True, name=name)
            if report.ok and report.changed_anything:
                token = signing.dumps(
                    {"name": name, "csv": form.text, "user": request.user.pk},
                    salt=_SALT,
                    compress=True,
                )
            form = UploadForm()
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": Product._meta,
        "title": "Import the catalogue from CSV",
        "form": form,
        "report": report,
        "changes": report.changes[:CHANGES_SHOWN] if report else [],
        "more_changes": max(0, len(report.changes) - CHANGES_SHOWN) if report else 0,
        "token": token,
        "columns": [(name, help, name in REQUIRED_COLUMNS) for name, help in COLUMN_HELP.items()],
        "max_mb": MAX_UPLOAD_BYTES // 1024 // 1024,
    }
    return TemplateResponse(request, "admin/catalog/product/import.html", context)


def _prefix(model_admin) -> str:
    opts = model_admin.model._meta
    return f"{opts.app_label}_{opts.model_name}"


def _read_token(request: HttpRequest) -> dict | None:
    """The checked file of the preview, or None (with a message) if it cannot be used."""
    try:
        payload = signing.loads(request.POST["token"], salt=_SALT, max_age=PREVIEW_MAX_AGE)
    except signing.SignatureExpired:
        messages.error(request, "This preview is more than an hour old: upload the file again.")
        return None
    except signing.BadSignature:
        messages.error(request, "The preview could not be read: upload the file again.")
        return None
    if (
        not isinstance(payload, dict)
        or payload.get("user") != request.user.pk
        or not isinstance(payload.get("csv"), str)
    ):
        messages.error(request, "This preview belongs to someone else: upload the file again.")
        return None
    payload.setdefault("name", "catalogue.csv")
    return payload
