"""Form handling shared by every app's views."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.http import url_has_allowed_host_and_scheme


def posted(request: HttpRequest):
    """The submitted data, or None for a GET: an empty POST is still a submission (and invalid)."""
    return request.POST if request.method == "POST" else None


def apply_service_errors(form, error: ValidationError) -> None:
    """Show a service's ValidationError on the form: per field where it names one, else on the whole form."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


def parse_pk(value: str | None) -> int | None:
    """A primary key from a URL or form parameter: ASCII digits only (int() would also take "٣" or "²"), of a
    plausible length; None for anything else."""
    if not value or len(value) > 12 or not value.isascii() or not value.isdigit():
        return None
    return int(value)


def safe_next(request: HttpRequest, fallback: str, *, name: str = "next") -> str:
    """Where to go after a form: the `name` parameter (POST or GET) if it points into this site, else `fallback`."""
    target = request.POST.get(name) or request.GET.get(name)
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return fallback


class StrictModelChoiceField(forms.ModelChoiceField):
    """A model choice whose value must be a primary key in ASCII digits (Django's own takes "٣" as 3)."""

    def to_python(self, value):
        if value not in self.empty_values and parse_pk(str(value)) is None:
            raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
        return super().to_python(value)


class StrictModelMultipleChoiceField(forms.ModelMultipleChoiceField):
    """Several model choices, each a primary key in ASCII digits."""

    def _check_values(self, value):
        for pk in value:
            if parse_pk(str(pk)) is None:
                message = self.error_messages["invalid_choice"]
                raise ValidationError(message, code="invalid_choice", params={"value": pk})
        return super()._check_values(value)
