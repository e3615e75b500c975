"""Form handling shared by every app's views."""

from __future__ import annotations

import django_filters
from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.db import models
from django.forms.utils import flatatt
from django.http import HttpRequest
from django.utils.html import format_html, format_html_join
from django.utils.http import url_has_allowed_host_and_scheme


class FastSelect(forms.Select):
    """A single-choice select rendered in Python instead of one template per option.

    Django renders each <option> through a template; a filter with all 264 providers of a large county spent
    more than half of the course list's time there. Same HTML (escaped the same way); grouped choices and
    multiple selection fall back to Django's rendering."""

    def render(self, name, value, attrs=None, renderer=None):
        if self.allow_multiple_selected:
            return super().render(name, value, attrs, renderer)
        selected = set(self.format_value(value))
        options = []
        chosen = False
        for option_value, label in self.choices:
            if isinstance(label, (list, tuple)):
                return super().render(name, value, attrs, renderer)
            text = "" if option_value is None else str(option_value)
            mark = not chosen and text in selected
            chosen = chosen or mark
            options.append((text, " selected" if mark else "", label))
        final = self.build_attrs(self.attrs, attrs)
        rendered = format_html_join("", '<option value="{}"{}>{}</option>', options)
        return format_html('<select name="{}"{}>{}</select>', name, flatatt(final), rendered)


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


class LabelFieldIterator(forms.models.ModelChoiceIterator):
    """The choices as (primary key, label) read with values_list: no model instance per option (a filter with
    all 264 providers of a large county built 264 of them per page just for their names)."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        yield from self.queryset.values_list("pk", self.field.label_field)


class StrictModelChoiceField(forms.ModelChoiceField):
    """A model choice whose value must be a primary key in ASCII digits (Django's own takes "٣" as 3).

    With ``label_field`` (the field the model's ``__str__`` returns), the options are read as values instead of
    instances (``LabelFieldIterator``); validation still looks the chosen object up in the queryset."""

    def __init__(self, *args, label_field: str | None = None, **kwargs):
        self.label_field = label_field
        if label_field is not None:
            self.iterator = LabelFieldIterator
        super().__init__(*args, **kwargs)

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


def strict_formfield(db_field, **kwargs):
    """A ModelForm's `Meta.formfield_callback`: its foreign keys and many-to-many fields take primary keys in ASCII
    digits only (Django's own choice fields take "٣" as 3)."""
    if isinstance(db_field, models.ForeignKey):
        kwargs.setdefault("form_class", StrictModelChoiceField)
    elif isinstance(db_field, models.ManyToManyField):
        kwargs.setdefault("form_class", StrictModelMultipleChoiceField)
    return db_field.formfield(**kwargs)


class StrictModelChoiceFilter(django_filters.ModelChoiceFilter):
    """django-filter's model choice with a StrictModelChoiceField."""

    field_class = StrictModelChoiceField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", FastSelect)
        super().__init__(*args, **kwargs)


class FastChoiceFilter(django_filters.ChoiceFilter):
    """django-filter's choice filter with the FastSelect widget."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", FastSelect)
        super().__init__(*args, **kwargs)


class UsernameLengthMixin:
    """Refuse a login name longer than any account's as a form error, before anything is authenticated.

    Django's login form sets the username's max_length only after the field is built, so the limit reaches the
    HTML attribute but not validation: a longer name went to authenticate(), and django-axes failed to store it
    with the failed attempt (its username column holds 255 characters; a 500 on PostgreSQL)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["username"]
        field.validators.append(MaxLengthValidator(field.max_length))


class LoginForm(UsernameLengthMixin, AuthenticationForm):
    """The login page's form."""


class AdminLoginForm(UsernameLengthMixin, AdminAuthenticationForm):
    """The admin's login page's form."""
