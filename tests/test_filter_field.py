"""The filter bars' fields (``filter_field``) give the markup crispy-forms gives, without its templates."""

import pytest
from crispy_forms.templatetags.crispy_forms_filters import as_crispy_field
from django.test.html import parse_html
from django.utils import translation

from courses.filters import CourseFilter
from diepholz_coord.templatetags.form_tags import filter_field
from participants.filters import ParticipantFilter
from tests import factories
from transitions.forms import BoardFilterForm

DATA = [
    {},
    {"q": "<b>Kurs & Co</b>", "status": "bookable"},
    # Invalid choices everywhere: the fields carry errors (is-invalid, aria attributes, the messages).
    {"q": "x", "level": "99", "municipality": "abc", "provider": "٣", "status": "zz", "due_within": "x"},
    {"unanswered": "on", "status": "offered"},
]


def forms_for(user, data):
    yield CourseFilter(data, user=user).form
    yield ParticipantFilter(data).form
    yield BoardFilterForm(data)


@pytest.mark.django_db
@pytest.mark.parametrize("data", DATA)
@pytest.mark.parametrize("language", ["de", "en"])
def test_same_markup_as_crispy(data, language):
    factories.ProviderFactory(name="Träger <A> & B")
    factories.MunicipalityFactory(name="Syke")
    user = factories.UserFactory()
    compared = 0
    with translation.override(language):
        # Fresh forms for each renderer: crispy adds its classes to the widget's attributes in place.
        for ours, theirs in zip(forms_for(user, data), forms_for(user, data), strict=True):
            ours.is_valid()
            theirs.is_valid()
            for own_field, crispy_field in zip(ours, theirs, strict=True):
                assert parse_html(str(filter_field(own_field))) == parse_html(str(as_crispy_field(crispy_field))), (
                    own_field.name
                )
                compared += 1
    assert compared >= 15


@pytest.mark.django_db
def test_errors_are_shown_with_the_field():
    form = CourseFilter({"level": "99"}, user=factories.UserFactory()).form
    assert not form.is_valid()
    html = str(filter_field(form["level"]))
    assert 'aria-invalid="true"' in html
    assert 'class="invalid-feedback"' in html
    assert "is-invalid" in html
