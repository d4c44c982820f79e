from datetime import datetime

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Router, Schema
from ninja.pagination import PageNumberPagination, paginate

from coverdesk.api.auth import API_AUTH
from coverdesk.notifications.models import Message
from coverdesk.notifications.selectors import inbox_list, inbox_unread_count
from coverdesk.notifications.services import inbox_mark_all_read, message_mark_read

router = Router(tags=["notifications"], auth=API_AUTH)


class InboxMessageOutput(Schema):
    id: int
    template: str
    subject: str
    body: str
    subject_type: str
    subject_id: str
    created_at: datetime
    read_at: datetime | None


class UnreadOutput(Schema):
    unread: int


@router.get("/notifications", response=list[InboxMessageOutput], summary="My inbox")
@paginate(PageNumberPagination)
def inbox(request: HttpRequest, unread_only: bool = False) -> QuerySet[Message]:
    messages = inbox_list(user=request.auth)  # type: ignore[attr-defined]
    return messages.filter(read_at__isnull=True) if unread_only else messages


@router.get("/notifications/unread-count", response=UnreadOutput, summary="Unread messages")
def unread_count(request: HttpRequest) -> UnreadOutput:
    return UnreadOutput(unread=inbox_unread_count(user=request.auth))  # type: ignore[attr-defined]


@router.post(
    "/notifications/{message_id}/read", response=InboxMessageOutput, summary="Mark a message read"
)
def mark_read(request: HttpRequest, message_id: int) -> Message:
    return message_mark_read(message_id=message_id, acting_user=request.auth)  # type: ignore[attr-defined]


@router.post("/notifications/read-all", response=UnreadOutput, summary="Mark all read")
def mark_all_read(request: HttpRequest) -> UnreadOutput:
    inbox_mark_all_read(acting_user=request.auth)  # type: ignore[attr-defined]
    return UnreadOutput(unread=0)
