"""FastSelect renders the same <select> as Django's Select, without a template per option."""

import re

import pytest
from django import forms
from hypothesis import given
from hypothesis import strategies as st

from courses.models import Municipality, Provider
from diepholz_coord.forms import FastSelect, StrictModelChoiceField
from tests import factories


def normalised(html: str) -> str:
    html = re.sub(r">\s+<", "><", html.strip())
    # Attribute order differs (Django puts the template's name first, then the attrs in order given).
    return re.sub(r"<select ([^>]*)>", lambda m: "<select " + " ".join(sorted(m.group(1).split(" "))) + ">", html)


labels = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs", "Cc"]), max_size=12)


@given(
    choices=st.lists(st.tuples(st.text(max_size=5), labels), max_size=8, unique_by=lambda c: c[0]),
    value=st.one_of(st.none(), st.text(max_size=5)),
)
def test_same_html_as_djangos_select(choices, value):
    attrs = {"id": "id_x", "class": "form-select"}
    expected = forms.Select(choices=choices).render("x", value, attrs)
    assert normalised(FastSelect(choices=choices).render("x", value, attrs)) == normalised(expected)


@pytest.mark.django_db
def test_same_html_for_model_choices_with_one_chosen():
    providers = [factories.ProviderFactory(name=name) for name in ["Träger <A>", "B & C", "D"]]
    field = forms.ModelChoiceField(queryset=Provider.objects.order_by("name"), empty_label="alle")
    chosen = providers[1].pk
    expected = forms.Select(choices=field.choices).render("provider", chosen)
    rendered = FastSelect(choices=field.choices).render("provider", chosen)
    assert normalised(rendered) == normalised(expected)
    assert rendered.count(" selected") == 1 and "B &amp; C" in rendered and "Träger &lt;A&gt;" in rendered


def test_grouped_choices_fall_back_to_django():
    choices = [("Gruppe", [("a", "A"), ("b", "B")]), ("c", "C")]
    assert FastSelect(choices=choices).render("x", "b") == forms.Select(choices=choices).render("x", "b")


@pytest.mark.django_db
@pytest.mark.parametrize("model", [Provider, Municipality])
def test_options_read_as_values_are_the_options_of_instances(model, django_assert_num_queries):
    """StrictModelChoiceField(label_field=...) lists the same options as a model choice field over instances (the
    label field is what the model's __str__ gives), in one query, and still validates against the queryset."""
    for name in ["Träger <A>", "B & C", "D"]:
        factories.ProviderFactory(name=name) if model is Provider else factories.MunicipalityFactory(name=name)
    queryset = model.objects.order_by("name")
    plain = StrictModelChoiceField(queryset=queryset, empty_label="alle")
    by_value = StrictModelChoiceField(queryset=queryset, empty_label="alle", label_field="name")
    expected = [(str(value), str(label)) for value, label in plain.choices]
    with django_assert_num_queries(1):
        found = [(str(value), str(label)) for value, label in by_value.choices]
    assert found == expected and len(found) == queryset.count() + 1
    chosen = queryset[1]
    assert FastSelect(choices=by_value.choices).render("x", chosen.pk) == FastSelect(choices=plain.choices).render(
        "x", chosen.pk
    )
    assert by_value.clean(str(chosen.pk)) == chosen
    with pytest.raises(forms.ValidationError):
        by_value.clean("999999")
