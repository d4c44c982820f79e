"""Benchmark 2 of issue 3: the SLA sweep on PostgreSQL with 10k, 100k and 1M open clocks, 1 % due.

For each size the scratch database `coverdesk_bench` (created and migrated if missing) gets N
open clocks of a 3-working-day standard on cn-mainland, started at random instants over two
weeks, with warn/due computed by the engine and bulk-inserted with COPY. `now` is chosen so
that exactly 1 % of them have passed their yellow instant. Then:

- sweep, events only: `sla_sweep` with a standard version that tells nobody and opens no
  follow-up (claim through the partial index, record each event, move the clock on);
- sweep, full: the same due clocks again with notifications (assignee and head, in-app and
  email) and the progress-report follow-up clock, as in production;
- naive poll: what a sweep without `next_event_at` must do: read every open clock and recompute
  its warning and deadline with the engine to find the due ones (detection only; firing them
  would cost the same as above on top).

Each sweep runs `--repeat` times (default 3) on the same due clocks, re-armed before each run
(events, messages and follow-up clocks removed, stage and next event put back): the machine is
shared, so one run says little. Prints a table of milliseconds per 1,000 fired events (wall
time, the median and every run; the JSON also has the CPU time of this process, without the
database server's) and, as its last line, one JSON object.

    DATABASE_URL is ignored: the benchmark always uses postgres://postgres@127.0.0.1:5432/coverdesk_bench
    python benchmarks/sla_sweep.py --sizes 10000,100000,1000000 --repeat 3
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

BENCH_DB = "coverdesk_bench"
PG = "postgres://postgres@127.0.0.1:5432"
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))


def _database_ensure() -> None:
    import psycopg

    with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [BENCH_DB]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{BENCH_DB}"')


def _setup_django() -> None:
    os.environ["DATABASE_URL"] = f"{PG}/{BENCH_DB}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "coverdesk.config.settings")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _fixtures():
    from django.contrib.auth.models import Group

    from coverdesk.accounts.models import Department, User
    from coverdesk.accounts.services import departments_ensure_defaults
    from coverdesk.sla.models import SlaStandard, SlaStandardVersion
    from coverdesk.sla.selectors.calendars import calendar_version_current

    departments_ensure_defaults()
    claims = Department.objects.get(code="claims")
    assignee, _ = User.objects.get_or_create(
        username="bench-assignee", defaults={"email": "a@example.test", "department": claims}
    )
    head, _ = User.objects.get_or_create(
        username="bench-head", defaults={"email": "h@example.test", "department": claims}
    )
    claims.head = head
    claims.save(update_fields=["head"])
    manager, _ = User.objects.get_or_create(
        username="bench-manager", defaults={"email": "m@example.test"}
    )
    manager.groups.add(Group.objects.get(name="manager"))
    cal_version = calendar_version_current(code="cn-mainland")

    def version(code: str, *, quiet: bool) -> SlaStandardVersion:
        standard, _ = SlaStandard.objects.get_or_create(
            code=code, defaults={"name": code, "name_en": code, "area": "claims"}
        )
        found, _ = SlaStandardVersion.objects.get_or_create(
            standard=standard,
            number=1,
            defaults={
                "amount": 3,
                "unit": "working_days",
                "calendar": cal_version.calendar,
                "yellow_notify": [] if quiet else ["assignee", "department_head"],
                "red_notify": [] if quiet else ["department_head", "management"],
                "progress_report_followup": not quiet,
                "rectification_followup": not quiet,
                "effective_from": datetime(2000, 1, 1, tzinfo=UTC),
            },
        )
        return found

    return (
        assignee,
        claims,
        cal_version,
        version("bench.events_only", quiet=True),
        version("bench.full", quiet=False),
    )


def _reset() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE sla_slaevent, sla_slaclocksegment, sla_slaclockreplan, sla_progressreport,"
            " sla_rectificationreport, sla_slaclock, notifications_message RESTART IDENTITY CASCADE"
        )


def _generate(n: int, cal, seed: int):
    """Starts, warns, dues and allowed measures of n clocks; `now` puts 1 % past yellow."""
    import numpy as np

    from coverdesk.sla.engine import (
        Unit,
        business_seconds_between_many,
        deadlines_compute,
        instant_after,
    )

    rng = np.random.default_rng(seed)
    first = int(datetime(2026, 3, 2, 0, 0, tzinfo=UTC).timestamp())
    starts = rng.integers(first, first + 14 * 86_400, size=n, dtype=np.int64)
    dues = deadlines_compute(cal, starts=starts, amounts=3, unit=Unit.WORKING_DAYS)
    allowed = business_seconds_between_many(cal, starts, dues)
    warns = np.empty(n, dtype=np.int64)
    for i in range(n):
        start = datetime.fromtimestamp(int(starts[i]), UTC)
        yellow = math.ceil(int(allowed[i]) * 0.8)
        at = instant_after(cal, unit=Unit.BUSINESS_MINUTES, start=start, measure=yellow)
        warns[i] = int(at.timestamp())
    now = int(np.sort(warns)[n // 100 - 1])
    return starts, warns, dues, allowed, now


def _copy(n, starts, warns, dues, allowed, *, assignee, department, cal_version, version) -> None:
    from django.db import connection

    columns = (
        "subject_type, subject_id, kind, standard_version_id, calendar_version_id, assignee_id,"
        " department_id, state, started_at, resumed_at, consumed, allowed, warn_at, due_at,"
        " due_provisional, stage, next_event_at, customer_updates, review_needed, review_note,"
        " created_at, updated_at"
    )
    created = datetime.now(UTC)
    with connection.cursor() as cursor:
        raw = cursor.cursor  # the psycopg cursor, for COPY
        with raw.copy(f"COPY sla_slaclock ({columns}) FROM STDIN") as copy:
            for i in range(n):
                start = datetime.fromtimestamp(int(starts[i]), UTC)
                warn = datetime.fromtimestamp(int(warns[i]), UTC)
                copy.write_row(
                    (
                        "bench.case",
                        str(i),
                        "primary",
                        version.pk,
                        cal_version.pk,
                        assignee.pk,
                        department.pk,
                        "running",
                        start,
                        start,
                        0,
                        int(allowed[i]),
                        warn,
                        datetime.fromtimestamp(int(dues[i]), UTC),
                        False,
                        0,
                        warn,
                        False,
                        False,
                        "",
                        created,
                        created,
                    )
                )
        cursor.execute("VACUUM ANALYZE sla_slaclock")


def _explain(now: datetime) -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "EXPLAIN SELECT id FROM sla_slaclock WHERE next_event_at <= %s"
            " ORDER BY next_event_at, id LIMIT 500 FOR UPDATE SKIP LOCKED",
            [now],
        )
        return " / ".join(row[0].strip() for row in cursor.fetchall()[:3])


def _sweep(now: datetime) -> tuple[int, float, float]:
    """One sweep: (events fired, wall seconds, CPU seconds of this process)."""
    from coverdesk.sla.services.sweep import sla_sweep

    started, cpu = time.perf_counter(), time.process_time()
    fired = sla_sweep(now=now, batch_size=500)
    return fired, time.perf_counter() - started, time.process_time() - cpu


def _rearm(due_ids: list[int], version_id: int) -> None:
    """Put the due clocks back before their first event, on `version_id`, without the events,
    messages and follow-up clocks an earlier sweep left."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE sla_slaevent, notifications_message CASCADE")
        cursor.execute(
            "DELETE FROM sla_slaclocksegment WHERE clock_id IN"
            " (SELECT id FROM sla_slaclock WHERE parent_id IS NOT NULL)"
        )
        cursor.execute("DELETE FROM sla_slaclock WHERE parent_id IS NOT NULL")
        cursor.execute(
            "UPDATE sla_slaclock SET stage = 0, next_event_at = warn_at, breached_at = NULL,"
            " standard_version_id = %s WHERE id = ANY(%s)",
            [version_id, due_ids],
        )
        cursor.execute("VACUUM ANALYZE sla_slaclock")


