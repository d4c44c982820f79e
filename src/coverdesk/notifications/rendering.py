"""Message templates by code. Each renders a subject and a body from translatable Django
templates, in the language that is active while rendering (the recipient's)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.template import Context, Engine
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

SUBJECT_MAX_LENGTH = 255


@dataclass(frozen=True)
class MessageTemplate:
    code: str
    subject_template: str  # a template name, e.g. "notifications/welcome/subject.txt"
    body_template: str
    description: str | Promise = ""


@dataclass(frozen=True)
class RenderedMessage:
    subject: str
    body: str
    language: str


_registry: dict[str, MessageTemplate] = {}


def template_register(template: MessageTemplate) -> None:
    """Apps register their templates in AppConfig.ready(); a code names one template."""
    existing = _registry.get(template.code)
    if existing is not None and existing != template:
        raise ValueError(f"message template {template.code!r} is already registered")
    _registry[template.code] = template


def template_get(code: str) -> MessageTemplate | None:
    return _registry.get(code)


def template_codes() -> list[str]:
    return sorted(_registry)


def _render(name: str, context: Mapping[str, Any]) -> str:
    # Plain text: no HTML escaping (the email's HTML part is escaped from the text when sent).
    return Engine.get_default().get_template(name).render(Context(dict(context), autoescape=False))


def message_render(
    *, template: MessageTemplate, context: Mapping[str, Any], language: str
) -> RenderedMessage:
    with translation.override(language):
        subject = " ".join(_render(template.subject_template, context).split())
        body = _render(template.body_template, context).strip()
        active = translation.get_language() or language
    if len(subject) > SUBJECT_MAX_LENGTH:
        subject = subject[: SUBJECT_MAX_LENGTH - 1] + "…"
    return RenderedMessage(subject=subject, body=body, language=active)


WELCOME = MessageTemplate(
    code="welcome",
    subject_template="notifications/welcome/subject.txt",
    body_template="notifications/welcome/body.txt",
    description=_("Sent to a new user: the account is ready."),
)
NOTICE = MessageTemplate(
    code="notice",
    subject_template="notifications/notice/subject.txt",
    body_template="notifications/notice/body.txt",
    description=_("A notice whose subject and body the sender gives in the context."),
)
template_register(WELCOME)
template_register(NOTICE)
