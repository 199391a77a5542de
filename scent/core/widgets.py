"""Form widgets that render faster than Django's templates for the same HTML.

Django renders a `<select>` option by option through a template each time: for the
country list of an address form (250 options) that is most of the address step's time
(bench/README.md). `StaticSelect` renders its options once, when its choices are set,
and marks the chosen one per render; the markup is the same as Django's Select.
"""

from __future__ import annotations

from django import forms
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe


def _attributes(attrs: dict) -> str:
    """HTML attributes in the given order, as Django's attrs.html writes them."""
    bare = {key: value for key, value in attrs.items() if value is not None and value is not False}
    return format_html_join(
        "",
        "{}",
        (
            (format_html(" {}", k) if v is True else format_html(' {}="{}"', k, v),)
            for k, v in bare.items()
        ),
    )


class StaticSelect(forms.Select):
    """A single-choice `<select>` over a fixed list of (value, label) pairs."""

    def __init__(self, attrs=None, choices=()) -> None:
        super().__init__(attrs, choices)
        self._options: dict[str, tuple[str, str]] = {}

    def __deepcopy__(self, memo):
        copy = super().__deepcopy__(memo)
        copy._options = self._options  # immutable per choices: shared by every form
        return copy

    @property
    def choices(self):
        return self._choices

    @choices.setter
    def choices(self, value) -> None:
        self._choices = list(value)
        self._options = {}

    def _rendered_options(self) -> dict[str, tuple[str, str]]:
        """{value: (option, option marked selected)}, in the order of the choices."""
        if not self._options:
            for value, label in self._choices:
                text = "" if value is None else str(value)
                plain = format_html('<option value="{}">{}</option>', text, label)
                chosen = format_html('<option value="{}" selected>{}</option>', text, label)
                self._options[text] = (plain, chosen)
        return self._options

    def render(self, name, value, attrs=None, renderer=None) -> SafeString:
        chosen = self.format_value(value)
        wanted = chosen[0] if chosen else ""
        options = self._rendered_options()  # an unknown value selects nothing, as Django's
        attributes = _attributes({"name": name, **self.build_attrs(self.attrs, attrs)})
        body = "\n".join(
            pair[1] if value_text == wanted else pair[0] for value_text, pair in options.items()
        )
        return mark_safe(f"<select{attributes}>\n{body}\n</select>")  # noqa: S308 (escaped above)
