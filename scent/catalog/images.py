"""Product pictures: check an upload, make its square thumbnail, draw demo pictures.

Pure Pillow work on bytes; storing files and rows is the job of `services.py`.
"""

from __future__ import annotations

import io
import math
import random
import warnings
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import IO

from django.core.exceptions import ValidationError
from PIL import Image, ImageDraw, ImageFilter, ImageFont, ImageOps, UnidentifiedImageError

THUMBNAIL_SIZE = (480, 480)
THUMBNAIL_FORMAT = "WEBP"
THUMBNAIL_QUALITY = 82
MAX_UPLOAD_BYTES = 10 * 1024 * 1024
MAX_PIXELS = 40_000_000  # 40 megapixels; Pillow's own bomb guard sits far higher
MAX_SIDE = 10_000
ALLOWED_FORMATS = {"JPEG", "PNG", "WEBP", "GIF"}
_EXTENSIONS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp", "GIF": "gif"}

# Background colours per scent family (light, deep) for the drawn demo pictures.
FAMILY_COLOURS: dict[str, tuple[str, str]] = {
    "floral": ("#f6e3ee", "#b76e99"),
    "citrus": ("#fff3d1", "#e0a526"),
    "woody": ("#efe4d6", "#8a6242"),
    "herbal": ("#e4efe0", "#5f8a5a"),
    "spicy": ("#f8e1d6", "#b5532f"),
    "earthy": ("#ebe5da", "#6f6450"),
    "fresh": ("#e0f2ef", "#3f8f86"),
    "resinous": ("#f3e6d2", "#a4702f"),
    "sweet": ("#f7e6e1", "#b8736a"),
    "": ("#eef0ea", "#6e7f6a"),
}


@dataclass(frozen=True, slots=True)
class CheckedImage:
    """An upload that passed the checks, with what we learnt reading it."""

    data: bytes
    format: str  # Pillow format name, e.g. "JPEG"
    width: int  # after applying the EXIF orientation
    height: int
    needs_transpose: bool

    @property
    def extension(self) -> str:
        return _EXTENSIONS[self.format]


def _read(image_file: IO[bytes] | bytes) -> bytes:
    if isinstance(image_file, bytes | bytearray):
        return bytes(image_file)
    if hasattr(image_file, "seek"):
        image_file.seek(0)
    size = getattr(image_file, "size", None)
    if size is not None and size > MAX_UPLOAD_BYTES:
        raise _too_big(size)
    data = image_file.read(MAX_UPLOAD_BYTES + 1)
    if hasattr(image_file, "seek"):
        image_file.seek(0)
    return data


