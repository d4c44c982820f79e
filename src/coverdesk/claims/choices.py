"""Stable codes of claims and accident response, with translated labels. Values are stored:
never rename one, add a new one instead."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ReportChannel(models.TextChoices):
    HOTLINE = "hotline", _("Hotline (an agent's form)")
    PORTAL = "portal", _("Customer portal")
    API = "api", _("API (the customer's command or flight-dispatch system)")


class ResponseLevel(models.IntegerChoices):
    """Response levels of domain.md §3.5: I (特别重大) is the most severe. Levels I and II
    open a major event."""

    LEVEL_I = 1, _("Level I (especially major)")
    LEVEL_II = 2, _("Level II (major)")
    LEVEL_III = 3, _("Level III (serious)")
    LEVEL_IV = 4, _("Level IV (general)")


MAJOR_EVENT_LEVELS = frozenset({ResponseLevel.LEVEL_I, ResponseLevel.LEVEL_II})


class IncidentStatus(models.TextChoices):
    REPORTED = "reported", _("Reported")
    CONTACTED = "contacted", _("Reporter contacted")
    DISPATCHED = "dispatched", _("Resources dispatched")
    DEPARTED = "departed", _("Team departed")
    CLOSED = "closed", _("Closed")


class IncidentAction(models.TextChoices):
    REPORT = "report", _("Report")
    CONTACT = "contact", _("Contact the reporter")
    DISPATCH = "dispatch", _("Dispatch resources")
    DEPART = "depart", _("Team departs")
    LEVEL = "level", _("Set the response level")
    MAJOR_STEP = "major_step", _("Major event step")
    CLOSE = "close", _("Close")


class ResourceKind(models.TextChoices):
    HANDLER = "handler", _("Claims handler")
    EXPERT = "expert", _("Technical expert")
    VEHICLE = "vehicle", _("Vehicle")
    EQUIPMENT = "equipment", _("Equipment")


# Dispatching a person names a user; a vehicle or equipment is described.
PERSON_RESOURCES = frozenset({ResourceKind.HANDLER, ResourceKind.EXPERT})


class MajorEventStep(models.TextChoices):
    TEAM_FORMED = "team_formed", _("Emergency team formed")
    RESPONSE_PLAN = "response_plan", _("First response plan")
    CUSTOMER_REPORT = "customer_report", _("Report to the customer")


class ClaimStatus(models.TextChoices):
    REPORTED = "reported", _("Reported")
    REGISTERED = "registered", _("Registered")
    ASSESSED = "assessed", _("Loss assessed")
    APPROVED = "approved", _("Approved")
    DECLINED = "declined", _("Declined")
    SETTLED = "settled", _("Settlement agreed")
    PAID = "paid", _("Paid")
    CLOSED = "closed", _("Closed")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class ClaimAction(models.TextChoices):
    REPORT = "report", _("Report")
    ASSIGN = "assign", _("Assign the handler")
    EXPOSURES = "exposures", _("Set coverages and loss types")
    MATERIALS_REQUEST = "materials_request", _("Notify missing materials")
    MATERIALS_COMPLETE = "materials_complete", _("Materials complete")
    REGISTER = "register", _("Register")
    ASSESS = "assess", _("Complete the loss assessment")
    APPROVE = "approve", _("Approve")
    DECLINE = "decline", _("Decline")
    SETTLE = "settle", _("Record the settlement agreement")
    PAY = "pay", _("Pay")
    CLOSE = "close", _("Close")
    REOPEN = "reopen", _("Reopen")
    WITHDRAW = "withdraw", _("Withdraw")


class Complexity(models.TextChoices):
    """Which adjudication and payment standards the claim runs on (domain.md §4)."""

    SIMPLE = "simple", _("Simple")
    GENERAL = "general", _("General")
    COMPLEX = "complex", _("Complex")


class MaterialStatus(models.TextChoices):
    MISSING = "missing", _("Missing")
    RECEIVED = "received", _("Received")
    REJECTED = "rejected", _("Refused (resubmit)")


class MaterialsState(models.TextChoices):
    """Where the claim's file stands, beside its status."""

    NONE = "none", _("No checklist yet")
    INCOMPLETE = "incomplete", _("Incomplete")
    WAITING = "waiting", _("Waiting for the customer")
    COMPLETE = "complete", _("Complete")


