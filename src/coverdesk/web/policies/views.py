"""Policy pages: the list with its search, the detail (what was covered on a day, versions,
endorsements with their calculations, servicing requests, documents, renewal), the schedule
and endorsement PDFs, the statistics by product and period, and the policies expiring in a
period with their renewal status. Customers' portal users read their own organisation's
policies on the same pages, with fewer columns and no actions; for anyone else another
customer's policy does not exist (404)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from coverdesk.core import clock as core_clock
from coverdesk.core.exceptions import ApplicationError, PermissionDenied, ValidationFailed
from coverdesk.policies.access.policies import policy_access_for_user
from coverdesk.policies.choices import PolicyStatus, RenewalStatus
from coverdesk.policies.exceptions import AuthorityExceeded, PolicyNotFound
from coverdesk.policies.models import Endorsement, Policy
from coverdesk.policies.selectors.policies import policies_expiring
from coverdesk.policies.services.renewals import policy_renew as policy_renew_service
from coverdesk.policies.services.renewals import renewal_quote_create
from coverdesk.policies.terms import items_from_json, premium_by_coverage
from coverdesk.reports.exports import XLSX_CONTENT_TYPE
from coverdesk.reports.policy_documents import endorsement_pdf, policy_schedule_pdf
from coverdesk.web.errors import form_apply_error
from coverdesk.web.formatting import money
from coverdesk.web.http import WebRequest
from coverdesk.web.permissions import (
    can_issue_policies,
    can_manage_new_business,
    can_view_policies,
    can_view_policy_list,
    can_view_servicing,
    page_access,
)
from coverdesk.web.policies.exports import (
    expiring_filename,
    expiring_xlsx,
    statistics_filename,
    statistics_xlsx,
)
from coverdesk.web.policies.forms import (
    LANGUAGE_CHOICES,
    CoveredOnForm,
    PeriodForm,
    PolicySearchForm,
    RenewalQuoteForm,
    RenewForm,
    StatisticsForm,
)
from coverdesk.web.policies.presentation import (
    endorsement_view,
    english,
    period_text,
    product_label,
    terms_view,
    version_rows,
)
from coverdesk.web.policies.queries import (
    StatisticsRow,
    endorsements_of,
    offered,
    page_number,
    policies_search,
    product_choices,
    product_names,
    renewal_choices,
    renewal_policy,
    renewal_quote_latest,
    renewal_quote_of,
    servicing_of,
    slice_page,
    statistics_periods,
    statistics_rows,
    url_if_exists,
    version_on,
    versions_of,
)

POLICIES_PER_PAGE = 50
EXPIRING_PER_PAGE = 100
EXPIRING_DAYS_DEFAULT = 60
# Search fields that may hold an ID number or a phone: read from POSTed searches only, so they
# never end up in a URL (proxy logs, browser history, Referer headers).
PRIVATE_FILTERS = ("customer", "person")
SEARCH_FIELDS = ("number", "customer", "aircraft", "person", "product", "status", "in_force_on")


def _today() -> date:
    return timezone.localdate(core_clock.now())


def _policy_or_404(request: WebRequest, policy_id: int) -> Policy:
    try:
        return policy_access_for_user(user=request.user, policy_id=policy_id)
    except PolicyNotFound as error:
        raise Http404(error.message) from error


def _products() -> list[tuple[str, str]]:
    en = english()
    return [(code, name_en if en else name) for code, name, name_en in product_choices()]


# List -----------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@page_access(can_view_policies)
def policy_list(request: WebRequest) -> HttpResponse:
    staff = can_view_policy_list(request.user)
    data: QueryDict = request.POST if request.method == "POST" else request.GET.copy()
    if request.method != "POST":
        for name in PRIVATE_FILTERS:
            data.pop(name, None)
    bound = any(data.get(name) for name in SEARCH_FIELDS)
    form = PolicySearchForm(data if bound else None, products=_products(), for_customer=not staff)
    search = form.search()
    policies = policies_search(user=request.user, search=search)
    if form.is_bound and not form.is_valid():
        policies = policies.none()
    page = slice_page(policies, number=page_number(data.get("page")), per_page=POLICIES_PER_PAGE)
    context = {
        "form": form,
        "page": page,
        "rows": [
            {
                "policy": policy,
                "product": product_label(policy.product_version.product),
                "period": period_text(policy.period_start, policy.period_end),
                "premium": money(policy.term_premium),
            }
            for policy in page.rows
        ],
        "staff": staff,
        "searched": search.any,
    }
    return render(request, "web/policies/list.html", context)


# Detail ---------------------------------------------------------------------------------------


def _covered(policy: Policy, on: date) -> dict[str, Any]:
    """What was covered on `on`, from the version in force that day, or why nothing was."""
    version = version_on(policy, on)
    reason = ""
    if version is None:
        if on < policy.period_start:
            reason = _("The period begins on %(day)s.") % {"day": policy.period_start.isoformat()}
        elif on > policy.period_end:
            reason = _("The period ended on %(day)s at 24:00.") % {
                "day": policy.period_end.isoformat()
            }
        elif policy.cancelled_on is not None:
            reason = _("The policy is cancelled from %(day)s 00:00.") % {
                "day": policy.cancelled_on.isoformat()
            }
    return {
        "on": on,
        "version": version,
        "terms": terms_view(version) if version is not None else None,
        "reason": reason,
    }


def _quote_coverages(quote: Any) -> list[dict[str, str]]:
    items = quote.terms.get("items", [])
    premiums = premium_by_coverage(items_from_json(items))
    en = english()
    rows = []
    for item in items:
        data = item["data"]
        if data.get("kind") != "coverage":
            continue
        name = data.get("name_en") if en and data.get("name_en") else data.get("name")
        rows.append({"name": str(name), "premium": money(premiums.get(str(data["code"])))})
    return rows


def _renewal_context(
    request: WebRequest,
    policy: Policy,
    *,
    quote_form: RenewalQuoteForm | None,
    renew_form: RenewForm | None,
) -> dict[str, Any]:
    may_quote = can_manage_new_business(request.user)
    may_renew = can_issue_policies(request.user)
    if not (may_quote or may_renew) or not can_view_policy_list(request.user):
        return {"renewal_shown": False}
    renewed = renewal_policy(policy)
    quote = renewal_quote_latest(policy)
    open_for_renewal = policy.status == PolicyStatus.ACTIVE and renewed is None
    if may_quote and open_for_renewal and quote_form is None:
        quote_form = RenewalQuoteForm(choices=renewal_choices(policy), english=english())
    if may_renew and open_for_renewal and offered(quote) and renew_form is None:
        assert quote is not None
        renew_form = RenewForm(initial={"quote": quote.pk, "paid_on": _today()})
    return {
        "renewal_shown": True,
        "renewed": renewed,
        "quote": quote,
        "quote_period": period_text(quote.period_start, quote.period_end) if quote else "",
        "quote_coverages": _quote_coverages(quote) if quote else [],
        "quote_premium": money(quote.term_premium) if quote else "",
        "quote_form": quote_form if may_quote and open_for_renewal else None,
        "renew_form": renew_form if may_renew and open_for_renewal and offered(quote) else None,
    }


def _detail_response(
    request: WebRequest,
    policy: Policy,
    *,
    quote_form: RenewalQuoteForm | None = None,
    renew_form: RenewForm | None = None,
    status: int = 200,
) -> HttpResponse:
    on_form = CoveredOnForm(request.GET or None)
    on = (on_form.cleaned_data.get("on") if on_form.is_valid() else None) or _today()
    covered = _covered(policy, on)
    if request.htmx and request.htmx.target == "covered":
        return render(
            request,
            "web/policies/_covered.html",
            {"policy": policy, "covered": covered, "on_form": on_form},
        )
    staff = can_view_policy_list(request.user)
    servicing_links = staff and can_view_servicing(request.user)
    servicing = [
        {
            "request": item,
            "url": url_if_exists("web:servicing_detail", item.pk) if servicing_links else None,
            "amount": money(item.amount),
        }
        for item in servicing_of(policy)
    ]
    context: dict[str, Any] = {
        "policy": policy,
        "period": period_text(policy.period_start, policy.period_end),
        "product_name": product_label(policy.product_version.product),
        "term_premium": money(policy.term_premium),
        "premium_written": money(policy.premium_written),
        "covered": covered,
        "on_form": on_form,
        "versions": version_rows(versions_of(policy)),
        "endorsements": [endorsement_view(e) for e in endorsements_of(policy)],
        "servicing": servicing,
        "staff": staff,
        "customer_url": url_if_exists("web:party_detail", policy.customer_id) if staff else None,
        "renewal_of_url": (
            reverse("web:policy_detail", args=[policy.renewal_of_id])
            if policy.renewal_of_id
            else None
        ),
        **_renewal_context(request, policy, quote_form=quote_form, renew_form=renew_form),
    }
    return render(request, "web/policies/detail.html", context, status=status)


@require_GET
@page_access(can_view_policies)
def policy_detail(request: WebRequest, policy_id: int) -> HttpResponse:
    policy = _policy_or_404(request, policy_id)
    return _detail_response(request, policy)


# Documents ------------------------------------------------------------------------------------


def _document_language(request: WebRequest) -> tuple[str, str] | None:
    code = request.GET.get("lang", "zh") or "zh"
    language = LANGUAGE_CHOICES.get(code)
    return (code, language) if language else None


def _bad_request(message: str) -> HttpResponse:
    return HttpResponse(message, status=400, content_type="text/plain; charset=utf-8")


def _errors_text(form: Any) -> str:
    return "; ".join(
        f"{name}: {' '.join(str(e) for e in errors)}" for name, errors in form.errors.items()
    )


def _pdf_response(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@require_GET
@page_access(can_view_policies)
def policy_schedule_download(request: WebRequest, policy_id: int) -> HttpResponse:
    # The document function checks no permission: the policy is fetched through access first.
    policy = _policy_or_404(request, policy_id)
    chosen = _document_language(request)
    if chosen is None:
        return _bad_request(_("lang: choose zh (Chinese) or en (English)."))
    raw_version = request.GET.get("version", "")
    if raw_version and not raw_version.isdigit():
        return _bad_request(_("version: a version number is expected."))
    try:
        content = policy_schedule_pdf(
            policy_id=policy.pk,
            version_number=int(raw_version) if raw_version else None,
            language=chosen[1],
        )
    except ValidationFailed as error:
        return _bad_request(error.message)
    suffix = f"-v{raw_version}" if raw_version else ""
    return _pdf_response(content, f"{policy.number}-schedule{suffix}-{chosen[0]}.pdf")


@require_GET
@page_access(can_view_policies)
def policy_endorsement_download(
    request: WebRequest, policy_id: int, endorsement_id: int
) -> HttpResponse:
    policy = _policy_or_404(request, policy_id)
    endorsement = Endorsement.objects.filter(pk=endorsement_id, policy=policy).first()
    if endorsement is None:
        raise Http404
    chosen = _document_language(request)
    if chosen is None:
        return _bad_request(_("lang: choose zh (Chinese) or en (English)."))
    try:
        content = endorsement_pdf(endorsement_id=endorsement.pk, language=chosen[1])
    except ValidationFailed as error:
        return _bad_request(error.message)
    return _pdf_response(content, f"{policy.number}-E{endorsement.sequence:03d}-{chosen[0]}.pdf")


# Renewal --------------------------------------------------------------------------------------


@require_POST
@page_access(can_manage_new_business)
def policy_renewal_quote(request: WebRequest, policy_id: int) -> HttpResponse:
    """A renewal quote from the current version, with the changes at renewal the form holds
    (or none at all when `as_is` is sent, the one-click button of the expiring report)."""
    policy = _policy_or_404(request, policy_id)
    form: RenewalQuoteForm | None = None
    arguments: dict[str, Any] = {}
    if "as_is" not in request.POST:
        form = RenewalQuoteForm(request.POST, choices=renewal_choices(policy), english=english())
        if not form.is_valid():
            return _detail_response(request, policy, quote_form=form, status=422)
        arguments = form.service_arguments()
    try:
        quote = renewal_quote_create(policy_id=policy.pk, acting_user=request.user, **arguments)
    except PermissionDenied as error:
        raise DjangoPermissionDenied(error.message) from error
    except ApplicationError as error:
        if form is None:
            messages.error(request, error.message)
        else:
            form_apply_error(form, error)
        return _detail_response(request, policy, quote_form=form, status=422)
    messages.success(
        request,
        _("Renewal quote made: premium %(premium)s for %(period)s.")
        % {
            "premium": money(quote.term_premium),
            "period": period_text(quote.period_start, quote.period_end),
        },
    )
    return redirect(reverse("web:policy_detail", args=[policy.pk]) + "#renewal")


@require_POST
@page_access(can_issue_policies)
def policy_renew(request: WebRequest, policy_id: int) -> HttpResponse:
    """Issue the renewed policy from the latest renewal quote, its premium paid."""
    policy = _policy_or_404(request, policy_id)
    form = RenewForm(request.POST)
    if not form.is_valid():
        return _detail_response(request, policy, renew_form=form, status=422)
    quote = renewal_quote_of(policy, form.cleaned_data["quote"])
    if quote is None:
        raise Http404
    try:
        renewed = policy_renew_service(
            quote_id=quote.pk,
            premium_paid=form.cleaned_data["premium_paid"],
            paid_on=form.cleaned_data["paid_on"],
            payment_reference=form.cleaned_data["payment_reference"],
            acting_user=request.user,
        )
    except AuthorityExceeded as error:
        form.add_error(None, error.message)
        return _detail_response(request, policy, renew_form=form, status=422)
    except PermissionDenied as error:
        raise DjangoPermissionDenied(error.message) from error
    except ApplicationError as error:
        form_apply_error(form, error)
        return _detail_response(request, policy, renew_form=form, status=422)
    messages.success(
        request,
        _("Policy %(number)s renewed by %(renewed)s.")
        % {"number": policy.number, "renewed": renewed.number},
    )
    return redirect("web:policy_detail", policy_id=renewed.pk)


# Statistics -----------------------------------------------------------------------------------


def _statistics(request: WebRequest) -> tuple[StatisticsForm, list[StatisticsRow] | None]:
    today = _today()
    default = (date(today.year, 1, 1), today)
    form = StatisticsForm(
        request.GET or None,
        default=default,
        initial={"first_day": default[0], "last_day": default[1], "breakdown": "month"},
    )
    period = form.period()
    if period is None:
        return form, None
    try:
        periods = statistics_periods(period[0], period[1], form.breakdown_code())
        return form, statistics_rows(periods)
    except ValidationFailed as error:
        form_apply_error(form, error)
        return form, None


@require_GET
@page_access(can_view_policy_list)
def policy_statistics(request: WebRequest) -> HttpResponse:
    form, rows = _statistics(request)
    context: dict[str, Any] = {"form": form, "rows": rows}
    if rows is not None:
        first, last = form.period() or form.default
        products = product_names(sorted({row.figures.product_code for row in rows}))
        context.update(
            shown=[
                {
                    "row": row,
                    "product": (
                        product_label(products[row.figures.product_code])
                        if row.figures.product_code in products
                        else row.figures.product_code
                    ),
                    "premium": money(row.figures.premium_written),
                }
                for row in rows
            ],
            total_policies=sum(row.figures.policies for row in rows),
            total_premium=money(sum(row.figures.premium_written for row in rows)),
            export_query=urlencode(
                {
                    "first_day": first.isoformat(),
                    "last_day": last.isoformat(),
                    "breakdown": form.breakdown_code(),
                }
            ),
        )
    return render(request, "web/policies/statistics.html", context)


@require_GET
@page_access(can_view_policy_list)
def policy_statistics_export(request: WebRequest) -> HttpResponse:
    form, rows = _statistics(request)
    if rows is None:
        return _bad_request(_errors_text(form))
    first, last = form.period() or form.default
    products = product_names(sorted({row.figures.product_code for row in rows}))
    response = HttpResponse(statistics_xlsx(rows, products), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{statistics_filename(first, last)}"'
    return response


# Expiring -------------------------------------------------------------------------------------


def _expiring(request: WebRequest) -> tuple[PeriodForm, list[Any] | None, date]:
    today = _today()
    default = (today, today + timedelta(days=EXPIRING_DAYS_DEFAULT))
    data = request.GET.copy()
    data.pop("page", None)
    form = PeriodForm(
        data or None,
        default=default,
        initial={"first_day": default[0], "last_day": default[1]},
    )
    period = form.period()
    if period is None:
        return form, None, today
    try:
        return form, policies_expiring(first_day=period[0], last_day=period[1]), today
    except ValidationFailed as error:
        form_apply_error(form, error)
        return form, None, today


@require_GET
@page_access(can_view_policy_list)
def policy_expiring(request: WebRequest) -> HttpResponse:
    form, rows, today = _expiring(request)
    context: dict[str, Any] = {
        "form": form,
        "rows": rows,
        "may_quote": can_manage_new_business(request.user),
        "may_act": can_manage_new_business(request.user) or can_issue_policies(request.user),
    }
    if rows is not None:
        first, last = form.period() or form.default
        query = urlencode({"first_day": first.isoformat(), "last_day": last.isoformat()})
        page = Paginator(rows, EXPIRING_PER_PAGE).get_page(request.GET.get("page"))
        context.update(
            page=page,
            shown=[
                {
                    "row": row,
                    "product": product_label(row.policy.product_version.product),
                    "premium": money(row.policy.term_premium),
                    "days_left": (row.policy.period_end - today).days,
                    "renewal_label": RenewalStatus(row.renewal_status).label,
                    "renewal_id": renewal.pk
                    if (renewal := getattr(row.policy, "renewal", None))
                    else None,
                    "may_quote": row.renewed_by is None
                    and row.renewal_status in (RenewalStatus.NOT_DUE, RenewalStatus.REMINDED),
                }
                for row in page
            ],
            query=query,
        )
    return render(request, "web/policies/expiring.html", context)


@require_GET
@page_access(can_view_policy_list)
def policy_expiring_export(request: WebRequest) -> HttpResponse:
    form, rows, today = _expiring(request)
    if rows is None:
        return _bad_request(_errors_text(form))
    first, last = form.period() or form.default
    response = HttpResponse(expiring_xlsx(rows, today=today), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{expiring_filename(first, last)}"'
    return response
