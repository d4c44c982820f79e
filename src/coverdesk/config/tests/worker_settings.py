"""Settings for `coverdesk worker` subprocesses started by tests: the real settings, plus a
mail directory for the file email backend (named by COVERDESK_TEST_MAIL_DIR)."""

import os

from coverdesk.config.settings import *  # noqa: F403

EMAIL_FILE_PATH = os.environ.get("COVERDESK_TEST_MAIL_DIR", "")
