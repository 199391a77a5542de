import pytest

from tests.factories import NoteFactory, ProductFactory, UserFactory


@pytest.mark.django_db
def test_factories_build_a_product_with_notes_and_a_user_who_can_log_in():
    lavender = NoteFactory(name="Lavender")
    product = ProductFactory(with_notes={"top": [lavender]})
    user = UserFactory()
    assert [pn.note.name for pn in product.product_notes.all()] == ["Lavender"]
    assert user.check_password("correct horse battery")
