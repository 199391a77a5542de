"""The `scent` console script: Django's manage.py, with Laravel-style aliases.

`scent key:generate` works like `php artisan key:generate`; a configuration error
(missing APP_KEY in production, an http APP_URL, ...) prints one line and exits 1.
"""

from __future__ import annotations

import os
import sys

# artisan-style names that map to our management commands
ALIASES = {
    "key:generate": "key_generate",
    "search:reindex": "search_reindex",
    "schedule:run": "schedule",
    "queue:work": "worker",
    "postdeploy-check": "postdeploy_check",
}


def main(argv: list[str] | None = None) -> None:
    argv = list(sys.argv if argv is None else argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "scent.settings")
    if len(argv) > 1:
        alias = ALIASES.get(argv[1])
        if alias == "schedule":
            argv[1:2] = ["schedule", "run"]
        elif alias:
            argv[1] = alias
    from scent.env import ConfigurationError

    try:
        from django.conf import settings

        settings.INSTALLED_APPS  # noqa: B018 - load settings now to report config errors cleanly
    except ConfigurationError as exc:
        sys.stderr.write(f"scent: configuration error: {exc}\n")
        raise SystemExit(1) from None

    from django.core.management import execute_from_command_line

    execute_from_command_line(argv)


if __name__ == "__main__":
    main()
