"""The Kubernetes base of a baked project (deploy/k8s): kustomize renders it, Kubernetes' schemas
accept every object, and it holds what running the service there relies on.

Offline: `kubectl kustomize` renders without a cluster, and kubernetes-validate carries the
API's schemas. The rules (non-root, probes, shutdown, secrets) are written here; the numbers
they relate (the image's user, uvicorn's shutdown timeout, its port) come from the baked
Dockerfile, so that a change there that breaks the manifests fails here.
"""

import ast
import json
import os
import re
import secrets
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml

from tests.conftest import EACH_SERVER_INSTALLED, InstalledProject, bake, env_values, run

# The oldest Kubernetes the README promises, and the newest kubernetes-validate knows.
KUBERNETES_VERSIONS = ["1.31", "1.37"]
SERVER_DATABASES = ["mysql", "postgresql"]
K8S = Path("deploy") / "k8s"
# The one file of the base that is no Kubernetes object nor the ConfigMap's source.
KUSTOMIZATION = "kustomization.yaml"
# The paths the probes must ask: readiness asks the database, liveness never does.
READINESS_PATH = "/health"
LIVENESS_PATH = "/health/live"
# The servers' default max_connections, less what they keep for superusers (PostgreSQL: 3);
# the service must leave room for the migration, an administrator and a console.
MAX_CONNECTIONS = {"mysql": 151, "postgresql": 100 - 3}
SPARE_CONNECTIONS = 10
# A name Kubernetes accepts for a Service (RFC 1035 label), and for the other objects here.
OBJECT_NAME = re.compile(r"^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$")
LABEL_VALUE = re.compile(r"^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$")
# The last part of an image reference: a name Docker accepts, then a tag or a digest.
IMAGE_NAME_AND_TAG = re.compile(
    r"^(?P<name>[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)"
    r"(?::(?P<tag>\w[\w.-]{0,127})|@(?P<digest>sha256:[0-9a-f]{64}))?$"
)
# A URL with credentials in it (scheme://user:password@host).
URL_WITH_PASSWORD = re.compile(r"[a-z][a-z0-9+.-]*://[^/\s:@]+:[^@\s]+@")
# What a setting's name says when its value is a secret.
SECRET_NAME = re.compile(r"SECRET|PASSWORD|TOKEN|PRIVATE|CREDENTIAL|DATABASE_URL|_KEY$")
# The API's secret settings; the migration's Secret holds its own URL only (the user that may
# change the schema, which the API's pods never get), and no SECRET_KEY.
SECRET_SETTINGS = {"SECRET_KEY", "DATABASE_URL", "SMTP_PASSWORD"}
MIGRATION_SECRET_SETTINGS = {"MIGRATION_DATABASE_URL"}


@pytest.fixture(scope="session")
def kubectl() -> str:
    """kubectl, whose built-in kustomize renders the base; missing, it fails in CI."""
    found = shutil.which("kubectl")
    if found is None:
        problem = "kubectl is not installed (it renders deploy/k8s with its kustomize)"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{problem}; CI=true needs it")
        pytest.skip(f"{problem}; install it to run the Kubernetes tests")
    return found


@dataclass(frozen=True)
class Base:
    """A baked project's deploy/k8s, and the objects kustomize renders from it."""

    root: Path
    database: str
    objects: list[dict[str, Any]]

    @property
    def directory(self) -> Path:
        return self.root / K8S

    def text(self, name: str) -> str:
        return (self.root / name).read_text(encoding="utf-8")

    def kustomization(self) -> dict[str, Any]:
        loaded: dict[str, Any] = yaml.safe_load((self.directory / KUSTOMIZATION).read_text())
        return loaded

    def one(self, kind: str) -> dict[str, Any]:
        found = [obj for obj in self.objects if obj["kind"] == kind]
        assert len(found) == 1, f"the base renders {len(found)} objects of kind {kind}, not 1"
        return found[0]

    def workloads(self) -> list[dict[str, Any]]:
        """The objects that run pods: the Deployment and the Job."""
        return [obj for obj in self.objects if "template" in obj.get("spec", {})]

    def containers(self) -> Iterator[tuple[str, dict[str, Any], dict[str, Any]]]:
        """Every container of every pod, as (where, the pod's spec, the container)."""
        for workload in self.workloads():
            pod = workload["spec"]["template"]["spec"]
            for key in ("initContainers", "containers"):
                for container in pod.get(key, []):
                    yield f"{workload['kind']}/{container['name']}", pod, container


