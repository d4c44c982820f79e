from django.apps import AppConfig
from django.conf import settings
from django.utils.translation import gettext_lazy as _

SWEEP_SECONDS_DEFAULT = 30
REPLAN_SECONDS_DEFAULT = 300


class SlaConfig(AppConfig):
    name = "coverdesk.sla"
    label = "sla"

    def ready(self) -> None:
        from coverdesk.core import jobs
        from coverdesk.notifications.rendering import MessageTemplate, template_register
        from coverdesk.sla.services.evaluations import evaluation_job_register
        from coverdesk.sla.services.replan import sla_replan_job
        from coverdesk.sla.services.sweep import TEMPLATES, sla_sweep_job

        descriptions = {
            "yellow": _("Timeliness: most of the allowed time is used (yellow warning)."),
            "red": _("Timeliness: the deadline passed (red warning)."),
            "escalation": _("Timeliness: still open after the deadline (escalation)."),
        }
        for kind, code in TEMPLATES.items():
            template_register(
                MessageTemplate(
                    code=code,
                    subject_template=f"notifications/{code}/subject.txt",
                    body_template=f"notifications/{code}/body.txt",
                    description=descriptions[kind],
                )
            )
        jobs.register(
            jobs.PeriodicJob(
                name="sla.sweep",
                interval_seconds=getattr(
                    settings, "COVERDESK_SLA_SWEEP_SECONDS", SWEEP_SECONDS_DEFAULT
                ),
                run=sla_sweep_job,
            )
        )
        jobs.register(
            jobs.PeriodicJob(
                name="sla.replan_calendars",
                interval_seconds=getattr(
                    settings, "COVERDESK_SLA_REPLAN_SECONDS", REPLAN_SECONDS_DEFAULT
                ),
                run=sla_replan_job,
            )
        )
        evaluation_job_register()
