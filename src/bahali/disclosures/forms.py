from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from bahali.disclosures.services import REASON_MAX


class SubjectAccessForm(forms.Form):
    """Why the bundle is produced (the person's request, its date), and in which format."""

    reason = forms.CharField(
        label=_("Reason"),
        max_length=REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "Recorded in the audit trail with your name, e.g. the person's request and its date."
        ),
    )
    fmt = forms.ChoiceField(
        label=_("Format"),
        choices=[("pdf", _("PDF, to print or hand over")), ("json", _("JSON, machine-readable"))],
        initial="pdf",
        widget=forms.RadioSelect,
    )
