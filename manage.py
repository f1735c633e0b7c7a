#!/usr/bin/env python
"""Django's command-line utility for errortrack."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "errortrack.settings")
    from health.multiprocess import prepare_for_command

    prepare_for_command(sys.argv)  # before anything imports prometheus-client
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
