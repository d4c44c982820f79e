"""Policy pages, included under /policies/ in the web namespace."""

from django.urls import path

from coverdesk.web.policies import views

urlpatterns = [
    path("", views.policy_list, name="policy_list"),
    path("statistics/", views.policy_statistics, name="policy_statistics"),
    path("statistics/export/", views.policy_statistics_export, name="policy_statistics_export"),
    path("expiring/", views.policy_expiring, name="policy_expiring"),
    path("expiring/export/", views.policy_expiring_export, name="policy_expiring_export"),
    path("<int:policy_id>/", views.policy_detail, name="policy_detail"),
    path(
        "<int:policy_id>/schedule.pdf",
        views.policy_schedule_download,
        name="policy_schedule_pdf",
    ),
    path(
        "<int:policy_id>/endorsements/<int:endorsement_id>.pdf",
        views.policy_endorsement_download,
        name="policy_endorsement_pdf",
    ),
    path("<int:policy_id>/renewal-quote/", views.policy_renewal_quote, name="policy_renewal_quote"),
    path("<int:policy_id>/renew/", views.policy_renew, name="policy_renew"),
]