def render(kubectl: str, directory: Path) -> list[dict[str, Any]]:
    rendered = run([kubectl, "kustomize", directory]).stdout
    return [obj for obj in yaml.safe_load_all(rendered) if obj]


@pytest.fixture(
    scope="module", params=SERVER_DATABASES, ids=lambda database: f"database={database}"
)
def base(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, kubectl: str
) -> Base:
    database: str = request.param
    root = bake(tmp_path_factory.mktemp(f"k8s-{database}"), database=database)
    return Base(root=root, database=database, objects=render(kubectl, root / K8S))


# What the Dockerfile says, which the manifests must agree with


def dockerfile_command(base: Base) -> str:
    """The shell command of the image's CMD (["sh", "-c", "exec uvicorn ..."])."""
    [cmd] = re.findall(r"^CMD (\[.*\])$", base.text("Dockerfile"), flags=re.MULTILINE)
    return " ".join(json.loads(cmd))


def dockerfile_option(base: Base, option: str) -> int:
    found = re.findall(rf"{re.escape(option)}[ =](\d+)", dockerfile_command(base))
    assert len(found) == 1, f"the Dockerfile's CMD sets {option} {len(found)} times"
    return int(found[0])


def dockerfile_user(base: Base) -> tuple[int, int]:
    users = re.findall(r"^USER (\d+):(\d+)$", base.text("Dockerfile"), flags=re.MULTILINE)
    assert users, "the Dockerfile has no numeric USER uid:gid"
    uid, gid = users[-1]
    return int(uid), int(gid)


def dockerfile_environment(base: Base) -> dict[str, str]:
    """The variables the image's ENV lines set (NAME=value pairs)."""
    lines = re.findall(r"^ENV (.+)$", base.text("Dockerfile"), flags=re.MULTILINE)
    return dict(pair.split("=", 1) for line in lines for pair in line.split())


def settings_fields(base: Base) -> set[str]:
    """The names of the variables core/config.py's Settings reads (its fields, upper case),
    with those it inherits from core/mail/settings.py's MailSettings."""
    fields: set[str] = set()
    for module, name in (("config.py", "Settings"), ("mail/settings.py", "MailSettings")):
        tree = ast.parse(base.text(f"{base.root.name}/core/{module}"))
        [settings] = [
            node for node in tree.body if isinstance(node, ast.ClassDef) and node.name == name
        ]
        fields |= {
            node.target.id.upper()
            for node in settings.body
            if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name)
        }
    return fields


# The files and the schemas


def test_every_file_of_the_base_is_one_kustomize_reads(base: Base) -> None:
    # So that the schema check below, which reads the listed files, sees every file.
    kustomization = base.kustomization()
    listed = set(kustomization["resources"])
    generators = kustomization["configMapGenerator"]
    listed |= {name for generator in generators for name in generator["envs"]}
    found = {path.name for path in base.directory.iterdir()}
    assert found == listed | {KUSTOMIZATION}
    assert all(path.is_file() for path in base.directory.iterdir())


def schema_problems(objects: list[dict[str, Any]], where: str) -> list[str]:
    """What Kubernetes' schemas reject in these objects, strictly (no unknown field)."""
    problems = []
    for obj in objects:
        name = f"{where}: {obj.get('kind')}/{obj.get('metadata', {}).get('name')}"
        for version in KUBERNETES_VERSIONS:
            try:
                checked = kubernetes_validate.validate(obj, version, strict=True)
            except kubernetes_validate.ValidationError as error:
                path = ".".join(str(part) for part in error.path)
                problems.append(f"{name} on {version}: {path}: {error.message}")
            except kubernetes_validate.SchemaNotFoundError as error:
                # The command line only warns of an unknown apiVersion or kind: not here.
                problems.append(f"{name}: {error.message}")
            else:
                assert checked == version, f"{name}: checked against {checked}, not {version}"
    return problems


