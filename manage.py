#!/usr/bin/env python
"""Kith's command-line utility for administrative tasks."""

import sys

from kith.cli import run_manage

if __name__ == "__main__":
    run_manage(sys.argv)
