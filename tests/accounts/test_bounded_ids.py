"""Address ids in the URL past what a bigint holds are no page (404), never a 500."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from scent.accounts.models import Address
from tests.factories import AddressFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("action", ["edit", "delete", "default"])
def test_a_huge_address_id_is_not_found_and_the_address_book_is_kept(client, action):
    customer = UserFactory()
    address = AddressFactory(user=customer)
    client.force_login(customer)

    response = client.post(f"/account/addresses/10000000000000000000/{action}/")

    assert response.status_code == 404
    assert list(Address.objects.filter(user=customer)) == [address]


@pytest.mark.parametrize("target", ["abc", "1\x80", "<script>"])
def test_a_signed_in_customer_opening_sign_up_with_a_next_that_is_no_path_goes_there_not_500(
    client, target
):
    client.force_login(UserFactory())

    response = client.get("/accounts/register/", {"next": target})

    assert response.status_code == 302
    assert urlsplit(response["Location"]).netloc == ""  # still this site
