"""Stable codes of the service desk (inquiries, complaints, return visits, surveys), with
translated labels. Values are stored: never rename one, add a new one instead."""

from django.db import models
from django.utils.translation import gettext_lazy as _

# Inquiries --------------------------------------------------------------------------------


class InquiryChannel(models.TextChoices):
    PHONE = "phone", _("Phone")
    EMAIL = "email", _("Email")
    ONLINE = "online", _("Online (portal)")
    API = "api", _("API")


class Classification(models.TextChoices):
    """Which timeliness standard a question or complaint runs on (domain.md §4, service)."""

    SIMPLE = "simple", _("Simple")
    COMPLEX = "complex", _("Complex")


class InquiryStatus(models.TextChoices):
    OPEN = "open", _("Waiting for an answer")
    ANSWERED = "answered", _("Answered")
    RESOLVED = "resolved", _("Resolved")


class InquiryAction(models.TextChoices):
    RECEIVE = "receive", _("receive")
    REPLY = "reply", _("reply")
    CUSTOMER_MESSAGE = "customer_message", _("take a customer message")
    RESOLVE = "resolve", _("resolve")
    REOPEN = "reopen", _("reopen")
    CLASSIFY = "classify", _("classify")
    TRANSFER = "transfer", _("transfer")
    NOTE = "note", _("take a note")


class MessageKind(models.TextChoices):
    CUSTOMER = "customer", _("Customer message")
    REPLY = "reply", _("Reply")
    NOTICE = "notice", _("Expected-time notice")
    NOTE = "note", _("Internal note")


class DeliveryStatus(models.TextChoices):
    """Outbound email of a reply to an email inquiry."""

    NONE = "", _("Not emailed")
    PENDING = "pending", _("Waiting to be sent")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")


class CallbackStatus(models.TextChoices):
    OPEN = "open", _("To call back")
    NOT_REACHED = "not_reached", _("Called back, not reached")
    REACHED = "reached", _("Called back, reached")
    CANCELLED = "cancelled", _("Cancelled")


class CallbackAction(models.TextChoices):
    ATTEMPT = "attempt", _("record a call-back")
    CANCEL = "cancel", _("cancel")


# Complaints -------------------------------------------------------------------------------


class ComplaintChannel(models.TextChoices):
    PHONE = "phone", _("Phone")
    EMAIL = "email", _("Email")
    ONLINE = "online", _("Online (portal)")
    API = "api", _("API")
    LETTER = "letter", _("Letter")
    VISIT = "visit", _("In person")
    REGULATOR = "regulator", _("Forwarded by the regulator")


class ComplaintStatus(models.TextChoices):
    RECEIVED = "received", _("Received")
    IN_PROGRESS = "in_progress", _("In progress")
    RESOLVED = "resolved", _("Resolved, waiting for the customer")
    CLOSED = "closed", _("Closed")


class ComplaintAction(models.TextChoices):
    RECEIVE = "receive", _("receive")
    ASSIGN = "assign", _("assign")
    CONTACT = "contact", _("contact the complainant")
    UPDATE = "update", _("update the complainant")
    CLASSIFY = "classify", _("classify")
    DETERMINE = "determine", _("determine responsibility")
    EXTEND = "extend", _("extend the decision period")
    RESOLVE = "resolve", _("resolve")
    ACCEPT = "accept", _("record the customer's acceptance")
    DECLINE = "decline", _("record that the customer does not accept")
    REOPEN = "reopen", _("reopen")


class ComplaintCause(models.TextChoices):
    """The cause found; "timeliness" feeds the KPI "share of complaints caused by timeliness"
    (domain.md §4.2)."""

    TIMELINESS = "timeliness", _("Timeliness (too slow, deadline missed)")
    CLAIM_DECISION = "claim_decision", _("Claim decision")
    CLAIM_AMOUNT = "claim_amount", _("Claim amount")
    POLICY_TERMS = "policy_terms", _("Policy terms or coverage")
    PREMIUM = "premium", _("Premium, fees or refunds")
    SERVICE_ATTITUDE = "service_attitude", _("Service attitude")
    INFORMATION = "information", _("Wrong or missing information")
    SYSTEM = "system", _("System or portal")
    OTHER = "other", _("Other")


class ResponsibilityError(models.TextChoices):
    """Which error, once responsibility is determined."""

    NONE = "none", _("No error found (complaint not upheld)")
    DELAY = "delay", _("Delay")
    WRONG_INFORMATION = "wrong_information", _("Wrong or incomplete information")
    WRONG_CALCULATION = "wrong_calculation", _("Wrong calculation")
    PROCEDURE = "procedure", _("Procedure not followed")
    ATTITUDE = "attitude", _("Attitude")
    SYSTEM = "system", _("System fault")
    OTHER = "other", _("Other")


class ComplaintContactKind(models.TextChoices):
    """A communication with the complainant."""

    CONTACT = "contact", _("First contact")
    UPDATE = "update", _("Progress update")
    EXTENSION = "extension", _("Extension notice")
    RESOLUTION = "resolution", _("Resolution")
    ACCEPTANCE = "acceptance", _("Customer's answer")


# Return visits ----------------------------------------------------------------------------


class VisitFrequency(models.TextChoices):
    QUARTERLY = "quarterly", _("Quarterly")
    HALF_YEARLY = "half_yearly", _("Half-yearly")
    NONE = "none", _("Only after events")


class VisitReason(models.TextChoices):
    PERIODIC = "periodic", _("Scheduled visit")
    CLAIM_CLOSED = "claim_closed", _("After a closed claim")
    SERVICING_COMPLETED = "servicing_completed", _("After a completed servicing request")
    MANUAL = "manual", _("Planned by hand")


class VisitStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    DUE = "due", _("Due")
    DONE = "done", _("Done")
    CANCELLED = "cancelled", _("Cancelled")


class VisitAction(models.TextChoices):
    PLAN = "plan", _("plan")
    OPEN = "open", _("open")
    RECORD = "record", _("record the outcome")
    CANCEL = "cancel", _("cancel")


class VisitOutcome(models.TextChoices):
    SATISFIED = "satisfied", _("Satisfied, no problem")
    PROBLEMS = "problems", _("Problems found")
    NOT_REACHED = "not_reached", _("Could not be reached")
    DECLINED = "declined", _("Declined the visit")


# Surveys and issues -----------------------------------------------------------------------


class SurveyStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")


class QuestionKind(models.TextChoices):
    SCORE = "score", _("Score 1–5")
    TEXT = "text", _("Comment")


class InvitationChannel(models.TextChoices):
    PORTAL = "portal", _("Portal")
    EMAIL = "email", _("Email link")
    SMS = "sms", _("SMS link")


class InvitationStatus(models.TextChoices):
    SENT = "sent", _("Sent")
    ANSWERED = "answered", _("Answered")
    EXPIRED = "expired", _("Expired")


class IssueSource(models.TextChoices):
    SURVEY = "survey", _("Satisfaction survey")
    RETURN_VISIT = "return_visit", _("Return visit")


class IssueStatus(models.TextChoices):
    OPEN = "open", _("Open")
    RESOLVED = "resolved", _("Resolved, customer asked")
    CLOSED = "closed", _("Closed (customer confirmed)")


class IssueAction(models.TextChoices):
    OPEN = "open", _("open")
    RESOLVE = "resolve", _("resolve")
    CONFIRM = "confirm", _("record that the customer confirms it is solved")
    REJECT = "reject", _("record that the customer says it is not solved")