def _sweeps(now: datetime, due_ids: list[int], version_id: int, repeat: int) -> dict[str, Any]:
    """`repeat` sweeps of the same due clocks, re-armed before each: the median and every run
    in milliseconds per 1,000 fired events (the machine is shared: one run says little)."""
    walls, cpus, fired = [], [], 0
    for _ in range(repeat):
        _rearm(due_ids, version_id)
        fired, wall, cpu = _sweep(now)
        walls.append(wall / fired * 1000 * 1000)
        cpus.append(cpu / fired * 1000 * 1000)
    return {
        "fired": fired,
        "ms_per_1000": round(statistics.median(walls), 1),
        "runs": [round(value, 1) for value in walls],
        "cpu_ms_per_1000": round(statistics.median(cpus), 1),
    }


def _naive_poll(now: datetime) -> tuple[int, float]:
    """Read every open clock and recompute its warning and deadline."""
    from coverdesk.sla.engine import Unit, deadline_compute, instant_after, measure_between
    from coverdesk.sla.models import SlaClock, SlaStandardVersion
    from coverdesk.sla.selectors.calendars import calendar_compiled

    started = time.perf_counter()
    versions = {v.pk: v for v in SlaStandardVersion.objects.all()}
    calendars: dict[int, object] = {}
    due = 0
    rows = (
        SlaClock.objects.filter(state="running")
        .values_list("started_at", "stage", "standard_version_id", "calendar_version_id")
        .iterator(chunk_size=20_000)
    )
    for start, stage, version_id, cal_id in rows:
        cal = calendars.get(cal_id) or calendars.setdefault(
            cal_id, calendar_compiled(version_id=cal_id)
        )
        version = versions[version_id]
        deadline = deadline_compute(cal, start=start, amount=version.amount, unit=version.unit)
        allowed = measure_between(cal, unit=version.unit, start=start, end=deadline.at)
        warn = instant_after(
            cal, unit=Unit.BUSINESS_MINUTES, start=start, measure=math.ceil(allowed * 0.8)
        )
        if (stage == 0 and warn <= now) or deadline.at < now:
            due += 1
    return due, time.perf_counter() - started


