"""The clerk's servicing (保全) pages: intake, documents and the one-time notice, fee calculation
shown line by line, customer confirmation, approval, endorsement and cancellation with refund.
Included under /servicing/ in the web namespace."""

from django.urls import path

from coverdesk.web.servicing import intake, queue, requests

urlpatterns = [
    path("", queue.servicing_queue, name="servicing_queue"),
    path("new/", intake.servicing_new, name="servicing_new"),
    path("new/preview/", intake.servicing_intake_preview, name="servicing_intake_preview"),
    path("<int:request_id>/", requests.servicing_detail, name="servicing_detail"),
    path("<int:request_id>/documents/", requests.servicing_documents, name="servicing_documents"),
    path("<int:request_id>/calculate/", requests.servicing_calculate, name="servicing_calculate"),
    path("<int:request_id>/confirm/", requests.servicing_confirm, name="servicing_confirm"),
    path("<int:request_id>/approve/", requests.servicing_approve, name="servicing_approve"),
    path("<int:request_id>/reject/", requests.servicing_reject, name="servicing_reject"),
    path("<int:request_id>/withdraw/", requests.servicing_withdraw, name="servicing_withdraw"),
    path("<int:request_id>/archive/", requests.servicing_archive, name="servicing_archive"),
    path(
        "<int:request_id>/endorsement.pdf",
        requests.servicing_endorsement_pdf,
        name="servicing_endorsement_pdf",
    ),
]
