"""Model fields for personal data: an encrypted text column and its blind-index companion.

``EncryptedTextField`` stores ``v1:<kid>:...`` ciphertext and hands back plaintext; it cannot
be searched (only ``isnull``). Exact search goes through a ``BlindIndexField`` that names its
source field; call ``blind_indexes_refresh(instance)`` in the service before saving.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.core import checks
from django.core.exceptions import FieldDoesNotExist, FieldError
from django.db import models, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Model, QuerySet, TextField
from django.db.models.functions import Cast

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


@dataclass(frozen=True)
class EncryptedColumn:
    model: type[Model]
    field: EncryptedTextField

    @property
    def label(self) -> str:
        return f"{self.model._meta.label_lower}.{self.field.name}"


def encrypted_columns() -> list[EncryptedColumn]:
    """Every encrypted column of every installed model, found through the app registry (core
    imports no domain app)."""
    columns: list[EncryptedColumn] = []
    for model in apps.get_models():
        if model._meta.proxy or not model._meta.managed:
            continue
        columns.extend(EncryptedColumn(model, field) for field in encrypted_fields(model))
    return sorted(columns, key=lambda column: column.label)


def _stored(column: EncryptedColumn) -> QuerySet[Any]:
    """The column's rows with the stored text (ciphertext, not decrypted) as ``_stored``."""
    return (
        column.model._base_manager.annotate(_stored=Cast(column.field.name, TextField()))
        .exclude(_stored__isnull=True)
        .exclude(_stored="")
    )


NOT_ENCRYPTED = "(not encrypted)"


def encrypted_values_status() -> dict[str, dict[str, int]]:
    """{column label: {key id: non-empty values written with it}}; values that are not
    ciphertexts at all are counted under NOT_ENCRYPTED."""
    status: dict[str, dict[str, int]] = {}
    for column in encrypted_columns():
        counts: dict[str, int] = {}
        for stored in _stored(column).values_list("_stored", flat=True).iterator(chunk_size=2000):
            kid = crypto.key_id_of(stored) if crypto.is_ciphertext(stored) else NOT_ENCRYPTED
            counts[kid] = counts.get(kid, 0) + 1
        status[column.label] = counts
    return status


def encrypted_values_rotate(
    *, batch_size: int = 500, progress: Callable[[str, int], None] | None = None
) -> dict[str, int]:
    """Re-encrypt every value not written with the active key, in batches of `batch_size`
    rows, each batch locked and written in one transaction. Returns {column label: rows
    rewritten}. A value that does not decrypt stops the run (nothing of that batch changes)."""
    ring = crypto.key_ring()
    current = f"{crypto.FORMAT_VERSION}:{ring.active}:"
    rewritten: dict[str, int] = {}
    for column in encrypted_columns():
        manager = column.model._base_manager
        count = 0
        last_pk: Any = None
        while True:
            with transaction.atomic():
                pending = _stored(column).exclude(_stored__startswith=current).order_by("pk")
                if last_pk is not None:
                    pending = pending.filter(pk__gt=last_pk)
                batch = list(pending.select_for_update().values_list("pk", "_stored")[:batch_size])
                for pk, stored in batch:
                    plaintext = crypto.decrypt(stored, context=column.field.context, ring=ring)
                    # update() encrypts through the field under the active key and leaves
                    # updated_at alone: rotating keys is not a change to the record.
                    manager.filter(pk=pk).update(**{column.field.name: plaintext})
            if not batch:
                break
            count += len(batch)
            last_pk = batch[-1][0]
            if progress is not None:
                progress(column.label, count)
        rewritten[column.label] = count
    return rewritten
