"""WSGI entry point for gunicorn (`gunicorn scent.wsgi`)."""

import os
import sys

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "scent.settings")

from scent.env import ConfigurationError

try:
    from django.core.wsgi import get_wsgi_application

    application = get_wsgi_application()
except ConfigurationError as exc:  # one clear line in the logs instead of a traceback
    sys.stderr.write(f"scent: configuration error: {exc}\n")
    raise SystemExit(1) from None
