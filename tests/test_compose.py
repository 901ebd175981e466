"""The production ``docker-compose.yaml``, checked without a Docker engine.

No development machine or CI run can start the stack, so these tests check what a start would
depend on: the file is valid Compose, every Airflow service runs the one image, its commands
parse with this Airflow's CLI, the mounts put code and data where ``dxstats.settings`` looks
for them, the warehouse connection is the one the code reads, no secret is written in the
file, and the init service's ``python -m dxstats.schema`` really creates the warehouse.
"""

from __future__ import annotations

import contextlib
import importlib.metadata
import importlib.util
import io
import json
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml

from dxstats import settings

REPO = settings.PROJECT_ROOT
COMPOSE_FILE = REPO / "docker-compose.yaml"
ENV_EXAMPLE = REPO / ".env.example"
DOCKERFILE = REPO / "Dockerfile"
POSTGRES_INIT = REPO / "docker" / "postgres-init.sh"
#: The Compose Specification's JSON schema lives in shared/, beside the repo, and is not copied into it.
COMPOSE_SCHEMA = Path(__file__).resolve().parents[2] / "shared" / "data" / "compose-spec.json"

AIRFLOW_SERVICES = (
    "airflow-init",
    "airflow-apiserver",
    "airflow-scheduler",
    "airflow-dag-processor",
    "airflow-triggerer",
    "airflow-worker",
)
EXPECTED_SERVICES = {"postgres", "redis", *AIRFLOW_SERVICES}
#: AIRFLOW_HOME of the apache/airflow image, where Airflow looks for dags/ and plugins/ by default.
IMAGE_AIRFLOW_HOME = PurePosixPath("/opt/airflow")
#: CLI groups that a provider adds, and the provider's package (shipped in the image, maybe not here).
PROVIDER_CLI_GROUPS = {"celery": "airflow.providers.celery"}
SECRET_WORDS = ("PASSWORD", "SECRET", "KEY", "TOKEN")
#: A secret's only allowed form: a variable from .env that must be set, with no default value.
REQUIRED_VARIABLE = re.compile(r"\$\{[A-Za-z_][A-Za-z0-9_]*:\?[^}]*\}")
URL_PASSWORD = re.compile(r"[a-z][a-z0-9+.-]*://[^/@\s:]*:(\$\{[^}]*\}|[^@/\s]*)@")
VARIABLE_USE = re.compile(r"\$\{?([A-Za-z_][A-Za-z0-9_]*)")


# --- helpers -------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    """The compose file as Compose sees it: YAML with its anchors and merge keys resolved."""
    document = yaml.safe_load(COMPOSE_FILE.read_text(encoding="utf-8"))
    assert isinstance(document, dict), f"{COMPOSE_FILE} is not a YAML mapping"
    return document


def environment(service: dict[str, Any]) -> dict[str, str]:
    """A service's environment as a dict, whichever of the two Compose forms it is written in."""
    env = service.get("environment") or {}
    if isinstance(env, list):
        env = dict(item.split("=", 1) if "=" in item else (item, "") for item in env)
    return {str(key): "" if value is None else str(value) for key, value in env.items()}


def substituted(value: str) -> str:
    """``value`` with every ``${VAR...}`` replaced by a stand-in, as if .env supplied it."""
    return re.sub(r"\$\{[^}]*\}", "placeholder0", value)


def bind_mounts(service: dict[str, Any]) -> list[tuple[Path, PurePosixPath, bool]]:
    """(host path, container path, read-only) for each host folder or file a service mounts."""
    mounts = []
    for volume in service.get("volumes", []):
        if isinstance(volume, dict):
            if volume.get("type") != "bind":
                continue
            source, target, read_only = volume["source"], volume["target"], bool(volume.get("read_only"))
        else:
            source, target, *options = volume.split(":")
            if not source.startswith((".", "/", "~")):
                continue  # a named volume
            read_only = "ro" in ",".join(options).split(",")
        mounts.append(((COMPOSE_FILE.parent / source).resolve(), PurePosixPath(target), read_only))
    return mounts


def in_container(host_path: Path, mounts: list[tuple[Path, PurePosixPath, bool]]) -> PurePosixPath | None:
    """Where a file of the checkout appears inside a container, or None when no mount brings it."""
    best = None
    for source, target, _ in mounts:
        if host_path == source or source in host_path.parents:
            if best is None or len(source.parts) > len(best[0].parts):
                best = (source, target)
    if best is None:
        return None
    source, target = best
    return target.joinpath(*host_path.relative_to(source).parts)


