from django import forms

from scent.accounts.countries import COUNTRIES
from scent.core.widgets import StaticSelect


class ContactForm(forms.Form):
    email = forms.EmailField(
        label="E-mail address",
        help_text="We send the order confirmation here.",
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )


class AddressForm(forms.Form):
    full_name = forms.CharField(
        max_length=120, widget=forms.TextInput(attrs={"autocomplete": "name"})
    )
    line1 = forms.CharField(
        label="Address line 1",
        max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "address-line1"}),
    )
    line2 = forms.CharField(
        label="Address line 2",
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "address-line2"}),
    )
    city = forms.CharField(
        max_length=100, widget=forms.TextInput(attrs={"autocomplete": "address-level2"})
    )
    region = forms.CharField(
        label="State / county",
        max_length=100,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "address-level1"}),
    )
    postal_code = forms.CharField(
        label="Postal code",
        max_length=20,
        widget=forms.TextInput(attrs={"autocomplete": "postal-code"}),
    )
    country = forms.ChoiceField(
        choices=(("", "Choose a country"), *COUNTRIES),
        widget=StaticSelect(attrs={"autocomplete": "country"}),
    )
    phone = forms.CharField(
        max_length=32, required=False, widget=forms.TextInput(attrs={"autocomplete": "tel"})
    )
    save_address = forms.BooleanField(
        label="Save this address to my address book", required=False, initial=True
    )

    def __init__(self, *args, can_save: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if not can_save:
            del self.fields["save_address"]


class ShippingForm(forms.Form):
    shipping_method = forms.TypedChoiceField(coerce=int, widget=forms.RadioSelect, label="Delivery")

    def __init__(self, *args, methods=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["shipping_method"].choices = [(m.pk, m.name) for m in methods]


class CouponForm(forms.Form):
    code = forms.CharField(label="Coupon code", max_length=40)
