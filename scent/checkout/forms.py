from django import forms

from scent.accounts.forms import AddressForm as AccountAddressForm
from scent.accounts.services import ADDRESS_FIELDS


class ContactForm(forms.Form):
    email = forms.EmailField(
        label="E-mail address",
        help_text="We send the order confirmation here.",
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )


class AddressForm(AccountAddressForm):
    """The address book's form (the same fields, limits and cleaning, so an address the
    checkout takes can always be kept in the book) as the checkout asks it: no label and
    no default flag; a signed-in shopper may keep the address."""

    save_address = forms.BooleanField(
        label="Save this address to my address book", required=False, initial=True
    )

    class Meta(AccountAddressForm.Meta):
        fields = [name for name in ADDRESS_FIELDS if name != "label"]
        # The step's template marks what is optional itself.
        labels = {
            "line1": "Address line 1",
            "line2": "Address line 2",
            "region": "State / county",
            "postal_code": "Postal code",
            "phone": "Phone",
        }

    def __init__(self, *args, can_save: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["make_default"]
        if not can_save:
            del self.fields["save_address"]


class ShippingForm(forms.Form):
    shipping_method = forms.TypedChoiceField(coerce=int, widget=forms.RadioSelect, label="Delivery")

    def __init__(self, *args, methods=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["shipping_method"].choices = [(m.pk, m.name) for m in methods]


class CouponForm(forms.Form):
    code = forms.CharField(label="Coupon code", max_length=40)
