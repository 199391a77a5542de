import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from scent.catalog import images
from scent.catalog.models import Product, ProductImage
from scent.catalog.services import (
    add_product_image,
    delete_product_image,
    regenerate_thumbnail,
    replace_product_image_file,
    set_products_active,
    set_products_featured,
)
from tests.factories import ProductFactory, ProductImageFactory, image_bytes

pytestmark = pytest.mark.django_db


def _open(field) -> Image.Image:
    with field.open("rb") as fh:
        img = Image.open(io.BytesIO(fh.read()))
        img.load()
        return img


def test_an_uploaded_photo_is_stored_with_a_smaller_square_thumbnail():
    product = ProductFactory(name="Lavender Oil")
    upload = SimpleUploadedFile("My Photo.JPG", image_bytes((1600, 1200)), "image/jpeg")

    image = add_product_image(product=product, image_file=upload, alt_text="Lavender bottle")

    assert image.pk and image.alt_text == "Lavender bottle"
    assert (image.width, image.height) == (1600, 1200)
    assert image.image.name.startswith(f"products/{product.slug}/")
    thumb = _open(image.thumbnail)
    assert thumb.format == "WEBP"
    assert thumb.size == images.THUMBNAIL_SIZE
    assert image.thumbnail.size < image.image.size
    assert list(product.images.all()) == [image]


def test_images_without_a_position_go_after_the_existing_ones():
    product = ProductFactory()
    first = ProductImageFactory(product=product)
    second = ProductImageFactory(product=product)
    assert (first.position, second.position) == (0, 1)


def test_the_thumbnail_follows_the_exif_orientation():
    # given a landscape JPEG whose EXIF says "rotate 90°" (as phones write it)
    img = Image.new("RGB", (800, 400), "#3f8f86")
    exif = Image.Exif()
    exif[0x0112] = 6
    out = io.BytesIO()
    img.save(out, "JPEG", exif=exif)

    image = add_product_image(product=ProductFactory(), image_file=out.getvalue(), alt_text="x")

    # the stored picture is upright (portrait) and says so
    assert (image.width, image.height) == (400, 800)
    assert _open(image.image).size == (400, 800)


def test_a_png_with_transparency_gets_a_white_background_thumbnail():
    img = Image.new("RGBA", (300, 300), (0, 0, 0, 0))
    out = io.BytesIO()
    img.save(out, "PNG")
    image = add_product_image(product=ProductFactory(), image_file=out.getvalue(), alt_text="x")
    assert _open(image.thumbnail).convert("RGB").getpixel((10, 10)) == (255, 255, 255)


def test_a_file_that_is_not_a_picture_is_rejected_with_a_clear_message():
    product = ProductFactory()
    upload = SimpleUploadedFile("notes.jpg", b"%PDF-1.7 definitely not a picture", "image/jpeg")

    with pytest.raises(ValidationError) as err:
        add_product_image(product=product, image_file=upload, alt_text="x")

    assert "not a picture we can read" in err.value.messages[0]
    assert product.images.count() == 0


def test_a_truncated_picture_is_rejected():
    data = image_bytes((800, 800))[:2000]
    with pytest.raises(ValidationError, match="not a picture"):
        add_product_image(product=ProductFactory(), image_file=data, alt_text="x")


def test_a_huge_picture_is_rejected_before_it_is_decoded():
    # 12000x12000 of one colour compresses to a small PNG: only the pixel count betrays it
    out = io.BytesIO()
    Image.new("1", (12000, 12000)).save(out, "PNG")

    with pytest.raises(ValidationError) as err:
        add_product_image(product=ProductFactory(), image_file=out.getvalue(), alt_text="x")

    assert "12000 x 12000 pixels" in err.value.messages[0]


def test_a_file_over_the_size_limit_is_rejected(settings):
    upload = SimpleUploadedFile("big.jpg", b"\xff" * (images.MAX_UPLOAD_BYTES + 1), "image/jpeg")
    with pytest.raises(ValidationError, match="the limit is 10 MB"):
        add_product_image(product=ProductFactory(), image_file=upload, alt_text="x")


def test_alt_text_is_required():
    with pytest.raises(ValidationError, match="alt text"):
        add_product_image(product=ProductFactory(), image_file=image_bytes(), alt_text="  ")


def test_deleting_an_image_removes_its_files(django_capture_on_commit_callbacks):
    image = ProductImageFactory()
    storage = image.image.storage
    names = [image.image.name, image.thumbnail.name]

    with django_capture_on_commit_callbacks(execute=True):
        delete_product_image(image=image)

    assert not any(storage.exists(n) for n in names)


def test_bulk_activate_and_feature_report_how_many_changed():
    on, off = ProductFactory(is_active=True), ProductFactory(is_active=False)

    assert set_products_active(product_ids=[on.pk, off.pk], active=False) == 1
    assert not Product.objects.filter(is_active=True).exists()
    assert set_products_active(product_ids=[on.pk, off.pk], active=True) == 2
    assert set_products_featured(product_ids=[on.pk], featured=True) == 1
    assert list(Product.objects.filter(is_featured=True)) == [on]


def test_replacing_a_picture_removes_the_old_files_after_commit(django_capture_on_commit_callbacks):
    image = ProductImageFactory(image=image_bytes((300, 300), "#ff0000"))
    storage = image.image.storage
    old = [image.image.name, image.thumbnail.name]

    with django_capture_on_commit_callbacks(execute=True):
        replace_product_image_file(
            image=image, image_file=image_bytes((500, 400), "#0000ff", "PNG")
        )

    image.refresh_from_db()
    assert (image.width, image.height) == (500, 400)
    assert storage.exists(image.image.name) and storage.exists(image.thumbnail.name)
    assert not any(storage.exists(n) for n in old)


def test_a_file_shared_by_another_image_is_kept_when_one_is_deleted(
    django_capture_on_commit_callbacks,
):
    first = ProductImageFactory()
    twin = ProductImage.objects.create(
        product=ProductFactory(),
        image=first.image.name,
        thumbnail=first.thumbnail.name,
        alt_text="x",
    )

    with django_capture_on_commit_callbacks(execute=True):
        delete_product_image(image=first)

    assert twin.image.storage.exists(twin.image.name)
    assert twin.thumbnail.storage.exists(twin.thumbnail.name)


def test_a_lost_thumbnail_can_be_regenerated_from_the_original():
    image = ProductImageFactory(image=image_bytes((900, 300)))
    image.thumbnail.storage.delete(image.thumbnail.name)

    regenerate_thumbnail(image=image)

    image.refresh_from_db()
    assert _open(image.thumbnail).size == images.THUMBNAIL_SIZE
