"""claims: first notice of loss, incidents and accident response, materials, survey, assessment,
adjudication, reserves, approval by authority, settlement and payment (issue 5)."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

# Message templates of claims and accident response: code -> what it is for.
MESSAGE_TEMPLATES = {
    "claims_reported": _("To the customer: the report is received, with the claim number."),
    "claims_response_needed": _(
        "To the coordinator and the claims head: an accident report to respond to."
    ),
    "claims_major_event": _("To the owners of a major event: their steps and deadlines."),
    "claims_dispatched": _("To the people dispatched: the incident they are sent to."),
    "claims_incident_report": _("To the customer: the report on a major event."),
    "claims_assigned": _("To a claims handler: a claim assigned to them."),
    "claims_materials_missing": _("To the customer: every claim material still missing, at once."),
    "claims_materials_complete": _("To the customer: the claim materials are complete."),
    "claims_registered": _("To the customer: the claim is registered."),
    "claims_survey_assigned": _("To the surveyor: a survey assigned to them."),
    "claims_survey_recorded": _("To the customer: the site survey is done."),
    "claims_reserve_referred": _("To approvers: a reserve change above the asker's authority."),
    "claims_reserve_decided": _("To the handler: the decision on a referred reserve change."),
    "claims_settlement_proposed": _("To approvers: a claim decision to approve."),
    "claims_decided": _(
        "To the customer: the decision — the amount approved, or the written refusal with reasons."
    ),
    "claims_paid": _("To the customer: a payment made on the claim."),
}


class ClaimsConfig(AppConfig):
    name = "coverdesk.claims"
    label = "claims"
    verbose_name = _("Claims")

    def ready(self) -> None:
        from coverdesk.notifications.rendering import MessageTemplate, template_register

        for code, description in MESSAGE_TEMPLATES.items():
            template_register(
                MessageTemplate(
                    code=code,
                    subject_template=f"notifications/{code}/subject.txt",
                    body_template=f"notifications/{code}/body.txt",
                    description=description,
                )
            )
