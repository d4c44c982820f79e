"""Bulk import of aircraft and insured persons from .xlsx or .csv, in two steps.

1. Upload: the service checks the file (dry run) and the page shows the row-by-row report
   (row, column, rule, message). The file is kept encrypted (`uploads.py`) under a token.
2. Import: "Import all" (offered only when every row is valid) or, explicitly, "Import only
   the N valid rows". The service re-checks everything and decides; nothing is imported
   unless the whole file is valid or the valid-rows choice was made.

A downloadable template gives the headers the importer reads, in the page's language."""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.functional import Promise
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from coverdesk.catalog.choices import PersonCategory
from coverdesk.core.exceptions import ApplicationError, PermissionDenied
from coverdesk.policies.imports import (
    AIRCRAFT_COLUMNS,
    MAX_BYTES,
    MAX_ROWS,
    PERSON_COLUMNS,
    Column,
    ImportReport,
    ImportStatus,
)
from coverdesk.policies.models.insured import Ownership
from coverdesk.policies.services.insured import aircraft_import, insured_persons_import
from coverdesk.web.http import WebRequest
from coverdesk.web.permissions import can_import_registers, page_access
from coverdesk.web.registers.forms import (
    IMPORT_ALL,
    IMPORT_VALID_ROWS,
    ImportConfirmForm,
    ImportUploadForm,
    form_apply_service_error,
)
from coverdesk.web.registers.presentation import customer_choices, customers_active
from coverdesk.web.registers.uploads import StashGone, stash_drop, stash_get, stash_put

TEMPLATE_TEXT_ROWS = 1000  # rows whose ID-number cells the template formats as text
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class ImportKind:
    code: str
    title: str | Promise
    service: Callable[..., ImportReport]
    columns: tuple[Column, ...]
    page: str  # url name of the import page
    list_page: str
    template_page: str
    template_name: str
    # columns a template leaves out (an alternative way of giving the same fields)
    template_skips: frozenset[str] = frozenset()
    text_columns: frozenset[str] = frozenset()
    values_note: dict[str, list[tuple[str, Any]]] | None = None


AIRCRAFT = ImportKind(
    code="aircraft",
    title=gettext_lazy("Import aircraft"),
    service=aircraft_import,
    columns=AIRCRAFT_COLUMNS,
    page="web:aircraft_import",
    list_page="web:aircraft_list",
    template_page="web:aircraft_import_template",
    template_name="aircraft-import-template.xlsx",
    template_skips=frozenset({"seats"}),
    text_columns=frozenset({"registration_mark", "serial_number"}),
    values_note={"ownership": list(Ownership.choices)},
)
PERSONS = ImportKind(
    code="insured_persons",
    title=gettext_lazy("Import insured persons"),
    service=insured_persons_import,
    columns=PERSON_COLUMNS,
    page="web:insured_person_import",
    list_page="web:insured_person_list",
    template_page="web:insured_person_import_template",
    template_name="insured-persons-import-template.xlsx",
    # an ID number typed into a number cell loses its last digits
    text_columns=frozenset({"id_number"}),
    values_note={"category": list(PersonCategory.choices)},
)
# Columns the template marks as required (crew and passenger seats may also come as "2/6").
TEMPLATE_REQUIRED = frozenset({"crew_seats", "passenger_seats"})


def _render_upload(
    request: WebRequest,
    kind: ImportKind,
    form: ImportUploadForm,
    *,
    status: int = 200,
    error: str = "",
) -> HttpResponse:
    context = {"kind": kind, "form": form, "max_rows": MAX_ROWS, "error": error}
    return render(request, "web/registers/import_upload.html", context, status=status)


def _render_report(
    request: WebRequest,
    kind: ImportKind,
    report: ImportReport,
    *,
    token: str,
    customer_name: str,
    error: str = "",
) -> HttpResponse:
    context = {
        "kind": kind,
        "report": report,
        "token": token,
        "customer_name": customer_name,
        "error": error,
        "invalid_rows": report.invalid_rows,
        "import_all": IMPORT_ALL,
        "import_valid_rows": IMPORT_VALID_ROWS,
    }
    return render(request, "web/registers/import_report.html", context)


def _run(
    request: WebRequest,
    kind: ImportKind,
    *,
    customer_id: int,
    filename: str,
    content: bytes,
    **options: bool,
) -> ImportReport:
    try:
        return kind.service(
            acting_user=request.user,
            customer_id=customer_id,
            content=content,
            filename=filename,
            **options,
        )
    except PermissionDenied as error:
        raise DjangoPermissionDenied(error.message) from error


def _customer_name(choices: list[tuple[int, str]], customer_id: int) -> str:
    return dict(choices).get(customer_id, "")


def _check(request: WebRequest, kind: ImportKind) -> HttpResponse:
    customers = customer_choices(customers_active())
    form = ImportUploadForm(request.POST, request.FILES, customers=customers)
    if not form.is_valid():
        return _render_upload(request, kind, form)
    upload = form.cleaned_data["file"]
    if upload.size is not None and upload.size > MAX_BYTES:
        form.add_error("file", _("The file is larger than 10 MB."))
        return _render_upload(request, kind, form)
    content = upload.read()
    filename = upload.name or ""
    customer_id = form.cleaned_data["customer"]
    try:
        report = _run(
            request,
            kind,
            customer_id=customer_id,
            filename=filename,
            content=content,
            dry_run=True,
        )
    except ApplicationError as error:
        form_apply_service_error(form, error)
        return _render_upload(request, kind, form)
    token = ""
    if report.valid_rows:
        token = stash_put(
            user_id=request.user.pk,
            kind=kind.code,
            customer_id=customer_id,
            filename=filename,
            content=content,
        )
    return _render_report(
        request, kind, report, token=token, customer_name=_customer_name(customers, customer_id)
    )