def _too_big(size: int) -> ValidationError:
    return ValidationError(
        "The picture is %(size)s MB; the limit is %(limit)s MB. Export it smaller and try again.",
        code="image_too_large",
        params={"size": f"{size / 1024 / 1024:.1f}", "limit": MAX_UPLOAD_BYTES // 1024 // 1024},
    )


def check_image(image_file: IO[bytes] | bytes) -> CheckedImage:
    """Read an upload and raise ValidationError unless it is a picture we can use."""
    data = _read(image_file)
    if len(data) > MAX_UPLOAD_BYTES:
        raise _too_big(len(data))
    if not data:
        raise ValidationError("The file is empty.", code="image_empty")
    try:
        with warnings.catch_warnings():
            # We check the pixel count ourselves below, with a message for the shop owner.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            img = Image.open(io.BytesIO(data))
        with img:
            fmt = img.format or ""
            width, height = img.size
            if fmt not in ALLOWED_FORMATS:
                raise ValidationError(
                    "%(format)s pictures are not supported; upload a JPEG, PNG, WebP or GIF.",
                    code="image_format",
                    params={"format": fmt or "This kind of"},
                )
            if width * height > MAX_PIXELS or max(width, height) > MAX_SIDE:
                raise ValidationError(
                    "The picture is %(w)s x %(h)s pixels; the limit is %(mp)s megapixels and "
                    "%(side)s pixels a side. Resize it and try again.",
                    code="image_too_large",
                    params={
                        "w": width,
                        "h": height,
                        "mp": MAX_PIXELS // 1_000_000,
                        "side": MAX_SIDE,
                    },
                )
            orientation = img.getexif().get(0x0112, 1)
            img.load()  # decodes fully: catches truncated or corrupt files
    except Image.DecompressionBombError:
        raise ValidationError(
            "The picture has far too many pixels; the limit is %(mp)s megapixels.",
            code="image_too_large",
            params={"mp": MAX_PIXELS // 1_000_000},
        ) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise ValidationError(
            "This file is not a picture we can read; upload a JPEG, PNG, WebP or GIF.",
            code="image_invalid",
        ) from None
    transpose = orientation in (5, 6, 7, 8)
    if transpose:
        width, height = height, width
    return CheckedImage(
        data=data,
        format=fmt,
        width=width,
        height=height,
        needs_transpose=orientation not in (None, 1),
    )


def _to_rgb(img: Image.Image) -> Image.Image:
    """Flatten transparency on white: thumbnails sit on light cards."""
    if img.mode in ("RGBA", "LA") or (img.mode == "P" and "transparency" in img.info):
        img = img.convert("RGBA")
        background = Image.new("RGB", img.size, "#ffffff")
        background.paste(img, mask=img.getchannel("A"))
        return background
    return img.convert("RGB")


def normalised_original(checked: CheckedImage) -> bytes:
    """The bytes to store as the original: as uploaded, unless EXIF says it must be turned."""
    if not checked.needs_transpose:
        return checked.data
    with Image.open(io.BytesIO(checked.data)) as img:
        upright = ImageOps.exif_transpose(img)
        out = io.BytesIO()
        fmt = checked.format if checked.format != "GIF" else "PNG"
        if fmt == "JPEG":
            upright = _to_rgb(upright)
            upright.save(out, "JPEG", quality=92, optimize=True)
        else:
            upright.save(out, fmt)
        return out.getvalue()


def make_thumbnail(checked: CheckedImage, size: tuple[int, int] = THUMBNAIL_SIZE) -> bytes:
    """A square WebP thumbnail cropped to the centre, upright per EXIF."""
    with Image.open(io.BytesIO(checked.data)) as img:
        img.draft("RGB", (size[0] * 2, size[1] * 2))  # JPEG: decode at a reduced scale, fast
        upright = ImageOps.exif_transpose(img)
        rgb = _to_rgb(upright)
        thumb = ImageOps.fit(rgb, size, method=Image.Resampling.LANCZOS)
        out = io.BytesIO()
        thumb.save(out, THUMBNAIL_FORMAT, quality=THUMBNAIL_QUALITY, method=4)
        return out.getvalue()


def thumbnail_name(original_name: str) -> str:
    """`lavender.jpg` -> `lavender-thumb.webp` (only the file name, no folder)."""
    stem = PurePosixPath(original_name).stem or "image"
    return f"{stem}-thumb.{THUMBNAIL_FORMAT.lower()}"


# --- Demo pictures -----------------------------------------------------------


def _hex(colour: str) -> tuple[int, int, int]:
    colour = colour.lstrip("#")
    return int(colour[0:2], 16), int(colour[2:4], 16), int(colour[4:6], 16)


def _mix(a: tuple[int, int, int], b: tuple[int, int, int], t: float) -> tuple[int, int, int]:
    return tuple(round(a[i] + (b[i] - a[i]) * t) for i in range(3))  # type: ignore[return-value]


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    for name in ("DejaVuSerif.ttf", "DejaVuSans.ttf"):
        try:
            return ImageFont.truetype(name, size)
        except OSError:
            continue
    return ImageFont.load_default(size=size)  # Pillow's bundled font: no system fonts needed


def _wrap(draw: ImageDraw.ImageDraw, text: str, font, max_width: int) -> list[str]:
    lines: list[str] = []
    line = ""
    for word in text.split():
        candidate = f"{line} {word}".strip()
        if draw.textlength(candidate, font=font) <= max_width or not line:
            line = candidate
        else:
            lines.append(line)
            line = word
    if line:
        lines.append(line)
    return lines


def draw_demo_image(
    *, title: str, family: str, variant: int = 0, size: int = 800, subtitle: str = ""
) -> bytes:
    """A soft gradient with leaves and petals in the family's colours and the product name.

    Deterministic for the same arguments, so re-seeding draws the same picture.
    """
    light, deep = (_hex(c) for c in FAMILY_COLOURS.get(family, FAMILY_COLOURS[""]))
    rng = random.Random(f"{title}|{family}|{variant}")
    # A vertical gradient, light to a tint of the deep colour (drawn small, scaled up: fast).
    gradient = Image.new("RGB", (1, 256))
    top, bottom = (
        (light, _mix(light, deep, 0.35)) if variant % 2 == 0 else (_mix(light, deep, 0.25), light)
    )
    for y in range(256):
        gradient.putpixel((0, y), _mix(top, bottom, y / 255))
    img = gradient.resize((size, size), Image.Resampling.BICUBIC)

    # Botanical shapes drawn at half size and scaled up: soft edges, and fast.
    full, size = size, size // 2
    layer = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    draw = ImageDraw.Draw(layer)
    for _ in range(7 + variant % 3):
        cx, cy = rng.uniform(0, size), rng.uniform(0, size)
        radius = rng.uniform(size * 0.08, size * 0.22)
        colour = _mix(light, deep, rng.uniform(0.3, 0.8))
        draw.ellipse(
            (cx - radius, cy - radius, cx + radius, cy + radius),
            fill=(*colour, rng.randint(40, 90)),
        )
    # A curved stem with leaves, on the left or the right depending on the variant.
    side = 1 if variant % 2 == 0 else -1
    base_x = size * (0.2 if side == 1 else 0.8)
    stem = [
        (base_x + side * size * 0.08 * math.sin(t * math.pi / 2), size * (1.02 - 0.72 * t))
        for t in (i / 24 for i in range(25))
    ]
    leaf_colour = (*_mix(deep, light, 0.2), 200)
    draw.line(stem, fill=(*deep, 190), width=max(3, size // 150), joint="curve")
    for i in range(1, 8):
        x, y = stem[i * 3]
        direction = math.radians((-40 if i % 2 else -140) + rng.uniform(-12, 12))
        length = size * (0.17 - 0.012 * i)
        half_width = length * 0.28
        ux, uy = math.cos(direction), math.sin(direction)
        outline = []
        for k in range(21):
            t = k / 20
            w = half_width * math.sin(math.pi * t)
            outline.append((x + ux * length * t - uy * w, y + uy * length * t + ux * w))
        for k in range(20, -1, -1):
            t = k / 20
            w = half_width * math.sin(math.pi * t)
            outline.append((x + ux * length * t + uy * w, y + uy * length * t - ux * w))
        draw.polygon(outline, fill=leaf_colour)
        draw.line(
            [(x, y), (x + ux * length * 0.9, y + uy * length * 0.9)],
            fill=(*_mix(light, deep, 0.4), 160),
            width=max(1, size // 400),
        )
    layer = layer.filter(ImageFilter.GaussianBlur(radius=1.2)).resize(
        (full, full), Image.Resampling.BICUBIC
    )
    img = Image.alpha_composite(img.convert("RGBA"), layer)
    size = full

    # The name on a soft card in the lower third.
    card = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    font = _font(max(18, size // 14))
    small = _font(max(12, size // 30))
    lines = _wrap(draw, title, font, int(size * 0.72))[:3]
    line_height = int(font.size * 1.25) if hasattr(font, "size") else size // 12
    block = line_height * len(lines) + (int(small.size * 1.6) if subtitle else 0)
    top_y = int(size * 0.62 - block / 2)
    ImageDraw.Draw(card).rounded_rectangle(
        (size * 0.1, top_y - size * 0.04, size * 0.9, top_y + block + size * 0.04),
        radius=size // 30,
        fill=(255, 255, 255, 190),
    )
    img = Image.alpha_composite(img, card)
    draw = ImageDraw.Draw(img)
    for i, line in enumerate(lines):
        width = draw.textlength(line, font=font)
        draw.text(((size - width) / 2, top_y + i * line_height), line, font=font, fill=(*deep, 255))
    if subtitle:
        width = draw.textlength(subtitle, font=small)
        draw.text(
            ((size - width) / 2, top_y + len(lines) * line_height + small.size * 0.3),
            subtitle,
            font=small,
            fill=(*_mix(deep, (60, 60, 60), 0.4), 255),
        )
    out = io.BytesIO()
    img.convert("RGB").save(out, "WEBP", quality=85, method=2)
    return out.getvalue()
