"""StaticSelect: the markup of Django's Select, rendered from options prepared once."""

from __future__ import annotations

import re

import pytest
from django import forms

from scent.accounts.countries import COUNTRIES
from scent.checkout.forms import AddressForm
from scent.core.widgets import StaticSelect

CHOICES = (("", "Choose a country"), *COUNTRIES, ("XS", 'Fish & "Chips" <b>'))


def _form(widget: forms.Widget) -> type[forms.Form]:
    class CountryForm(forms.Form):
        country = forms.ChoiceField(choices=CHOICES, widget=widget)

    return CountryForm


def _same(html: str) -> str:
    return re.sub(r">\s+<", "><", html.strip())


@pytest.mark.parametrize("data", [None, {"country": "GB"}, {"country": ""}, {"country": "ZZ"}])
def test_it_writes_what_djangos_select_writes(data):
    """Given a form bound to nothing, a country, a blank or an unknown value, when its
    select is rendered, then the markup (attributes, order, the selected option, the
    error attributes, escaped labels) is Django's own."""
    django_form = _form(forms.Select(attrs={"autocomplete": "country"}))(data)
    ours = _form(StaticSelect(attrs={"autocomplete": "country"}))(data)
    django_form.is_valid() if data else None
    ours.is_valid() if data else None

    assert _same(str(ours["country"])) == _same(str(django_form["country"]))


def test_each_render_marks_only_its_own_choice():
    """Given one form class rendered for two shoppers, the second page does not carry the
    first shopper's country."""
    form_class = _form(StaticSelect())
    first = str(form_class({"country": "FR"})["country"])
    second = str(form_class({"country": "DE"})["country"])

    assert '<option value="FR" selected>' in first
    assert '<option value="FR" selected>' not in second
    assert second.count(" selected>") == 1 and '<option value="DE" selected>' in second


def test_labels_are_escaped():
    html = str(_form(StaticSelect())()["country"])

    assert "Fish &amp; &quot;Chips&quot; &lt;b&gt;" in html
    assert "<b>" not in html


def test_the_checkout_address_form_keeps_the_shoppers_country_after_an_error():
    """Given an address with a country but no street, when the form re-renders with its
    errors, then the chosen country is still selected."""
    form = AddressForm({"full_name": "Ada", "country": "GB"}, can_save=False)
    assert not form.is_valid()

    html = str(form["country"])
    assert '<option value="GB" selected>United Kingdom</option>' in html
    assert 'autocomplete="country"' in html
