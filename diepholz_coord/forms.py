"""Form handling shared by every app's views."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import HttpRequest


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
