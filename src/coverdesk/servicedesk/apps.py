from django.apps import AppConfig
from django.conf import settings
from django.utils.translation import gettext_lazy as _

REPLY_MAIL_JOB_SECONDS_DEFAULT = 30
RETURN_VISIT_JOB_SECONDS_DEFAULT = 3600

# Message templates of the service desk: code -> what it is for.
MESSAGE_TEMPLATES = {
    "servicedesk_inquiry_reply": _("To the customer: a reply to their inquiry."),
    "servicedesk_inquiry_notice": _("To the customer: when to expect the answer to an inquiry."),
    "servicedesk_inquiry_transferred": _("To the new handler: an inquiry transferred to them."),
    "servicedesk_complaint_received": _("To the customer: their complaint is registered."),
    "servicedesk_complaint_update": _("To the customer: progress on their complaint."),
    "servicedesk_complaint_extended": _(
        "To the customer: the decision period of their complaint is extended, and why."
    ),
    "servicedesk_complaint_resolved": _(
        "To the customer: the resolution of their complaint; do they accept it?"
    ),
    "servicedesk_return_visit_due": _("To the visitor: a return visit is due."),
    "servicedesk_survey_invitation": _("To the customer: please answer a satisfaction survey."),
    "servicedesk_issue_resolved": _(
        "To the customer: a problem they raised was dealt with; is it solved?"
    ),
}


class ServicedeskConfig(AppConfig):
    name = "coverdesk.servicedesk"
    label = "servicedesk"
    verbose_name = _("Service desk")

    def ready(self) -> None:
        from coverdesk.core import jobs
        from coverdesk.notifications.rendering import MessageTemplate, template_register
        from coverdesk.servicedesk.services.reply_mail import reply_mail_job
        from coverdesk.servicedesk.services.return_visits import return_visits_job

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
                name="servicedesk.reply_mail",
                interval_seconds=getattr(
                    settings, "COVERDESK_SERVICEDESK_MAIL_SECONDS", REPLY_MAIL_JOB_SECONDS_DEFAULT
                ),
                run=reply_mail_job,
            )
        )
        jobs.register(
            jobs.PeriodicJob(
                name="servicedesk.return_visits",
                interval_seconds=getattr(
                    settings,
                    "COVERDESK_RETURN_VISIT_JOB_SECONDS",
                    RETURN_VISIT_JOB_SECONDS_DEFAULT,
                ),
                run=return_visits_job,
            )
        )
