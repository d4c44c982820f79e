"""Forms of the new-business pages. They parse input only: the policies and parties services
own every rule and name the field when one fails (shown beside it through `form_apply_error`).
Fields are named as the services name them, so an error lands beside its field."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from coverdesk.catalog.choices import PersonCategory
from coverdesk.core.exceptions import ApplicationError
from coverdesk.policies.choices import Complexity, ConsultationChannel


def date_input() -> forms.DateInput:
    """A browser date picker; its value must be ISO whatever the page's language."""
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def textarea(rows: int = 3) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": rows})


class AnyChoiceField(forms.ChoiceField):
    """A select whose value goes to the service unchecked, so an unknown code gets the
    service's own message ("There is no product …") rather than a generic one."""

    def valid_value(self, value: Any) -> bool:
        return True


class AnyMultipleChoiceField(forms.MultipleChoiceField):
    def valid_value(self, value: Any) -> bool:
        return True


class IdsField(forms.MultipleChoiceField):
    """Checkboxes of ids; any integer goes to the service, which checks whose they are."""

    widget = forms.CheckboxSelectMultiple

    def valid_value(self, value: Any) -> bool:
        return True

    def to_python(self, value: Any) -> list[int]:  # type: ignore[override]
        texts = super().to_python(value)
        try:
            return [int(text) for text in texts]
        except (TypeError, ValueError):
            raise forms.ValidationError(_("Choose from the list.")) from None


# Needs intake -------------------------------------------------------------------------------

EXISTING, NEW = "existing", "new"


