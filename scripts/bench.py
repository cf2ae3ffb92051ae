"""Benchmark the generated service beside a hello-world FastAPI app, in the same run.

`make bench` runs this. For each database (MySQL and PostgreSQL only when their servers
answer on 127.0.0.1:3306 and 5432) and each worker count, it bakes the default project,
installs it, migrates and seeds a database, serves it with uvicorn beside
`scripts/bench/hello.py`, and loads both with wrk, interleaving the runs so that the
machine's noise hits both alike.

The service runs with request ids and metrics on. By default both servers run pinned to one
core and wrk to another, without access logs (the service's request log off):
the ratio to hello-world is then the ratio of server CPU per request, which is what it is
meant to show. `--unpinned` lets every process use every core, access logs on, as the
Dockerfile serves (a ratio that flatters the service: it spends the idle core on its
thread pool and database driver, hello-world has nothing to spend it on).

It prints, per endpoint: the median requests/s over the runs, p50 and p99 latency, errors,
the server's CPU time per request, the ratio to hello-world, and the service's peak memory;
and writes the same as JSON (build/bench/results.json by default) for comparison over time.
Then, for each database, what request ids, metrics and the JSON request log each cost: the
server's CPU per request on GET /api/v1/users/me with none, each alone, and all of them.

POST /api/v1/auth/refresh runs as a client would: each connection sends the refresh token
that its last answer brought, from a session of its own that a login started before the
run (scripts/bench/refresh.lua says how wrk is held to that)."""

import argparse
import json
import os
import platform
import re
import shutil
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import psycopg
import pymysql
from cookiecutter.main import cookiecutter

TEMPLATE = Path(__file__).resolve().parents[1]
SCRIPTS = TEMPLATE / "scripts" / "bench"
PACKAGE = "my_service"
BENCH_PASSWORD = "bench-password-123"  # scripts/bench/seed.py and login.lua use it too
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
PAGE_SIZE_KIB = os.sysconf("SC_PAGE_SIZE") // 1024


@dataclass(frozen=True)
class Endpoint:
    name: str
    path: str  # "{user_id}" stands for the seeded user's id
    connections: int = 32
    script: str | None = None  # a wrk Lua script in scripts/bench/, for POST bodies
    signed_in: bool = False
    # Load that a second wrk puts on the service meanwhile, unmeasured: how much it slows
    # this endpoint down. The server's CPU time then counts both, so none is shown.
    beside: "Endpoint | None" = None
    # Each connection rotates the refresh tokens of a session of its own (a token sent
    # twice would end its session); the logins that start them stay out of the figures.
    own_sessions: bool = False


HELLO = Endpoint("hello-world GET /", "/")
# The last page of users, found by position and by the id before it (--users sets how deep).
LAST_PAGE_BY_OFFSET = Endpoint(
    "GET /api/v1/users?offset=<last page>",
    "/api/v1/users?offset={last_page_offset}&limit=50",
    signed_in=True,
)
LAST_PAGE_AFTER_ID = Endpoint(
    "GET /api/v1/users?after=<last page>",
    "/api/v1/users?after={last_page_after}&limit=50",
    signed_in=True,
)
ENDPOINTS = [
    Endpoint("GET /api/v1/users/me", "/api/v1/users/me", signed_in=True),
    Endpoint("GET /api/v1/users/{id}", "/api/v1/users/{user_id}", signed_in=True),
    Endpoint("GET /api/v1/users?limit=50", "/api/v1/users?limit=50", signed_in=True),
    LAST_PAGE_BY_OFFSET,
    LAST_PAGE_AFTER_ID,
    # Does a slow page stall the other requests of its worker?
    Endpoint(
        "GET /api/v1/users/me beside last pages",
        "/api/v1/users/me",
        signed_in=True,
        beside=Endpoint(LAST_PAGE_BY_OFFSET.name, LAST_PAGE_BY_OFFSET.path, 2, signed_in=True),
    ),
    # Hashing dominates these two; 4 connections, as the targets are stated.
    Endpoint("POST /api/v1/auth/token", "/api/v1/auth/token", 4, "login.lua"),
    # Beside the login it saves; 4 connections, as each is a wrk thread (refresh.lua).
    Endpoint(
        "POST /api/v1/auth/refresh", "/api/v1/auth/refresh", 4, "refresh.lua", own_sessions=True
    ),
    Endpoint("POST /api/v1/users", "/api/v1/users", 4, "sign_up.lua"),
    Endpoint("GET /health", "/health"),
]


