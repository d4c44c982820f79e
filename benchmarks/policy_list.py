"""Benchmark of issue 4: the policy list and policy search through the API with 100,000 policies.

In the scratch PostgreSQL database `bench_policies` (created and migrated if missing; it ignores
DATABASE_URL) the script generates, unless they are already there: 10,000 organisations (phone
encrypted as in production), 3 helicopters and 5 insured persons (ID numbers encrypted, blind
index) per organisation, and 100,000 policies on the shipped aviation product with their issue
version and insured-object index rows (about 4 per policy), periods starting 2021–2026; 3 % are
cancelled and the first organisation holds 2,000 policies (a large customer's portal). Customers,
aircraft and persons go in with bulk_create (so encryption and blind indexes are the fields'
own), policies, versions and index rows with COPY. Nothing goes through the services.

Then every case runs `--repeat` times (default 30, after 3 warm-up runs), each time on another
randomly chosen target, through Django's test client with a clerk's bearer token — the whole
stack: URL routing, token authentication, permission checks, the selector, pagination with its
COUNT, shaping and JSON. Searches are what a client does: find the customer, aircraft or person
by what the user typed, then list that one's policies (the second request uses the id from the
first answer); both requests are timed together and separately.

The peer, measured in the same run: every SELECT the same request(s) sent to PostgreSQL
(captured in an untimed repeat of the request), replayed through a separate psycopg connection —
the database's share of the same page. The ratio API / SQL is the cost of everything above the
database.

Prints one line per case (median and p95 in milliseconds, the peer's median, the ratio, the
query count) and the page query's plan for the plain list, and as its last line one JSON
object. Target (issue 4): every case under 200 ms.

    python benchmarks/policy_list.py --policies 100000 --repeat 30
    python benchmarks/policy_list.py --regenerate        # drop the generated rows and make anew
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import time
from collections.abc import Callable
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

BENCH_DB = "bench_policies"
PG = "postgres://postgres@127.0.0.1:5432"
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
SHANGHAI = ZoneInfo("Asia/Shanghai")
PRODUCT = "aviation-programme"
MARKER = "bench-policy-list"  # the bench users' username prefix


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
    from django.test.utils import setup_test_environment

    call_command("migrate", verbosity=0)
    setup_test_environment()  # the test client's host, and no e-mail leaves


# Data ---------------------------------------------------------------------------------------


def _users() -> dict[str, Any]:
    from coverdesk.accounts.models import User
    from coverdesk.accounts.tests.factories import make_user

    users = {}
    for role in ("clerk", "broker", "customer"):
        username = f"{MARKER}-{role}"
        user = User.objects.filter(username=username).first()
        users[role] = user or make_user(role, username=username)
    return users


def _terms(aircraft: list[tuple[int, str]], persons: list[tuple[int, str]]) -> str:
    """Version terms shaped like the real ones (sizes matter for the table, not the values)."""
    items: list[dict[str, Any]] = [
        {
            "key": "coverage:aviation_comprehensive",
            "kind": "coverage",
            "data": {"code": "aviation_comprehensive", "name": "航空器综合保险", "rating": {}},
        }
    ]
    items += [
        {
            "key": f"aircraft:{pk}",
            "kind": "aircraft",
            "data": {"id": pk, "registration_mark": mark, "agreed_value": "70000000.00"},
        }
        for pk, mark in aircraft
    ]
    items += [
        {"key": f"person:{pk}", "kind": "person", "data": {"id": pk, "name": name}}
        for pk, name in persons
    ]
    return json.dumps({"product": {"code": PRODUCT, "name": "警用航空保险方案"}, "items": items})


def _generated(n_policies: int) -> bool:
    from coverdesk.policies.models import Policy

    return (
        Policy.objects.count() == n_policies
        and Policy.objects.filter(number__startswith="BP").count() == n_policies
    )


def _truncate() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE policies_policyobject, policies_policyversion, policies_endorsement,"
            " policies_servicingrequest, policies_followup, policies_application, policies_quote,"
            " policies_needsintake, policies_policystatuschange, policies_policy,"
            " policies_aircraftchange, policies_insuredpersonchange, policies_aircraft,"
            " policies_insuredperson, parties_contact, parties_customeraccess, parties_party"
            " RESTART IDENTITY CASCADE"
        )


def _copy(table: str, columns: list[str], rows: Any) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = %s"
            " AND is_nullable = 'NO' AND column_default IS NULL",
            [table],
        )
        required = {name for (name,) in cursor.fetchall()} - {"id"}
        missing = required - set(columns)
        if missing:
            raise SystemExit(f"{table}: the generator does not fill {sorted(missing)}")
        with cursor.cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)


def generate(n_policies: int, seed: int) -> dict[str, Any]:
    """The customers, their fleets and crews (bulk_create) and the policies (COPY)."""
    from django.db import connection, transaction

    from coverdesk.catalog.models import ProductVersion
    from coverdesk.parties.models import Party
    from coverdesk.parties.services import customer_access_grant
    from coverdesk.policies.calculations import add_months
    from coverdesk.policies.demo import demo_id_number
    from coverdesk.policies.models.insured import Aircraft, InsuredPerson

    rng = random.Random(seed)
    n_customers = max(n_policies // 10, 10)
    users = _users()
    version = ProductVersion.objects.get(product__code=PRODUCT, number=1)
    started = time.perf_counter()
    with transaction.atomic():
        _truncate()
        Party.objects.bulk_create(
            [
                Party(
                    kind="organisation",
                    name=f"测试航空客户{c:05d}有限公司",
                    name_en=f"Bench Aviation {c:05d}",
                    credit_code=f"91BENCH{c:011d}",
                    phone=f"138{c:08d}",
                )
                for c in range(n_customers)
            ],
            batch_size=2000,
        )
        customers = list(Party.objects.order_by("pk").values_list("pk", flat=True))
        Aircraft.objects.bulk_create(
            [
                Aircraft(
                    customer_id=customer,
                    model=rng.choice(["H145", "H175", "AW139", "H135"]),
                    manufacturer="Bench",
                    registration_mark=f"B-{i * 3 + k:05X}",
                    serial_number=f"SN{i * 3 + k:06d}",
                    agreed_value=Decimal("70000000.00"),
                    purchase_year=2010 + (i + k) % 15,
                    crew_seats=2,
                    passenger_seats=6,
                    ownership="owned",
                )
                for i, customer in enumerate(customers)
                for k in range(3)
            ],
            batch_size=5000,
        )
        InsuredPerson.objects.bulk_create(
            [
                InsuredPerson(
                    customer_id=customer,
                    name=f"人员{i * 5 + k:06d}",
                    id_number=demo_id_number(date(1970 + k * 5, 1 + i % 12, 1 + k), i % 1000),
                    category=["pilot", "pilot", "aircrew", "ground_crew", "ground_crew"][k],
                    occupation="飞行员",
                    department="航空队",
                )
                for i, customer in enumerate(customers)
                for k in range(5)
            ],
            batch_size=2000,
        )
        fleets: dict[int, list[tuple[int, str]]] = {}
        for pk, customer, mark in Aircraft.objects.values_list(
            "pk", "customer_id", "registration_mark"
        ):
            fleets.setdefault(customer, []).append((pk, mark))
        crews: dict[int, list[tuple[int, str]]] = {}
        for pk, customer, name in InsuredPerson.objects.values_list("pk", "customer_id", "name"):
            crews.setdefault(customer, []).append((pk, name))
        t_objects = time.perf_counter()

        # Policies: the first customer holds 2 %, the rest spread evenly.
        big = customers[0]
        owners = [big if rng.random() < 0.02 else rng.choice(customers) for _ in range(n_policies)]
        first, last = date(2021, 1, 1), date(2026, 12, 31)
        starts = sorted(
            first + timedelta(days=rng.randrange((last - first).days)) for _ in range(n_policies)
        )
        sequence: dict[int, int] = {}
        policies, versions, objects = [], [], []
        for i, (customer, start) in enumerate(zip(owners, starts, strict=True)):
            pk = i + 1
            end = add_months(start, 12) - timedelta(days=1)
            issued = datetime(start.year, start.month, start.day, 10, tzinfo=SHANGHAI) - timedelta(
                days=rng.randrange(1, 20)
            )
            sequence[issued.year] = sequence.get(issued.year, 0) + 1
            number = f"BP{issued.year}{sequence[issued.year]:06d}"
            premium = Decimal(rng.randrange(5_000_000, 300_000_000)) / 100
            cancelled = rng.random() < 0.03
            cancelled_on = start + timedelta(days=rng.randrange(1, 300)) if cancelled else None
            written = (premium / 2).quantize(Decimal("0.01")) if cancelled else premium
            policies.append(
                (
                    number,
                    customer,
                    version.pk,
                    "cancelled" if cancelled else "active",
                    start,
                    end,
                    premium,
                    written,
                    users["broker"].pk,
                    issued,
                    "",
                    cancelled_on,
                    "not_due",
                    issued,
                    issued,
                )
            )
            fleet = rng.sample(fleets[customer], rng.randint(1, 3))
            crew = rng.sample(crews[customer], rng.randint(0, 3))
            versions.append(
                (pk, 1, "issue", start, end, _terms(fleet, crew), premium, premium, issued)
            )
            objects += [(pk, pk, a, None) for a, _mark in fleet]
            objects += [(pk, pk, None, p) for p, _name in crew]
        _copy(
            "policies_policy",
            [
                "number",
                "customer_id",
                "product_version_id",
                "status",
                "period_start",
                "period_end",
                "term_premium",
                "premium_written",
                "broker_id",
                "issued_at",
                "filing_reference",
                "cancelled_on",
                "renewal_status",
                "created_at",
                "updated_at",
            ],
            policies,
        )
        _copy(
            "policies_policyversion",
            [
                "policy_id",
                "number",
                "kind",
                "effective_from",
                "effective_to",
                "terms",
                "term_premium",
                "premium_change",
                "created_at",
            ],
            versions,
        )
        _copy(
            "policies_policyobject",
            ["version_id", "policy_id", "aircraft_id", "person_id"],
            objects,
        )
        customer_access_grant(
            user=users["customer"], party=Party.objects.get(pk=big), acting_user=None
        )
    with connection.cursor() as cursor:
        for table in (
            "parties_party",
            "policies_aircraft",
            "policies_insuredperson",
            "policies_policy",
            "policies_policyversion",
            "policies_policyobject",
        ):
            cursor.execute(f"VACUUM ANALYZE {table}")
    finished = time.perf_counter()
    return {
        "customers": n_customers,
        "aircraft": n_customers * 3,
        "persons": n_customers * 5,
        "policies": n_policies,
        "policy_objects": len(objects),
        "objects_s": round(t_objects - started, 1),
        "policies_s": round(finished - t_objects, 1),
    }


# Timing -------------------------------------------------------------------------------------


def _client(user: Any) -> Any:
    from django.test import Client

    from coverdesk.accounts.services import api_token_create

    token = api_token_create(user=user, name="bench", acting_user=user).plaintext
    return Client(HTTP_AUTHORIZATION=f"Bearer {token}")


def _get(client: Any, path: str) -> dict[str, Any]:
    response = client.get(path)
    if response.status_code != 200:
        raise SystemExit(f"{path}: {response.status_code} {response.content[:300]!r}")
    return dict(response.json())


Step = Callable[[dict[str, Any]], str]  # the answer so far -> the next path


class Case:
    """A named sequence of requests; `targets` gives each repetition its own starting point."""

    def __init__(self, name: str, client: Any, steps: list[Step], targets: list[Any]) -> None:
        self.name, self.client, self.steps, self.targets = name, client, steps, targets

    def run(self, target: Any) -> list[float]:
        """Milliseconds of each step, each request's path built from the previous answer."""
        seconds, answer = [], {"target": target}
        for step in self.steps:
            path = step(answer)
            started = time.perf_counter()
            answer = {"target": target, **_get(self.client, path)}
            seconds.append((time.perf_counter() - started) * 1000)
            if "items" in answer and not answer["items"] and step is not self.steps[-1]:
                raise SystemExit(f"{self.name}: {path} found nothing")
        return seconds

    def captured(self, target: Any) -> list[str]:
        """The SELECTs the steps send, from an untimed repeat."""
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as queries:
            self.run(target)
        return [
            q["sql"] for q in queries.captured_queries if q["sql"].lstrip().startswith("SELECT")
        ]


