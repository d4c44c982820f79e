"""Reading inbound email (RFC 5322 bytes) into what an inquiry needs, with the standard
library's `email` package and `email.policy.default` (which decodes RFC 2047 subjects, RFC 2231
file names and the body's charset, e.g. GB2312/GBK/GB18030 or UTF-8). Pure: no database."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.parser import BytesParser

from django.utils.html import strip_tags

HEADER_ID = re.compile(r"<[^<>\s]+>")
MESSAGE_ID_LIMIT = 255
SUBJECT_LIMIT = 200
REFERENCES_KEPT = 20


class MailUnreadable(ValueError):
    """The bytes are not a message an inquiry can be made from (the reason says why)."""


@dataclass(frozen=True)
class MailAttachment:
    name: str
    content_type: str
    data: bytes


@dataclass(frozen=True)
class ParsedMail:
    message_id: str
    subject: str
    sender_name: str
    sender_address: str
    body: str
    in_reply_to: str
    references: list[str] = field(default_factory=list)
    attachments: list[MailAttachment] = field(default_factory=list)

    @property
    def thread_ids(self) -> list[str]:
        """The Message-IDs this mail answers, nearest first."""
        ids = [self.in_reply_to] if self.in_reply_to else []
        ids.extend(reversed(self.references))
        return list(dict.fromkeys(ids))


def header_ids(value: str | None) -> list[str]:
    """The <message-id> tokens of a header, in order."""
    return HEADER_ID.findall(value or "")


def _first_address(message: EmailMessage) -> Address:
    header = message["Reply-To"] or message["From"]
    addresses = getattr(header, "addresses", ()) if header is not None else ()
    for address in addresses:
        if address.addr_spec and "@" in address.addr_spec:
            return address
    raise MailUnreadable("no sender address (From)")


def _body(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain", "html"))
    if part is None:
        return ""
    content = part.get_content()
    text = content if isinstance(content, str) else content.decode("utf-8", "replace")
    if part.get_content_type() == "text/html":
        text = strip_tags(text)
    lines = [line.rstrip() for line in text.replace("\r\n", "\n").split("\n")]
    return "\n".join(lines).strip()


def _attachments(message: EmailMessage) -> list[MailAttachment]:
    found: list[MailAttachment] = []
    for part in message.iter_attachments():
        if not isinstance(part, EmailMessage) or part.is_multipart():
            continue
        payload = part.get_payload(decode=True)
        data = payload if isinstance(payload, bytes) else b""
        name = part.get_filename() or ""
        found.append(MailAttachment(name=name, content_type=part.get_content_type(), data=data))
    return found


def mail_parse(raw: bytes) -> ParsedMail:
    """Parse one message. Without a Message-ID it gets one derived from its bytes, so reading
    the same file twice still recognises it."""
    if not raw.strip():
        raise MailUnreadable("empty file")
    parsed = BytesParser(policy=policy.default).parsebytes(raw)
    if not isinstance(parsed, EmailMessage):  # pragma: no cover - policy.default guarantees it
        raise MailUnreadable("not an email message")
    if not parsed.keys():
        raise MailUnreadable("no headers")
    sender = _first_address(parsed)
    ids = header_ids(str(parsed.get("Message-ID", "")))
    message_id = (
        ids[0] if ids else f"<sha256.{hashlib.sha256(raw).hexdigest()}@servicedesk.invalid>"
    )
    if len(message_id) > MESSAGE_ID_LIMIT:
        message_id = (
            f"<sha256.{hashlib.sha256(message_id.encode()).hexdigest()}@servicedesk.invalid>"
        )
    subject = " ".join(str(parsed.get("Subject", "")).split())[:SUBJECT_LIMIT]
    in_reply_to = next(iter(header_ids(str(parsed.get("In-Reply-To", "")))), "")
    references = header_ids(str(parsed.get("References", "")))[-REFERENCES_KEPT:]
    return ParsedMail(
        message_id=message_id,
        subject=subject,
        sender_name=str(sender.display_name or "")[:100],
        sender_address=sender.addr_spec,
        body=_body(parsed),
        in_reply_to=in_reply_to if len(in_reply_to) <= MESSAGE_ID_LIMIT else "",
        references=[ref for ref in references if len(ref) <= MESSAGE_ID_LIMIT],
        attachments=_attachments(parsed),
    )


def reply_subject(subject: str) -> str:
    """ "Re: " before the subject, once (also after a Chinese 回复:)."""
    stripped = subject.strip()
    if re.match(r"^(re|回复|答复)\s*[:：]", stripped, flags=re.IGNORECASE):
        return stripped
    return f"Re: {stripped}"


def references_for_reply(parent_references: str, parent_id: str) -> str:
    """The References header of a reply: the parent's references and the parent's own id."""
    ids = (
        [*header_ids(parent_references), parent_id] if parent_id else header_ids(parent_references)
    )
    return " ".join(list(dict.fromkeys(ids))[-REFERENCES_KEPT:])