@dataclass
class Measurement:
    """One endpoint in one configuration, summed up over the runs."""

    endpoint: str
    connections: int
    requests_per_second: list[float] = field(default_factory=list)
    p50_ms: list[float] = field(default_factory=list)
    p99_ms: list[float] = field(default_factory=list)
    errors: int = 0
    cpu_us_per_request: list[float] = field(default_factory=list)

    def summary(self, hello_rps: float | None) -> dict[str, object]:
        rps = statistics.median(self.requests_per_second)
        cpu = self.cpu_us_per_request
        return {
            "endpoint": self.endpoint,
            "connections": self.connections,
            "requests_per_second": round(rps, 1),
            "runs": [round(value, 1) for value in self.requests_per_second],
            "p50_ms": round(statistics.median(self.p50_ms), 2),
            "p99_ms": round(statistics.median(self.p99_ms), 2),
            "errors": self.errors,
            "cpu_us_per_request": round(statistics.median(cpu)) if cpu else None,
            "ratio_to_hello": round(rps / hello_rps, 3) if hello_rps and cpu else None,
        }


@dataclass(frozen=True)
class Placement:
    """Where the servers and wrk run: CPU lists for taskset, or None for anywhere."""

    server_cpus: str | None
    wrk_cpus: str | None
    access_log: bool

    def pinned(self, command: list[str], cpus: str | None) -> list[str]:
        return command if cpus is None else ["taskset", "--cpu-list", cpus, *command]


PINNED = Placement(server_cpus="0", wrk_cpus="1", access_log=False)
UNPINNED = Placement(server_cpus=None, wrk_cpus=None, access_log=True)


# What the service runs with: request ids and metrics on (what the targets are stated with),
# its request log on only where uvicorn's access log is (--unpinned), as text.
SERVICE_SETTINGS = {"REQUEST_IDS": "true", "METRICS": "true", "LOG_FORMAT": "text"}
# The features whose cost --costs measures, each alone and all together, against none.
NO_FEATURES = {"REQUEST_IDS": "false", "METRICS": "false", "LOG_LEVEL": "WARNING"}
FEATURES = {
    "request ids": {"REQUEST_IDS": "true"},
    "metrics": {"METRICS": "true"},
    "JSON request log": {"LOG_FORMAT": "json", "LOG_LEVEL": "INFO"},
}


class Server:
    """A uvicorn process tree on a free local port, its output in `log`."""

    def __init__(
        self,
        command: list[str],
        cwd: Path,
        env: dict[str, str],
        placement: Placement,
        log: Path,
    ):
        self.port = free_port()
        command = placement.pinned([*command, "--port", str(self.port)], placement.server_cpus)
        log.parent.mkdir(parents=True, exist_ok=True)
        with log.open("wb") as output:
            self.process = subprocess.Popen(
                command, cwd=cwd, env=env, stdout=output, stderr=subprocess.STDOUT
            )
        self.url = f"http://127.0.0.1:{self.port}"
        deadline = time.monotonic() + 60
        while not answers(self.url + "/openapi.json"):
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"{command} did not start: see {log}")
            time.sleep(0.2)

    @classmethod
    def service(
        cls, project: Path, env: dict[str, str], workers: int, placement: Placement, log: Path
    ) -> "Server":
        """The Dockerfile's command (python -m my_service serve), on a local port."""
        python = str(project / ".venv" / "bin" / "python")
        command = [python, "-m", PACKAGE, "serve", "--host", "127.0.0.1"]
        # Each worker keeps its metrics in this directory, as the Dockerfile's ENV has it.
        metrics = log.with_suffix(".metrics")
        shutil.rmtree(metrics, ignore_errors=True)
        env = env | {"WEB_CONCURRENCY": str(workers), "PROMETHEUS_MULTIPROC_DIR": str(metrics)}
        return cls(command, project, env, placement, log)

    @classmethod
    def hello(
        cls, venv: Path, env: dict[str, str], workers: int, placement: Placement, log: Path
    ) -> "Server":
        """Hello-world under uvicorn, on the service's event loop."""
        command = [str(venv / "bin" / "uvicorn"), "hello:app", "--host", "127.0.0.1"]
        command += ["--workers", str(workers), "--loop", f"{PACKAGE}.core.event_loop:EventLoop"]
        if not placement.access_log:
            command.append("--no-access-log")
        return cls(command, SCRIPTS, env, placement, log)

    def pids(self) -> list[int]:
        """The server and all its descendants (uvicorn's workers)."""
        parents: dict[int, int] = {}
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            parents[int(stat.parent.name)] = int(fields[1])
        tree = [self.process.pid]
        for pid in tree:
            tree.extend(child for child, parent in parents.items() if parent == pid)
        return tree

    def cpu_seconds(self) -> float:
        total = 0
        for pid in self.pids():
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime + stime, in clock ticks
        return total / CLOCK_TICKS

    def peak_memory_mib(self) -> float:
        """The sum of each process's peak resident memory (VmHWM)."""
        total_kib = 0
        for pid in self.pids():
            status = Path(f"/proc/{pid}/status").read_text()
            total_kib += int(re.search(r"VmHWM:\s+(\d+) kB", status).group(1))
        return round(total_kib / 1024, 1)

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return 200 <= response.status < 300
    except OSError:
        return False


