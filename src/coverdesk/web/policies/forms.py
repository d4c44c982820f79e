"""Forms of the policy pages. They parse input; the policies services and selectors own every
rule and name the field when one fails (shown beside it through `form_apply_error`)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from coverdesk.policies.choices import PolicyStatus
from coverdesk.web.policies.queries import BREAKDOWNS, MAX_PERIODS, RenewalChoices
from coverdesk.web.policies.queries import PolicySearch as Search
from coverdesk.web.policies.queries import statistics_periods as periods_of
from coverdesk.web.sla.forms import date_input

TEXT_MAX = 100


class PolicySearchForm(forms.Form):
    number = forms.CharField(label=_("Policy number"), required=False, max_length=40)
    customer = forms.CharField(
        label=_("Customer"),
        required=False,
        max_length=TEXT_MAX,
        help_text=_("Name or credit code, or the exact ID number or phone."),
    )
    aircraft = forms.CharField(
        label=_("Aircraft"),
        required=False,
        max_length=TEXT_MAX,
        help_text=_("Registration mark, serial number or model."),
    )
    person = forms.CharField(
        label=_("Insured person"),
        required=False,
        max_length=TEXT_MAX,
        help_text=_("Name, or the exact ID number."),
    )
    product = forms.ChoiceField(label=_("Product"), required=False)
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("All statuses")), *PolicyStatus.choices],
    )
    in_force_on = forms.DateField(label=_("In force on"), required=False, widget=date_input())

    def __init__(
        self,
        *args: Any,
        products: list[tuple[str, str]],
        for_customer: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["product"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", _("All products")), *products]
        if for_customer:
            # A customer's list holds only their own organisation's policies.
            del self.fields["customer"]
        for name in ("number", "customer", "aircraft", "person"):
            if name in self.fields:
                self.fields[name].widget.attrs.update({"autocomplete": "off", "type": "search"})

    def search(self) -> Search:
        if not self.is_bound or not self.is_valid():
            return Search()
        data = self.cleaned_data
        return Search(
            number=(data.get("number") or "").strip(),
            customer=(data.get("customer") or "").strip(),
            aircraft=(data.get("aircraft") or "").strip(),
            person=(data.get("person") or "").strip(),
            product=data.get("product") or "",
            status=data.get("status") or "",
            in_force_on=data.get("in_force_on"),
        )


class CoveredOnForm(forms.Form):
    on = forms.DateField(label=_("Covered on"), required=False, widget=date_input())


LANGUAGE_CHOICES = {"zh": "zh-hans", "en": "en"}


class PeriodForm(forms.Form):
    first_day = forms.DateField(label=_("From"), required=False, widget=date_input())
    last_day = forms.DateField(label=_("To"), required=False, widget=date_input())

    def __init__(self, *args: Any, default: tuple[date, date], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.default = default

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        first = data.get("first_day") or self.default[0]
        last = data.get("last_day") or self.default[1]
        data["first_day"], data["last_day"] = first, last
        return data

    def period(self) -> tuple[date, date] | None:
        if not self.is_bound:
            return self.default
        if not self.is_valid():
            return None
        return self.cleaned_data["first_day"], self.cleaned_data["last_day"]


BREAKDOWN_LABELS = {
    "none": _("Whole period"),
    "month": _("Month"),
    "quarter": _("Quarter"),
    "year": _("Year"),
}


class StatisticsForm(PeriodForm):
    breakdown = forms.ChoiceField(
        label=_("Per"),
        required=False,
        choices=[(code, BREAKDOWN_LABELS[code]) for code in BREAKDOWNS],
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        data["breakdown"] = data.get("breakdown") or "month"
        first, last = data["first_day"], data["last_day"]
        if last >= first and len(periods_of(first, last, data["breakdown"])) > MAX_PERIODS:
            self.add_error(
                "breakdown",
                _("At most %(count)s rows of periods: choose a longer one or a shorter period.")
                % {"count": MAX_PERIODS},
            )
        return data

    def breakdown_code(self) -> str:
        if not self.is_bound or not self.is_valid():
            return "month"
        return str(self.cleaned_data["breakdown"])


def _multiple(label: Any, choices: list[tuple[Any, str]]) -> forms.MultipleChoiceField:
    return forms.MultipleChoiceField(
        label=label, required=False, choices=choices, widget=forms.CheckboxSelectMultiple
    )


class RenewalQuoteForm(forms.Form):
    """Changes at renewal: the coverages, aircraft and persons start as the current version
    has them; the service rates them on the product version in force at renewal."""

    label = forms.CharField(label=_("Option name"), required=False, max_length=100)
    period_end = forms.DateField(
        label=_("Last day of the new period"),
        required=False,
        widget=date_input(),
        help_text=_("Empty: 12 months from the day after the policy ends."),
    )
    coverages = forms.MultipleChoiceField(label=_("Coverages"), required=False)
    aircraft = forms.MultipleChoiceField(label=_("Aircraft"), required=False)
    persons = forms.MultipleChoiceField(label=_("Insured persons"), required=False)

    def __init__(
        self, *args: Any, choices: RenewalChoices, english: bool = False, **kwargs: Any
    ) -> None:
        kwargs.setdefault(
            "initial",
            {
                "coverages": choices.current_coverages,
                "aircraft": [str(pk) for pk in choices.current_aircraft],
                "persons": [str(pk) for pk in choices.current_persons],
            },
        )
        super().__init__(*args, **kwargs)
        self.fields["coverages"] = _multiple(
            _("Coverages"),
            [(code, name_en if english else name) for code, name, name_en in choices.coverages],
        )
        self.fields["aircraft"] = _multiple(
            _("Aircraft"), [(str(pk), label) for pk, label in choices.aircraft]
        )
        self.fields["persons"] = _multiple(
            _("Insured persons"), [(str(pk), label) for pk, label in choices.persons]
        )

    def service_arguments(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "label": data.get("label") or "",
            "period_end": data.get("period_end"),
            "coverage_codes": list(data.get("coverages") or []),
            "aircraft_ids": [int(pk) for pk in data.get("aircraft") or []],
            "person_ids": [int(pk) for pk in data.get("persons") or []],
        }


class RenewForm(forms.Form):
    quote = forms.IntegerField(widget=forms.HiddenInput)
    # The service checks the amount against the quote and names the field.
    premium_paid = forms.CharField(label=_("Premium paid"), required=False, max_length=30)
    paid_on = forms.DateField(label=_("Paid on"), widget=date_input())
    payment_reference = forms.CharField(
        label=_("Payment reference"), required=False, max_length=100
    )
