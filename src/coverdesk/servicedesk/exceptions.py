"""Errors of the service desk, with stable codes."""

from django.utils.translation import gettext_lazy as _

from coverdesk.core.exceptions import Conflict, NotFound, PermissionDenied


class ServicedeskPermissionDenied(PermissionDenied):
    default_code = "servicedesk_permission_denied"
    default_message = _("You do not have permission to do this ({permission}).")


class InquiryNotFound(NotFound):
    default_code = "servicedesk_inquiry_not_found"
    default_message = _("Inquiry not found.")


class CallbackNotFound(NotFound):
    default_code = "servicedesk_callback_not_found"
    default_message = _("Call-back task not found.")


class CannedAnswerNotFound(NotFound):
    default_code = "servicedesk_canned_answer_not_found"
    default_message = _("Canned answer not found.")


class ComplaintNotFound(NotFound):
    default_code = "servicedesk_complaint_not_found"
    default_message = _("Complaint not found.")


class ProgrammeNotFound(NotFound):
    default_code = "servicedesk_programme_not_found"
    default_message = _("Return-visit programme not found.")


class ReturnVisitNotFound(NotFound):
    default_code = "servicedesk_return_visit_not_found"
    default_message = _("Return visit not found.")


class SurveyNotFound(NotFound):
    default_code = "servicedesk_survey_not_found"
    default_message = _("Survey not found.")


class InvitationNotFound(NotFound):
    default_code = "servicedesk_invitation_not_found"
    default_message = _("Survey invitation not found.")


class IssueNotFound(NotFound):
    default_code = "servicedesk_issue_not_found"
    default_message = _("Service issue not found.")


class AlreadyAnswered(Conflict):
    default_code = "servicedesk_survey_already_answered"
    default_message = _("This survey was answered already.")


class InvitationExpired(Conflict):
    default_code = "servicedesk_survey_expired"
    default_message = _("This survey link expired on {date}.")


class SurveyClosed(Conflict):
    default_code = "servicedesk_survey_closed"
    default_message = _("The survey is closed.")


class ExtensionNotAllowed(Conflict):
    default_code = "servicedesk_extension_not_allowed"
    default_message = _("{reason}")


class NoRecipient(Conflict):
    default_code = "servicedesk_no_recipient"
    default_message = _("{customer} has no portal user to send this to.")