def _replay(conn: Any, statements: list[str]) -> float:
    started = time.perf_counter()
    for sql in statements:
        conn.execute(sql).fetchall()
    return (time.perf_counter() - started) * 1000


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(share * (len(ordered) - 1))))
    return ordered[index]


def measure(case: Case, repeat: int, conn: Any, rng: random.Random) -> dict[str, Any]:
    for target in rng.sample(case.targets, 3):
        case.run(target)
    totals, steps, sql, queries = [], [], [], []
    for target in (
        rng.sample(case.targets, repeat)
        if len(case.targets) >= repeat
        else [rng.choice(case.targets) for _ in range(repeat)]
    ):
        times = case.run(target)
        totals.append(sum(times))
        steps.append(times)
        statements = case.captured(target)
        queries.append(len(statements))
        sql.append(_replay(conn, statements))
    median = statistics.median(totals)
    sql_median = statistics.median(sql)
    return {
        "case": case.name,
        "median_ms": round(median, 1),
        "p95_ms": round(_percentile(totals, 0.95), 1),
        "steps_median_ms": [round(statistics.median(s), 1) for s in zip(*steps, strict=True)],
        "sql_median_ms": round(sql_median, 1),
        "ratio_api_to_sql": round(median / sql_median, 2) if sql_median else None,
        "selects": max(queries),
    }


