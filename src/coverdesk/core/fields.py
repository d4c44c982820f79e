"""Model fields for personal data: an encrypted text column and its blind-index companion.

``EncryptedTextField`` stores ``v1:<kid>:...`` ciphertext and hands back plaintext; it cannot
be searched (only ``isnull``). Exact search goes through a ``BlindIndexField`` that names its
source field; call ``blind_indexes_refresh(instance)`` in the service before saving.
"""

from __future__ import annotations

from typing import Any

from django.core import checks
from django.core.exceptions import FieldDoesNotExist, FieldError
from django.db import models
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Model

from coverdesk.core import crypto


class EncryptedTextField(models.TextField):
    """Text encrypted at rest with AES-256-GCM; the associated data is ``context``, by default
    ``<app_label>.<model_name>.<field name>``. Pass ``context`` explicitly to keep reading old
    ciphertexts after renaming the model or field."""

    description = "Encrypted text"

    def __init__(self, *args: Any, context: str | None = None, **kwargs: Any) -> None:
        self._explicit_context = context
        self.context = context or ""
        super().__init__(*args, **kwargs)

    def contribute_to_class(self, cls: type[Model], name: str, private_only: bool = False) -> None:
        super().contribute_to_class(cls, name, private_only=private_only)
        if not self._explicit_context:
            self.context = f"{cls._meta.app_label}.{cls._meta.model_name}.{self.name}"

    def deconstruct(self) -> Any:
        name, path, args, kwargs = super().deconstruct()
        if self._explicit_context:
            kwargs["context"] = self._explicit_context
        return name, path, args, kwargs

    def from_db_value(
        self, value: str | None, expression: Any, connection: BaseDatabaseWrapper
    ) -> str | None:
        if value is None or value == "":
            return value
        return crypto.decrypt(value, context=self.context)

    def to_python(self, value: Any) -> str | None:
        if value is None or isinstance(value, str):
            return value
        return str(value)

    def get_prep_value(self, value: Any) -> str | None:
        prepared = super().get_prep_value(value)
        if prepared is None or prepared == "":
            return None if prepared is None else ""
        return crypto.encrypt(str(prepared), context=self.context)

    def get_lookup(self, lookup_name: str) -> Any:
        if lookup_name == "isnull":
            return super().get_lookup(lookup_name)
        raise FieldError(
            f"{self.context} is encrypted: it supports only the isnull lookup, not"
            f" {lookup_name!r}; search through its blind index instead."
        )

    def get_transform(self, lookup_name: str) -> Any:
        return None


class BlindIndexField(models.CharField):
    """The keyed HMAC of another field's value (``source``) under ``purpose``; NULL when the
    source is empty. Fields sharing a purpose (e.g. every "phone") can be matched together."""

    description = "Blind index"

    def __init__(self, *args: Any, source: str = "", purpose: str = "", **kwargs: Any) -> None:
        self.source = source
        self.purpose = purpose
        kwargs.setdefault("max_length", 64)
        kwargs.setdefault("null", True)
        kwargs.setdefault("blank", True)
        kwargs.setdefault("editable", False)
        kwargs.setdefault("db_index", True)
        super().__init__(*args, **kwargs)

    def deconstruct(self) -> Any:
        name, path, args, kwargs = super().deconstruct()
        # Spelled out, because the defaults here differ from CharField's.
        kwargs.update(
            source=self.source,
            purpose=self.purpose,
            max_length=self.max_length,
            null=self.null,
            blank=self.blank,
            editable=self.editable,
            db_index=getattr(self, "db_index", True),
        )
        return name, path, args, kwargs

    def check(self, **kwargs: Any) -> list[checks.CheckMessage]:
        errors = super().check(**kwargs)
        if not self.purpose:
            errors.append(
                checks.Error("BlindIndexField needs a purpose.", obj=self, id="coverdesk.E101")
            )
        try:
            self.model._meta.get_field(self.source)
        except FieldDoesNotExist:
            errors.append(
                checks.Error(
                    f"BlindIndexField source {self.source!r} is not a field of"
                    f" {self.model._meta.label}.",
                    obj=self,
                    id="coverdesk.E102",
                )
            )
        return errors


def encrypted_fields(model: type[Model]) -> list[EncryptedTextField]:
    return [f for f in model._meta.concrete_fields if isinstance(f, EncryptedTextField)]


def blind_index_fields(model: type[Model]) -> list[BlindIndexField]:
    return [f for f in model._meta.concrete_fields if isinstance(f, BlindIndexField)]


def blind_index_value(value: str | None, purpose: str) -> str | None:
    """The index to store or to search for; None for an empty value."""
    if value is None or not crypto.normalise_for_index(value):
        return None
    return crypto.blind_index(value, purpose)


def blind_indexes_refresh(instance: Model) -> list[str]:
    """Set every blind index of `instance` from its source field; returns the attribute names
    set (add them to ``update_fields``)."""
    names = []
    for index_field in blind_index_fields(type(instance)):
        value = getattr(instance, index_field.source)
        setattr(instance, index_field.attname, blind_index_value(value, index_field.purpose))
        names.append(index_field.attname)
    return names
