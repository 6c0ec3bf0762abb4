"""Helpers shared by forms in every app."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest

from bahali.core import inputs
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

    def _clean_fields(self) -> None:
        """Each field's value keeps ``bahali.core.inputs``' bounds, before ``clean()`` uses it.

        Django's ``CharField`` refuses NUL only; other control characters, dates past 2100
        (9999 made date arithmetic overflow) and integers past 64 bits are refused here once
        for every form. Only a ``Textarea`` may hold tabs and line breaks; a field may give
        other years with a ``years`` attribute (``bahali.core.inputs.Years``).
        """
        super()._clean_fields()  # type: ignore[misc]  # Django's, not in django-stubs
        for name, value in list(self.cleaned_data.items()):
            field = self.fields.get(name)
            if field is None:
                continue
            found = inputs.problem(
                value,
                multiline=isinstance(field.widget, forms.Textarea),
                years=getattr(field, "years", None),
            )
            if found:
                self.add_error(name, found)

    def full_clean(self) -> None:
        super().full_clean()
        for name in self.errors:
            if name in self.fields:
                widget = self.fields[name].widget
                widget.attrs["class"] = f"{widget.attrs.get('class', '')} is-invalid".strip()
                widget.attrs["aria-invalid"] = "true"


class FilterSet(BootstrapForm):
    """A list's filters, read from the query string by the page and the API alike (each app's
    ``filters.py``), so both list the same rows for the same query. Subclasses narrow a
    queryset with :meth:`filtering`'s valid values; an invalid value is reported per field,
    never tried against the database."""

    def filtering(self) -> dict[str, Any]:
        """The valid filters; none when a value is invalid (the page lists as if unfiltered
        and marks the field; the API refuses with :meth:`problems`)."""
        return self.cleaned_data if self.is_bound and self.is_valid() else {}

    def problems(self) -> list[dict[str, str]]:
        """The invalid fields and why, in the API's error details shape."""
        return [
            {"field": name, "message": str(message)}
            for name, messages in self.errors.items()
            for message in messages
        ]
