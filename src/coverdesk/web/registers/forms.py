"""Forms of the register pages. They parse input into the shapes the services take; the
services (`policies.services.insured`) own every rule and name the field and the rule when one
fails, which `form_apply_service_error` puts beside the field."""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from coverdesk.catalog.choices import PersonCategory
from coverdesk.core.exceptions import ApplicationError
from coverdesk.policies.models.insured import InsuredPersonStatus, Ownership

EQUIPMENT_FIELD = "installed_equipment"
EQUIPMENT_SEPARATOR = re.compile(r"\s*[|\t｜]\s*")
AMOUNT_NOISE = re.compile(r"[¥￥,，\s]")


def form_apply_service_error(form: forms.Form, error: ApplicationError) -> None:
    """A service's refusal onto the form: each field error beside its field, keeping the rule
    (`ValidationError.code`, shown as data-rule); equipment errors name the line."""
    if not error.fields:
        form.add_error(None, ValidationError(error.message, code=error.code))
        return
    for field_error in error.fields:
        name, _dot, rest = field_error.field.partition(".")
        message = str(field_error.message)
        if name == EQUIPMENT_FIELD and rest:
            line = rest.split(".", 1)[0]
            message = str(_("Line {line}: {message}")).format(line=line, message=message)
        target = name if name in form.fields else None
        form.add_error(target, ValidationError(message, code=field_error.rule))


def _choices(blank: Any, choices: Any) -> list[tuple[str, Any]]:
    return [("", blank), *choices]


class AmountField(forms.Field):
    """An amount as typed ("70,000,000.00", "¥70000000"): a Decimal for the service, which
    decides whether it is allowed (more than zero, two decimals)."""

    widget = forms.TextInput(attrs={"inputmode": "decimal", "maxlength": "40"})

    def to_python(self, value: Any) -> Decimal | None:
        text = AMOUNT_NOISE.sub("", unicodedata.normalize("NFKC", str(value or "")))
        if not text:
            return None
        try:
            number = Decimal(text)
        except InvalidOperation:
            raise ValidationError(_("Enter an amount, e.g. 70000000.00."), code="number") from None
        if not number.is_finite():
            raise ValidationError(_("Enter an amount, e.g. 70000000.00."), code="number")
        return number


def equipment_lines(items: list[dict[str, Any]]) -> str:
    return "\n".join(f"{item.get('name', '')} | {item.get('sum_insured', '')}" for item in items)


class EquipmentField(forms.Field):
    """One item per line, "name | sum insured" (a tab, as pasted from a spreadsheet, works
    too). The service checks each item and names the line of a bad one."""

    widget = forms.Textarea(attrs={"rows": 4})

    def to_python(self, value: Any) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        for line in str(value or "").splitlines():
            if not line.strip():
                continue
            parts = EQUIPMENT_SEPARATOR.split(line.strip())
            name = parts[0] if len(parts) > 1 else line.strip()
            amount: Any = None
            if len(parts) > 1:
                amount = AMOUNT_NOISE.sub("", unicodedata.normalize("NFKC", parts[-1])) or None
                name = " ".join(parts[:-1]).strip()
            items.append({"name": name, "sum_insured": amount})
        return items