def invocations(argv: list[str], *, under_entrypoint: bool) -> list[tuple[str, list[str]]]:
    """The programs a command runs: ``("airflow", args)``, ``("python", args)`` or ``(other, argv)``.

    Under the image's entrypoint, a command that starts with neither ``bash`` nor ``python`` is
    an ``airflow`` sub-command; a ``bash -c`` script is split at ``&&``, ``;`` and new lines.
    """
    if argv[:1] in (["bash"], ["sh"]) and argv[1:2] == ["-c"]:
        steps = [shlex.split(step) for step in re.split(r"&&|;|\n", argv[2]) if step.strip()]
        return [run for step in steps for run in invocations(step, under_entrypoint=False)]
    if argv[0] == "airflow":
        return [("airflow", argv[1:])]
    if argv[0] in ("python", "python3"):
        return [("python", argv[1:])]
    if under_entrypoint:
        return [("airflow", argv)]
    return [(argv[0], argv)]


def interpolated(text: str, values: dict[str, str]) -> str:
    """``text`` as Compose passes it to a container: ``${VAR}``, ``${VAR:-default}``, ``${VAR-default}``,
    ``${VAR:?error}`` and ``$VAR`` replaced from ``values`` (what .env holds), ``$$`` a literal ``$``."""

    def one(match: re.Match[str]) -> str:
        if match.group(0) == "$$":
            return "$"
        name = match.group("braced") or match.group("bare")
        operator, argument = match.group("op") or "", match.group("arg") or ""
        value = values.get(name)
        if operator in (":-", "-") and (value is None or (operator == ":-" and value == "")):
            return argument
        if operator in (":?", "?") and not value:
            raise AssertionError(f"compose would refuse to start: {name} is unset ({argument})")
        return value or ""

    pattern = r"\$\$|\$\{(?P<braced>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:?[-?])(?P<arg>[^}]*))?\}|\$(?P<bare>[A-Za-z_]\w*)"
    return re.sub(pattern, one, text)


def service_invocations(service: dict[str, Any], env: dict[str, str] | None = None) -> list[tuple[str, list[str]]]:
    """What a service's command and its healthcheck run, with ``env`` (default: .env.example) interpolated."""
    values = env_example_variables() if env is None else env
    runs = []
    command = service.get("command")
    if command:
        argv = shlex.split(command) if isinstance(command, str) else [str(word) for word in command]
        argv = [interpolated(word, values) for word in argv]
        runs += invocations(argv, under_entrypoint=True)
    test = (service.get("healthcheck") or {}).get("test")
    if isinstance(test, list) and test[0] == "CMD":
        runs += invocations(test[1:], under_entrypoint=False)
    elif isinstance(test, list) and test[0] == "CMD-SHELL":
        runs += invocations(["sh", "-c", test[1]], under_entrypoint=False)
    elif isinstance(test, str):
        runs += invocations(["sh", "-c", test], under_entrypoint=False)
    return runs


def env_example_variables() -> dict[str, str]:
    """``NAME=value`` lines of .env.example."""
    found = {}
    for line in ENV_EXAMPLE.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            name, sep, value = line.partition("=")
            assert sep, f".env.example: {line!r} is not NAME=value"
            found[name.strip()] = value.strip()
    return found


# --- the file as a whole -----------------------------------------------------------------------------


def test_compose_file_follows_the_compose_specification(compose):
    if not COMPOSE_SCHEMA.exists():
        pytest.skip(f"Compose Specification schema not found at {COMPOSE_SCHEMA}; it is read from shared/data/")
    from jsonschema import Draft7Validator

    schema = json.loads(COMPOSE_SCHEMA.read_text(encoding="utf-8"))
    assert "draft-07" in schema.get("$schema", ""), f"{COMPOSE_SCHEMA} is no longer a Draft 7 schema"
    Draft7Validator.check_schema(schema)
    validator = Draft7Validator(schema)
    # The schema must be able to say no, or a pass below proves nothing.
    assert not validator.is_valid({"services": {"web": {"depends_on": 5}}})
    errors = sorted(validator.iter_errors(compose), key=lambda error: list(map(str, error.absolute_path)))
    assert not errors, "\n".join(f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in errors)