class IntakeForm(forms.Form):
    """The client's commission: an existing customer, or a new organisation created with it."""

    customer_mode = forms.ChoiceField(
        label=_("Customer"),
        choices=[(EXISTING, _("An existing customer")), (NEW, _("A new organisation"))],
        initial=EXISTING,
        widget=forms.RadioSelect,
    )
    customer = forms.TypedChoiceField(
        label=_("Existing customer"), coerce=int, required=False, empty_value=None
    )
    new_name = forms.CharField(label=_("Organisation name"), required=False, strip=False)
    new_credit_code = forms.CharField(
        label=_("Unified social credit code"),
        required=False,
        help_text=_("Optional: the 18-character code of GB 32100."),
    )
    new_phone = forms.CharField(label=_("Phone"), required=False)
    new_address = forms.CharField(label=_("Address"), required=False)
    insurance_type = forms.CharField(label=_("Type of insurance"), required=False, strip=False)
    coverage_wanted = forms.CharField(
        label=_("Coverage wanted"), required=False, strip=False, widget=textarea(3)
    )
    budget = forms.CharField(
        label=_("Budget (CNY)"),
        required=False,
        help_text=_("Optional; a non-negative amount, e.g. 50000.00."),
    )
    notes = forms.CharField(label=_("Notes"), required=False, strip=False, widget=textarea(2))

    PARTY_FIELDS = {"name", "credit_code", "phone", "address", "kind"}

    def __init__(self, *args: Any, customers: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["customer"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", _("Choose a customer")), *customers]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        mode = data.get("customer_mode")
        if mode == EXISTING and not data.get("customer"):
            self.add_error("customer", _("Choose the customer, or create a new organisation."))
        return data

    def apply_party_error(self, error: ApplicationError) -> None:
        """The parties service names its own fields (name, credit_code …): shown beside the
        new-organisation fields."""
        for field_error in error.fields:
            name = f"new_{field_error.field}"
            self.add_error(name if name in self.fields else None, str(field_error.message))
        if not error.fields:
            self.add_error(None, error.message)


class CustomerFindForm(forms.Form):
    # Searches are POSTed (as on the customers page): an ID number or phone typed in must not
    # end up in a URL.
    find = forms.CharField(label=_("Find a customer"), required=False, max_length=200)


# Consultation, insured persons -----------------------------------------------------------------


class ConsultationForm(forms.Form):
    occurred_at = forms.DateTimeField(
        label=_("When"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"],
    )
    channel = AnyChoiceField(label=_("Channel"), choices=ConsultationChannel.choices)
    summary = forms.CharField(
        label=_("What was discussed"), required=False, strip=False, widget=textarea(3)
    )
    recommendation = forms.CharField(
        label=_("Recommendation"), required=False, strip=False, widget=textarea(2)
    )


class PersonAddForm(forms.Form):
    name = forms.CharField(label=_("Name"), required=False, strip=False)
    id_number = forms.CharField(label=_("ID number"), required=False)
    category = AnyChoiceField(label=_("Category"), choices=PersonCategory.choices)
    occupation = forms.CharField(label=_("Occupation"), required=False)


# Quotes -----------------------------------------------------------------------------------------


class QuoteForm(forms.Form):
    label = forms.CharField(
        label=_("Option name"),
        required=False,
        strip=False,
        help_text=_("How the client tells the options apart, e.g. “Option A: group accident”."),
    )
    product = AnyChoiceField(label=_("Product"))
    period_start = forms.DateField(label=_("Period from"), widget=date_input())
    period_end = forms.DateField(
        label=_("Period to (last day)"),
        widget=date_input(),
        help_text=_("Cover runs from 00:00 of the first day to 24:00 of the last."),
    )
    coverages = AnyMultipleChoiceField(
        label=_("Coverages"), required=False, widget=forms.CheckboxSelectMultiple
    )
    aircraft = IdsField(label=_("Insured aircraft"), required=False)
    persons = IdsField(label=_("Insured persons"), required=False)
    valid_until = forms.DateField(
        label=_("Valid until"),
        required=False,
        widget=date_input(),
        help_text=_("Empty: the usual validity from today."),
    )

    def __init__(
        self,
        *args: Any,
        products: list[tuple[str, str]],
        coverages: list[tuple[str, str]],
        aircraft: list[tuple[int, str]],
        persons: list[tuple[int, str]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["product"].choices = products  # type: ignore[attr-defined]
        self.fields["coverages"].choices = coverages  # type: ignore[attr-defined]
        self.fields["aircraft"].choices = aircraft  # type: ignore[attr-defined]
        self.fields["persons"].choices = persons  # type: ignore[attr-defined]


class ApplicationCreateForm(forms.Form):
    complexity = AnyChoiceField(
        label=_("Kind of application"),
        required=False,
        choices=Complexity.choices,
        initial=Complexity.SIMPLE,
        help_text=_("Simple: 3 working days; complex: 5, from complete documents."),
    )


# Application workflow ----------------------------------------------------------------------


class DocumentsForm(forms.Form):
    """The checklist: documents handed in now, and those refused with the reason to tell the
    client. Built from the application's checklist rows."""

    received = AnyMultipleChoiceField(
        label=_("Received"), required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(
        self, *args: Any, codes: list[tuple[str, str]], refusing: bool = True, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["received"].choices = codes  # type: ignore[attr-defined]
        self.codes = [code for code, _label in codes]
        self.refusing = refusing
        if refusing:
            for code in self.codes:
                self.fields[f"reject_{code}"] = forms.CharField(
                    label=_("Refused because"), required=False, strip=False
                )

    def rejected(self) -> dict[str, str]:
        """Document code → the reason it was refused (the service checks the text)."""
        if not self.refusing:
            return {}
        return {
            code: self.cleaned_data[f"reject_{code}"]
            for code in self.codes
            if self.cleaned_data.get(f"reject_{code}")
        }

    def reject_field(self, code: str) -> Any:
        return self[f"reject_{code}"] if self.refusing else None


class ApproveForm(forms.Form):
    note = forms.CharField(
        label=_("Note (optional)"), required=False, strip=False, widget=textarea(2)
    )


class ReasonsForm(forms.Form):
    reasons = forms.CharField(
        label=_("Reasons"),
        required=False,
        strip=False,
        widget=textarea(3),
        help_text=_("One reason per line."),
    )

    def reason_list(self) -> list[str]:
        return (self.cleaned_data.get("reasons") or "").splitlines()


class ReferForm(ReasonsForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["reasons"].label = _("Why it goes to a higher authority")


class DeclineForm(ReasonsForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["reasons"].label = _("Why the risk is declined")


class PaymentForm(forms.Form):
    amount = forms.CharField(label=_("Amount paid (CNY)"), required=False)
    paid_on = forms.DateField(label=_("Paid on"), widget=date_input())
    payment_reference = forms.CharField(
        label=_("Payment reference"),
        required=False,
        strip=False,
        help_text=_("The bank transfer or receipt number."),
    )


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        label=_("Why the client withdrew"), required=False, strip=False, widget=textarea(2)
    )


class ContractFileForm(forms.Form):
    filing_reference = forms.CharField(
        label=_("Filing reference"),
        required=False,
        strip=False,
        help_text=_("Where the signed contract is filed, e.g. the archive box and number."),
    )


class FollowUpCompleteForm(forms.Form):
    note = forms.CharField(
        label=_("What was discussed"), required=False, strip=False, widget=textarea(2)
    )
