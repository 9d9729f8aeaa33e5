"""Entry points that turn configuration errors into one readable line."""

import os
import sys


def run_manage(argv: list[str]) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kith.settings")
    from django.core.management import execute_from_command_line

    from kith.config import ConfigurationError

    try:
        execute_from_command_line(argv)
    except ConfigurationError as exc:
        sys.stderr.write(f"Kith cannot start: {exc}\n")
        sys.exit(2)
