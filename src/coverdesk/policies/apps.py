from django.apps import AppConfig
from django.conf import settings
from django.utils.translation import gettext_lazy as _

RENEWAL_JOB_SECONDS_DEFAULT = 3600

# Message templates of new business, servicing and renewals: code -> what it is for.
MESSAGE_TEMPLATES = {
    "policies_cover_started": _(
        "To the customer: the policy is filed, when cover starts and how to report a claim."
    ),
    "policies_documents_missing": _(
        "To the customer: every document still missing, in one notice."
    ),
    "policies_fee_confirmation": _("To the customer: please confirm the servicing fee or refund."),
    "policies_servicing_completed": _(
        "To the customer: the servicing request is applied to the policy."
    ),
    "policies_servicing_failed": _("To the department head: applying a servicing request failed."),
    "policies_servicing_feedback": _("To the broker: the outcome of a servicing request."),
    "policies_underwriting_referred": _("To underwriters: an application referred to them."),
    "policies_renewal_reminder": _("To the customer and broker: the policy ends soon."),
    "policies_follow_up_due": _("To the broker: a follow-up with the client is due."),
}


class PoliciesConfig(AppConfig):
    name = "coverdesk.policies"
    label = "policies"

    def ready(self) -> None:
        from coverdesk.core import jobs
        from coverdesk.notifications.rendering import MessageTemplate, template_register
        from coverdesk.policies.services.renewals import renewal_job

        for code, description in MESSAGE_TEMPLATES.items():
            template_register(
                MessageTemplate(
                    code=code,
                    subject_template=f"notifications/{code}/subject.txt",
                    body_template=f"notifications/{code}/body.txt",
                    description=description,
                )
            )
        jobs.register(
            jobs.PeriodicJob(
                name="policies.renewal_reminders",
                interval_seconds=getattr(
                    settings, "COVERDESK_RENEWAL_JOB_SECONDS", RENEWAL_JOB_SECONDS_DEFAULT
                ),
                run=renewal_job,
            )
        )
