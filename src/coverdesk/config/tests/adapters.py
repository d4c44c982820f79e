"""An SMS adapter for worker subprocess tests: slow, and it leaves a mark once a batch is
under way, so a test can signal the worker mid-batch."""

from __future__ import annotations

import os
import time
from pathlib import Path


class SlowSmsAdapter:
    def send(self, *, to: str, body: str, reference: str) -> None:
        Path(os.environ["COVERDESK_TEST_MARKER"]).touch()
        time.sleep(0.3)
