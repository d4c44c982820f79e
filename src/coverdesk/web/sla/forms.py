"""Forms of the timeliness pages. They parse input; the sla services own every rule and name
the field when one fails (shown beside it through `form_apply_error`)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from coverdesk.accounts.models import User
from coverdesk.sla.choices import DayKindChoices, UnitChoices
from coverdesk.sla.engine import Window, window_parse
from coverdesk.sla.models import Audience, Calendar, SlaStandardVersion
from coverdesk.sla.services.standards import EscalationStep, StandardTerms
from coverdesk.sla.transitions import ClockState


def date_input() -> forms.DateInput:
    """A browser date picker; its value must be ISO whatever the page's language."""
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


STATE_CHOICES = [
    ("", _("All states")),
    (ClockState.RUNNING, ClockState.RUNNING.label),
    (ClockState.PAUSED, ClockState.PAUSED.label),
]
MARK_CHOICES = [
    ("", _("All marks")),
    ("red", _("Red: overdue")),
    ("yellow", _("Yellow: warning")),
    ("green", _("Green: on time")),
]
ORDER_CHOICES = [
    ("due", _("Due, soonest first")),
    ("-due", _("Due, latest first")),
    ("started", _("Started, oldest first")),
    ("-started", _("Started, newest first")),
    ("standard", _("Standard")),
]


