"""Forms of the servicing pages. They parse input into the shapes the services take (the
requested changes as `[{"op": ...}]`); every business rule is the services', and a rule that
fails comes back beside its field with the rule's code (`error_apply`)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from coverdesk.core.exceptions import ApplicationError
from coverdesk.policies.checklists import servicing_checklist
from coverdesk.policies.choices import (
    IdentityMethod,
    RequestChannel,
    ServicingKind,
)
from coverdesk.policies.models import ServicingDocument
from coverdesk.policies.models.insured import Ownership
from coverdesk.web.servicing.presentation import chinese, person_label
from coverdesk.web.servicing.queries import IntakeOptions

K = ServicingKind
AGREED_VALUE_PREFIX = "agreed_value_"
REASON_PREFIX = "reason_"
AIRCRAFT_DETAILS = ("model", "manufacturer", "serial_number", "ownership")
PERSON_DETAILS = ("name", "occupation", "department")
EQUIPMENT_SEPARATORS = ("|", "｜")

# Service field -> form field, where the service names a field the form calls otherwise.
INTAKE_ALIASES = {
    "cancel_on": "effective_on",
    "received": "received_documents",
    "policy_id": "policy_number",
    "policy": "policy_number",
}


def date_input() -> forms.DateInput:
    """A browser date picker; its value is ISO whatever the page's language."""
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def error_apply(
    form: forms.Form,
    error: ApplicationError,
    *,
    aliases: Mapping[str, str] | None = None,
    fallback: str | None = None,
) -> None:
    """A service's error onto `form`: each field error beside its field (by the service's
    name, an alias, or `fallback`) with the rule as its code; the message on top otherwise."""
    if not error.fields:
        form.add_error(None, ValidationError(error.message, code=error.code))
        return
    names = dict(aliases or {})
    for field_error in error.fields:
        name = field_error.field
        target: str | None = names.get(name, name)
        if target not in form.fields and name.startswith("parameters."):
            target = names.get("parameters", target)
        if target not in form.fields:
            target = fallback if fallback in form.fields else None
        message = str(field_error.message)
        if target is None and field_error.field:
            message = f"{field_error.field}: {message}"
        form.add_error(target, ValidationError(message, code=field_error.rule))


def _checkboxes() -> forms.CheckboxSelectMultiple:
    return forms.CheckboxSelectMultiple()


class QueueFilterForm(forms.Form):
    policy_number = forms.CharField(label=_("Policy number"), required=False, max_length=40)
    kind = forms.ChoiceField(
        label=_("Type"), required=False, choices=[("", _("All types")), *ServicingKind.choices]
    )

    def value(self, name: str) -> str:
        if not self.is_bound or not self.is_valid():
            return ""
        return str(self.cleaned_data.get(name) or "")


class IntakeStartForm(forms.Form):
    """The first step: which policy, which servicing type."""

    policy_number = forms.CharField(label=_("Policy number"), max_length=40)
    kind = forms.ChoiceField(label=_("Servicing type"), choices=ServicingKind.choices)


