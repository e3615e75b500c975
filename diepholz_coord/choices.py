"""Choice labels for lists: ``get_<field>_display`` without rebuilding the field's choices on every call.

Django's own method turns all of a field's choices into a dict (hashing each lazily translated label, which
translates it) every time it is called: a course list of 50 rows asked it 200 times, about 1,500 translations
a page. Here each field's choices become a dict once, and each label is translated once per language. The
result is the same (tests/test_choices.py compares it with Django's for every choice field of the project)."""

from __future__ import annotations

from functools import partialmethod

from django.apps import apps
from django.utils.encoding import force_str
from django.utils.hashable import make_hashable
from django.utils.translation import get_language

from .auditing import AUDITED_APPS

# The project's own apps (every one of them is audited) and this one.
PROJECT_APPS = (*AUDITED_APPS, "diepholz_coord")


def _fast_display(field):
    labels = dict(make_hashable(field.flatchoices))
    translated: dict[tuple, object] = {}

    def display(self):
        value = make_hashable(getattr(self, field.attname))
        if value not in labels:
            return force_str(value, strings_only=True)
        key = (get_language(), value)
        if key not in translated:
            translated[key] = force_str(labels[value], strings_only=True)
        return translated[key]

    display.__name__ = f"get_{field.name}_display"
    display.__doc__ = f"The label of {field.name} in the active language."
    return display


def install() -> None:
    """Replace Django's generated ``get_<field>_display`` on every model of the project's apps (a model's own
    method of that name is left alone)."""
    for label in PROJECT_APPS:
        for model in apps.get_app_config(label).get_models():
            for field in model._meta.fields:
                name = f"get_{field.name}_display"
                if field.choices and isinstance(model.__dict__.get(name), partialmethod):
                    setattr(model, name, _fast_display(field))
