from django import forms
from django.utils.translation import gettext_lazy as _


class AuditFilterForm(forms.Form):
    action = forms.CharField(label=_("Action"), required=False, max_length=80)
    subject_type = forms.CharField(label=_("Subject type"), required=False, max_length=100)
    subject_id = forms.CharField(label=_("Subject id"), required=False, max_length=64)
