"""Helpers shared by forms in every app."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest

from bahali.core.versioning import Conflict


def apply_validation_error(form: forms.Form, error: ValidationError) -> None:
    """Show a service's ValidationError on the form: per field where it names one."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


def show_conflict(form: forms.Form, conflict: Conflict) -> None:
    """Show that someone else saved first on the form itself, keeping what the user typed
    (pages without a form to keep leave it to ``ConflictMiddleware``)."""
    form.add_error(None, str(conflict))


def message_refusal(request: HttpRequest, error: ValidationError) -> None:
    """Report a service's refusal as messages, for forms that redirect instead of re-rendering."""
    for message in error.messages:
        messages.error(request, message)


def message_form_errors(request: HttpRequest, form: forms.Form) -> None:
    """Report an invalid form's errors as messages, for forms that redirect."""
    for errors in form.errors.values():
        for message in errors:
            messages.error(request, str(message))


class BootstrapForm(forms.Form):
    """A form whose widgets carry Bootstrap's classes, marked invalid when they have errors."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput | forms.CheckboxSelectMultiple):
                css = "form-check-input"
            elif isinstance(widget, forms.Select | forms.SelectMultiple):
                css = "form-select"
            else:
                css = "form-control"
            widget.attrs["class"] = css

    def full_clean(self) -> None:
        super().full_clean()
        for name in self.errors:
            if name in self.fields:
                widget = self.fields[name].widget
                widget.attrs["class"] = f"{widget.attrs.get('class', '')} is-invalid".strip()
                widget.attrs["aria-invalid"] = "true"