def run(command: list[str], **kwargs: object) -> str:
    result = subprocess.run(command, capture_output=True, text=True, check=False, **kwargs)
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout


def wrk_command(
    url: str,
    endpoint: Endpoint,
    seconds: int,
    token: str | None,
    placement: Placement,
    refresh_tokens: list[str] | None = None,
) -> list[str]:
    # wrk's Lua cannot tell a thread's connections apart: own sessions take a thread each.
    threads = endpoint.connections if endpoint.own_sessions else 1
    command = placement.pinned(["wrk"], placement.wrk_cpus)
    command += ["--threads", str(threads), "--connections", str(endpoint.connections)]
    command += ["--duration", f"{seconds}s", "--latency", "--timeout", "10s"]
    if token is not None:
        command += ["--header", f"Authorization: Bearer {token}"]
    if endpoint.script is not None:
        command += ["--script", str(SCRIPTS / endpoint.script)]
    command.append(url)
    if refresh_tokens:
        command += ["--", *refresh_tokens]  # the script's init(args), one per thread
    return command


def wrk(
    url: str,
    endpoint: Endpoint,
    seconds: int,
    token: str | None,
    placement: Placement,
    refresh_tokens: list[str] | None = None,
) -> dict[str, float]:
    """Load one URL with wrk; return requests/s, p50 and p99 in ms, and the error count."""
    output = run(wrk_command(url, endpoint, seconds, token, placement, refresh_tokens))
    errors = sum(int(n) for n in re.findall(r"(?:connect|read|write|timeout) (\d+)", output))
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    return {
        "requests": float(re.search(r"(\d+) requests in", output).group(1)),
        "requests_per_second": float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),
        "p50_ms": latency_ms(re.search(r"50%\s+([\d.]+\w+)", output).group(1)),
        "p99_ms": latency_ms(re.search(r"99%\s+([\d.]+\w+)", output).group(1)),
        "errors": errors + (int(non_2xx.group(1)) if non_2xx else 0),
    }


