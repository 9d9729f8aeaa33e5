"""Load test: the directory search page and the listings API under gunicorn.

    DATABASE_URL=postgres://kith:kith@127.0.0.1:5432/kith_load \\
    ELASTICSEARCH_URL=http://127.0.0.1:9200 \\
        .venv/bin/python benchmarks/load.py [--listings 10000] [--users 40] [--duration 60]

Needs the bench extra (``pip install -e ".[test,bench]"``: locust). Prints
figures and asserts nothing (see benchmarks/README.md). In order:

1. Applies migrations to the configured PostgreSQL database (its own, e.g.
   kith_load: the run writes to it) and writes N synthetic Greater Manchester
   listings as search snapshots and into an Elasticsearch index under its own
   prefix (ELASTICSEARCH_INDEX_PREFIX, default ``kith-load``: the site's index
   and other runs' are never touched), with benchmarks/search.py's generator.
2. Starts gunicorn (``kith.wsgi``, DEBUG off, ``--workers`` processes) on a free
   loopback port, and a task worker (``db_worker``) as a deployment runs one:
   each search queues a search-log write.
3. Runs locust headless for ``--duration`` seconds: ``--users`` simulated
   people, each from their own address (X-Forwarded-For through one trusted
   proxy, so the API's per-address limits hold) and asking ``--rate``
   requests a second on average, at random moments (``--arrivals random``: each
   person's requests start as a Poisson process, as people who do not know of
   each other arrive; ``lockstep`` is locust's ``constant_throughput``, where
   each person asks exactly every 1/rate seconds from when they were started,
   so with people started ten a second and two requests a second each, a fifth
   of all users ask at the same moment, five times a second), half on the search
   page (``/directory/?postcode=...``) and half on ``/api/v1/listings/``, with
   real Greater Manchester postcodes and outcomes from the vocabulary.
4. Prints requests/s and p50/p95/p99 per endpoint and overall, errors, and the
   one-minute load average before the run and sampled during it, then stops
   gunicorn and removes its listings, index and search-log rows.
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

import gevent

# locust patches the standard library for gevent when imported, so it comes
# before Django and the database and Elasticsearch clients are loaded.
from locust import FastHttpUser, constant_throughput, events, task  # noqa: I001
from locust.env import Environment

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.request_cpu import listings_api_params, places, search_page_params  # noqa: E402

DEFAULT_INDEX_PREFIX = "kith-load"
TARGET_RPS = 150
TARGET_P95_MS = 200

# Filled by main() before the users start.
PLACES: list[str] = []
OUTCOMES: list[str] = []


def random_arrivals(rate: float):
    """A wait_time: the person's requests start at the moments of a Poisson process
    of ``rate`` a second. A request that overruns the next moment is followed at
    once, and the moments go on from then (no catching up in a burst)."""

    def wait_time(user) -> float:
        now = time.monotonic()
        planned = getattr(user, "_next_start", now) + random.expovariate(rate)
        user._next_start = max(planned, now)
        return user._next_start - now

    return wait_time


class Person(FastHttpUser):
    """Someone searching: the web page or an app on the API, about half each."""

    wait_time = constant_throughput(2)  # replaced from --rate in main()
    addresses = iter(f"10.{i // 65536 % 256}.{i // 256 % 256}.{i % 256}" for i in range(1, 10**7))

    def on_start(self):
        # Each person comes from their own address, through the one proxy Kith
        # trusts (KITH_TRUSTED_PROXIES=1), so the API's per-address limits apply
        # to each person as they would on the site, not to the test as one client.
        self.headers = {"X-Forwarded-For": next(Person.addresses)}

    # The requests are benchmarks/request_cpu.py's, which measures their CPU time.
    @task(2)
    def search_page(self):
        params = search_page_params(random, PLACES, OUTCOMES)
        self.client.get(
            "/directory/", params=params, name="search page /directory/", headers=self.headers
        )

    @task(2)
    def listings_api(self):
        params = listings_api_params(random, PLACES, OUTCOMES)
        self.client.get(
            "/api/v1/listings/", params=params, name="API /api/v1/listings/", headers=self.headers
        )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def server_env(index_prefix: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="kith.settings",
        ELASTICSEARCH_INDEX_PREFIX=index_prefix,
        DEBUG="false",
        LOG_LEVEL="WARNING",
        KITH_TRUSTED_PROXIES="1",
    )
    return env


def wait_until_up(url: str, process: subprocess.Popen, seconds: float = 180) -> None:
    import urllib.request

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"gunicorn stopped (exit code {process.returncode}).")
        try:
            with urllib.request.urlopen(url, timeout=30) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise SystemExit(f"gunicorn did not answer {url} within {seconds:.0f} s.")


def data_step(*args: str) -> str:
    """Run a step of benchmarks/load_data.py in its own process (Django and its database
    clients stay out of this one, which gevent has patched); its last line of output."""
    result = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "load_data.py"), *args],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
        check=True,
    )
    lines = result.stdout.strip().splitlines()
    print("\n".join(lines[:-1]), flush=True)
    return lines[-1] if lines else ""


def start_server(args, env, started: list) -> str:
    """gunicorn and the task worker; each is added to ``started`` as it starts, so
    they are stopped even if the other fails."""
    port = free_port()
    host = f"http://127.0.0.1:{port}"
    gunicorn = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "kith.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(args.workers),
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    started.append(gunicorn)
    worker = None
    if not args.no_task_worker:
        worker = subprocess.Popen(
            [sys.executable, "manage.py", "db_worker", "--no-reload", "--verbosity", "0"],
            cwd=ROOT,
            env=env,
        )
        started.append(worker)
    wait_until_up(f"{host}/api/v1/outcomes/", gunicorn)
    return host


def stop(process: subprocess.Popen | None) -> None:
    if process is None or process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) used so far by a process and its children still running."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    pids = [pid]
    while pids:
        current = pids.pop()
        try:
            fields = Path(f"/proc/{current}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / ticks
            pids += [
                int(child)
                for task in Path(f"/proc/{current}/task").iterdir()
                for child in (task / "children").read_text().split()
            ]
        except (OSError, IndexError, ValueError):
            continue
    return total


def cpu_by_part(processes: list) -> dict[str, float]:
    """CPU seconds so far of everything on the machine, by what it is: gunicorn,
    the task worker, this process (locust), Elasticsearch, PostgreSQL, the rest."""
    import psutil

    ours = {
        process.pid: name
        for process, name in zip(processes, ("gunicorn", "task worker"), strict=False)
    }
    machine = psutil.cpu_times()
    parts: dict[str, float] = {
        "machine idle": machine.idle + getattr(machine, "iowait", 0.0),
        "machine busy": sum(machine) - machine.idle - getattr(machine, "iowait", 0.0),
        "steal": getattr(machine, "steal", 0.0),
        "softirq": getattr(machine, "softirq", 0.0),
    }
    for proc in psutil.process_iter(["pid", "ppid", "name", "cmdline", "cpu_times"]):
        info = proc.info
        if info["cpu_times"] is None:
            continue
        if info["pid"] == os.getpid():
            part = "locust (this process)"
        elif info["pid"] in ours or info["ppid"] in ours:
            part = ours.get(info["pid"]) or ours[info["ppid"]]
        elif info["name"] == "java" or "elasticsearch" in " ".join(info["cmdline"] or []):
            part = "Elasticsearch"
        elif (info["name"] or "").startswith("postgres"):
            part = "PostgreSQL"
        else:
            part = "everything else"
        times = info["cpu_times"]
        parts[part] = parts.get(part, 0.0) + times.user + times.system
    return parts


def run_locust(host: str, args, server_pid: int, processes=()) -> tuple[Environment, list[float]]:
    Person.wait_time = (
        constant_throughput(args.rate)
        if args.arrivals == "lockstep"
        else random_arrivals(args.rate)
    )
    env = Environment(user_classes=[Person], host=host, events=events)
    runner = env.create_local_runner()
    loads: list[float] = []

    def sample_load():
        while True:
            gevent.sleep(5)
            loads.append(os.getloadavg()[0])

    sampler = gevent.spawn(sample_load)
    # Warm up (untimed): every gunicorn worker opens its connections, fills its caches.
    runner.start(min(args.users, 4), spawn_rate=4)
    gevent.sleep(args.warmup)
    env.stats.reset_all()
    runner.start(args.users, spawn_rate=args.spawn_rate)
    gevent.sleep(args.users / args.spawn_rate)
    env.stats.reset_all()  # timed from when every user is running
    started, cpu_before = time.monotonic(), cpu_seconds(server_pid)
    parts_before = cpu_by_part(list(processes))
    gevent.sleep(args.duration)
    elapsed, server_cpu = time.monotonic() - started, cpu_seconds(server_pid) - cpu_before
    parts_after = cpu_by_part(list(processes))
    env.cpu_parts = {part: parts_after[part] - parts_before.get(part, 0.0) for part in parts_after}
    runner.stop()
    sampler.kill()
    env.runner_elapsed = elapsed
    env.server_cpu = server_cpu
    return env, loads


def report(env: Environment, loads: list[float], load_before: tuple, args) -> None:
    elapsed = env.runner_elapsed
    print(
        f"\n{args.users} users for {elapsed:.0f} s (each {args.rate:g} requests/s, "
        f"{args.arrivals} arrivals), "
        f"gunicorn with {args.workers} workers, {os.cpu_count()} CPUs on this machine"
    )
    print(
        f"{'endpoint':32} {'requests':>9} {'req/s':>7} {'p50 ms':>7} {'p95 ms':>7} "
        f"{'p99 ms':>7} {'errors':>7}"
    )
    rows = sorted(env.stats.entries.values(), key=lambda e: e.name) + [env.stats.total]
    for entry in rows:
        name = "overall" if entry is env.stats.total else entry.name
        print(
            f"{name:32} {entry.num_requests:9,} {entry.num_requests / elapsed:7.1f} "
            f"{entry.get_response_time_percentile(0.5):7.0f} "
            f"{entry.get_response_time_percentile(0.95):7.0f} "
            f"{entry.get_response_time_percentile(0.99):7.0f} {entry.num_failures:7,}"
        )
    for error in env.stats.errors.values():
        print(f"  error x{error.occurrences}: {error.method} {error.name}: {error.error}")
    total = env.stats.total
    rps = total.num_requests / elapsed
    p95 = total.get_response_time_percentile(0.95)
    print(
        "load average (1 min): before "
        + "/".join(f"{x:.2f}" for x in load_before)
        + (f", during: mean {statistics.mean(loads):.2f}, max {max(loads):.2f}" if loads else "")
    )
    if total.num_requests:
        cpu_ms = env.server_cpu * 1000 / total.num_requests
        print(
            f"gunicorn's CPU time: {cpu_ms:.0f} ms a request ({env.server_cpu:.0f} s over the "
            f"run), so {os.cpu_count()} idle CPUs would serve at most about "
            f"{(os.cpu_count() or 1) * 1000 / cpu_ms:.0f} requests/s before PostgreSQL's and "
            "Elasticsearch's own share"
        )
        parts = sorted(
            ((part, seconds) for part, seconds in env.cpu_parts.items() if "machine" not in part),
            key=lambda item: -item[1],
        )
        busy, idle = env.cpu_parts["machine busy"], env.cpu_parts["machine idle"]
        print(f"The machine's CPUs were {100 * busy / (busy + idle):.0f}% busy")
        print(
            "CPU time over the timed run, ms a request: "
            + ", ".join(
                f"{part} {seconds * 1000 / total.num_requests:.1f}" for part, seconds in parts
            )
            + f" (the machine has {os.cpu_count() or 1} x {elapsed:.0f} s)"
        )
    print(
        f"target: >= {TARGET_RPS} requests/s at p95 <= {TARGET_P95_MS} ms; "
        f"measured {rps:.0f} requests/s at p95 {p95:.0f} ms"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--listings", type=int, default=10_000)
    parser.add_argument("--users", type=int, default=80, help="simulated people at once")
    parser.add_argument("--rate", type=float, default=2, help="requests/s per person")
    parser.add_argument(
        "--arrivals",
        choices=["random", "lockstep"],
        default="random",
        help="when each person's requests start (see the docstring)",
    )
    parser.add_argument("--spawn-rate", type=float, default=10, help="people started a second")
    parser.add_argument("--duration", type=float, default=60, help="timed seconds")
    parser.add_argument("--warmup", type=float, default=10, help="untimed seconds first")
    parser.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 1) + 1)
    parser.add_argument("--no-task-worker", action="store_true", help="do not run db_worker")
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--keep", action="store_true", help="leave the listings and index")
    args = parser.parse_args()

    database = os.environ.get("DATABASE_URL", "")
    if not database.startswith(("postgres://", "postgresql://")) or not os.environ.get(
        "ELASTICSEARCH_URL"
    ):
        print(
            "benchmarks/load.py needs PostgreSQL (DATABASE_URL=postgres://...) and "
            "Elasticsearch (ELASTICSEARCH_URL); see benchmarks/README.md. Skipped."
        )
        return 1 if os.environ.get("KITH_REQUIRE_SERVICES") == "1" else 0
    index_prefix = os.environ.get("ELASTICSEARCH_INDEX_PREFIX") or DEFAULT_INDEX_PREFIX
    os.environ["ELASTICSEARCH_INDEX_PREFIX"] = index_prefix
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kith.settings")

    from benchmarks.search import greater_manchester_sectors
    from directory import geo, taxonomy  # plain Python: no Django needed

    first_log = data_step("prepare", str(args.listings), str(args.seed))
    OUTCOMES[:] = [slug for slug, _ in taxonomy.OUTCOMES]
    # People type full postcodes, sectors and outward codes.
    PLACES[:] = places(random.Random(args.seed), greater_manchester_sectors(geo))
    load_before = os.getloadavg()
    processes = []
    try:
        host = start_server(args, server_env(index_prefix), processes)
        env, loads = run_locust(host, args, processes[0].pid, processes)
    finally:
        for process in processes:
            stop(process)
        if not args.keep:
            data_step("clean", str(args.listings), first_log)
    report(env, loads, load_before, args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
