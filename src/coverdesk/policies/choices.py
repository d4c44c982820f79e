"""Stable codes of new business, policies and servicing, with translated labels. Values are
stored: never rename one, add a new one instead."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class IntakeStatus(models.TextChoices):
    OPEN = "open", _("Open")
    QUOTED = "quoted", _("Quoted")
    APPLIED = "applied", _("Application filed")
    WON = "won", _("Policy issued")
    LOST = "lost", _("Lost")


class ConsultationChannel(models.TextChoices):
    MEETING = "meeting", _("Meeting")
    PHONE = "phone", _("Phone")
    EMAIL = "email", _("Email")
    ONLINE = "online", _("Online")


class QuoteStatus(models.TextChoices):
    OFFERED = "offered", _("Offered")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")


class Complexity(models.TextChoices):
    """Which timeliness standard an application runs on (domain.md §4): complex means high sums
    or a special risk assessment."""

    SIMPLE = "simple", _("Simple")
    COMPLEX = "complex", _("Complex (high sums, special risk assessment)")


class ApplicationStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    WAITING_FOR_DOCUMENTS = "waiting_for_documents", _("Waiting for documents")
    UNDERWRITING = "underwriting", _("Underwriting")
    REFERRED = "referred", _("Referred")
    APPROVED = "approved", _("Approved, waiting for payment")
    PAID = "paid", _("Premium paid")
    ISSUED = "issued", _("Policy issued")
    DECLINED = "declined", _("Declined")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class ApplicationAction(models.TextChoices):
    SUBMIT = "submit", _("Submit")
    DOCUMENTS_MISSING = "documents_missing", _("Notify missing documents")
    DOCUMENTS_COMPLETE = "documents_complete", _("Documents complete")
    APPROVE = "approve", _("Approve")
    REFER = "refer", _("Refer")
    DECLINE = "decline", _("Decline")
    RECORD_PAYMENT = "record_payment", _("Record payment")
    ISSUE = "issue", _("Issue policy")
    WITHDRAW = "withdraw", _("Withdraw")


class DocumentStatus(models.TextChoices):
    MISSING = "missing", _("Missing")
    RECEIVED = "received", _("Received")
    REJECTED = "rejected", _("Rejected (resubmit)")


class PolicyStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    CANCELLED = "cancelled", _("Cancelled")


class PolicyAction(models.TextChoices):
    ISSUE = "issue", _("Issue")
    ENDORSE = "endorse", _("Endorse")
    FILE = "file", _("File the contract")
    CANCEL = "cancel", pgettext_lazy("policy action", "Cancel")
    RENEW = "renew", _("Renew")


class RenewalStatus(models.TextChoices):
    NOT_DUE = "not_due", _("Not due")
    REMINDED = "reminded", _("Reminded")
    QUOTED = "quoted", _("Renewal quoted")
    RENEWED = "renewed", _("Renewed")


class VersionKind(models.TextChoices):
    ISSUE = "issue", _("Issue")
    ENDORSEMENT = "endorsement", _("Endorsement")
    CANCELLATION = "cancellation", _("Cancellation")


class ServicingKind(models.TextChoices):
    """Servicing types of domain.md §3.2 (renewal has its own workflow)."""

    CHANGE_DETAILS = "change_details", _("Change of insured details or contacts")
    ADD_PERSONS = "add_persons", _("Add insured persons")
    REMOVE_PERSONS = "remove_persons", _("Remove insured persons")
    ADD_AIRCRAFT = "add_aircraft", _("Add insured aircraft or equipment")
    REMOVE_AIRCRAFT = "remove_aircraft", _("Remove insured aircraft or equipment")
    CHANGE_SUM = "change_sum", _("Change of agreed value or sum insured")
    CHANGE_CLAUSES = "change_clauses", _("Change of special clauses")
    CANCELLATION = "cancellation", _("Cancellation with refund")


class ServicingStatus(models.TextChoices):
    RECEIVED = "received", _("Received")
    WAITING_FOR_DOCUMENTS = "waiting_for_documents", _("Waiting for documents")
    IN_REVIEW = "in_review", _("Documents complete, in review")
    CALCULATED = "calculated", _("Fee calculated")
    AWAITING_CONFIRMATION = "awaiting_confirmation", _("Waiting for the customer's confirmation")
    CONFIRMED = "confirmed", _("Confirmed by the customer")
    COMPLETED = "completed", _("Applied to the policy")
    ARCHIVED = "archived", _("Archived")
    REJECTED = "rejected", _("Rejected")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class ServicingAction(models.TextChoices):
    DOCUMENTS_MISSING = "documents_missing", _("Notify missing documents")
    DOCUMENTS_COMPLETE = "documents_complete", _("Documents complete")
    CALCULATE = "calculate", _("Calculate the fee")
    REQUEST_CONFIRMATION = "request_confirmation", _("Ask the customer to confirm")
    CONFIRM = "confirm", _("Customer confirms")
    APPROVE = "approve", _("Approve and apply")
    FAIL = "fail", _("Record a failure")
    ARCHIVE = "archive", _("Archive")
    REJECT = "reject", _("Reject")
    WITHDRAW = "withdraw", _("Withdraw")


class IdentityMethod(models.TextChoices):
    ID_CARD = "id_card", _("Identity card checked")
    AUTHORISATION = "authorisation", _("Letter of authorisation and agent's identity card")
    PORTAL_LOGIN = "portal_login", _("Signed in to the customer portal")
    CALLBACK = "callback", _("Call back to the registered phone number")


class RequestChannel(models.TextChoices):
    COUNTER = "counter", _("At the counter")
    PHONE = "phone", _("Phone")
    EMAIL = "email", _("Email")
    PORTAL = "portal", _("Customer portal")


class AuthorityKind(models.TextChoices):
    UNDERWRITING = "underwriting", _("Underwriting: total sum insured")
    SERVICING = "servicing", _("Servicing: premium change or refund")


class FollowUpKind(models.TextChoices):
    CHECK_IN = "check_in", _("Check in after the start of cover")
    RENEWAL_ADVICE = "renewal_advice", _("Renewal or upgrade advice")
