"""Timeliness pages, included under /sla/ in the web namespace."""

from django.urls import path

from coverdesk.web.sla import board, calendars, followups, kpis, standards, tasks, warnings

urlpatterns = [
    path("tasks/", tasks.task_list, name="sla_tasks"),
    path("tasks/<int:clock_id>/pause/", tasks.task_pause, name="sla_task_pause"),
    path("tasks/<int:clock_id>/resume/", tasks.task_resume, name="sla_task_resume"),
    path("tasks/<int:clock_id>/done/", tasks.task_stop, name="sla_task_stop"),
    path(
        "tasks/<int:clock_id>/customer-update/",
        tasks.task_customer_update,
        name="sla_task_customer_update",
    ),
    path("board/", board.board, name="sla_board"),
    path("warnings/", warnings.warning_list, name="sla_warnings"),
    path(
        "warnings/<int:event_id>/acknowledge/",
        warnings.warning_acknowledge,
        name="sla_warning_acknowledge",
    ),
    path("kpis/", kpis.kpi_page, name="sla_kpis"),
    path("kpis/export/", kpis.kpi_export, name="sla_kpis_export"),
    path("follow-ups/", followups.followup_list, name="sla_followups"),
    path(
        "follow-ups/<int:clock_id>/progress-report/",
        followups.progress_report,
        name="sla_progress_report",
    ),
    path(
        "follow-ups/<int:clock_id>/rectification-report/",
        followups.rectification_report,
        name="sla_rectification_report",
    ),
    path(
        "follow-ups/reports/<int:report_id>/review/",
        followups.rectification_review,
        name="sla_rectification_review",
    ),
    path("calendars/", calendars.calendar_index, name="sla_calendars"),
    path("calendars/<slug:code>/", calendars.calendar_detail, name="sla_calendar_detail"),
    path(
        "calendars/<slug:code>/day/", calendars.calendar_day_set_view, name="sla_calendar_day_set"
    ),
    path(
        "calendars/<slug:code>/day/remove/",
        calendars.calendar_day_remove_view,
        name="sla_calendar_day_remove",
    ),
    path(
        "calendars/<slug:code>/published-through/",
        calendars.calendar_published_through_view,
        name="sla_calendar_published_through",
    ),
    path(
        "calendars/<slug:code>/import/", calendars.calendar_import_view, name="sla_calendar_import"
    ),
    path("standards/", standards.standard_list, name="sla_standards"),
    path("standards/<str:code>/", standards.standard_detail, name="sla_standard_detail"),
]
