"""Every choice field's ``get_<field>_display`` (diepholz_coord.choices) says what Django's own method says."""

from functools import partialmethod

import pytest
from django.apps import apps
from django.db.models import Model
from django.utils import translation

from diepholz_coord.choices import PROJECT_APPS


def choice_fields():
    for label in PROJECT_APPS:
        for model in apps.get_app_config(label).get_models():
            for field in model._meta.fields:
                if field.choices:
                    yield pytest.param(model, field, id=f"{model._meta.label}.{field.name}")


FIELDS = list(choice_fields())


def test_there_are_choice_fields_to_compare():
    labels = {p.id for p in FIELDS}
    assert {"courses.Course.course_type", "courses.Course.status", "courses.Course.level_from"} <= labels
    assert len(FIELDS) >= 20


@pytest.mark.parametrize(("model", "field"), FIELDS)
@pytest.mark.parametrize("language", ["de", "en"])
def test_same_label_as_django(model, field, language):
    method = getattr(model, f"get_{field.name}_display")
    assert not isinstance(model.__dict__[f"get_{field.name}_display"], partialmethod)  # replaced
    values = [value for value, _label in field.flatchoices]
    # An unknown value (shown as it is, as Django does) and an empty one.
    values += ["not-a-choice", None] if isinstance(values[0], str) else [9999, None]
    instance = model()
    with translation.override(language):
        for value in values:
            setattr(instance, field.attname, value)
            expected = Model._get_FIELD_display(instance, field)
            assert method(instance) == expected
            assert type(method(instance)) is type(expected)
            # Asked again (from the cache), and in the other language afterwards.
            assert method(instance) == expected
    with translation.override("en" if language == "de" else "de"):
        for value in values:
            setattr(instance, field.attname, value)
            assert method(instance) == Model._get_FIELD_display(instance, field)
