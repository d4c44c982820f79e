#!/usr/bin/env bash
# The demo: SQLite in var/, demo data, web server and worker. Ctrl-C stops both.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
export DEBUG=1 COVERDESK_DEMO=1
export DATABASE_URL=${DATABASE_URL:-sqlite:///var/coverdesk.sqlite3}
$BIN/coverdesk migrate --no-input -v 0
$BIN/coverdesk demo load
$BIN/coverdesk collectstatic --no-input -v 0

pids=()
stop() { trap - INT TERM; kill -TERM "${pids[@]}" 2>/dev/null || true; wait "${pids[@]}" 2>/dev/null || true; }
trap stop INT TERM
$BIN/coverdesk worker &
pids+=($!)
$BIN/coverdesk runserver --noreload 127.0.0.1:8000 &
pids+=($!)
cat <<TXT

  Coverdesk is running at http://127.0.0.1:8000/   (API docs: http://127.0.0.1:8000/api/v1/docs)
  Demo logins (password for all: coverdesk-demo):
    admin broker clerk agent adjuster surveyor backoffice head manager auditor customer
  Ctrl-C stops the web server and the worker.

TXT
wait "${pids[@]}"