def test_the_expected_services_exist(compose):
    services = compose["services"]
    assert set(services) == EXPECTED_SERVICES
    assert services["postgres"]["image"].split(":")[:2] == ["postgres", "16"]
    assert services["redis"]["image"].split(":")[:2] == ["redis", "7"]
    assert environment(services["airflow-init"])["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor"


def test_every_airflow_service_runs_the_common_image(compose):
    common = compose["x-airflow-common"]
    assert common.get("build"), "x-airflow-common must build the image"
    assert common.get("image"), "x-airflow-common must name the image it builds"
    for name in AIRFLOW_SERVICES:
        service = compose["services"][name]
        for key in ("build", "image", "user", "volumes"):
            assert service.get(key) == common.get(key), f"{name}: {key} differs from x-airflow-common"
        env = environment(service)
        for key, value in environment(common).items():
            assert env.get(key) == value, f"{name}: {key} differs from x-airflow-common"


def test_the_image_is_the_pinned_airflow_plus_requirements(compose):
    build = compose["x-airflow-common"]["build"]
    context = COMPOSE_FILE.parent / (build if isinstance(build, str) else build.get("context", "."))
    dockerfile = context / ("Dockerfile" if isinstance(build, str) else build.get("dockerfile", "Dockerfile"))
    assert dockerfile.resolve() == DOCKERFILE
    text = DOCKERFILE.read_text(encoding="utf-8")
    base = re.search(r"^FROM\s+apache/airflow:(\S+)-python(\d+\.\d+)\s*$", text, re.MULTILINE)
    assert base, "Dockerfile must start FROM apache/airflow:<version>-python<X.Y>"
    pinned = re.search(r"^apache-airflow==(\S+)$", (REPO / "requirements.txt").read_text(), re.MULTILINE)
    assert pinned, "requirements.txt must pin apache-airflow"
    assert base.group(1) == pinned.group(1), "the image's Airflow and requirements.txt's pin differ"
    # The CLI checks below use the Airflow installed here: they mean something only if it is the same.
    assert importlib.metadata.version("apache-airflow") == base.group(1)
    assert re.search(r"^COPY\s+requirements\.txt\s+/requirements\.txt\s*$", text, re.MULTILINE)
    install = re.search(r"^RUN\s+pip install\b.*-r /requirements\.txt", text, re.MULTILINE)
    assert install, "Dockerfile must pip install -r /requirements.txt"
    users = re.findall(r"^USER\s+(\S+)", text[: install.start()], re.MULTILINE)
    assert users[-1:] == ["airflow"] or not users, "pip must run as the image's airflow user"


# --- commands ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def airflow_parser():
    """This Airflow's command-line parser, the one ``airflow`` itself uses."""
    from airflow.cli.cli_parser import get_parser

    return get_parser()


@pytest.mark.parametrize("name", AIRFLOW_SERVICES)
def test_commands_are_real_airflow_commands(compose, airflow_parser, name):
    service = compose["services"][name]
    runs = service_invocations(service)
    assert runs, f"{name} has no command"
    if name != "airflow-init":
        assert service.get("command"), f"{name} runs no Airflow component"
    unchecked = []
    for program, args in runs:
        if program == "python":
            assert args[:1] == ["-m"], f"{name}: python {args} should run a module with -m"
            spec = importlib.util.find_spec(args[1])
            assert spec is not None, f"{name}: module {args[1]} not found"
            assert spec.origin, f"{name}: module {args[1]} has no file"
            assert REPO / "plugins" in Path(spec.origin).parents, f"{name}: {args[1]} is not under plugins/"
            continue
        if program != "airflow":
            if program in ("curl", "pg_isready", "redis-cli"):  # probes the images ship
                continue
            pytest.fail(f"{name}: runs {program!r}, which is not the airflow CLI")
        provider = PROVIDER_CLI_GROUPS.get(args[0])
        if provider and importlib.util.find_spec(provider) is None:
            unchecked.append(" ".join(args))
            continue
        output = io.StringIO()
        try:
            with contextlib.redirect_stdout(output), contextlib.redirect_stderr(output):
                parsed = airflow_parser.parse_args(args)
        except SystemExit as exc:
            rejected = f"{name}: `airflow {shlex.join(args)}` is rejected (exit {exc.code})"
            pytest.fail(f"{rejected}:\n{output.getvalue()[-800:]}")
        assert callable(getattr(parsed, "func", None)), f"{name}: `airflow {shlex.join(args)}` is not a command"
    if unchecked:
        pytest.skip(
            f"{name}: `airflow {'; '.join(unchecked)}` comes from a provider that the image ships but "
            "requirements.txt does not install here, so it could not be checked"
        )


@pytest.mark.parametrize(("configured", "slots"), [(None, 8), ("8", 8), ("3", 3)])
def test_init_creates_the_warehouse_pool_with_the_configured_size(compose, airflow_parser, airflow_db, configured,
                                                                   slots):
    """Airflow never schedules a task whose pool does not exist: the init service creates the pool every
    warehouse-writing task names, after migrating the metadata, with DXSTATS_WAREHOUSE_POOL_SLOTS slots."""
    from airflow.models.pool import Pool

    from dxstats.pools import SLOTS_ENV, WAREHOUSE_POOL

    assert env_example_variables()[SLOTS_ENV] == "8", f".env.example must document {SLOTS_ENV}"
    values = {k: v for k, v in env_example_variables().items() if k != SLOTS_ENV}
    if configured is not None:
        values[SLOTS_ENV] = configured
    runs = service_invocations(compose["services"]["airflow-init"], values)
    airflow_steps = [args[:2] for program, args in runs if program == "airflow"]
    assert airflow_steps[:2] == [["db", "migrate"], ["pools", "set"]], runs
    pool_args = next(args for program, args in runs if args[:2] == ["pools", "set"])
    parsed = airflow_parser.parse_args(pool_args)
    assert (parsed.pool, parsed.slots) == (WAREHOUSE_POOL, slots)
    # and the command really creates it: run it on this session's (migrated) metadata database
    with contextlib.redirect_stdout(io.StringIO()):
        parsed.func(parsed)
    pool = Pool.get_pool(WAREHOUSE_POOL)
    assert pool is not None
    assert pool.slots == slots


def test_dependencies_wait_for_health_and_for_init(compose):
    services = compose["services"]
    for name in ("postgres", "redis"):
        assert services[name].get("healthcheck", {}).get("test"), f"{name} needs a healthcheck"
    for name in AIRFLOW_SERVICES:
        depends_on = services[name].get("depends_on")
        assert isinstance(depends_on, dict), f"{name}: depends_on must give conditions"
        assert depends_on["postgres"]["condition"] == "service_healthy", name
        assert depends_on["redis"]["condition"] == "service_healthy", name
        if name != "airflow-init":
            assert depends_on["airflow-init"]["condition"] == "service_completed_successfully", name
        for dependency, rule in depends_on.items():
            if rule.get("condition") == "service_healthy":
                assert services[dependency].get("healthcheck"), f"{name} waits for {dependency}, which has no health"
    assert services["airflow-init"].get("restart", "no") == "no", "airflow-init must run once and exit"


# --- mounts and paths ----------------------------------------------------------------------------------


def test_every_mounted_host_path_exists_in_the_repo(compose):
    declared_volumes = set(compose.get("volumes") or {})
    for name, service in compose["services"].items():
        for source, _, _ in bind_mounts(service):
            assert source.exists(), f"{name} mounts {source}, which does not exist"
            assert REPO == source or REPO in source.parents, f"{name} mounts {source}, outside the repo"
        for volume in service.get("volumes", []):
            source = volume.get("source") if isinstance(volume, dict) else volume.split(":")[0]
            if isinstance(volume, dict) and volume.get("type") != "volume":
                continue
            if not str(source).startswith((".", "/", "~")):
                assert source in declared_volumes, f"{name} uses volume {source!r}, not declared under volumes:"


def test_mounts_put_code_and_data_where_the_code_looks(compose, monkeypatch):
    common = compose["x-airflow-common"]
    mounts = bind_mounts(common)
    env = environment(common)

    plugins = in_container(REPO / "plugins", mounts)
    assert plugins is not None, "plugins/ is not mounted"
    assert str(plugins) in env.get("PYTHONPATH", "").split(":"), "the mounted plugins/ is not on PYTHONPATH"
    airflow_home = PurePosixPath(env.get("AIRFLOW_HOME", str(IMAGE_AIRFLOW_HOME)))
    assert plugins == PurePosixPath(env.get("AIRFLOW__CORE__PLUGINS_FOLDER", str(airflow_home / "plugins")))
    dags = in_container(REPO / "dags", mounts)
    assert dags == PurePosixPath(env.get("AIRFLOW__CORE__DAGS_FOLDER", str(airflow_home / "dags")))

    # settings.PROJECT_ROOT is two folders above settings.py: what it becomes inside a container.
    settings_file = in_container(Path(settings.__file__).resolve(), mounts)
    assert settings_file is not None
    container_root = settings_file.parents[2]
    monkeypatch.delenv("DXSTATS_UNITS_FILE", raising=False)
    for used in (settings.SQL_DIR, settings.EXPECTATIONS_DIR, settings.units_file(), REPO / "dags"):
        assert used.exists(), used
        expected = container_root.joinpath(*used.relative_to(REPO).parts)
        assert in_container(used, mounts) == expected, f"{used} is not at {expected} in the containers"

    # Folders set by environment must be on a host mount, so files reach every container.
    for key, value in env.items():
        if key.startswith("DXSTATS_") and value.startswith("/"):
            path = PurePosixPath(value)
            carriers = [m for m in mounts if m[1] == path or m[1] in path.parents]
            assert carriers, f"{key}={value} is on no mounted folder: files there stay in one container"
            if key == "DXSTATS_OUTBOX_DIR":
                assert not carriers[-1][2], f"{key} is on a read-only mount"


# --- configuration the code reads ------------------------------------------------------------------------


def test_dxstats_variables_are_ones_settings_reads():
    text = COMPOSE_FILE.read_text(encoding="utf-8")
    used = set(re.findall(r"\bDXSTATS_[A-Z0-9_]+", text))
    code = "".join(p.read_text(encoding="utf-8") for p in (REPO / "plugins" / "dxstats").rglob("*.py"))
    read = set(re.findall(r"\"(DXSTATS_[A-Z0-9_]+)\"", code))
    assert "DXSTATS_LANDING_DIR" in used
    assert used <= read, f"the package never reads {sorted(used - read)}"


def test_airflow_settings_match_the_project(compose):
    env = environment(compose["x-airflow-common"])
    assert env["AIRFLOW__CORE__DEFAULT_TIMEZONE"] == settings.TIMEZONE
    assert env["AIRFLOW__CORE__LOAD_EXAMPLES"].lower() == "false"
    postgres = environment(compose["services"]["postgres"])
    for key in ("AIRFLOW__DATABASE__SQL_ALCHEMY_CONN", "AIRFLOW__CELERY__RESULT_BACKEND"):
        url = urlsplit(substituted(env[key]))
        assert (url.hostname, url.port or 5432) == ("postgres", 5432), key
        assert (url.username, url.path.lstrip("/")) == (postgres["POSTGRES_USER"], postgres["POSTGRES_DB"]), key
    broker = urlsplit(env["AIRFLOW__CELERY__BROKER_URL"])
    assert broker.scheme == "redis"
    assert broker.hostname == "redis"


def test_warehouse_connection_is_the_one_the_code_reads(compose, tmp_path):
    env = environment(compose["x-airflow-common"])
    key = f"AIRFLOW_CONN_{settings.WAREHOUSE_CONN_ID.upper()}"
    assert key in env, f"no {key}; connections defined: {[k for k in env if k.startswith('AIRFLOW_CONN_')]}"
    uri = substituted(env[key])
    url = urlsplit(uri)
    assert url.scheme in ("postgres", "postgresql")
    assert (url.hostname, url.port) == ("postgres", 5432)

    # The role and database must be the ones docker/postgres-init.sh creates.
    script = POSTGRES_INIT.read_text(encoding="utf-8")
    database = re.search(r"CREATE DATABASE (\w+) OWNER (\w+)", script)
    assert database, f"{POSTGRES_INIT} creates no database with an owner"
    assert re.search(rf"CREATE ROLE {database.group(2)} LOGIN\b", script)
    assert (url.path.lstrip("/"), url.username) == database.groups()

    # And Airflow plus dxstats.settings must turn it into the warehouse URL, as in a container.
    result = subprocess.run(
        [sys.executable, "-c", "from dxstats import settings; print(settings.warehouse_url())"],
        env=_plugins_env(**{key: uri, "AIRFLOW_HOME": str(tmp_path)}),
        cwd=tmp_path, capture_output=True, text=True, timeout=120, check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    resolved = urlsplit(result.stdout.strip().splitlines()[-1])
    assert resolved.scheme == "postgresql+psycopg"
    assert (resolved.hostname, resolved.port, resolved.path) == ("postgres", 5432, "/warehouse")


def test_postgres_service_runs_the_warehouse_init_script(compose):
    postgres = compose["services"]["postgres"]
    mounts = bind_mounts(postgres)
    init = [target for source, target, _ in mounts if source == POSTGRES_INIT]
    assert init, f"{POSTGRES_INIT} is not mounted into the postgres service"
    assert init[0].parent == PurePosixPath("/docker-entrypoint-initdb.d")
    subprocess.run(["bash", "-n", str(POSTGRES_INIT)], check=True)
    script = POSTGRES_INIT.read_text(encoding="utf-8")
    env = environment(postgres)
    for variable in set(re.findall(r"\$\{?([A-Z_][A-Z0-9_]*)", script)):
        assert variable in env, f"{POSTGRES_INIT.name} reads {variable}, which the postgres service does not set"


# --- secrets ---------------------------------------------------------------------------------------------


def test_no_secret_is_written_in_the_compose_file(compose):
    checked = []

    def visit(node: Any) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if isinstance(key, str) and any(word in key.upper() for word in SECRET_WORDS):
                    if not isinstance(value, (dict, list)):
                        assert REQUIRED_VARIABLE.fullmatch(str(value)), f"{key}: {value!r} is not ${{VAR:?...}}"
                        checked.append(key)
                visit(value)
        elif isinstance(node, list):
            for item in node:
                if isinstance(item, str) and re.match(r"^[A-Z_][A-Z0-9_]*=", item):
                    visit(dict([item.split("=", 1)]))
                else:
                    visit(item)
        elif isinstance(node, str):
            for password in URL_PASSWORD.findall(node):
                assert REQUIRED_VARIABLE.fullmatch(password), f"a URL carries the literal password {password!r}"
                checked.append("URL password")

    visit(compose)
    assert {"AIRFLOW__CORE__FERNET_KEY", "AIRFLOW__API_AUTH__JWT_SECRET", "POSTGRES_PASSWORD"} <= set(checked)
    assert "URL password" in checked


def test_every_variable_is_documented_in_env_example():
    text = COMPOSE_FILE.read_text(encoding="utf-8").replace("$$", "")  # $$ is a literal dollar
    used = set(VARIABLE_USE.findall(text))
    documented = env_example_variables()
    assert used, "the compose file takes nothing from .env?"
    assert used <= set(documented), f".env.example lacks {sorted(used - set(documented))}"
    assert set(documented) <= used, f".env.example has unused {sorted(set(documented) - used)}"
    lines = ENV_EXAMPLE.read_text(encoding="utf-8").splitlines()
    for number, line in enumerate(lines):
        if line.strip() and not line.startswith("#"):
            assert number > 0, f".env.example: {line!r} has no comment above it"
            assert lines[number - 1].startswith("#"), f".env.example: {line!r} has no comment above it"
            assert line.partition("=")[2].strip(), f".env.example: {line!r} has no placeholder value"


def test_env_file_is_git_ignored():
    ignored = {line.strip() for line in (REPO / ".gitignore").read_text(encoding="utf-8").splitlines()}
    assert ignored & {".env", "/.env"}, ".env (the real secrets) must be in .gitignore"


# --- the init service's warehouse step ---------------------------------------------------------------------


def _plugins_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DXSTATS_", "AIRFLOW_CONN_"))}
    env.update(PYTHONPATH=str(REPO / "plugins"), **extra)
    return env


def test_schema_module_creates_the_warehouse_layers(tmp_path):
    database = tmp_path / "w.duckdb"
    result = subprocess.run(
        [sys.executable, "-m", "dxstats.schema"],
        env=_plugins_env(DXSTATS_WAREHOUSE_URL=f"duckdb:///{database}"),
        cwd=tmp_path, capture_output=True, text=True, timeout=300, check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    import duckdb

    with duckdb.connect(str(database), read_only=True) as con:
        schemas = {row[0] for row in con.execute("SELECT schema_name FROM information_schema.schemata").fetchall()}
    assert {"staging", "core", "mart", "audit"} <= schemas


def test_importing_schema_module_is_cheap(tmp_path):
    heavy = ("sqlalchemy", "duckdb", "dxstats.warehouse")
    probe = f"import sys, dxstats.schema; print(sorted(m for m in {heavy!r} if m in sys.modules))"
    result = subprocess.run(
        [sys.executable, "-c", probe], env=_plugins_env(), cwd=tmp_path,
        capture_output=True, text=True, timeout=60, check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip() == "[]"
