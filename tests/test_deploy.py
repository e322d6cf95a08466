"""The production files: the image (Dockerfile), the compose file, the Helm values and the
PostgreSQL instance settings. Parsed and checked here; `docker build` runs where a Docker daemon
answers (marker `docker`), and the instance itself is tested on a real PostgreSQL in
test_postgres_instance.py."""

from __future__ import annotations

import fnmatch
import re
import shutil
import subprocess
import tomllib
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
COMPOSE = yaml.safe_load((DEPLOY / "compose.yaml").read_text(encoding="utf-8"))
HELM = yaml.safe_load((DEPLOY / "helm" / "values.yaml").read_text(encoding="utf-8"))
DOCKERFILE = (ROOT / "Dockerfile").read_text(encoding="utf-8")
PG_VARIABLES = {
    "DAGSTER_PG_HOST",
    "DAGSTER_PG_PORT",
    "DAGSTER_PG_USERNAME",
    "DAGSTER_PG_PASSWORD",
    "DAGSTER_PG_DB",
}
DATA_DIR = "/var/lib/kotapintar/data"
WAREHOUSE = "/var/lib/kotapintar/warehouse/kotapintar.duckdb"


def _env_refs(node) -> set[str]:
    """Every `{env: NAME}` in a Dagster yaml."""
    if isinstance(node, dict):
        found = {node["env"]} if set(node) == {"env"} else set()
        return found.union(*(_env_refs(v) for v in node.values()))
    return set()


def test_production_instance_is_the_laptop_instance_on_postgres():
    laptop = yaml.safe_load((ROOT / "pipelines" / "dagster.yaml").read_text(encoding="utf-8"))
    production = yaml.safe_load((DEPLOY / "dagster.yaml").read_text(encoding="utf-8"))
    storage = production.pop("storage")
    assert production == laptop, (
        "deploy/dagster.yaml differs from pipelines/dagster.yaml outside `storage`: copy the "
        "change to deploy/dagster.yaml"
    )
    assert list(storage) == ["postgres"]
    assert _env_refs(storage) == PG_VARIABLES  # configured by the environment, no secrets inline
    # The driver that dagster-postgres installs; a bare `postgresql` means psycopg 3 to
    # SQLAlchemy 2.1. The Helm values must say the same.
    assert storage["postgres"]["postgres_db"]["scheme"] == "postgresql+psycopg2"
    assert HELM["postgresql"]["postgresqlScheme"] == "postgresql+psycopg2"


def _compose_service(name: str) -> dict:
    assert name in COMPOSE["services"], f"deploy/compose.yaml has no service `{name}`"
    return COMPOSE["services"][name]


def test_compose_has_postgres_webserver_and_daemon_on_one_image():
    services = COMPOSE["services"]
    assert set(services) == {"postgres", "webserver", "daemon"}
    webserver, daemon = _compose_service("webserver"), _compose_service("daemon")
    assert webserver["command"][0] == "dagster-webserver"
    assert daemon["command"][:2] == ["dagster-daemon", "run"]
    for service in (webserver, daemon):
        assert service["image"] == "kotapintar:latest"
        assert service["build"]["dockerfile"] == "Dockerfile"
        assert (DEPLOY / service["build"]["context"] / "Dockerfile").is_file()
        assert service["command"][-2:] == ["-w", "/opt/dagster/workspace.yaml"]
        # The UI and the schedule need the database up, not merely started.
        assert service["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert "healthcheck" in _compose_service("postgres")
    assert webserver["ports"] == ["127.0.0.1:3000:3000"]  # loopback: no UI open to the network


def test_compose_wires_postgres_credentials_into_dagster():
    postgres = _compose_service("postgres")["environment"]
    for name in ("webserver", "daemon"):
        env = _compose_service(name)["environment"]
        assert set(env) >= PG_VARIABLES
        assert env["DAGSTER_PG_HOST"] == "postgres"  # the service name
        # The same variables create the database and reach Dagster.
        assert env["DAGSTER_PG_USERNAME"] == postgres["POSTGRES_USER"]
        assert env["DAGSTER_PG_PASSWORD"] == postgres["POSTGRES_PASSWORD"]
        assert env["DAGSTER_PG_DB"] == postgres["POSTGRES_DB"]
        # No password in the file: it must come from deploy/.env, and a missing one stops compose.
        assert re.fullmatch(r"\$\{DAGSTER_PG_PASSWORD:\?.+\}", env["DAGSTER_PG_PASSWORD"])


def test_compose_keeps_state_in_named_volumes():
    volumes = COMPOSE["volumes"]
    assert set(volumes) == {"postgres", "data", "warehouse", "dagster-storage"}
    assert "postgres:/var/lib/postgresql/data" in _compose_service("postgres")["volumes"]
    for name in ("webserver", "daemon"):
        service = _compose_service(name)
        mounts = dict(v.split(":", 1) for v in service["volumes"])
        env = service["environment"]
        assert mounts["data"] == env["KOTAPINTAR_DATA_DIR"] == DATA_DIR
        assert mounts["warehouse"] == str(Path(env["KOTAPINTAR_WAREHOUSE"]).parent)
        assert env["KOTAPINTAR_WAREHOUSE"] == WAREHOUSE
        assert mounts["dagster-storage"] == "/opt/dagster/home/storage"


def test_compose_env_example_names_the_password_it_needs():
    example = (DEPLOY / ".env.example").read_text(encoding="utf-8")
    assert re.search(r"^DAGSTER_PG_PASSWORD=$", example, re.M)
    assert "deploy/.env" in (ROOT / ".gitignore").read_text(encoding="utf-8")


def test_workspace_loads_the_installed_definitions():
    workspace = yaml.safe_load((DEPLOY / "workspace.yaml").read_text(encoding="utf-8"))
    assert workspace == {"load_from": [{"python_module": {"module_name": "pipelines.definitions"}}]}


def test_dockerfile_installs_every_package_and_the_instance_settings():
    packages = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"][
        "packages"
    ]
    copied = re.findall(r"^COPY (\S+) /tmp/src/", DOCKERFILE, re.M)
    missing = set(packages) - set(copied)
    assert not missing, f"Dockerfile: add `COPY <package> /tmp/src/<package>` for {missing}"
    assert DOCKERFILE.startswith("#") and "\nFROM python:3.11-slim\n" in DOCKERFILE
    assert "COPY deploy/dagster.yaml /opt/dagster/home/dagster.yaml" in DOCKERFILE
    assert "COPY deploy/workspace.yaml /opt/dagster/workspace.yaml" in DOCKERFILE
    assert "DAGSTER_HOME=/opt/dagster/home" in DOCKERFILE
    assert f"KOTAPINTAR_DATA_DIR={DATA_DIR}" in DOCKERFILE
    assert "\nUSER kotapintar\n" in DOCKERFILE  # never root at run time


