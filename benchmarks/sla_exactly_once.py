"""Benchmark 3 of issue 3: exactly-once events with two workers and a worker killed mid-batch.

Each round, in the scratch database `coverdesk_bench`: N clocks (default 100) past both their
yellow and red instants, on a standard that notifies (assignee and head, in-app and email) and
opens follow-up clocks. Then three forked worker processes sweep them:

- a victim starts first, claims a batch, and stalls inside it after a few notifications; it is
  killed with SIGKILL while the two others run (its transaction dies with its connection);
- workers A and B sweep at the same time as each other;
- then one more sweep runs, as the next periodic run would, to pick up what the victim held.

After each round: every (clock, kind, level) event exists once (none missed, none twice), each
with exactly its four messages and its one follow-up clock. Prints one line per 10 rounds and,
as its last line, one JSON object.

    python benchmarks/sla_exactly_once.py --rounds 100 --clocks 100
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import random
import signal
import sys
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import sla_sweep as bench  # the same scratch database and fixtures


def _sweep_worker(now: datetime, batch_size: int, result) -> None:
    from coverdesk.sla.services.sweep import sla_sweep

    result.value = sla_sweep(now=now, batch_size=batch_size)


def _victim(now: datetime, stalled, result) -> None:
    from coverdesk.sla.services import sweep

    real = sweep.notification_send
    calls = 0

    def stalling(**kwargs):
        nonlocal calls
        calls += 1
        sent = real(**kwargs)
        if calls == 3:
            stalled.set()
            time.sleep(600)
        return sent

    sweep.notification_send = stalling
    result.value = sweep.sla_sweep(now=now, batch_size=25)


def _round(n: int, fixtures, cal, seed: int) -> dict[str, int]:
    from django.db import connections

    from coverdesk.notifications.models import Message
    from coverdesk.sla.models import SlaClock, SlaEvent

    assignee, department, cal_version, _quiet, full = fixtures
    bench._reset()
    starts, warns, dues, allowed, _now = bench._generate(max(n, 100), cal, seed)
    starts, warns, dues, allowed = starts[:n], warns[:n], dues[:n], allowed[:n]
    bench._copy(
        n,
        starts,
        warns,
        dues,
        allowed,
        assignee=assignee,
        department=department,
        cal_version=cal_version,
        version=full,
    )
    now = datetime.fromtimestamp(int(dues.max()), UTC) + timedelta(hours=1)
    connections.close_all()  # each forked worker opens its own connection

    ctx = multiprocessing.get_context("fork")
    stalled = ctx.Event()
    counts = [ctx.Value("i", -1) for _ in range(3)]
    victim = ctx.Process(target=_victim, args=(now, stalled, counts[0]))
    victim.start()
    killed = stalled.wait(timeout=60)
    workers = [ctx.Process(target=_sweep_worker, args=(now, 25, counts[i])) for i in (1, 2)]
    for worker in workers:
        worker.start()
    if killed:
        time.sleep(random.uniform(0, 0.05))
        os.kill(victim.pid, signal.SIGKILL)
    victim.join(timeout=60)
    for worker in workers:
        worker.join(timeout=600)
        assert worker.exitcode == 0, f"worker exit code {worker.exitcode}"

    from coverdesk.sla.services.sweep import sla_sweep

    leftovers = sla_sweep(now=now, batch_size=25)

    primaries = set(SlaClock.objects.filter(kind="primary").values_list("pk", flat=True))
    keys = Counter(
        SlaEvent.objects.filter(clock_id__in=primaries).values_list("clock_id", "kind", "level")
    )
    expected = {(pk, kind, 0) for pk in primaries for kind in ("yellow", "red")}
    messages = Counter(
        Message.objects.filter(subject_id__in=[str(pk) for pk in primaries]).values_list(
            "subject_id", "template"
        )
    )
    followups = Counter(SlaClock.objects.exclude(kind="primary").values_list("parent_id", "kind"))
    return {
        "killed_mid_batch": int(killed and victim.exitcode == -signal.SIGKILL),
        "events": sum(keys.values()),
        "duplicates": sum(times - 1 for times in keys.values() if times > 1),
        "missed": len(expected - set(keys)),
        "message_errors": sum(1 for v in messages.values() if v != 4)
        + (2 * len(primaries) - len(messages)),
        "followup_errors": sum(1 for v in followups.values() if v != 1)
        + (2 * len(primaries) - len(followups)),
        "by_a": counts[1].value,
        "by_b": counts[2].value,
        "by_next_sweep": leftovers,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=100)
    parser.add_argument("--clocks", type=int, default=100)
    parser.add_argument("--seed", type=int, default=20260213)
    args = parser.parse_args()
    random.seed(args.seed)
    bench._database_ensure()
    bench._setup_django()
    from coverdesk.sla.selectors.calendars import calendar_compiled

    fixtures = bench._fixtures()
    cal = calendar_compiled(version_id=fixtures[2].pk)
    totals: Counter[str] = Counter()
    started = time.perf_counter()
    for round_number in range(1, args.rounds + 1):
        result = _round(args.clocks, fixtures, cal, args.seed + round_number)
        totals.update(result)
        totals["rounds"] += 1
        totals["both_workers_fired"] += int(result["by_a"] > 0 and result["by_b"] > 0)
        if round_number % 10 == 0:
            print(
                f"round {round_number:>3}: events {totals['events']}, duplicates"
                f" {totals['duplicates']}, missed {totals['missed']}, killed mid-batch"
                f" {totals['killed_mid_batch']}, picked up by the next sweep"
                f" {totals['by_next_sweep']}",
                flush=True,
            )
    summary = {
        "rounds": totals["rounds"],
        "clocks_per_round": args.clocks,
        "events": totals["events"],
        "duplicates": totals["duplicates"],
        "missed": totals["missed"],
        "message_errors": totals["message_errors"],
        "followup_errors": totals["followup_errors"],
        "killed_mid_batch": totals["killed_mid_batch"],
        "rounds_both_workers_fired": totals["both_workers_fired"],
        "events_left_by_the_killed_worker": totals["by_next_sweep"],
        "seconds": round(time.perf_counter() - started, 1),
    }
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