def test_every_manifest_file_matches_the_kubernetes_schemas(base: Base) -> None:
    problems = []
    for name in base.kustomization()["resources"]:
        text = (base.directory / name).read_text(encoding="utf-8")
        objects = [obj for obj in yaml.safe_load_all(text) if obj]
        assert objects, name
        problems += schema_problems(objects, name)
    assert problems == []


def test_every_rendered_object_matches_the_kubernetes_schemas(base: Base) -> None:
    assert base.objects
    assert schema_problems(base.objects, "kubectl kustomize") == []


def test_the_base_renders_the_objects_the_service_runs_on(base: Base) -> None:
    kinds = sorted(obj["kind"] for obj in base.objects)
    expected = ["ConfigMap", "Deployment", "HorizontalPodAutoscaler", "Job"]
    assert kinds == sorted([*expected, "PodDisruptionBudget", "Service"])
    api_versions = {obj["kind"]: obj["apiVersion"] for obj in base.objects}
    assert api_versions["HorizontalPodAutoscaler"] == "autoscaling/v2"
    assert api_versions["PodDisruptionBudget"] == "policy/v1"


def test_every_object_has_a_valid_name_and_the_services_labels(base: Base) -> None:
    name = base.root.name.replace("_", "-")
    for obj in base.objects:
        metadata = obj["metadata"]
        assert OBJECT_NAME.match(metadata["name"]), metadata["name"]
        assert metadata["name"].startswith(f"{name}-"), metadata["name"]
        assert metadata["labels"]["app.kubernetes.io/name"] == name
    for workload in base.workloads():
        labels = workload["spec"]["template"]["metadata"]["labels"]
        assert labels["app.kubernetes.io/name"] == name


def test_names_and_labels_are_valid_for_the_longest_slug_with_a_double_underscore(
    tmp_path: Path, kubectl: str
) -> None:
    # Kubernetes names allow no `_`: the base writes the slug's as `-`, within 63 characters.
    slug = "inventory__and_warehouse_servic1"  # 32 characters, the longest the hook accepts
    root = bake(tmp_path, database="postgresql", project_slug=slug)
    base = Base(root=root, database="postgresql", objects=render(kubectl, root / K8S))
    for obj in base.objects:
        assert OBJECT_NAME.match(obj["metadata"]["name"]), obj["metadata"]["name"]
        for value in obj["metadata"]["labels"].values():
            assert LABEL_VALUE.match(value), value
    images = [container["image"] for _, _, container in base.containers()]
    assert images
    assert all(all(image_reference(image)) for image in images), images


# Security


def test_every_container_runs_as_the_images_user_with_nothing_to_spare(base: Base) -> None:
    uid, gid = dockerfile_user(base)
    checked = []
    for where, pod, container in base.containers():
        # What the kubelet applies: the container's own setting, else the pod's.
        effective = pod.get("securityContext", {}) | container.get("securityContext", {})
        assert effective.get("runAsNonRoot") is True, where
        assert (effective.get("runAsUser"), effective.get("runAsGroup")) == (uid, gid), where
        assert effective.get("seccompProfile") == {"type": "RuntimeDefault"}, where
        context = container.get("securityContext", {})
        assert context.get("readOnlyRootFilesystem") is True, where
        assert context.get("allowPrivilegeEscalation") is False, where
        assert context.get("capabilities") == {"drop": ["ALL"]}, where
        assert not context.get("privileged"), where
        assert pod.get("automountServiceAccountToken") is False, where
        assert not pod.get("hostNetwork"), where
        assert not pod.get("hostPID"), where
        assert all("hostPath" not in volume for volume in pod.get("volumes", [])), where
        checked.append(where)
    assert sorted(checked) == ["Deployment/api", "Job/migrate"]


def test_every_container_requests_and_is_limited_in_cpu_and_memory(base: Base) -> None:
    for where, _, container in base.containers():
        resources = container.get("resources", {})
        for bound in ("requests", "limits"):
            assert set(resources.get(bound, {})) >= {"cpu", "memory"}, f"{where} {bound}"