def latency_ms(text: str) -> float:
    value, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", text).groups()
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def measure(
    server: Server,
    endpoint: Endpoint,
    into: Measurement,
    seconds: int,
    *,
    token: str = "",
    places: dict[str, str],
    placement: Placement,
) -> None:
    """Load one endpoint once; add the run's figures to `into`."""
    url = server.url + endpoint.path.format(**places)
    background = None
    if endpoint.beside is not None:
        background_url = server.url + endpoint.beside.path.format(**places)
        background = subprocess.Popen(
            wrk_command(background_url, endpoint.beside, seconds + 1, token, placement),
            stdout=subprocess.DEVNULL,
        )
        time.sleep(0.5)  # under way before the measured run starts
    refresh_tokens = None
    if endpoint.own_sessions:
        # Fresh sessions for each run: the last run's chains end on tokens wrk kept to itself.
        refresh_tokens = [log_in(server.url)[1] for _ in range(endpoint.connections)]
    cpu_before = server.cpu_seconds()
    result = wrk(
        url, endpoint, seconds, token if endpoint.signed_in else None, placement, refresh_tokens
    )
    cpu = server.cpu_seconds() - cpu_before
    if background is not None:
        background.wait()
    into.requests_per_second.append(result["requests_per_second"])
    into.p50_ms.append(result["p50_ms"])
    into.p99_ms.append(result["p99_ms"])
    into.errors += int(result["errors"])
    if background is None:
        into.cpu_us_per_request.append(cpu / max(result["requests"], 1) * 1e6)


def server_answers(database: str) -> bool:
    try:
        if database == "mysql":
            pymysql.connect(host="127.0.0.1", port=3306, user="root", connect_timeout=2).close()
        else:
            postgresql_admin().close()
    except (OSError, pymysql.Error, psycopg.Error):
        return False
    return True


def postgresql_admin() -> psycopg.Connection[tuple[object, ...]]:
    return psycopg.connect(
        host="127.0.0.1", port=5432, user="postgres", dbname="postgres", autocommit=True
    )


def prepare(database: str, work: Path, users: int) -> tuple[Path, Path, dict[str, str]]:
    """Bake and install the project, migrate and seed its database; return it, its venv and env."""
    shutil.rmtree(work, ignore_errors=True)
    project = Path(
        cookiecutter(
            str(TEMPLATE),
            no_input=True,
            output_dir=str(work),
            extra_context={"database": database},
            default_config=True,
        )
    )
    venv = project / ".venv"
    run([sys.executable, "-m", "venv", str(venv)])
    run([str(venv / "bin" / "pip"), "install", "--quiet", "-e", "."], cwd=project)
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "MIGRATION_DATABASE_URL", "SECRET_KEY"}
    }
    if database == "mysql":
        name = f"{PACKAGE}_bench"
        with (
            pymysql.connect(host="127.0.0.1", user="root") as connection,
            connection.cursor() as cursor,
        ):
            cursor.execute(f"DROP DATABASE IF EXISTS `{name}`")
            cursor.execute(
                f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"
            )
        env["DATABASE_URL"] = f"mysql+mysqldb://root@127.0.0.1:3306/{name}"
        # The migrations connect as .env's migrations user unless told otherwise.
        env["MIGRATION_DATABASE_URL"] = env["DATABASE_URL"]
    if database == "postgresql":
        name = f"{PACKAGE}_bench"
        with postgresql_admin() as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            connection.execute(f"CREATE DATABASE \"{name}\" ENCODING 'UTF8' TEMPLATE template0")
        env["DATABASE_URL"] = f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
        env["MIGRATION_DATABASE_URL"] = env["DATABASE_URL"]
    run([str(venv / "bin" / "alembic"), "upgrade", "heads"], cwd=project, env=env)
    run(
        [str(venv / "bin" / "python"), str(SCRIPTS / "seed.py"), PACKAGE, str(users)],
        cwd=project,
        env=env,
    )
    return project, venv, env


def log_in(url: str) -> tuple[str, str]:
    """Log in as the seeded user, which starts a session; return the access and refresh token."""
    body = f"username=bench_user&password={BENCH_PASSWORD}".encode()
    with urllib.request.urlopen(url + "/api/v1/auth/token", data=body, timeout=30) as response:
        answer = json.load(response)
    return str(answer["access_token"]), str(answer["refresh_token"])


def sign_in(url: str) -> tuple[str, str]:
    """Log in as the seeded user; return the access token and the user's id."""
    token, _ = log_in(url)
    me = urllib.request.Request(
        url + "/api/v1/users/me", headers={"Authorization": f"Bearer {token}"}
    )
    with urllib.request.urlopen(me, timeout=5) as response:
        return token, str(json.load(response)["id"])


def selected_endpoints(args: argparse.Namespace) -> list[Endpoint]:
    return [
        endpoint
        for endpoint in ENDPOINTS
        if not args.endpoints or any(part in endpoint.name for part in args.endpoints)
    ]


