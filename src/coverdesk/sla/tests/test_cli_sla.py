"""`coverdesk sla deadline|elapsed`: output, and exit status 2 with the argument named on bad
input. One test runs the installed command on a freshly migrated database."""

from __future__ import annotations

import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

COVERDESK = str(Path(sys.executable).with_name("coverdesk"))


def run(*args):
    out, err = StringIO(), StringIO()
    call_command("sla", *args, stdout=out, stderr=err)
    return out.getvalue().splitlines()


def deadline(start, amount, unit, calendar="cn-mainland"):
    return run(
        "deadline",
        "--calendar",
        calendar,
        "--start",
        start,
        "--amount",
        str(amount),
        "--unit",
        unit,
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("start", "amount", "unit", "lines"),
    [
        ("2026-02-13T15:00:00+08:00", 3, "working_days", ["2026-02-25T17:30:00+08:00"]),
        ("2026-02-13T15:00:00+08:00", 1, "working_days", ["2026-02-14T17:30:00+08:00"]),
        ("2026-02-10T10:00:00+08:00", 10, "natural_days", ["2026-02-25T00:00:00+08:00"]),
        ("2026-03-02T08:30:00+08:00", 210, "business_minutes", ["2026-03-02T12:00:00+08:00"]),
        ("2026-02-13T07:00:00Z", 3, "working_days", ["2026-02-25T17:30:00+08:00"]),
        (
            "2026-12-31T15:00:00+08:00",
            3,
            "business_hours",
            ["2027-01-01T09:00:00+08:00", "provisional"],
        ),
    ],
)
def test_deadline_prints_the_instant_first_and_provisional_second(start, amount, unit, lines):
    assert deadline(start, amount, unit) == lines


@pytest.mark.django_db
def test_deadline_on_the_7x24_calendar():
    assert deadline("2026-02-16T23:50:00+08:00", 15, "business_minutes", calendar="7x24") == [
        "2026-02-17T00:05:00+08:00"
    ]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("start", "end", "minutes"),
    [
        ("2026-02-13T15:00:00+08:00", "2026-02-25T17:30:00+08:00", "1500"),
        ("2026-03-02T12:00:00+08:00", "2026-03-02T13:30:00+08:00", "0"),
        ("2026-03-02T09:00:00+08:00", "2026-03-02T09:00:30+08:00", "0.50"),
    ],
)
def test_elapsed_prints_business_minutes(start, end, minutes):
    assert run("elapsed", "--calendar", "cn-mainland", "--from", start, "--to", end) == [minutes]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("args", "named"),
    [
        (["--calendar", "atlantis", "--start", "2026-02-13T15:00:00+08:00"], "--calendar"),
        (["--calendar", "cn-mainland", "--start", "2026-02-13T15:00:00"], "--start"),
        (["--calendar", "cn-mainland", "--start", "next friday"], "--start"),
        (["--calendar", "cn-mainland", "--start", "1850-02-13T15:00:00+08:00"], "--start"),
    ],
)
def test_deadline_bad_input_exits_2_naming_the_argument(args, named):
    with pytest.raises(CommandError) as caught:
        run("deadline", *args, "--amount", "3", "--unit", "working_days")
    assert caught.value.returncode == 2
    assert str(caught.value).startswith(f"{named}: ")


@pytest.mark.django_db
def test_deadline_negative_amount_exits_2():
    with pytest.raises(CommandError) as caught:
        deadline("2026-02-13T15:00:00+08:00", -1, "working_days")
    assert caught.value.returncode == 2
    assert str(caught.value).startswith("--amount: ")


@pytest.mark.django_db
def test_elapsed_bad_input_names_the_argument():
    with pytest.raises(CommandError) as caught:
        run(
            "elapsed",
            "--calendar",
            "cn-mainland",
            "--from",
            "2026-03-02T10:00:00+08:00",
            "--to",
            "2026-03-02T09:00:00+08:00",
        )
    assert caught.value.returncode == 2
    assert str(caught.value).startswith("--to: ")
    with pytest.raises(CommandError) as caught:
        run("elapsed", "--calendar", "cn-mainland", "--from", "2026-03-02", "--to", "x")
    assert str(caught.value).startswith("--from: ")


def test_unknown_unit_is_an_argument_error():
    # Through call_command argparse errors arrive as CommandError; the subprocess test below
    # checks the exit status 2 of the real command line.
    with pytest.raises(CommandError, match="argument --unit: invalid choice: 'fortnights'"):
        deadline("2026-02-13T15:00:00+08:00", 3, "fortnights")


def test_the_command_line_on_a_freshly_migrated_database(tmp_path):
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'fresh.sqlite3'}",
        "PYTHONDONTWRITEBYTECODE": "1",
    }

    def coverdesk(*args):
        return subprocess.run(
            [COVERDESK, *args], env=env, capture_output=True, text=True, timeout=120, check=False
        )

    migrated = coverdesk("migrate", "-v0")
    assert migrated.returncode == 0, migrated.stderr
    common = ["sla", "deadline", "--calendar", "cn-mainland", "--amount", "3"]

    ok = coverdesk(*common, "--start", "2026-02-13T15:00:00+08:00", "--unit", "working_days")
    assert (ok.returncode, ok.stdout) == (0, "2026-02-25T17:30:00+08:00\n")

    later = coverdesk(*common, "--start", "2026-12-31T15:00:00+08:00", "--unit", "business_hours")
    assert (later.returncode, later.stdout) == (0, "2027-01-01T09:00:00+08:00\nprovisional\n")

    naive = coverdesk(*common, "--start", "2026-02-13T15:00:00", "--unit", "working_days")
    assert (naive.returncode, naive.stdout) == (2, "")
    assert "--start" in naive.stderr

    unit = coverdesk(*common, "--start", "2026-02-13T15:00:00+08:00", "--unit", "fortnights")
    assert (unit.returncode, unit.stdout) == (2, "")
    assert "--unit" in unit.stderr

    calendar = [*common[:3], "atlantis", *common[4:]]
    unknown = coverdesk(*calendar, "--start", "2026-02-13T15:00:00+08:00", "--unit", "working_days")
    assert (unknown.returncode, unknown.stdout) == (2, "")
    assert "--calendar" in unknown.stderr

    elapsed = coverdesk(
        "sla",
        "elapsed",
        "--calendar",
        "cn-mainland",
        "--from",
        "2026-02-13T15:00:00+08:00",
        "--to",
        "2026-02-25T17:30:00+08:00",
    )
    assert (elapsed.returncode, elapsed.stdout) == (0, "1500\n")