def test_the_read_only_root_leaves_a_volume_for_the_metrics_files(base: Base) -> None:
    # The workers write their metrics where the image's PROMETHEUS_MULTIPROC_DIR says.
    metrics_dir = Path(dockerfile_environment(base)["PROMETHEUS_MULTIPROC_DIR"])
    deployment = base.one("Deployment")
    pod = deployment["spec"]["template"]["spec"]
    [container] = pod["containers"]
    empty_dirs = {volume["name"] for volume in pod["volumes"] if "emptyDir" in volume}
    mounts = [
        Path(mount["mountPath"])
        for mount in container["volumeMounts"]
        if mount["name"] in empty_dirs and not mount.get("readOnly")
    ]
    assert any(metrics_dir.is_relative_to(mount) for mount in mounts), mounts


# The API's pods: probes, port, shutdown, rollout


def api_container(base: Base) -> dict[str, Any]:
    [container] = base.one("Deployment")["spec"]["template"]["spec"]["containers"]
    return container


def test_the_api_runs_the_images_command_on_its_port(base: Base) -> None:
    container = api_container(base)
    # The image's CMD (uvicorn, its loop, its shutdown timeout) is the one the tests serve.
    assert "command" not in container
    assert "args" not in container
    ports = {port["name"]: port["containerPort"] for port in container["ports"]}
    assert ports == {"http": dockerfile_option(base, "--port")}
    annotations = base.one("Deployment")["spec"]["template"]["metadata"]["annotations"]
    assert annotations["prometheus.io/port"] == str(ports["http"])
    assert annotations["prometheus.io/path"] == "/metrics"


def test_readiness_asks_the_database_and_liveness_never_does(base: Base) -> None:
    container = api_container(base)
    readiness = container["readinessProbe"]["httpGet"]
    liveness = container["livenessProbe"]["httpGet"]
    assert (readiness["path"], readiness["port"]) == (READINESS_PATH, "http")
    assert (liveness["path"], liveness["port"]) == (LIVENESS_PATH, "http")
    # Under full load a probe waits its turn for a thread: seconds, and a few tries.
    for probe in ("readinessProbe", "livenessProbe"):
        assert container[probe]["timeoutSeconds"] >= 3, probe
        assert container[probe]["failureThreshold"] >= 3, probe


def test_a_stopping_pod_finishes_its_requests_before_it_is_killed(base: Base) -> None:
    """The preStop pause (the pod leaves the Service meanwhile), then uvicorn's graceful
    shutdown, must both end within the grace period, or the kubelet kills requests."""
    pod = base.one("Deployment")["spec"]["template"]["spec"]
    command = api_container(base)["lifecycle"]["preStop"]["exec"]["command"]
    sleep, pause_text = command
    assert sleep == "sleep"
    pause = int(pause_text)
    assert pause >= 1
    shutdown = dockerfile_option(base, "--timeout-graceful-shutdown")
    assert pod["terminationGracePeriodSeconds"] > pause + shutdown


def test_a_rollout_starts_a_new_pod_before_it_stops_an_old_one(base: Base) -> None:
    strategy = base.one("Deployment")["spec"]["strategy"]
    assert strategy["type"] == "RollingUpdate"
    assert strategy["rollingUpdate"]["maxUnavailable"] == 0
    assert strategy["rollingUpdate"]["maxSurge"] >= 1


def test_the_autoscaler_owns_the_replicas_and_a_budget_keeps_one_serving(base: Base) -> None:
    deployment = base.one("Deployment")
    # A count in the Deployment would reset the autoscaler's at every apply.
    assert "replicas" not in deployment["spec"]
    autoscaler = base.one("HorizontalPodAutoscaler")["spec"]
    target = autoscaler["scaleTargetRef"]
    assert (target["kind"], target["name"]) == ("Deployment", deployment["metadata"]["name"])
    [metric] = autoscaler["metrics"]
    assert metric["resource"]["name"] == "cpu"
    assert metric["resource"]["target"]["type"] == "Utilization"
    assert 2 <= autoscaler["minReplicas"] <= autoscaler["maxReplicas"]
    budget = base.one("PodDisruptionBudget")["spec"]
    assert budget["selector"]["matchLabels"] == deployment["spec"]["selector"]["matchLabels"]
    # One pod evicted at a time leaves the others (at least minReplicas - 1) serving.
    assert budget.get("maxUnavailable") == 1 or budget.get("minAvailable", 0) >= 1