def places_for(user_id: str, users: int) -> dict[str, str]:
    """What the endpoints' paths name. The seeded users' ids follow the bench user's."""
    return {
        "user_id": user_id,
        "last_page_offset": str(users + 1 - 50),
        "last_page_after": str(int(user_id) + users - 50),
    }


def benchmark(
    database: str,
    prepared: tuple[Path, Path, dict[str, str]],
    workers: int,
    args: argparse.Namespace,
    placement: Placement,
) -> dict[str, object]:
    project, venv, env = prepared
    logs = args.work / "logs"
    level = {"LOG_LEVEL": "INFO" if placement.access_log else "WARNING"}
    service_env = env | SERVICE_SETTINGS | level
    service = Server.service(project, service_env, workers, placement, logs / f"{database}.log")
    hello = Server.hello(venv, env, workers, placement, logs / "hello.log")
    try:
        token, user_id = sign_in(service.url)
        places = places_for(user_id, args.users)
        endpoints = selected_endpoints(args)
        results = [Measurement(endpoint.name, endpoint.connections) for endpoint in endpoints]
        hello_results = Measurement(HELLO.name, HELLO.connections)
        for run_number in range(1, args.runs + 1):
            print(f"  {database}, {workers} worker(s): run {run_number} of {args.runs}", flush=True)
            measure(hello, HELLO, hello_results, args.seconds, places=places, placement=placement)
            for endpoint, measurement in zip(endpoints, results, strict=True):
                measure(
                    service,
                    endpoint,
                    measurement,
                    args.seconds,
                    token=token,
                    places=places,
                    placement=placement,
                )
        hello_rps = statistics.median(hello_results.requests_per_second)
        return {
            "database": database,
            "workers": workers,
            "hello": hello_results.summary(None),
            "endpoints": [measurement.summary(hello_rps) for measurement in results],
            "service_peak_memory_mib": service.peak_memory_mib(),
        }
    finally:
        service.stop()
        hello.stop()


def feature_costs(
    database: str,
    prepared: tuple[Path, Path, dict[str, str]],
    args: argparse.Namespace,
    placement: Placement,
) -> list[dict[str, object]]:
    """GET /users/me on one worker with no feature, each alone, and all: CPU per request.

    Every configuration runs at once, each its own server, and the runs take turns, so
    that the machine's noise hits all alike. The JSON request log goes to a file, as a
    container's output goes to its runtime.
    """
    project, _, env = prepared
    base = env | SERVICE_SETTINGS | NO_FEATURES
    configurations = {"none": base} | {name: base | settings for name, settings in FEATURES.items()}
    configurations["all"] = base | {k: v for s in FEATURES.values() for k, v in s.items()}
    logs = args.work / "logs" / "costs"
    servers = {
        name: Server.service(project, settings, 1, placement, logs / f"{database}-{index}.log")
        for index, (name, settings) in enumerate(configurations.items())
    }
    endpoint = ENDPOINTS[0]  # GET /api/v1/users/me
    try:
        token, user_id = sign_in(servers["none"].url)
        places = places_for(user_id, args.users)
        results = {name: Measurement(endpoint.name, endpoint.connections) for name in servers}
        names = list(servers)
        for run_number in range(1, args.runs + 1):
            print(f"  {database}, feature costs: run {run_number} of {args.runs}", flush=True)
            # Each round starts with the next configuration: the machine's drift during a
            # round would otherwise always count against the last ones.
            start = (run_number - 1) % len(names)
            for name in names[start:] + names[:start]:
                server = servers[name]
                measure(
                    server,
                    endpoint,
                    results[name],
                    args.seconds,
                    token=token,
                    places=places,
                    placement=placement,
                )
    finally:
        for server in servers.values():
            server.stop()
    none = results["none"].summary(None)
    rows = []
    for name, measurement in results.items():
        row = measurement.summary(None)
        rows.append(
            {
                "database": database,
                "features": name,
                "requests_per_second": row["requests_per_second"],
                "cpu_us_per_request": row["cpu_us_per_request"],
                "extra_cpu_us": row["cpu_us_per_request"] - none["cpu_us_per_request"],
                "throughput_change_percent": round(
                    100 * (row["requests_per_second"] / none["requests_per_second"] - 1), 1
                ),
            }
        )
    return rows


