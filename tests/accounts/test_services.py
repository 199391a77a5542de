from __future__ import annotations

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import close_old_connections, connection

from scent.accounts import selectors, services
from scent.accounts.models import Address
from tests.factories import AddressFactory, UserFactory

pytestmark = pytest.mark.django_db

DATA = {
    "full_name": "Ada Lovelace",
    "line1": "12 Lavender Lane",
    "city": "Bath",
    "postal_code": "BA1 1AA",
    "country": "GB",
}


def _defaults(user) -> list[int]:
    return list(Address.objects.filter(user=user, is_default=True).values_list("pk", flat=True))


def test_user_register_normalises_and_refuses_duplicates():
    user = services.user_register(email=" Ada@Example.COM ", password="lavender fields")

    assert user.email == "ada@example.com"
    assert user.check_password("lavender fields")
    with pytest.raises(ValidationError, match="already exists"):
        services.user_register(email="ADA@example.com", password="lavender fields")


def test_user_update_profile_refuses_someone_elses_email():
    ada = UserFactory(email="ada@example.com")
    UserFactory(email="grace@example.com")

    with pytest.raises(ValidationError, match="already exists"):
        services.user_update_profile(user=ada, data={"email": "Grace@example.com"})

    services.user_update_profile(user=ada, data={"email": "ADA@example.com", "phone": "123456"})
    ada.refresh_from_db()
    assert (ada.email, ada.phone) == ("ada@example.com", "123456")


def test_address_create_makes_only_the_first_one_default():
    user = UserFactory()

    first = services.address_create(user=user, data=DATA)
    second = services.address_create(user=user, data=DATA)

    assert _defaults(user) == [first.pk]
    assert not second.is_default


def test_address_create_validates_the_model():
    with pytest.raises(ValidationError) as error:
        services.address_create(user=UserFactory(), data={**DATA, "country": "ZZ"})

    assert "country" in error.value.message_dict


def test_set_default_keeps_exactly_one_default():
    user = UserFactory()
    _, b, c = (services.address_create(user=user, data=DATA) for _ in range(3))

    services.address_set_default(user=user, address_id=c.pk)
    services.address_set_default(user=user, address_id=b.pk)

    assert _defaults(user) == [b.pk]
    assert selectors.default_address(user=user) == b


def test_services_refuse_another_customers_address():
    mine, theirs = UserFactory(), AddressFactory()

    for call in (
        lambda: services.address_set_default(user=mine, address_id=theirs.pk),
        lambda: services.address_update(user=mine, address_id=theirs.pk, data={"city": "X"}),
        lambda: services.address_delete(user=mine, address_id=theirs.pk),
    ):
        with pytest.raises(Address.DoesNotExist):
            call()
    theirs.refresh_from_db()
    assert theirs.city == "Bath"


def test_deleting_the_default_promotes_the_most_recent_other_address():
    user = UserFactory()
    default = services.address_create(user=user, data=DATA)
    services.address_create(user=user, data={**DATA, "city": "Old"})
    recent = services.address_create(user=user, data={**DATA, "city": "Recent"})

    services.address_delete(user=user, address_id=default.pk)

    assert _defaults(user) == [recent.pk]


def test_deleting_the_last_address_leaves_none():
    user = UserFactory()
    only = services.address_create(user=user, data=DATA)

    services.address_delete(user=user, address_id=only.pk)

    assert selectors.default_address(user=user) is None


def test_address_list_puts_the_default_first():
    user = UserFactory()
    services.address_create(user=user, data=DATA)
    b = services.address_create(user=user, data=DATA)
    services.address_set_default(user=user, address_id=b.pk)

    assert selectors.address_list(user=user).first() == b


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif("connection.vendor == 'sqlite'", reason="row locks need MariaDB or PostgreSQL")
def test_concurrent_set_default_leaves_one_default():
    user = UserFactory()
    addresses = [services.address_create(user=user, data=DATA) for _ in range(6)]
    barrier = threading.Barrier(len(addresses))
    errors: list[BaseException] = []

    def make_default(address_id: int) -> None:
        try:
            barrier.wait()
            services.address_set_default(user=user, address_id=address_id)
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=make_default, args=(a.pk,)) for a in addresses]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert len(_defaults(user)) == 1


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif("connection.vendor == 'sqlite'", reason="needs concurrent writers")
def test_two_simultaneous_sign_ups_with_one_email_make_one_account():
    barrier = threading.Barrier(4)
    outcomes: list[str] = []

    def sign_up() -> None:
        try:
            barrier.wait()
            services.user_register(email="ada@example.com", password="lavender fields")
            outcomes.append("created")
        except ValidationError as error:
            outcomes.append(error.message_dict["email"][0])
        except BaseException as error:  # reported below
            outcomes.append(repr(error))
        finally:
            connection.close()

    threads = [threading.Thread(target=sign_up) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == ["An account with this e-mail already exists."] * 3 + ["created"]
