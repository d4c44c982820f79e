"""Errors of the policies app, with stable codes."""

from django.utils.translation import gettext_lazy as _

from coverdesk.core.exceptions import Conflict, NotFound, PermissionDenied


class PolicyPermissionDenied(PermissionDenied):
    default_code = "policies_permission_denied"
    default_message = _("You do not have permission to do this ({permission}).")


class AuthorityExceeded(PermissionDenied):
    default_code = "policies_authority_exceeded"
    default_message = _(
        "{amount} is above your authority ({limit}); refer it to someone with more authority."
    )


class PolicyNotFound(NotFound):
    default_code = "policies_policy_not_found"
    default_message = _("Policy not found.")


class ApplicationNotFound(NotFound):
    default_code = "policies_application_not_found"
    default_message = _("Application not found.")


class QuoteNotFound(NotFound):
    default_code = "policies_quote_not_found"
    default_message = _("Quote not found.")


class IntakeNotFound(NotFound):
    default_code = "policies_intake_not_found"
    default_message = _("Needs intake not found.")


class ServicingNotFound(NotFound):
    default_code = "policies_servicing_not_found"
    default_message = _("Servicing request not found.")


class FeeChanged(Conflict):
    default_code = "policies_fee_changed"
    default_message = _(
        "The amount is now {now}, not the {before} calculated before (the policy changed "
        "meanwhile); recalculate and confirm it with the customer again."
    )


class ConfirmationMissing(Conflict):
    default_code = "policies_confirmation_missing"
    default_message = _("The customer has not confirmed calculation {number} yet.")


class FollowUpNotFound(NotFound):
    default_code = "policies_follow_up_not_found"
    default_message = _("Follow-up not found.")