class FilePurpose(models.TextChoices):
    REPORT = "report", _("Sent with the report")
    MATERIAL = "material", _("Claim material")
    SURVEY = "survey", _("Survey photo or record")


class SurveyStatus(models.TextChoices):
    ASSIGNED = "assigned", _("Assigned")
    RECORDED = "recorded", _("Site visit recorded")
    CANCELLED = "cancelled", _("Cancelled")


class LossItemKind(models.TextChoices):
    """The kinds the adjudication works out (`claims.adjudication.ITEM_KINDS`)."""

    HULL_REPAIR = "hull_repair", _("Hull repair")
    PARTS = "parts", _("Parts")
    ADDED_EQUIPMENT = "added_equipment", _("Added equipment")
    THIRD_PARTY_DAMAGE = "third_party_damage", _("Third-party damage")
    INJURY = "injury", _("Injury")
    DEATH = "death", _("Death")
    MEDICAL_EXPENSES = "medical_expenses", _("Medical expenses")
    LICENCE_LOSS = "licence_loss", _("Loss of licence")
    POLICE_DOG = "police_dog", _("Police dog killed")


class FlightArea(models.TextChoices):
    """Where the flight was, for the flight-area clause (`claims.adjudication`)."""

    TERRITORY = "territory", _("Within the territory of the flight-area clause")
    HIGH_SEAS = "high_seas", _("Over the high seas")
    OUTSIDE = "outside", _("Outside the territory, not over the high seas")


class ReserveChangeStatus(models.TextChoices):
    APPLIED = "applied", _("Applied")
    REFERRED = "referred", _("Referred for approval")
    REJECTED = "rejected", _("Refused")


class AuthorityKind(models.TextChoices):
    RESERVE = "reserve", _("Reserve per coverage")
    APPROVAL = "approval", _("Claim approval: amount approved")


class SettlementStatus(models.TextChoices):
    PROPOSED = "proposed", _("Proposed, waiting for approval")
    APPROVED = "approved", _("Approved")
    AGREED = "agreed", _("Agreed with the customer")
    SUPERSEDED = "superseded", _("Superseded")


class SettlementOutcome(models.TextChoices):
    """The adjudication's outcome (`claims.adjudication`)."""

    COVERED = "covered", _("Covered")
    PARTLY_COVERED = "partly_covered", _("Partly covered")
    NOT_COVERED = "not_covered", _("Not covered")


class SettlementScope(models.TextChoices):
    FULL = "full", _("The whole loss")
    ADVANCE = "advance", _("Advance payment of the determinable part")


class PaymentKind(models.TextChoices):
    ADVANCE = "advance", _("Advance payment")
    PARTIAL = "partial", _("Partial payment")
    FINAL = "final", _("Final payment")


class RecoveryKind(models.TextChoices):
    SALVAGE = "salvage", _("Salvage")
    SUBROGATION = "subrogation", _("Subrogation")


class ClockPurpose(models.TextChoices):
    """What a timeliness clock of a claim or incident measures (one standard each)."""

    CONTACT_REPORTER = "contact_reporter", _("Contact the reporter")
    RESOURCES_DISPATCHED = "resources_dispatched", _("Resources dispatched")
    TEAM_DEPARTS = "team_departs", _("Team departs")
    TEAM_FORMED = "team_formed", _("Major event: team formed")
    RESPONSE_PLAN = "response_plan", _("Major event: response plan")
    CUSTOMER_REPORT = "customer_report", _("Major event: report to the customer")
    MISSING_MATERIALS_NOTICE = "missing_materials_notice", _("One-time notice of missing materials")
    REGISTRATION = "registration", _("Registration")
    DECISION = "decision", _("Legal decision (30 days)")
    ADJUDICATION = "adjudication", _("Adjudication")
    GREEN_ACCEPTANCE = "green_acceptance", _("Green channel: acceptance")
    GREEN_SURVEY_ASSESSMENT = "green_survey_assessment", _("Green channel: survey and assessment")
    GREEN_APPROVAL = "green_approval", _("Green channel: approval")
    GREEN_PAYMENT = "green_payment", _("Green channel: payment")
    PAYMENT = "payment", _("Payment after approval")
    LEGAL_PAYMENT = "legal_payment", _("Legal payment (10 days after agreement)")
    REFUSAL_NOTICE = "refusal_notice", _("Written refusal (3 days)")
    ADVANCE_PAYMENT = "advance_payment", _("Advance payment (60 days)")
