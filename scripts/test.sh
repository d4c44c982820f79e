#!/usr/bin/env bash
# Every check, as CI runs it. The suite runs twice: on SQLite, then on PostgreSQL
# (DATABASE_URL, else the local server at 127.0.0.1:5432). REQUIRE_POSTGRES=1 makes a missing
# PostgreSQL a failure instead of a loud skip.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
export PYTHONDONTWRITEBYTECODE=1
unset DJANGO_SETTINGS_MODULE
step() { printf '\n==> %s\n' "$*"; }

step "ruff"
$BIN/ruff check src benchmarks
$BIN/ruff format --check src benchmarks
step "mypy"
$BIN/mypy
step "import-linter (layers)"
$BIN/lint-imports
step "migrations are up to date"
$BIN/coverdesk makemigrations --check --dry-run
step "OpenAPI schema is up to date"
$BIN/coverdesk openapi --check
step "translation catalogues are complete and current"
$BIN/coverdesk translations --check

step "tests on SQLite"
DATABASE_URL="sqlite:///var/suite.sqlite3" $BIN/pytest -q -p no:randomly "$@"

PG_URL=${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/coverdesk}
step "tests on PostgreSQL ($PG_URL)"
if DATABASE_URL="$PG_URL" $BIN/python - <<'PY'
import os, sys
import psycopg
from coverdesk.config.env import database_from_url
db = database_from_url(os.environ["DATABASE_URL"], var_dir=".")
try:
    psycopg.connect(host=db["HOST"] or None, port=db["PORT"] or None, user=db["USER"] or None,
                    password=db["PASSWORD"] or None, dbname="postgres", connect_timeout=3).close()
except psycopg.OperationalError as exc:
    print(f"PostgreSQL does not answer: {exc}", file=sys.stderr)
    sys.exit(1)
PY
then
  DATABASE_URL="$PG_URL" $BIN/pytest -q "$@"
else
  if [ "${REQUIRE_POSTGRES:-0}" = "1" ]; then
    echo "!!! REQUIRE_POSTGRES=1 and PostgreSQL is not reachable at $PG_URL: failing." >&2
    exit 1
  fi
  printf '\n!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n' >&2
  printf '!!! PostgreSQL is not reachable at %s\n' "$PG_URL" >&2
  printf '!!! The PostgreSQL run (row locks, SKIP LOCKED, triggers) was SKIPPED.\n' >&2
  printf '!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n' >&2
fi
