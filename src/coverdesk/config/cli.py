"""The `coverdesk` command: Django's management commands under the project's own name."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "coverdesk.config.settings")
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    try:
        execute_from_command_line(["coverdesk", *sys.argv[1:]])
    except ImproperlyConfigured as exc:
        # A settings problem is the operator's to fix: say which variable, no traceback.
        print(f"coverdesk: configuration error: {exc}", file=sys.stderr)
        sys.exit(2)


if __name__ == "__main__":
    main()