def test_the_api_pods_are_spread_across_nodes(base: Base) -> None:
    # Two pods on one node would both go when it does: the scheduler is asked to place
    # them on different nodes (kubernetes.io/hostname), preferably, so that a cluster of
    # one node still runs them.
    deployment = base.one("Deployment")
    pod = deployment["spec"]["template"]
    [spread] = pod["spec"]["topologySpreadConstraints"]
    assert spread["topologyKey"] == "kubernetes.io/hostname"
    assert spread["maxSkew"] == 1
    assert spread["whenUnsatisfiable"] == "ScheduleAnyway"
    # It counts this service's API pods: every label it asks for is one they carry (the
    # service's name too, which kustomize adds), and the migration's pods are not counted.
    selector = spread["labelSelector"]["matchLabels"]
    assert selector == deployment["spec"]["selector"]["matchLabels"]
    assert selects(selector, pod["metadata"]["labels"])
    assert not selects(selector, base.one("Job")["spec"]["template"]["metadata"]["labels"])


def selects(selector: dict[str, str], labels: dict[str, str]) -> bool:
    return all(labels.get(key) == value for key, value in selector.items())


def test_the_service_and_the_budget_pick_the_api_pods_not_the_migrations(base: Base) -> None:
    api_labels = base.one("Deployment")["spec"]["template"]["metadata"]["labels"]
    migration_labels = base.one("Job")["spec"]["template"]["metadata"]["labels"]
    service = base.one("Service")["spec"]
    assert service["type"] == "ClusterIP"
    assert service["ports"] == [{"name": "http", "port": 80, "targetPort": "http"}]
    selectors = [
        service["selector"],
        base.one("Deployment")["spec"]["selector"]["matchLabels"],
        base.one("PodDisruptionBudget")["spec"]["selector"]["matchLabels"],
    ]
    for selector in selectors:
        assert selects(selector, api_labels), selector
        assert not selects(selector, migration_labels), selector


def database_connections(base: Base) -> int:
    """The most connections the API's pods may hold at once: in a rollout, maxReplicas plus
    the surge, each with WEB_CONCURRENCY workers of 2 x DATABASE_POOL_SIZE (README)."""
    settings = base.one("ConfigMap")["data"]
    surge = base.one("Deployment")["spec"]["strategy"]["rollingUpdate"]["maxSurge"]
    pods = base.one("HorizontalPodAutoscaler")["spec"]["maxReplicas"] + surge
    return pods * int(settings["WEB_CONCURRENCY"]) * 2 * int(settings["DATABASE_POOL_SIZE"])


def test_the_most_pods_fit_in_the_database_servers_connections(base: Base) -> None:
    limit = MAX_CONNECTIONS[base.database] - SPARE_CONNECTIONS
    assert database_connections(base) <= limit


# The images


def image_reference(image: str) -> tuple[str | None, str | None]:
    """The name and the tag (or digest) of an image reference; None for what is missing."""
    match = IMAGE_NAME_AND_TAG.match(image.rsplit("/", 1)[-1])
    if match is None:
        return None, None
    return match["name"], match["tag"] or match["digest"]


def test_every_image_is_tagged_and_none_is_latest(base: Base) -> None:
    images = [container["image"] for _, _, container in base.containers()]
    assert images
    for image in images:
        name, tag = image_reference(image)
        assert name, f"{image} is not an image reference Docker accepts"
        assert tag, f"{image} names no tag: it would run whatever :latest is then"
        assert tag != "latest", image
    # The project's version, until a release sets its own.
    version = re.search(r'^version = "(.+)"$', base.text("pyproject.toml"), re.MULTILINE)
    assert version
    [entry] = base.kustomization()["images"]
    assert entry["newTag"] == version[1]