class TaskFilterForm(forms.Form):
    state = forms.ChoiceField(label=_("State"), choices=STATE_CHOICES, required=False)
    mark = forms.ChoiceField(label=_("Mark"), choices=MARK_CHOICES, required=False)
    standard = forms.ChoiceField(label=_("Standard"), required=False)
    order = forms.ChoiceField(label=_("Sort by"), choices=ORDER_CHOICES, required=False)

    def __init__(self, *args: Any, standards: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["standard"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", _("All standards")), *standards]

    def value(self, name: str) -> str:
        if not self.is_bound or not self.is_valid():
            return ""
        return str(self.cleaned_data.get(name) or "")


class PauseForm(forms.Form):
    # The service checks the reason (required, length) and names the field.
    reason = forms.CharField(label=_("Reason for the pause"), required=False, strip=False)


class CustomerUpdateForm(forms.Form):
    note = forms.CharField(label=_("What the customer was told"), required=False, strip=False)


class ProgressReportForm(forms.Form):
    text = forms.CharField(
        label=_("Progress"),
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Where the work stands, what is missing, and when it will be done."),
    )


class OwnerChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj} ({obj.username})"


class RectificationReportForm(forms.Form):
    cause_analysis = forms.CharField(
        label=_("Cause analysis"),
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    measures = forms.CharField(
        label=_("Rectification measures"),
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    owner = OwnerChoiceField(
        label=_("Owner of the measures"),
        queryset=User.objects.none(),
        required=False,
        empty_label=_("Choose a person"),
    )
    completion_date = forms.DateField(
        label=_("Measures completed by"),
        required=False,
        widget=date_input(),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        staff = User.objects.filter(is_active=True).exclude(groups__name="customer")
        self.fields["owner"].queryset = staff.order_by("username")  # type: ignore[attr-defined]


class ReviewForm(forms.Form):
    note = forms.CharField(
        label=_("Review note"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


# Calendars ------------------------------------------------------------------------------------


def windows_parse(text: str) -> tuple[Window, ...]:
    """Windows typed as "08:30-12:00 13:30-17:30" (spaces, commas or semicolons between)."""
    parts = text.replace(";", " ").replace(",", " ").split()
    return tuple(window_parse(part) for part in parts)


class DaySetForm(forms.Form):
    # Named as the calendar services name it, so their errors land beside it.
    date = forms.DateField(label=_("Date"), widget=date_input())
    kind = forms.ChoiceField(label=_("Kind"), choices=DayKindChoices.choices)
    windows = forms.CharField(
        label=_("Working windows"),
        required=False,
        help_text=_("For custom hours, e.g. 09:00-12:00 13:00-16:00."),
    )
    note = forms.CharField(label=_("Note"), required=False)

    def clean_windows(self) -> tuple[Window, ...]:
        try:
            return windows_parse(self.cleaned_data.get("windows") or "")
        except (TypeError, ValueError):
            raise forms.ValidationError(_("Windows look like 08:30-12:00 13:30-17:30.")) from None


class DayRemoveForm(forms.Form):
    date = forms.DateField(label=_("Date"), widget=date_input())


class PublishedThroughForm(forms.Form):
    published_through = forms.DateField(label=_("Published through"), widget=date_input())


class CalendarImportForm(forms.Form):
    file = forms.FileField(
        label=_("File"),
        help_text=_(
            "CSV (date,kind[,windows[,note]]) or YAML (a list of date, kind, windows, note)."
        ),
    )
    published_through = forms.DateField(
        label=_("Published through (optional)"),
        required=False,
        widget=date_input(),
    )
    note = forms.CharField(label=_("Note"), required=False, max_length=300)

    MAX_BYTES = 512 * 1024

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > self.MAX_BYTES:
            raise forms.ValidationError(_("The file is larger than 512 KB."))
        return upload

    def file_format(self) -> str:
        name = self.cleaned_data["file"].name.lower()
        return "yaml" if name.endswith((".yaml", ".yml")) else "csv"

    def file_text(self) -> str:
        raw = self.cleaned_data["file"].read()
        try:
            return str(raw.decode("utf-8-sig"))
        except UnicodeDecodeError:
            raise forms.ValidationError(_("The file is not UTF-8 text.")) from None


# Standards ------------------------------------------------------------------------------------


class StandardVersionForm(forms.Form):
    amount = forms.IntegerField(label=pgettext_lazy("duration", "Amount"), min_value=1)
    unit = forms.ChoiceField(label=_("Unit"), choices=UnitChoices.choices)
    calendar = forms.ChoiceField(label=_("Calendar"))
    yellow_ratio = forms.DecimalField(
        label=_("Yellow warning at share"),
        max_digits=4,
        decimal_places=3,
        help_text=_("A share of the allowed time, e.g. 0.8 for 80 %."),
    )
    yellow_notify = forms.MultipleChoiceField(
        label=_("Told at yellow"),
        choices=Audience.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    red_notify = forms.MultipleChoiceField(
        label=_("Told at red"),
        choices=Audience.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    escalations = forms.CharField(
        label=_("Escalation steps"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_(
            'One per line: share of the allowed time, then who is told, e.g. "1.5 management".'
        ),
    )
    progress_report_followup = forms.BooleanField(
        label=_("Progress report to the department head at yellow"), required=False
    )
    rectification_followup = forms.BooleanField(
        label=_("Written rectification report at red"), required=False
    )
    customer_updates = forms.BooleanField(
        label=_("Progress update to the customer every working day"), required=False
    )
    source = forms.CharField(
        label=_("Legal or policy source"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    note = forms.CharField(
        label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    effective_from = forms.DateTimeField(
        label=_("In force from"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"],
        help_text=_("Empty: from now on. Clocks started from then on use the new version."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["calendar"]
        assert isinstance(field, forms.ChoiceField)
        codes = Calendar.objects.order_by("code").values_list("code", flat=True)
        field.choices = [(code, code) for code in codes]

    @staticmethod
    def initial_from(version: SlaStandardVersion) -> dict[str, Any]:
        return {
            "amount": version.amount,
            "unit": version.unit,
            "calendar": version.calendar.code,
            "yellow_ratio": version.yellow_ratio,
            "yellow_notify": list(version.yellow_notify),
            "red_notify": list(version.red_notify),
            "escalations": "\n".join(
                f"{step['ratio']} {' '.join(step.get('notify', []))}"
                for step in version.escalations
            ),
            "progress_report_followup": version.progress_report_followup,
            "rectification_followup": version.rectification_followup,
            "customer_updates": version.customer_updates,
            "source": version.source,
            "note": version.note,
        }

    def clean_escalations(self) -> tuple[EscalationStep, ...]:
        steps = []
        for number, line in enumerate((self.cleaned_data.get("escalations") or "").splitlines(), 1):
            words = line.replace(",", " ").split()
            if not words:
                continue
            try:
                ratio = Decimal(words[0])
            except ArithmeticError:
                raise forms.ValidationError(
                    _("Line %(line)d: a share such as 1.5 first."), params={"line": number}
                ) from None
            steps.append(EscalationStep(ratio=ratio, notify=tuple(words[1:])))
        return tuple(steps)

    def terms(self) -> StandardTerms:
        data = self.cleaned_data
        return StandardTerms(
            amount=data["amount"],
            unit=data["unit"],
            calendar_code=data["calendar"],
            yellow_ratio=data["yellow_ratio"],
            yellow_notify=tuple(data["yellow_notify"]),
            red_notify=tuple(data["red_notify"]),
            escalations=data["escalations"],
            progress_report_followup=data["progress_report_followup"],
            rectification_followup=data["rectification_followup"],
            customer_updates=data["customer_updates"],
            source=data["source"],
            note=data["note"],
        )

    def effective_from_value(self) -> datetime | None:
        value = self.cleaned_data.get("effective_from")
        if value is None:
            return None
        if timezone.is_naive(value):
            return timezone.make_aware(value, timezone.get_current_timezone())
        return value


def month_value(text: str | None, *, today: date) -> date:
    """The first day of the month named "YYYY-MM", else of today's month."""
    if text:
        try:
            year, month = (int(part) for part in text.split("-", 1))
            return date(year, month, 1)
        except ValueError:
            pass
    return today.replace(day=1)