def _explain(conn: Any, sql: str) -> str:
    """The plan's top node and its scans, with the execution time."""
    rows = [row[0] for row in conn.execute("EXPLAIN (ANALYZE, BUFFERS OFF) " + sql).fetchall()]
    kept = [rows[0]] + [r for r in rows[1:] if "Scan" in r or "Execution Time" in r]
    return "\n".join(f"      {line.strip()}" for line in kept)


def cases(users: dict[str, Any], clients: dict[str, Any], rng: random.Random) -> list[Case]:
    from coverdesk.parties.models import Party
    from coverdesk.policies.models import Policy
    from coverdesk.policies.models.insured import Aircraft, InsuredPerson

    def sample(values: Any, k: int = 400) -> list[Any]:
        values = list(values)
        return rng.sample(values, min(k, len(values)))

    ids = list(Policy.objects.values_list("pk", flat=True))
    numbers = list(Policy.objects.filter(pk__in=sample(ids)).values_list("number", flat=True))
    parties = sample(Party.objects.values_list("name", flat=True))
    marks = sample(Aircraft.objects.values_list("registration_mark", flat=True))
    persons = sample(InsuredPerson.objects.values_list("name", flat=True))
    pages = Policy.objects.count() // 50
    clerk, portal = clients["clerk"], clients["customer"]

    def first_id(answer: dict[str, Any]) -> int:
        return int(answer["items"][0]["id"])

    return [
        Case("list, first page", clerk, [lambda a: "/api/v1/policies"], [None] * 10),
        Case(
            "list, a page deep in the list",
            clerk,
            [lambda a: f"/api/v1/policies?page={a['target']}"],
            list(range(2, pages)),
        ),
        Case(
            "list, in force on a day",
            clerk,
            [lambda a: f"/api/v1/policies?in_force_on={a['target']}"],
            [date(2022, 1, 1) + timedelta(days=d) for d in range(0, 1400, 7)],
        ),
        Case("number, exact", clerk, [lambda a: f"/api/v1/policies?number={a['target']}"], numbers),
        Case(
            "number, first 10 characters",
            clerk,
            [lambda a: f"/api/v1/policies?number={a['target'][:10]}"],
            numbers,
        ),
        Case(
            "customer name -> policies",
            clerk,
            [
                lambda a: f"/api/v1/customers?q={a['target'][6:11]}",
                lambda a: f"/api/v1/policies?customer={first_id(a)}",
            ],
            parties,
        ),
        Case(
            "registration mark -> policies",
            clerk,
            [
                lambda a: f"/api/v1/aircraft?q={a['target']}",
                lambda a: f"/api/v1/policies?aircraft={first_id(a)}",
            ],
            marks,
        ),
        Case(
            "insured person -> policies",
            clerk,
            [
                lambda a: f"/api/v1/insured-persons?q={a['target']}",
                lambda a: f"/api/v1/policies?person={first_id(a)}",
            ],
            persons,
        ),
        Case(
            "customer portal: own policies (2 % of all)",
            portal,
            [lambda a: "/api/v1/policies"],
            [None] * 10,
        ),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--policies", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--seed", type=int, default=20261122)
    parser.add_argument("--regenerate", action="store_true")
    args = parser.parse_args()
    _database_ensure()
    _setup_django()
    import psycopg

    setup: dict[str, Any] = {"reused": True}
    if args.regenerate or not _generated(args.policies):
        setup = generate(args.policies, args.seed)
        print(
            f"generated {setup['policies']:,} policies ({setup['policy_objects']:,} insured-object"
            f" rows), {setup['customers']:,} customers, {setup['aircraft']:,} aircraft,"
            f" {setup['persons']:,} persons: {setup['objects_s']} s + {setup['policies_s']} s",
            flush=True,
        )
    users = _users()
    clients = {role: _client(user) for role, user in users.items()}
    rng = random.Random(args.seed)
    results = []
    with psycopg.connect(f"{PG}/{BENCH_DB}", autocommit=True) as conn:
        for case in cases(users, clients, rng):
            result = measure(case, args.repeat, conn, rng)
            results.append(result)
            steps = " + ".join(f"{s}" for s in result["steps_median_ms"])
            print(
                f"{result['case']:<45} median {result['median_ms']:>6} ms ({steps}),"
                f" p95 {result['p95_ms']:>6} ms | bare SQL {result['sql_median_ms']:>6} ms,"
                f" API/SQL {result['ratio_api_to_sql']}x, {result['selects']} SELECTs",
                flush=True,
            )
        first_page = cases(users, clients, rng)[0].captured(None)
        for sql in [q for q in first_page if '"policies_policy"' in q]:
            print(f"    first page: {sql[:90]}…\n{_explain(conn, sql)}", flush=True)
    slowest = max(results, key=lambda r: r["p95_ms"])
    print(
        json.dumps(
            {
                "policies": args.policies,
                "repeat": args.repeat,
                "setup": setup,
                "results": results,
                "target_ms": 200,
                "all_medians_under_target": all(r["median_ms"] < 200 for r in results),
                "all_p95_under_target": all(r["p95_ms"] < 200 for r in results),
                "slowest_p95": slowest["case"],
            }
        )
    )


if __name__ == "__main__":
    main()