class IntakeForm(forms.Form):
    """A servicing request at intake: the requester and how their identity was verified, the
    effective date, what is to change (fields for the chosen type only) and the documents
    handed in. Text the services check (names, references, amounts) is passed on as typed."""

    policy_number = forms.CharField(widget=forms.HiddenInput, max_length=40)
    kind = forms.ChoiceField(widget=forms.HiddenInput, choices=ServicingKind.choices)
    channel = forms.ChoiceField(
        label=_("Received by"), choices=RequestChannel.choices, initial=RequestChannel.COUNTER
    )
    requester_name = forms.CharField(label=_("Requested by"), required=False, max_length=200)
    identity_method = forms.ChoiceField(
        label=_("Identity verified by"),
        required=False,
        choices=[("", _("— not verified yet —")), *IdentityMethod.choices],
    )
    identity_reference = forms.CharField(
        label=_("Identity document number"),
        required=False,
        max_length=200,
        help_text=_("Stored masked. Needed when an identity card or an authorisation was checked."),
    )
    effective_on = forms.DateField(label=_("Effective from"), widget=date_input())
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    received_documents = forms.MultipleChoiceField(
        label=_("Documents handed in"), required=False, widget=_checkboxes()
    )

    def __init__(self, *args: Any, kind: str, options: IntakeOptions, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.kind_code = kind
        self.options = options
        zh = chinese()
        received = self.fields["received_documents"]
        assert isinstance(received, forms.MultipleChoiceField)
        received.choices = [
            (spec.code, spec.name if zh else spec.name_en) for spec in servicing_checklist(kind)
        ]
        aircraft_choices = [
            (str(a.id), f"{a.registration_mark} {a.model}".strip()) for a in options.aircraft
        ]
        if kind == K.ADD_PERSONS:
            self.fields["persons"] = forms.MultipleChoiceField(
                label=_("Persons to add"),
                required=False,
                widget=_checkboxes(),
                choices=[
                    (str(p.pk), person_label(p.name, p.category)) for p in options.persons_to_add
                ],
            )
        elif kind == K.REMOVE_PERSONS:
            self.fields["persons"] = forms.MultipleChoiceField(
                label=_("Persons to remove"),
                required=False,
                widget=_checkboxes(),
                choices=[(str(p.id), person_label(p.name, p.category)) for p in options.persons],
            )
        elif kind == K.ADD_AIRCRAFT:
            self.fields["aircraft"] = forms.MultipleChoiceField(
                label=_("Aircraft to add"),
                required=False,
                widget=_checkboxes(),
                choices=[
                    (str(a.pk), f"{a.registration_mark} {a.model}".strip())
                    for a in options.aircraft_to_add
                ],
            )
        elif kind == K.REMOVE_AIRCRAFT:
            self.fields["aircraft"] = forms.MultipleChoiceField(
                label=_("Aircraft to remove"),
                required=False,
                widget=_checkboxes(),
                choices=aircraft_choices,
            )
        if kind in (K.ADD_AIRCRAFT, K.REMOVE_AIRCRAFT):
            self.fields["equipment_aircraft"] = forms.ChoiceField(
                label=_("Installed equipment of"),
                required=False,
                choices=[("", _("— no change of equipment —")), *aircraft_choices],
            )
            self.fields["equipment"] = forms.CharField(
                label=_("Equipment after the change"),
                required=False,
                widget=forms.Textarea(attrs={"rows": 3}),
                help_text=_("The whole list after the change, one per line: name | sum insured."),
            )
        if kind == K.CHANGE_SUM:
            for aircraft in options.aircraft:
                self.fields[f"{AGREED_VALUE_PREFIX}{aircraft.id}"] = forms.CharField(
                    label=_("New agreed value of %(name)s")
                    % {"name": f"{aircraft.registration_mark} {aircraft.model}".strip()},
                    required=False,
                    max_length=30,
                    help_text=_("Now %(amount)s. Leave empty to keep it.")
                    % {"amount": aircraft.agreed_value},
                    widget=forms.TextInput(attrs={"inputmode": "decimal"}),
                )
        if kind == K.CHANGE_DETAILS:
            self.fields["detail_object"] = forms.ChoiceField(
                label=_("Details of"),
                required=False,
                choices=[
                    ("", _("— contacts or other details only (see description) —")),
                    (
                        _("Aircraft"),
                        [(f"aircraft:{value}", label) for value, label in aircraft_choices],
                    ),
                    (
                        _("Insured persons"),
                        [
                            (f"person:{p.id}", person_label(p.name, p.category))
                            for p in options.persons
                        ],
                    ),
                ],
            )
            labels = {
                "model": _("New model"),
                "manufacturer": _("New manufacturer"),
                "serial_number": _("New serial number"),
                "name": _("New name"),
                "occupation": _("New occupation"),
                "department": _("New department"),
            }
            for name in (*AIRCRAFT_DETAILS, *PERSON_DETAILS):
                if name == "ownership":
                    self.fields["detail_ownership"] = forms.ChoiceField(
                        label=_("New ownership"),
                        required=False,
                        choices=[("", "—"), *Ownership.choices],
                    )
                else:
                    self.fields[f"detail_{name}"] = forms.CharField(
                        label=labels[name], required=False, max_length=200
                    )
        if kind == K.CHANGE_CLAUSES:

            def clause_title(code: str, title: str, title_en: str) -> str:
                return f"{code} · {title if zh else title_en}"

            covered = [(c.code, clause_title(c.code, c.title, c.title_en)) for c in options.clauses]
            self.fields["clauses_add"] = forms.MultipleChoiceField(
                label=_("Clauses to add"),
                required=False,
                widget=_checkboxes(),
                choices=[
                    (c.code, clause_title(c.code, c.title, c.title_en))
                    for c in options.clauses_to_add
                ],
            )
            self.fields["clauses_remove"] = forms.MultipleChoiceField(
                label=_("Clauses to remove"), required=False, widget=_checkboxes(), choices=covered
            )
            self.fields["clause_set"] = forms.ChoiceField(
                label=_("Change the parameters of"),
                required=False,
                choices=[("", _("— none —")), *covered],
            )
            self.fields["clause_parameters"] = forms.CharField(
                label=_("New parameters (JSON)"),
                required=False,
                widget=forms.Textarea(attrs={"rows": 3, "class": "mono"}),
                help_text=_('All the clause\'s parameters, e.g. {"threshold": "0.75"}.'),
            )

    # The changes, as the services take them ------------------------------------------------

    def change_fields(self) -> list[str]:
        """The fields that say what is to change (the place for errors about `changes`)."""
        fixed = {
            "policy_number",
            "kind",
            "channel",
            "requester_name",
            "identity_method",
            "identity_reference",
            "effective_on",
            "description",
            "received_documents",
        }
        return [name for name in self.fields if name not in fixed]

    def changes_field(self) -> str | None:
        """Where an error about the requested changes is shown: beside the first change
        field filled in (the one the error is most likely about), else the first one."""
        names = self.change_fields()
        for name in names:
            value = self.data.get(self.add_prefix(name)) if self.is_bound else None
            if value not in (None, ""):
                return name
        return names[0] if names else None

    def changes(self) -> list[dict[str, Any]]:
        """The requested changes; raises ValidationError (already on the field) for input
        that cannot even be read (an equipment line, the parameters' JSON)."""
        data = self.cleaned_data
        kind = self.kind_code
        changes: list[dict[str, Any]] = []
        if kind in (K.ADD_PERSONS, K.REMOVE_PERSONS):
            op = "add_person" if kind == K.ADD_PERSONS else "remove_person"
            changes += [{"op": op, "person_id": int(pk)} for pk in data.get("persons", [])]
        if kind in (K.ADD_AIRCRAFT, K.REMOVE_AIRCRAFT):
            op = "add_aircraft" if kind == K.ADD_AIRCRAFT else "remove_aircraft"
            changes += [{"op": op, "aircraft_id": int(pk)} for pk in data.get("aircraft", [])]
            if data.get("equipment_aircraft"):
                changes.append(
                    {
                        "op": "set_equipment",
                        "aircraft_id": int(data["equipment_aircraft"]),
                        "equipment": self._equipment(data.get("equipment", "")),
                    }
                )
        if kind == K.CHANGE_SUM:
            for name in self.fields:
                if name.startswith(AGREED_VALUE_PREFIX) and str(data.get(name, "")).strip():
                    changes.append(
                        {
                            "op": "set_agreed_value",
                            "aircraft_id": int(name.removeprefix(AGREED_VALUE_PREFIX)),
                            "agreed_value": str(data[name]).strip(),
                        }
                    )
        if kind == K.CHANGE_DETAILS and data.get("detail_object"):
            target, _sep, ident = str(data["detail_object"]).partition(":")
            details = {
                name: str(data.get(f"detail_{name}", "")).strip()
                for name in (*AIRCRAFT_DETAILS, *PERSON_DETAILS)
                if str(data.get(f"detail_{name}", "")).strip()
            }
            changes.append({"op": "details", "target": target, "id": int(ident), "data": details})
        if kind == K.CHANGE_CLAUSES:
            changes += [{"op": "add_clause", "code": c} for c in data.get("clauses_add", [])]
            changes += [{"op": "remove_clause", "code": c} for c in data.get("clauses_remove", [])]
            if data.get("clause_set"):
                changes.append(
                    {
                        "op": "set_clause",
                        "code": data["clause_set"],
                        "parameters": self._parameters(data.get("clause_parameters", "")),
                    }
                )
        return changes

    def _equipment(self, text: str) -> list[dict[str, str]]:
        rows = []
        for number, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            for separator in EQUIPMENT_SEPARATORS:
                if separator in line:
                    name, _sep, amount = line.partition(separator)
                    rows.append({"name": name.strip(), "sum_insured": amount.strip()})
                    break
            else:
                error = ValidationError(
                    _("Line %(number)s: write name | sum insured."),
                    code="equipment_line",
                    params={"number": number},
                )
                self.add_error("equipment", error)
                raise error
        return rows

    def _parameters(self, text: str) -> dict[str, Any]:
        try:
            value = json.loads(text or "{}")
        except json.JSONDecodeError:
            value = None
        if not isinstance(value, dict):
            error = ValidationError(
                _('Write the parameters as a JSON object, e.g. {"threshold": "0.75"}.'),
                code="json",
            )
            self.add_error("clause_parameters", error)
            raise error
        return value

    def detail_groups(self) -> dict[str, list[Any]]:
        return {
            "aircraft": [self[f"detail_{n}"] for n in AIRCRAFT_DETAILS],
            "person": [self[f"detail_{n}"] for n in PERSON_DETAILS],
        }

    def agreed_value_fields(self) -> list[Any]:
        return [self[name] for name in self.fields if name.startswith(AGREED_VALUE_PREFIX)]


class DocumentsForm(forms.Form):
    """Documents received (ticked) and refused (a reason given), by code."""

    received = forms.MultipleChoiceField(required=False, widget=_checkboxes())

    def __init__(self, *args: Any, documents: list[ServicingDocument], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.documents = documents
        field = self.fields["received"]
        assert isinstance(field, forms.MultipleChoiceField)
        field.choices = [(d.code, d.code) for d in documents]
        for document in documents:
            self.fields[f"{REASON_PREFIX}{document.code}"] = forms.CharField(
                required=False, max_length=300
            )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("received") and not self.rejected():
            raise ValidationError(
                _("Tick the documents received, or give the reason a document is refused."),
                code="required",
            )
        return data

    def rejected(self) -> dict[str, str]:
        return {
            d.code: str(self.cleaned_data.get(f"{REASON_PREFIX}{d.code}", "")).strip()
            for d in self.documents
            if str(self.cleaned_data.get(f"{REASON_PREFIX}{d.code}", "")).strip()
        }

    def rows(self) -> list[dict[str, Any]]:
        """A row per document: the document, whether it is ticked, its reason field."""
        ticked = set(self.data.getlist("received")) if self.is_bound else set()  # type: ignore[attr-defined]
        zh = chinese()
        return [
            {
                "document": d,
                "name": d.name if zh else d.name_en,
                "ticked": d.code in ticked,
                "reason": self[f"{REASON_PREFIX}{d.code}"],
            }
            for d in self.documents
        ]


class CalculateForm(forms.Form):
    confirm_with_customer = forms.BooleanField(
        label=_("Ask the customer to confirm the amount"), required=False
    )
    reason = forms.CharField(
        label=_("Reason for the recalculation"),
        required=False,
        max_length=300,
        help_text=_("Required when the fee is calculated again; the customer confirms again."),
    )


class ConfirmForm(forms.Form):
    calculation_number = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    note = forms.CharField(
        label=_("How the customer confirmed"),
        required=False,
        max_length=300,
        help_text=_("e.g. phone call with the requester, or the signed confirmation received."),
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), required=False, max_length=2000)


class ArchiveForm(forms.Form):
    outcome_note = forms.CharField(
        label=_("Outcome confirmed with the customer"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Sent to the broker as feedback."),
    )