def test_the_migration_runs_alembic_from_the_apis_image(base: Base) -> None:
    job = base.one("Job")
    [container] = job["spec"]["template"]["spec"]["containers"]
    assert container["command"] == ["alembic", "upgrade", "heads"]
    assert container["image"] == api_container(base)["image"]
    spec = job["spec"]
    assert spec["template"]["spec"]["restartPolicy"] == "Never"
    # A few tries for a database not reachable yet, then a person looks.
    assert 0 < spec["backoffLimit"] <= 3
    # Finished Jobs go away by themselves (each release makes a new one).
    assert spec["ttlSecondsAfterFinished"] > 0


# Secrets and settings


def secret_references(base: Base) -> dict[str, set[tuple[str, str]]]:
    """Each container's variables that come from a Secret, as {where: {(name, key)}}."""
    references: dict[str, set[tuple[str, str]]] = {}
    for where, _, container in base.containers():
        for variable in container.get("env", []):
            ref = variable.get("valueFrom", {}).get("secretKeyRef")
            if ref is not None:
                assert variable["name"] == ref["key"], variable
                references.setdefault(where, set()).add((ref["name"], ref["key"]))
    return references


def test_secrets_come_from_secrets_the_repository_does_not_hold(base: Base) -> None:
    references = secret_references(base)
    assert set(references) == {"Deployment/api", "Job/migrate"}
    # Each workload its own Secret, with only the keys it needs.
    [api_secret] = {name for name, _ in references["Deployment/api"]}
    [migration_secret] = {name for name, _ in references["Job/migrate"]}
    assert api_secret != migration_secret
    assert {key for _, key in references["Deployment/api"]} == SECRET_SETTINGS
    assert {key for _, key in references["Job/migrate"]} == MIGRATION_SECRET_SETTINGS
    assert [obj for obj in base.objects if obj["kind"] == "Secret"] == []
    assert "secretGenerator" not in base.kustomization()
    for secret in (api_secret, migration_secret):
        assert secret.startswith(base.root.name.replace("_", "-"))


def test_no_secret_value_is_written_anywhere_in_the_base(base: Base) -> None:
    env = env_values(base.root / ".env")
    names = ("SECRET_KEY", "DATABASE_PASSWORD", "DATABASE_URL", "MIGRATION_DATABASE_URL")
    values = [env[name] for name in (*names, "MIGRATION_DATABASE_PASSWORD")]
    assert all(len(value) >= 8 for value in values)
    files = {path.name: path.read_text(encoding="utf-8") for path in base.directory.iterdir()}
    files["kubectl kustomize"] = yaml.safe_dump_all(base.objects)
    for name, text in files.items():
        assert [value for value in values if value in text] == [], name
        assert URL_WITH_PASSWORD.findall(text) == [], name
    # No variable with a secret's name gets a value written in the manifests.
    for where, _, container in base.containers():
        for variable in container.get("env", []):
            if SECRET_NAME.search(variable["name"]):
                assert "value" not in variable, f"{where}: {variable['name']}"
    assert [key for key in base.one("ConfigMap")["data"] if SECRET_NAME.search(key)] == []


def test_the_configmap_sets_only_settings_the_service_reads(base: Base) -> None:
    # A misspelt name would be ignored without a word; the image's ENV names are settings of
    # the command (WEB_CONCURRENCY) and the runtime.
    known = settings_fields(base) | set(dockerfile_environment(base))
    assert settings_fields(base) >= SECRET_SETTINGS
    configmap = base.one("ConfigMap")
    assert sorted(set(configmap["data"]) - known) == []
    [container] = base.one("Deployment")["spec"]["template"]["spec"]["containers"]
    assert container["envFrom"] == [{"configMapRef": {"name": configmap["metadata"]["name"]}}]


@pytest.mark.parametrize("installed_project", EACH_SERVER_INSTALLED, indirect=True)
def test_the_service_accepts_the_values_of_the_configmap(
    installed_project: InstalledProject, kubectl: str, tmp_path: Path
) -> None:
    """The settings load as a pod would load them: the ConfigMap, and the Secret's three."""
    project = installed_project
    [configmap] = [obj for obj in render(kubectl, project.root / K8S) if obj["kind"] == "ConfigMap"]
    secret = {
        "SECRET_KEY": secrets.token_urlsafe(48),
        "DATABASE_URL": env_values(project.root / ".env")["DATABASE_URL"],
        "SMTP_PASSWORD": secrets.token_urlsafe(24),
    }
    load = f"from {project.slug}.core.config import load_settings; load_settings()"
    # Elsewhere than the project, so that no .env adds to them.
    env = project.env(**configmap["data"], **secret)
    run([project.command("python"), "-c", load], cwd=tmp_path, env=env)