def print_costs(rows: list[dict[str, object]]) -> None:
    print(f"\n{rows[0]['database']}: GET /api/v1/users/me, 1 worker, by features on")
    header = f"{'features':20} {'req/s':>10} {'CPU us/req':>11} {'extra us':>9} {'throughput':>11}"
    print(header)
    print("-" * len(header))
    for row in rows:
        print(
            f"{row['features']:20} {row['requests_per_second']:>10.1f}"
            f" {row['cpu_us_per_request']:>11} {row['extra_cpu_us']:>+9}"
            f" {row['throughput_change_percent']:>+10.1f}%"
        )


def print_table(result: dict[str, object]) -> None:
    print(
        f"\n{result['database']}, {result['workers']} worker(s); service peak memory "
        f"{result['service_peak_memory_mib']} MiB"
    )
    columns = ["conns", "req/s", "p50 ms", "p99 ms", "errors", "CPU us/req", "vs hello"]
    header = f"{'endpoint':40}" + "".join(f" {column:>10}" for column in columns)
    print(header)
    print("-" * len(header))
    for row in [result["hello"], *result["endpoints"]]:
        ratio = "" if row["ratio_to_hello"] is None else f"{row['ratio_to_hello']:.3f}"
        cpu = "" if row["cpu_us_per_request"] is None else row["cpu_us_per_request"]
        print(
            f"{row['endpoint']:40} {row['connections']:>10} {row['requests_per_second']:>10.1f}"
            f" {row['p50_ms']:>10.2f} {row['p99_ms']:>10.2f} {row['errors']:>10}"
            f" {cpu:>10} {ratio:>10}"
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="runs per endpoint (median taken)")
    parser.add_argument("--seconds", type=int, default=5, help="length of each wrk run")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument(
        "--endpoints",
        nargs="+",
        default=[],
        help="only the endpoints whose name contains one of these, e.g. /users/me",
    )
    parser.add_argument(
        "--unpinned",
        action="store_true",
        help="run servers and wrk on any core, access logs on (the default pins them)",
    )
    parser.add_argument("--databases", nargs="+", default=["sqlite", "mysql", "postgresql"])
    parser.add_argument(
        "--no-costs",
        action="store_true",
        help="skip measuring what request ids, metrics and the JSON request log cost",
    )
    parser.add_argument(
        "--users", type=int, default=1000, help="users to seed (how deep the last page is)"
    )
    parser.add_argument("--work", type=Path, default=TEMPLATE / "build" / "bench")
    parser.add_argument(
        "--output", type=Path, default=TEMPLATE / "build" / "bench" / "results.json"
    )
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed: sudo apt-get install wrk (Debian/Ubuntu)")
    placement = UNPINNED if args.unpinned else PINNED
    if placement.server_cpus is not None and (os.cpu_count() or 1) < 2:
        raise SystemExit("Pinning needs two cores (servers on one, wrk on the other): --unpinned")
    databases = list(args.databases)
    for server, address in (("mysql", "127.0.0.1:3306"), ("postgresql", "127.0.0.1:5432")):
        if server in databases and not server_answers(server):
            print(f"No {server} server answers on {address}: leaving it out.")
            databases.remove(server)
    results = []
    costs = []
    for database in databases:
        prepared = prepare(database, args.work / database, args.users)
        for workers in args.workers:
            result = benchmark(database, prepared, workers, args, placement)
            print_table(result)
            results.append(result)
        if not args.no_costs:
            rows = feature_costs(database, prepared, args, placement)
            print_costs(rows)
            costs.extend(rows)
    report = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "system": platform.platform(),
        },
        "settings": {
            "runs": args.runs,
            "seconds": args.seconds,
            "server_cpus": placement.server_cpus,
            "wrk_cpus": placement.wrk_cpus,
            "access_log": placement.access_log,
            "service_settings": SERVICE_SETTINGS,
        },
        "results": results,
        "feature_costs": costs,
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(f"\nWrote {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