def run(size: int, seed: int, repeat: int) -> dict[str, Any]:
    from coverdesk.sla.models import SlaClock
    from coverdesk.sla.selectors.calendars import calendar_compiled

    assignee, department, cal_version, quiet, full = _fixtures()
    cal = calendar_compiled(version_id=cal_version.pk)
    _reset()
    t0 = time.perf_counter()
    starts, warns, dues, allowed, now_epoch = _generate(size, cal, seed)
    t1 = time.perf_counter()
    _copy(
        size,
        starts,
        warns,
        dues,
        allowed,
        assignee=assignee,
        department=department,
        cal_version=cal_version,
        version=quiet,
    )
    t2 = time.perf_counter()
    now = datetime.fromtimestamp(now_epoch, UTC)
    due_ids = list(SlaClock.objects.filter(next_event_at__lte=now).values_list("pk", flat=True))
    plan = _explain(now)

    found, seconds_naive = _naive_poll(now)
    quiet_runs = _sweeps(now, due_ids, quiet.pk, repeat)
    full_runs = _sweeps(now, due_ids, full.pk, repeat)
    return {
        "open_clocks": size,
        "due": len(due_ids),
        "setup_generate_s": round(t1 - t0, 1),
        "setup_copy_s": round(t2 - t1, 1),
        "events_only_fired": quiet_runs["fired"],
        "events_only_ms_per_1000": quiet_runs["ms_per_1000"],
        "events_only_runs": quiet_runs["runs"],
        "events_only_cpu_ms_per_1000": quiet_runs["cpu_ms_per_1000"],
        "full_fired": full_runs["fired"],
        "full_ms_per_1000": full_runs["ms_per_1000"],
        "full_runs": full_runs["runs"],
        "full_cpu_ms_per_1000": full_runs["cpu_ms_per_1000"],
        "naive_found": found,
        "naive_ms_per_1000": round(seconds_naive / max(found, 1) * 1000 * 1000, 1),
        "naive_poll_s": round(seconds_naive, 2),
        "plan": plan,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--seed", type=int, default=20260213)
    parser.add_argument("--repeat", type=int, default=3, help="sweeps per size and kind")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    random.seed(args.seed)
    _database_ensure()
    _setup_django()
    results = []
    for size in sizes:
        result = run(size, args.seed, args.repeat)
        results.append(result)
        print(
            f"{size:>9,} open, {result['due']:>6,} due | setup {result['setup_generate_s']} s"
            f" + COPY {result['setup_copy_s']} s | ms per 1,000 events (median of"
            f" {args.repeat}): events only {result['events_only_ms_per_1000']}"
            f" {result['events_only_runs']}, full {result['full_ms_per_1000']}"
            f" {result['full_runs']}, naive poll {result['naive_ms_per_1000']}"
            f" ({result['naive_poll_s']} s per poll)",
            flush=True,
        )
        print(f"          claim plan: {result['plan']}", flush=True)
    first, last = results[0], results[-1]
    summary = {
        "results": [{k: v for k, v in r.items() if k != "plan"} for r in results],
        "growth_events_only": round(
            last["events_only_ms_per_1000"] / first["events_only_ms_per_1000"], 2
        ),
        "growth_full": round(last["full_ms_per_1000"] / first["full_ms_per_1000"], 2),
        "growth_naive": round(last["naive_ms_per_1000"] / first["naive_ms_per_1000"], 2),
    }
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
