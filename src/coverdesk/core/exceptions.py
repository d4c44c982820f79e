"""One error hierarchy with stable codes and translated messages.

A service raises an ApplicationError; the API turns it into {"code", "message", "fields"} and
the web re-renders the form with the message. Messages are format strings with named
placeholders, filled from `params` after translation.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class FieldError:
    field: str
    rule: str
    message: str | Promise

    def as_dict(self) -> dict[str, str]:
        return {"field": self.field, "rule": self.rule, "message": str(self.message)}


class ApplicationError(Exception):
    """A business rule said no. `code` is stable for clients; `message` is for people."""

    status_code = 400
    default_code = "application_error"
    default_message: str | Promise = _("The request could not be completed.")

    def __init__(
        self,
        message: str | Promise | None = None,
        *,
        code: str | None = None,
        params: Mapping[str, Any] | None = None,
        fields: list[FieldError] | None = None,
    ) -> None:
        self.code = code or self.default_code
        self.params = dict(params or {})
        self.fields = list(fields or [])
        self._message = message if message is not None else self.default_message
        super().__init__(self.code)

    @property
    def message(self) -> str:
        text = str(self._message)
        return text.format(**self.params) if self.params else text

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"


class ValidationFailed(ApplicationError):
    status_code = 422
    default_code = "validation_failed"
    default_message = _("Some fields are not valid.")

    @classmethod
    def for_field(
        cls, field_name: str, rule: str, message: str | Promise, **params: Any
    ) -> ValidationFailed:
        text = str(message).format(**params) if params else message
        return cls(
            _("{field}: {detail}"),
            params={"field": field_name, "detail": str(text)},
            fields=[FieldError(field_name, rule, text)],
        )


class NotFound(ApplicationError):
    status_code = 404
    default_code = "not_found"
    default_message = _("Not found.")


class PermissionDenied(ApplicationError):
    status_code = 403
    default_code = "permission_denied"
    default_message = _("You do not have permission to do this.")


class Conflict(ApplicationError):
    status_code = 409
    default_code = "conflict"
    default_message = _("The record was changed by someone else; reload and try again.")


@dataclass(frozen=True)
class ErrorBody:
    code: str
    message: str
    fields: list[dict[str, str]] = field(default_factory=list)

    @classmethod
    def from_error(cls, error: ApplicationError) -> ErrorBody:
        return cls(error.code, error.message, [f.as_dict() for f in error.fields])

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, "fields": self.fields}
