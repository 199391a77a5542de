"""Address ids in the URL past what a bigint holds are no page (404), never a 500."""

from __future__ import annotations

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
