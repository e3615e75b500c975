"""FastSelect renders the same <select> as Django's Select, without a template per option."""

import re

import pytest
from django import forms
from hypothesis import given
from hypothesis import strategies as st

from courses.models import Provider
from diepholz_coord.forms import FastSelect
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
