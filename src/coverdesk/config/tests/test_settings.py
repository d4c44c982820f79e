import base64
import os
import subprocess
import sys
from pathlib import Path

import pytest

from coverdesk.config.env import database_from_url

COVERDESK = str(Path(sys.executable).with_name("coverdesk"))


def _run(env_changes, *args):
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("COVERDESK_", "DEBUG", "DJANGO_"))
    }
    env.pop("DATABASE_URL", None)
    env.update(env_changes)
    return subprocess.run(
        [COVERDESK, *args], env=env, capture_output=True, text=True, timeout=120, check=False
    )


def _production(tmp_path, **overrides):
    env = {
        "COVERDESK_ENV": "production",
        "COVERDESK_VAR_DIR": str(tmp_path),
        "SECRET_KEY": "x" * 30 + "-production-secret-with-enough-entropy-1234567890",
        "DATABASE_URL": "postgres://coverdesk@db.internal:5432/coverdesk",
        "ALLOWED_HOSTS": "coverdesk.example.cn",
        "COVERDESK_DATA_KEYS": "k1:" + base64.b64encode(b"k" * 32).decode(),
        "COVERDESK_INDEX_KEY": base64.b64encode(b"i" * 32).decode(),
    }
    env.update(overrides)
    return {k: v for k, v in env.items() if v is not None}


def test_deploy_check_is_clean_with_production_settings(tmp_path):
    result = _run(_production(tmp_path), "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize(
    ("overrides", "named"),
    [
        ({"SECRET_KEY": None}, "SECRET_KEY"),
        ({"DATABASE_URL": None}, "DATABASE_URL"),
        ({"ALLOWED_HOSTS": None}, "ALLOWED_HOSTS"),
        ({"COVERDESK_DATA_KEYS": None}, "COVERDESK_DATA_KEYS"),
        ({"DATABASE_URL": "mysql://x/y"}, "DATABASE_URL"),
        ({"DEBUG": "maybe"}, "DEBUG"),
        ({"COVERDESK_ENV": "staging"}, "COVERDESK_ENV"),
        ({"SESSION_COOKIE_AGE": "eight hours"}, "SESSION_COOKIE_AGE"),
    ],
)
def test_missing_or_malformed_variables_stop_start_up_naming_them(tmp_path, overrides, named):
    result = _run(_production(tmp_path, **overrides), "check")
    assert result.returncode == 2
    assert "configuration error" in result.stderr
    assert named in result.stderr
    assert "Traceback" not in result.stderr


def test_development_generates_a_local_secret_key_once(tmp_path):
    env = {"COVERDESK_VAR_DIR": str(tmp_path), "DATABASE_URL": f"sqlite:///{tmp_path}/db.sqlite3"}
    assert _run(env, "check").returncode == 0
    first = (tmp_path / "secret_key").read_text()
    assert _run(env, "check").returncode == 0
    assert (tmp_path / "secret_key").read_text() == first
    assert oct((tmp_path / "secret_key").stat().st_mode & 0o777) == "0o600"


def test_database_urls():
    sqlite = database_from_url("sqlite:///var/x.sqlite3", var_dir="var")
    assert (sqlite["ENGINE"], sqlite["NAME"]) == ("django.db.backends.sqlite3", "var/x.sqlite3")
    assert sqlite["OPTIONS"]["transaction_mode"] == "IMMEDIATE"
    assert "journal_mode=WAL" in sqlite["OPTIONS"]["init_command"]
    assert database_from_url("sqlite:////abs/x.db", var_dir="var")["NAME"] == "/abs/x.db"
    pg = database_from_url("postgres://u:p%40ss@h:6432/cd", var_dir="var")
    assert (pg["USER"], pg["PASSWORD"], pg["HOST"], pg["PORT"], pg["NAME"]) == (
        "u",
        "p@ss",
        "h",
        "6432",
        "cd",
    )


@pytest.mark.django_db
def test_sqlite_runs_in_wal_mode_with_a_busy_timeout():
    from django.db import connection

    if connection.vendor != "sqlite":
        pytest.skip("SQLite only")
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA journal_mode")
        assert cursor.fetchone()[0] == "wal"
        cursor.execute("PRAGMA busy_timeout")
        assert cursor.fetchone()[0] == 20000
