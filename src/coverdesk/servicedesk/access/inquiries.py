"""Inquiries, their threads and attachments, for a user: staff who view or handle inquiries
see all of them; a customer sees their organisation's, without internal notes."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, QuerySet

from coverdesk.parties.access import customer_own_party_id
from coverdesk.servicedesk.access.common import is_staff_reader
from coverdesk.servicedesk.choices import MessageKind
from coverdesk.servicedesk.exceptions import InquiryNotFound
from coverdesk.servicedesk.models import Inquiry, InquiryAttachment, InquiryMessage

PERMISSIONS = ("servicedesk.view_inquiry", "servicedesk.handle_inquiry")


def inquiries_for_user(*, user: Any) -> QuerySet[Inquiry]:
    inquiries = Inquiry.objects.select_related("customer", "assignee", "department")
    if is_staff_reader(user, *PERMISSIONS):
        return inquiries
    own = customer_own_party_id(user)
    return inquiries.filter(customer_id=own) if own is not None else inquiries.none()


def inquiry_access_for_user(*, user: Any, inquiry_id: int) -> Inquiry:
    inquiry = inquiries_for_user(user=user).filter(pk=inquiry_id).first()
    if inquiry is None:
        raise InquiryNotFound()
    return inquiry


def inquiry_thread_for_user(*, user: Any, inquiry_id: int) -> list[InquiryMessage]:
    """The thread in order with its attachments (two queries); a customer's has no notes."""
    inquiry = inquiry_access_for_user(user=user, inquiry_id=inquiry_id)
    messages = (
        InquiryMessage.objects.filter(inquiry=inquiry)
        .select_related("author")
        .prefetch_related(Prefetch("attachments", InquiryAttachment.objects.order_by("id")))
        .order_by("at", "id")
    )
    if not is_staff_reader(user, *PERMISSIONS):
        messages = messages.exclude(kind=MessageKind.NOTE)
    return list(messages)


def attachment_access_for_user(*, user: Any, attachment_id: int) -> InquiryAttachment:
    """A file to download: the same rule as its inquiry; a note's file is staff only."""
    attachment = (
        InquiryAttachment.objects.select_related("message__inquiry")
        .filter(pk=attachment_id)
        .first()
    )
    if attachment is None:
        raise InquiryNotFound()
    if is_staff_reader(user, *PERMISSIONS):
        return attachment
    own = customer_own_party_id(user)
    message = attachment.message
    if own is None or message.inquiry.customer_id != own or message.kind == MessageKind.NOTE:
        raise InquiryNotFound()
    return attachment
