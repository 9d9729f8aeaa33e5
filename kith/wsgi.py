"""WSGI entry point for gunicorn (see Dockerfile)."""

import os
import sys

from django.core.wsgi import get_wsgi_application

from kith.config import ConfigurationError
from kith.startup import freeze_loaded_objects

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kith.settings")

try:
    application = get_wsgi_application()
except ConfigurationError as exc:
    sys.stderr.write(f"Kith cannot start: {exc}\n")
    sys.exit(2)

# Full garbage collections then skip what every request needs (kith/startup.py).
freeze_loaded_objects()
