from __future__ import annotations

from datetime import datetime, time, timedelta

from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class LoginForm(forms.Form):
    username = forms.CharField(
        label=_("Username"),
        max_length=150,
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username"}),
    )
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        max_length=4096,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class LanguageForm(forms.Form):
    language = forms.ChoiceField(choices=settings.LANGUAGES)
    next = forms.CharField(required=False, max_length=2000)


class TokenCreateForm(forms.Form):
    # No max_length here: the service owns the rules and names the field when they fail.
    name = forms.CharField(label=_("Name"), required=False, strip=False)
    expires_at = forms.DateField(
        label=_("Valid until (inclusive)"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Leave empty for a token that does not expire."),
    )

    def expires_at_moment(self) -> datetime | None:
        """The chosen day is usable to its end: the token expires at the next local midnight."""
        day = self.cleaned_data.get("expires_at")
        if day is None:
            return None
        midnight = datetime.combine(day + timedelta(days=1), time.min)
        return timezone.make_aware(midnight, timezone.get_default_timezone())
