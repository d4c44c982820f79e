"""Starting `coverdesk worker` as a real process against the test database."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from urllib.parse import quote

from django.conf import settings
from django.db import connection

SRC_DIR = Path(__file__).resolve().parents[3]


def current_database_url() -> str:
    """DATABASE_URL naming the database this test process uses (the test database)."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{Path(db['NAME']).resolve()}"
    credentials = quote(db["USER"] or "")
    if db["PASSWORD"]:
        credentials += ":" + quote(db["PASSWORD"])
    host = db["HOST"] or "127.0.0.1"
    port = f":{db['PORT']}" if db["PORT"] else ""
    return f"postgres://{credentials}@{host}{port}/{quote(db['NAME'])}"


def worker_env(**extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DATABASE_URL=current_database_url(),
        DJANGO_SETTINGS_MODULE="coverdesk.config.tests.worker_settings",
        COVERDESK_VAR_DIR=str(settings.VAR_DIR),  # the same data keys as this process
        PYTHONPATH=os.pathsep.join(filter(None, [str(SRC_DIR), env.get("PYTHONPATH", "")])),
        PYTHONUNBUFFERED="1",
        LOG_LEVEL="INFO",
    )
    env.update(extra)
    return env


def start_worker(args: Sequence[str], *, env: dict[str, str], log: Path) -> subprocess.Popen:
    with log.open("ab") as stream:
        return subprocess.Popen(
            [sys.executable, "-m", "coverdesk.config.cli", "worker", *args],
            env=env,
            stdout=stream,
            stderr=subprocess.STDOUT,
            cwd=os.getcwd(),
        )


def wait_for(
    condition: Callable[[], bool],
    *,
    timeout: float,
    what: str,
    processes: Sequence[subprocess.Popen] = (),
    logs: Sequence[Path] = (),
) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        exited = [p for p in processes if p.poll() is not None]
        if exited or time.monotonic() > deadline:
            output = "\n".join(log.read_text(errors="replace") for log in logs if log.exists())
            reason = "a worker exited" if exited else f"timed out after {timeout} s"
            raise AssertionError(f"waiting for {what}: {reason}\n{output}")
        time.sleep(0.05)