def test_dockerignore_keeps_what_the_dockerfile_copies():
    patterns = [
        line.strip()
        for line in (ROOT / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    for source in re.findall(r"^COPY (?!--from)(.+) \S+$", DOCKERFILE, re.M):
        for path in source.split():
            assert (ROOT / path).exists(), f"Dockerfile copies {path}, which does not exist"
            ignored = [p for p in patterns if fnmatch.fnmatch(path, p.removeprefix("**/"))]
            assert not ignored, f".dockerignore {ignored} drops {path}, which the image needs"


def test_helm_values_name_the_image_launcher_and_postgres():
    (deployment,) = HELM["dagster-user-deployments"]["deployments"]
    assert deployment["image"]["repository"].endswith("/kotapintar")
    assert deployment["image"]["tag"] not in ("", "latest")
    assert deployment["dagsterApiGrpcArgs"] == ["--module-name", "pipelines.definitions"]
    assert deployment["env"]["KOTAPINTAR_DATA_DIR"] == DATA_DIR
    assert deployment["env"]["KOTAPINTAR_WAREHOUSE"] == WAREHOUSE
    launcher = HELM["runLauncher"]
    assert launcher["type"] == "K8sRunLauncher"
    k8s = launcher["config"]["k8sRunLauncher"]
    claim = k8s["volumes"][0]["persistentVolumeClaim"]["claimName"]
    pvc = yaml.safe_load((DEPLOY / "helm" / "data-pvc.yaml").read_text(encoding="utf-8"))
    assert claim == pvc["metadata"]["name"]
    assert DATA_DIR.startswith(k8s["volumeMounts"][0]["mountPath"])
    coordinator = HELM["dagsterDaemon"]["runCoordinator"]
    assert coordinator["type"] == "QueuedRunCoordinator"
    assert coordinator["config"]["queuedRunCoordinator"]["maxConcurrentRuns"] == 1
    assert HELM["dagsterDaemon"]["runMonitoring"]["enabled"] is True
    postgres = HELM["postgresql"]
    assert {"postgresqlHost", "postgresqlUsername", "postgresqlDatabase"} <= set(postgres)
    assert "postgresqlPassword" not in postgres  # from the secret, never in the values file
    assert HELM["global"]["postgresqlSecretName"]
    # Where the image's unprivileged user may write (Dockerfile).
    assert f"DAGSTER_HOME={HELM['global']['dagsterHome']}" in DOCKERFILE


def _docker_unavailable() -> str | None:
    if shutil.which("docker") is None:
        return "no docker CLI on PATH"
    info = subprocess.run(["docker", "info"], capture_output=True, text=True, timeout=60)
    if info.returncode != 0:
        last = (info.stderr.strip().splitlines() or ["no output"])[-1]
        return f"no Docker daemon answers `docker info` ({last})"
    return None


@pytest.mark.docker
def test_docker_build_succeeds():
    reason = _docker_unavailable()
    if reason:
        pytest.skip(reason)
    build = subprocess.run(
        ["docker", "build", "-t", "kotapintar:test", str(ROOT)],
        capture_output=True,
        text=True,
        timeout=1800,
    )
    assert build.returncode == 0, build.stderr[-3000:]
    check = subprocess.run(
        ["docker", "run", "--rm", "kotapintar:test", "kotapintar", "sources"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert check.returncode == 0, check.stderr[-3000:]
    assert "sources," in check.stdout


@pytest.mark.docker
def test_compose_file_is_valid_for_docker_compose():
    if _docker_unavailable() == "no docker CLI on PATH":
        pytest.skip("no docker CLI on PATH")
    plugin = subprocess.run(["docker", "compose", "version"], capture_output=True, timeout=60)
    if plugin.returncode != 0:
        pytest.skip("the docker CLI has no compose plugin (`docker compose version` fails)")
    result = subprocess.run(
        ["docker", "compose", "-f", str(DEPLOY / "compose.yaml"), "config", "--quiet"],
        capture_output=True,
        text=True,
        timeout=60,
        env={"PATH": "/usr/bin:/bin:/usr/local/bin", "DAGSTER_PG_PASSWORD": "x"},
    )
    assert result.returncode == 0, result.stderr
