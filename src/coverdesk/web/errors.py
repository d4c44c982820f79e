"""Service errors back onto forms: the message on top, each field error beside its field."""

from __future__ import annotations

from django import forms

from coverdesk.core.exceptions import ApplicationError


def form_apply_error(form: forms.Form, error: ApplicationError) -> None:
    if not error.fields:
        form.add_error(None, error.message)
        return
    for field_error in error.fields:
        target = field_error.field if field_error.field in form.fields else None
        form.add_error(target, str(field_error.message))
