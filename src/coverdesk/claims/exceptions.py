"""Errors of the claims app, with stable codes."""

from django.utils.translation import gettext_lazy as _

from coverdesk.core.exceptions import Conflict, NotFound, PermissionDenied


class ClaimPermissionDenied(PermissionDenied):
    default_code = "claims_permission_denied"
    default_message = _("You do not have permission to do this ({permission}).")


class ClaimNotFound(NotFound):
    default_code = "claims_claim_not_found"
    default_message = _("Claim not found.")


class IncidentNotFound(NotFound):
    default_code = "claims_incident_not_found"
    default_message = _("Incident not found.")


class FileNotFound(NotFound):
    default_code = "claims_file_not_found"
    default_message = _("File not found.")


class SurveyNotFound(NotFound):
    default_code = "claims_survey_not_found"
    default_message = _("Survey not found.")


class ReserveChangeNotFound(NotFound):
    default_code = "claims_reserve_change_not_found"
    default_message = _("Reserve change not found.")


class AuthorityExceeded(PermissionDenied):
    default_code = "claims_authority_exceeded"
    default_message = _(
        "{amount} is above your authority ({limit}); refer it to someone with more authority."
    )


class NoNumberSequence(Conflict):
    default_code = "claims_no_number_sequence"
    default_message = _("No number sequence is configured for {code}.")


class MaterialsIncomplete(Conflict):
    default_code = "claims_materials_incomplete"
    default_message = _("Materials are still missing: {codes}.")


class StepAlreadyRecorded(Conflict):
    default_code = "claims_step_already_recorded"
    default_message = _("This step was already recorded at {at}.")