class AircraftFilterForm(forms.Form):
    customer = forms.TypedChoiceField(
        label=_("Customer"), required=False, coerce=int, empty_value=None
    )
    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=100,
        widget=forms.TextInput(
            attrs={"type": "search", "placeholder": _("Registration mark, model or serial number")}
        ),
    )
    active_only = forms.BooleanField(label=_("In service only"), required=False)

    def __init__(self, *args: Any, customers: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["customer"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = _choices(_("All customers"), customers)

    def value(self, name: str) -> Any:
        if not self.is_bound or not self.is_valid():
            return None
        return self.cleaned_data.get(name)


class _AircraftFields(forms.Form):
    model = forms.CharField(label=_("Model"), required=True, max_length=200)
    manufacturer = forms.CharField(label=_("Manufacturer"), required=False, max_length=200)
    registration_mark = forms.CharField(
        label=_("Registration mark"),
        required=True,
        max_length=60,
        help_text=_("Unique across the register, e.g. B-7188."),
    )
    serial_number = forms.CharField(label=_("Serial number"), required=False, max_length=200)
    agreed_value = AmountField(label=_("Agreed value (CNY)"), required=True)
    purchase_year = forms.IntegerField(label=_("Year of purchase"), required=True)
    crew_seats = forms.IntegerField(label=_("Crew seats"), required=True)
    passenger_seats = forms.IntegerField(label=_("Passenger seats"), required=True)
    ownership = forms.ChoiceField(
        label=_("Owned or leased"),
        required=True,
        choices=_choices("—", Ownership.choices),
    )
    installed_equipment = EquipmentField(
        label=_("Installed equipment"),
        required=False,
        help_text=_("One item per line: name | sum insured, e.g. 红外吊舱 | 1200000"),
    )
    notes = forms.CharField(
        label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def service_values(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data.pop("customer", None)
        return data


class AircraftCreateForm(_AircraftFields):
    customer = forms.TypedChoiceField(label=_("Customer"), coerce=int, required=True)

    field_order = ["customer"]

    def __init__(self, *args: Any, customers: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["customer"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = _choices("—", customers)


class AircraftEditForm(_AircraftFields):
    is_active = forms.BooleanField(label=_("In service"), required=False)
    reason = forms.CharField(
        label=_("Reason for the change"),
        required=False,
        max_length=400,
        help_text=_("Kept in the change history."),
    )

    @classmethod
    def initial_from(cls, aircraft: Any) -> dict[str, Any]:
        return {
            "model": aircraft.model,
            "manufacturer": aircraft.manufacturer,
            "registration_mark": aircraft.registration_mark,
            "serial_number": aircraft.serial_number,
            "agreed_value": f"{aircraft.agreed_value:.2f}",
            "purchase_year": aircraft.purchase_year,
            "crew_seats": aircraft.crew_seats,
            "passenger_seats": aircraft.passenger_seats,
            "ownership": aircraft.ownership,
            "installed_equipment": equipment_lines(aircraft.installed_equipment or []),
            "notes": aircraft.notes,
            "is_active": aircraft.is_active,
        }


class PersonFilterForm(forms.Form):
    customer = forms.TypedChoiceField(
        label=_("Customer"), required=False, coerce=int, empty_value=None
    )
    category = forms.ChoiceField(
        label=_("Category"),
        required=False,
        choices=_choices(_("All categories"), PersonCategory.choices),
    )
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=_choices(_("Any status"), InsuredPersonStatus.choices),
    )
    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=100,
        widget=forms.TextInput(
            attrs={
                "type": "search",
                "autocomplete": "off",
                "placeholder": _("Name, or the exact ID number"),
            }
        ),
    )

    def __init__(self, *args: Any, customers: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["customer"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = _choices(_("All customers"), customers)

    def value(self, name: str) -> Any:
        if not self.is_bound or not self.is_valid():
            return None
        return self.cleaned_data.get(name) or None


class PersonCreateForm(forms.Form):
    customer = forms.TypedChoiceField(label=_("Customer"), coerce=int, required=True)
    name = forms.CharField(label=_("Name"), required=True, max_length=200)
    id_number = forms.CharField(
        label=_("ID number"),
        required=True,
        max_length=40,
        strip=False,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
        help_text=_("Resident ID number (18 characters); stored encrypted, shown masked."),
    )
    category = forms.ChoiceField(
        label=_("Category"), required=True, choices=_choices("—", PersonCategory.choices)
    )
    occupation = forms.CharField(label=_("Occupation"), required=False, max_length=200)
    department = forms.CharField(label=_("Department"), required=False, max_length=200)
    notes = forms.CharField(
        label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args: Any, customers: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["customer"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = _choices("—", customers)


class PersonEditForm(forms.Form):
    name = forms.CharField(label=_("Name"), required=True, max_length=200)
    id_number = forms.CharField(
        label=_("New ID number"),
        required=False,
        max_length=40,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
        help_text=_("Leave empty to keep the current number."),
    )
    category = forms.ChoiceField(
        label=_("Category"), required=True, choices=_choices("—", PersonCategory.choices)
    )
    occupation = forms.CharField(label=_("Occupation"), required=False, max_length=200)
    department = forms.CharField(label=_("Department"), required=False, max_length=200)
    status = forms.ChoiceField(
        label=_("Status"), required=True, choices=InsuredPersonStatus.choices
    )
    left_on = forms.DateField(
        label=_("Left on"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("Only for a person who has left; empty means today."),
    )
    notes = forms.CharField(
        label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    reason = forms.CharField(
        label=_("Reason for the change"),
        required=False,
        max_length=400,
        help_text=_("Kept in the change history."),
    )

    @classmethod
    def initial_from(cls, person: Any) -> dict[str, Any]:
        return {
            "name": person.name,
            "category": person.category,
            "occupation": person.occupation,
            "department": person.department,
            "status": person.status,
            "left_on": person.left_on,
            "notes": person.notes,
        }

    def service_values(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        if not data.get("id_number"):
            data.pop("id_number", None)  # None leaves the number as it is
        return data


class ImportUploadForm(forms.Form):
    customer = forms.TypedChoiceField(label=_("Customer"), coerce=int, required=True)
    file = forms.FileField(
        label=_("File"),
        required=True,
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}),
        help_text=_("An Excel workbook (.xlsx, first sheet) or a CSV file, at most 10 MB."),
    )

    def __init__(self, *args: Any, customers: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["customer"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = _choices("—", customers)


IMPORT_ALL = "all"
IMPORT_VALID_ROWS = "valid_rows"


class ImportConfirmForm(forms.Form):
    token = forms.CharField(required=True, max_length=4000, widget=forms.HiddenInput)
    mode = forms.ChoiceField(
        required=True, choices=[(IMPORT_ALL, IMPORT_ALL), (IMPORT_VALID_ROWS, IMPORT_VALID_ROWS)]
    )