# The README


def kubernetes_section(readme: str) -> str:
    match = re.search(r"^## Running on Kubernetes\n(.*?)^## ", readme, re.MULTILINE | re.DOTALL)
    assert match, "the README has no section 'Running on Kubernetes'"
    return match[1]


def readme_commands(section: str) -> list[str]:
    """The lines of the section's code blocks, continuation lines joined, comments dropped."""
    blocks = re.findall(r"^```[^\n]*\n(.*?)^```", section, flags=re.MULTILINE | re.DOTALL)
    lines = re.sub(r"\\\n\s*", " ", "\n".join(blocks)).splitlines()
    return [line.split("   #")[0].strip() for line in lines if not line.startswith("#")]


def index_of(commands: list[str], pattern: str) -> int:
    found = [index for index, command in enumerate(commands) if re.search(pattern, command)]
    assert len(found) == 1, f"{len(found)} commands of the README match {pattern!r}: {commands}"
    return found[0]


def test_readme_commands_name_what_the_base_makes_in_the_order_a_release_needs(
    base: Base,
) -> None:
    section = kubernetes_section(base.text("README.md"))
    commands = readme_commands(section)
    names = {(obj["kind"].lower(), obj["metadata"]["name"]) for obj in base.objects}
    job = base.one("Job")["metadata"]["name"]
    deployment = base.one("Deployment")["metadata"]["name"]

    # Every kind/name the section names is an object the base makes.
    for kind, name in re.findall(r"\b(job|deployment)/([a-z0-9-]+)", section):
        assert (kind, name) in names, f"{kind}/{name}"

    # The Secrets it creates are those the pods read, with the keys they ask for.
    references = secret_references(base)
    for where, keys in (
        ("Deployment/api", SECRET_SETTINGS),
        ("Job/migrate", MIGRATION_SECRET_SETTINGS),
    ):
        [secret] = {name for name, _ in references[where]}
        create = commands[index_of(commands, rf"^kubectl create secret generic {secret} ")]
        assert set(re.findall(r"--from-literal=(\w+)=", create)) == keys

    # The image it sets is the one the base names.
    [image] = base.kustomization()["images"]
    set_image = commands[index_of(commands, r"kustomize edit set image ")]
    assert re.search(rf"set image {re.escape(image['name'])}=\S+:\S+", set_image)

    # The migration runs, alone, to its end before the API's pods change.
    delete = index_of(commands, rf"^kubectl delete job {job}\b")
    migrate = index_of(commands, r"^kubectl apply -k deploy/k8s --selector ")
    wait = index_of(commands, rf"^kubectl wait --for=condition=complete .*job/{job}$")
    apply = index_of(commands, r"^kubectl apply -k deploy/k8s$")
    rollout = index_of(commands, rf"^kubectl rollout status deployment/{deployment}$")
    assert delete < migrate < wait < apply < rollout
    selector = dict(
        pair.split("=", 1) for pair in commands[migrate].split("--selector ")[1].split(",")
    )
    picked = [obj["kind"] for obj in base.objects if selects(selector, obj["metadata"]["labels"])]
    assert picked == ["Job"]
    assert (base.root / K8S / KUSTOMIZATION).is_file()


def test_sqlite_project_has_no_kubernetes_base_and_says_why(tmp_path: Path) -> None:
    root = bake(tmp_path, database="sqlite")
    assert not (root / "deploy").exists()
    section = kubernetes_section((root / "README.md").read_text(encoding="utf-8"))
    assert "one SQLite file on one disk" in section
    assert "docker compose up --build" in section
    assert "`database=mysql`" in section
    assert "`database=postgresql`" in section
    assert "deploy/k8s" in section
