"""Complaints for a user: staff who view or handle complaints see all of them; a customer
sees their organisation's."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from coverdesk.parties.access import customer_own_party_id
from coverdesk.servicedesk.access.common import is_staff_reader
from coverdesk.servicedesk.exceptions import ComplaintNotFound
from coverdesk.servicedesk.models import Complaint

PERMISSIONS = ("servicedesk.view_complaint", "servicedesk.handle_complaint")


def complaints_for_user(*, user: Any) -> QuerySet[Complaint]:
    complaints = Complaint.objects.select_related("customer", "assignee", "department")
    if is_staff_reader(user, *PERMISSIONS):
        return complaints
    own = customer_own_party_id(user)
    return complaints.filter(customer_id=own) if own is not None else complaints.none()


def complaint_access_for_user(*, user: Any, complaint_id: int) -> Complaint:
    complaint = complaints_for_user(user=user).filter(pk=complaint_id).first()
    if complaint is None:
        raise ComplaintNotFound()
    return complaint
