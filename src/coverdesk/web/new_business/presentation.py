"""How new business is shown: the next step of a case, the state of its clock, options side by
side. Display only: the rules live in the policies services and transition table."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.urls import NoReverseMatch, reverse
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _

from coverdesk.policies.choices import ApplicationStatus, IntakeStatus, QuoteStatus
from coverdesk.policies.models import Application, NeedsIntake
from coverdesk.policies.selectors.new_business import QuoteOption
from coverdesk.policies.terms import AIRCRAFT, COVERAGE, PERSON, item_kind, items_from_json
from coverdesk.sla.models import SlaClock
from coverdesk.sla.transitions import ClockState
from coverdesk.web.sla.presentation import clock_view


def in_english() -> bool:
    return not (get_language() or "").startswith("zh")


def localised(obj: Any, attribute: str = "name") -> str:
    """The English text of a catalogue row or terms entry on English pages, else Chinese."""
    get = obj.get if isinstance(obj, dict) else lambda name, default="": getattr(obj, name, default)
    english = get(f"{attribute}_en", "") or ""
    return str(english if in_english() and english else get(attribute, ""))


def policy_url(policy_id: int) -> str:
    """The policy's page (the policies pages own it); its path if that page is not there."""
    try:
        return reverse("web:policy_detail", args=[policy_id])
    except NoReverseMatch:
        return f"/policies/{policy_id}/"


# Clocks ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ClockStatus:
    state: str  # not_started | running | paused | met | breached | cancelled
    mark: str  # green | yellow | red | "" when no clock runs
    text: str
    due_at: datetime | None = None


def clock_status(application: Application, clock: SlaClock | None, *, now: datetime) -> ClockStatus:
    """The application's clock in words: not started (waiting for complete documents), the
    time left or overdue, paused with its reason, or how it ended."""
    if clock is None:
        if application.status in (ApplicationStatus.DRAFT, ApplicationStatus.WAITING_FOR_DOCUMENTS):
            return ClockStatus("not_started", "", _("Not started: runs from complete documents"))
        return ClockStatus("not_started", "", _("No clock"))
    if clock.state in (ClockState.RUNNING, ClockState.PAUSED):
        view = clock_view(clock, now=now)
        if clock.state == ClockState.PAUSED:
            text = _("Paused: %(reason)s") % {"reason": view.pause_reason or _("no reason given")}
            return ClockStatus("paused", view.mark, text, clock.due_at)
        return ClockStatus("running", view.mark, view.time_text, clock.due_at)
    if clock.state == ClockState.CANCELLED:
        return ClockStatus("cancelled", "", _("Cancelled"))
    if clock.met is False or clock.breached_at is not None:
        return ClockStatus("breached", "red", _("Done after the deadline"), clock.due_at)
    return ClockStatus("met", "green", _("Done in time"), clock.due_at)


# Next steps --------------------------------------------------------------------------------


def application_next_step(application: Application, *, missing: int | None = None) -> str:
    status = application.status
    if status == ApplicationStatus.DRAFT:
        return _("Submit it with the documents received")
    if status == ApplicationStatus.WAITING_FOR_DOCUMENTS:
        if missing:
            return ngettext(
                "Waiting for %(count)d document from the client",
                "Waiting for %(count)d documents from the client",
                missing,
            ) % {"count": missing}
        return _("Waiting for the client's documents")
    if status == ApplicationStatus.UNDERWRITING:
        return _("Underwriting decision: approve, refer or decline")
    if status == ApplicationStatus.REFERRED:
        return _("Decision by someone with enough authority")
    if status == ApplicationStatus.APPROVED:
        return _("Record the premium payment")
    if status == ApplicationStatus.PAID:
        return _("Issue the policy")
    if status == ApplicationStatus.ISSUED:
        policy = application.policy
        if policy is not None and policy.filed_at is None:
            return _("File the contract and tell the client that cover starts")
        return _("Done: follow up with the client when due")
    return _("Closed")


def intake_next_step(intake: NeedsIntake, *, offered: int) -> str:
    if intake.status == IntakeStatus.OPEN:
        return _("Consult the client and quote options")
    if intake.status == IntakeStatus.QUOTED:
        if offered:
            return ngettext(
                "The client chooses among %(count)d option: file it as an application",
                "The client chooses among %(count)d options: file one as an application",
                offered,
            ) % {"count": offered}
        return _("Quote a new option")
    return _("Closed")


# Quotes side by side -------------------------------------------------------------------------


@dataclass
class OptionColumn:
    option: QuoteOption
    product: str
    aircraft: int
    persons: int
    cells: dict[str, Decimal] = field(default_factory=dict)

    @property
    def quote(self) -> Any:
        return self.option.quote

    @property
    def offered(self) -> bool:
        return bool(self.option.quote.status == QuoteStatus.OFFERED)


@dataclass(frozen=True)
class CoverageRow:
    code: str
    name: str
    premiums: list[Decimal | None]


@dataclass(frozen=True)
class Comparison:
    columns: list[OptionColumn]
    rows: list[CoverageRow]


def quotes_side_by_side(options: list[QuoteOption]) -> Comparison:
    """One column per option, one row per coverage quoted in any of them: the premium of that
    coverage in that option, or None when the option leaves it out."""
    names: dict[str, str] = {}
    columns = []
    for option in options:
        items = items_from_json(option.quote.terms["items"])
        for item in items:
            if item_kind(item) == COVERAGE:
                names.setdefault(str(item.data["code"]), localised(item.data))
        kinds = [item_kind(item) for item in items]
        columns.append(
            OptionColumn(
                option=option,
                product=localised(option.quote.product_version.product),
                aircraft=kinds.count(AIRCRAFT),
                persons=kinds.count(PERSON),
                cells=dict(option.premium_by_coverage),
            )
        )
    rows = [
        CoverageRow(code, name, [column.cells.get(code) for column in columns])
        for code, name in names.items()
    ]
    return Comparison(columns=columns, rows=rows)


# Quote terms, line by line ------------------------------------------------------------------


@dataclass(frozen=True)
class PremiumLine:
    insured: str
    coverage: str
    premium: Decimal


def quote_lines(terms: dict[str, Any]) -> list[PremiumLine]:
    """Each insured object's premium per rated row, for the application page."""
    items = items_from_json(terms["items"])
    names: dict[str, str] = {}
    for item in items:
        if item_kind(item) == COVERAGE:
            names[str(item.data["code"])] = localised(item.data)
            for section in item.data.get("sections", []):
                names[str(section["code"])] = localised(section)
    lines = []
    for item in items:
        kind = item_kind(item)
        if kind == AIRCRAFT:
            insured = f"{item.data['model']} {item.data['registration_mark']}"
        elif kind == PERSON:
            insured = str(item.data["name"])
        else:
            continue
        for line in item.data.get("lines", []):
            lines.append(
                PremiumLine(insured, names.get(line["row"], line["row"]), Decimal(line["premium"]))
            )
    return lines
