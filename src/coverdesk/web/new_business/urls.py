"""New-business pages, included under /new-business/ in the web namespace."""

from django.urls import path

from coverdesk.web.new_business import applications, followups, intakes, quotes, worklist

urlpatterns = [
    path("", worklist.worklist, name="nb_worklist"),
    path("intakes/new/", intakes.intake_create, name="nb_intake_create"),
    path("intakes/<int:intake_id>/", intakes.intake_detail, name="nb_intake_detail"),
    path(
        "intakes/<int:intake_id>/consultations/",
        intakes.consultation_add,
        name="nb_consultation_add",
    ),
    path("intakes/<int:intake_id>/persons/", intakes.person_add, name="nb_person_add"),
    path("intakes/<int:intake_id>/quotes/new/", quotes.quote_new, name="nb_quote_create"),
    path("quotes/<int:quote_id>/decline/", quotes.quote_turn_down, name="nb_quote_decline"),
    path("quotes/<int:quote_id>/apply/", intakes.application_file, name="nb_application_create"),
    path(
        "applications/<int:application_id>/",
        applications.application_detail,
        name="nb_application_detail",
    ),
    path(
        "applications/<int:application_id>/documents/",
        applications.application_documents,
        name="nb_application_documents",
    ),
    path(
        "applications/<int:application_id>/approve/",
        applications.application_approve_view,
        name="nb_application_approve",
    ),
    path(
        "applications/<int:application_id>/refer/",
        applications.application_refer_view,
        name="nb_application_refer",
    ),
    path(
        "applications/<int:application_id>/decline/",
        applications.application_decline_view,
        name="nb_application_decline",
    ),
    path(
        "applications/<int:application_id>/payment/",
        applications.application_payment,
        name="nb_application_payment",
    ),
    path(
        "applications/<int:application_id>/issue/",
        applications.application_issue_view,
        name="nb_application_issue",
    ),
    path(
        "applications/<int:application_id>/withdraw/",
        applications.application_withdraw_view,
        name="nb_application_withdraw",
    ),
    path(
        "applications/<int:application_id>/file/",
        applications.contract_file,
        name="nb_contract_file",
    ),
    path("follow-ups/", followups.followup_list, name="nb_followups"),
    path(
        "follow-ups/<int:follow_up_id>/done/",
        followups.followup_done,
        name="nb_followup_done",
    ),
]