def _import(request: WebRequest, kind: ImportKind) -> HttpResponse:
    customers = customer_choices(customers_active())
    confirm = ImportConfirmForm(request.POST)
    stashed = None
    if confirm.is_valid():
        try:
            stashed = stash_get(
                confirm.cleaned_data["token"], user_id=request.user.pk, kind=kind.code
            )
        except StashGone:
            stashed = None
    if stashed is None:
        message = _(
            "The checked file is no longer available (it expires after an hour, and is "
            "removed once imported). Upload it again."
        )
        form = ImportUploadForm(customers=customers)
        return _render_upload(request, kind, form, status=400, error=message)
    valid_rows_only = confirm.cleaned_data["mode"] == IMPORT_VALID_ROWS
    customer_name = _customer_name(customers, stashed.customer_id)
    try:
        report = _run(
            request,
            kind,
            customer_id=stashed.customer_id,
            filename=stashed.filename,
            content=stashed.content,
            valid_rows_only=valid_rows_only,
        )
    except ApplicationError as error:
        # e.g. the customer became inactive since the check: nothing was imported
        form = ImportUploadForm(customers=customers)
        return _render_upload(request, kind, form, status=400, error=error.message)
    if report.status == ImportStatus.REJECTED:
        # Nothing was written; the file stays for the explicit valid-rows choice.
        return _render_report(
            request,
            kind,
            report,
            token=confirm.cleaned_data["token"] if report.valid_rows else "",
            customer_name=customer_name,
            error=_(
                "Nothing was imported: some rows are not valid. Correct the file, or "
                "import only the valid rows."
            ),
        )
    stash_drop(stashed)
    context = {
        "kind": kind,
        "report": report,
        "customer_name": customer_name,
        "customer_id": stashed.customer_id,
        "status_label": ImportStatus(report.status).label,
    }
    return render(request, "web/registers/import_done.html", context)


def _import_page(request: WebRequest, kind: ImportKind) -> HttpResponse:
    if request.method == "POST":
        if "token" in request.POST:
            return _import(request, kind)
        return _check(request, kind)
    form = ImportUploadForm(
        initial={"customer": request.GET.get("customer", "")},
        customers=customer_choices(customers_active()),
    )
    return _render_upload(request, kind, form)


@never_cache
@require_http_methods(["GET", "POST"])
@page_access(can_import_registers)
def aircraft_import_page(request: WebRequest) -> HttpResponse:
    return _import_page(request, AIRCRAFT)


@never_cache
@require_http_methods(["GET", "POST"])
@page_access(can_import_registers)
def person_import_page(request: WebRequest) -> HttpResponse:
    return _import_page(request, PERSONS)


# --- the template file ---------------------------------------------------------------------


def _is_ascii(text: str) -> bool:
    return all(ord(ch) < 128 for ch in text)


def template_header(column: Column, *, chinese: bool) -> str:
    """The header the importer reads, in Chinese or English; required columns marked '*'
    (the importer ignores the mark)."""
    names = column.headers
    header = next((h for h in names if not _is_ascii(h)), names[0]) if chinese else names[0]
    header = header if chinese else header[:1].upper() + header[1:]
    required = column.required or column.field in TEMPLATE_REQUIRED
    return f"{header}*" if required else header


def template_workbook(kind: ImportKind, *, chinese: bool) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "导入" if chinese else "Import"
    columns = [c for c in kind.columns if c.field not in kind.template_skips]
    for position, column in enumerate(columns, start=1):
        cell = sheet.cell(row=1, column=position, value=template_header(column, chinese=chinese))
        cell.font = Font(bold=True)
        letter = get_column_letter(position)
        sheet.column_dimensions[letter].width = 22
        if column.field in kind.text_columns:
            for row in range(2, TEMPLATE_TEXT_ROWS + 2):
                sheet.cell(row=row, column=position).number_format = "@"
    sheet.freeze_panes = "A2"
    notes = book.create_sheet("说明" if chinese else "Notes")
    notes.append(
        [
            _(
                "Only the first sheet is read. Row 1 holds the headers; * marks a required "
                "column. Headers may be in Chinese or English."
            )
        ]
    )
    notes.append([_("At most %(rows)d rows per file.") % {"rows": MAX_ROWS}])
    for field, choices in (kind.values_note or {}).items():
        column = next(c for c in columns if c.field == field)
        allowed = ", ".join(f"{value} ({label})" for value, label in choices)
        notes.append([f"{template_header(column, chinese=chinese)}: {allowed}"])
    notes.column_dimensions["A"].width = 120
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _template_response(kind: ImportKind) -> HttpResponse:
    chinese = (get_language() or "").startswith("zh")
    response = HttpResponse(template_workbook(kind, chinese=chinese), content_type=XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{kind.template_name}"'
    return response


@require_GET
@page_access(can_import_registers)
def aircraft_import_template(request: WebRequest) -> HttpResponse:
    return _template_response(AIRCRAFT)


@require_GET
@page_access(can_import_registers)
def person_import_template(request: WebRequest) -> HttpResponse:
    return _template_response(PERSONS)
