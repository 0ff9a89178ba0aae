"""The deployment files agree with the settings class and keep their safety properties.

``.ci/run`` validates ``docker-compose.yml`` with ``docker-compose config``; these tests check
what a schema cannot: that every setting is documented and passed on, and where ports listen.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import SecretStr

from bot.config import Settings

ROOT = Path(__file__).resolve().parent.parent

#: `NAME=value` at the start of a line; commented-out examples do not count.
_ASSIGNMENT = re.compile(r"^([A-Z][A-Z0-9_]*)=(.*)$")
#: A Configuration table row: | `NAME` | default | meaning |
_TABLE_ROW = re.compile(r"^\| `([A-Z][A-Z0-9_]*)` \|")
#: Compose interpolation: ${NAME}, ${NAME:-default}, ${NAME:?error}…
_INTERPOLATION = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)")


def settings_variables() -> set[str]:
    prefix = Settings.model_config.get("env_prefix", "")
    return {(prefix + name).upper() for name in Settings.model_fields}


def secret_variables() -> set[str]:
    prefix = Settings.model_config.get("env_prefix", "")
    return {
        (prefix + name).upper()
        for name, field in Settings.model_fields.items()
        if "SecretStr" in str(field.annotation)
    }


def env_example() -> list[tuple[str, str]]:
    lines = (ROOT / ".env.example").read_text(encoding="utf-8").splitlines()
    return [match.groups() for line in lines if (match := _ASSIGNMENT.match(line))]


def readme_table_variables() -> list[str]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("\n## Configuration\n", 1)[1].split("\n## ", 1)[0]
    return [match[1] for line in section.splitlines() if (match := _TABLE_ROW.match(line))]


def compose() -> dict[str, Any]:
    loaded = yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))
    assert isinstance(loaded, dict)
    return loaded


def service_environment(service: dict[str, Any]) -> dict[str, str | None]:
    environment = service.get("environment") or {}
    if isinstance(environment, list):  # the `- NAME=value` / `- NAME` form
        return dict((*item.split("=", 1), None)[:2] for item in environment)
    return {name: None if value is None else str(value) for name, value in environment.items()}


def strings(node: Any) -> list[str]:
    """Every string in a loaded YAML document (keys and values), comments excluded."""
    if isinstance(node, dict):
        return [text for key, value in node.items() for text in strings(key) + strings(value)]
    if isinstance(node, list):
        return [text for item in node for text in strings(item)]
    return [node] if isinstance(node, str) else []


def compose_only_variables() -> set[str]:
    """Variables the compose file substitutes that the bot itself never reads."""
    used = {name for text in strings(compose()) for name in _INTERPOLATION.findall(text)}
    return used - settings_variables()


def dockerfile_instructions() -> list[tuple[str, str]]:
    text = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    lines = [line for line in text.splitlines() if not line.lstrip().startswith("#")]
    joined = re.sub(r"\\\n\s*", " ", "\n".join(lines))
    instructions = []
    for line in joined.splitlines():
        if line.strip():
            keyword, _, rest = line.strip().partition(" ")
            instructions.append((keyword.upper(), rest.strip()))
    return instructions


def test_settings_are_a_known_list():
    """Guards the comparisons below against an empty or misread settings class."""
    assert {"DISCORD_TOKEN", "DATABASE_URL", "SHARD_IDS", "OPS_PORT"} <= settings_variables()
    assert {"DISCORD_TOKEN", "NEMO_TOKEN"} <= secret_variables()


def test_env_example_names_every_setting_once():
    """Copying .env.example gives an operator every knob, and nothing the bot ignores."""
    names = [name for name, _ in env_example()]
    assert len(names) == len(set(names)), "a variable is assigned twice in .env.example"
    assert set(names) == settings_variables() | compose_only_variables()


def test_env_example_explains_each_variable():
    """Every assignment in .env.example has a comment line right above it."""
    lines = (ROOT / ".env.example").read_text(encoding="utf-8").splitlines()
    for number, line in enumerate(lines):
        if _ASSIGNMENT.match(line):
            assert number > 0 and lines[number - 1].startswith("#"), f"no comment above {line!r}"


def test_env_example_leaves_secrets_empty():
    """A copied .env.example never carries a token or password someone might keep."""
    values = dict(env_example())
    passwords = {name for name in compose_only_variables() if "PASSWORD" in name}
    assert passwords == {"POSTGRES_PASSWORD"}
    for name in secret_variables() | passwords:
        assert values[name] == "", f"{name} has a value in .env.example"


def test_readme_table_names_every_setting_once():
    """The README's Configuration table documents exactly the settings class."""
    names = readme_table_variables()
    assert len(names) == len(set(names)), "a variable has two rows in the README table"
    assert set(names) == settings_variables()


def test_readme_documents_compose_only_variables():
    """Variables only docker-compose.yml reads are still explained in the README."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for name in compose_only_variables():
        assert f"`{name}`" in readme


def test_compose_bot_receives_every_setting():
    """Each setting reaches the bot container by name; none is silently left behind."""
    bot = compose()["services"]["bot"]
    assert set(service_environment(bot)) == settings_variables()


def test_compose_passthroughs_use_their_own_name():
    """`SHARD_IDS: ${SHARD_COUNT:-}` style copy-paste slips would swap two settings."""
    environment = service_environment(compose()["services"]["bot"])
    for name, value in environment.items():
        for used in _INTERPOLATION.findall(value or ""):
            assert used == name or used in compose_only_variables(), f"{name} reads ${used}"


def test_compose_points_the_bot_at_its_postgres():
    """The bot uses the bundled database and waits until it is healthy."""
    services = compose()["services"]
    bot = services["bot"]
    url = service_environment(bot)["DATABASE_URL"] or ""
    assert url.startswith("postgresql://") and "@postgres:5432/" in url
    assert bot["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert bot["restart"] == "unless-stopped"


def test_compose_ports_listen_on_loopback_only():
    """No service is published on the host's public interfaces."""
    services = compose()["services"]
    published = []
    for name, service in services.items():
        for port in service.get("ports", []):
            if isinstance(port, dict):  # long syntax
                host_ip = port.get("host_ip")
            else:
                parts = str(port).rsplit(":", 2)
                host_ip = parts[0] if len(parts) == 3 else None
            assert host_ip == "127.0.0.1", f"{name} publishes {port!r} beyond loopback"
            published.append(name)
    assert "postgres" not in published
    assert "127.0.0.1:8080:8080" in services["bot"]["ports"]
    assert "127.0.0.1:8000:8000" in services["local-backend"]["ports"]


def test_compose_postgres_is_checked_and_persistent():
    """PostgreSQL has a pg_isready health check and keeps its data in a named volume."""
    document = compose()
    postgres = document["services"]["postgres"]
    assert postgres["image"].startswith("postgres:15")
    assert "pg_isready" in " ".join(postgres["healthcheck"]["test"])
    data = [path for path in postgres["volumes"] if path.endswith(":/var/lib/postgresql/data")]
    assert len(data) == 1
    assert data[0].split(":", 1)[0] in (document.get("volumes") or {})


def test_compose_local_backend_is_an_optional_profile():
    """`docker compose up` alone never starts the local backend."""
    local = compose()["services"]["local-backend"]
    assert local["profiles"] == ["local-backend"]
    assert local["command"][:1] == ["local-backend"]
    # Every interface inside the container, or the published port would reach nothing.
    assert local["command"][1:3] == ["--host", "0.0.0.0"]  # noqa: S104


def test_dockerfile_runs_as_a_user():
    """The container's process is not root."""
    users = [rest for keyword, rest in dockerfile_instructions() if keyword == "USER"]
    assert users, "no USER instruction"
    user = users[-1].split(":", 1)[0]
    assert user not in ("root", "0")


def test_dockerfile_serves_ops_port_the_compose_file_publishes():
    """The image listens on every interface on the port that compose maps and probes."""
    instructions = dockerfile_instructions()
    exposed = {rest for keyword, rest in instructions if keyword == "EXPOSE"}
    environment = " ".join(rest for keyword, rest in instructions if keyword == "ENV")
    assert "OPS_HOST=0.0.0.0" in environment
    assert exposed == {"8080"}
    bot_environment = service_environment(compose()["services"]["bot"])
    assert bot_environment["OPS_PORT"] == "8080"
    health = [rest for keyword, rest in instructions if keyword == "HEALTHCHECK"]
    assert len(health) == 1 and "/healthz" in health[0]


def test_dockerfile_runs_the_bot_without_dev_tools():
    """The image starts `beatthread run` and installs no dev extra."""
    instructions = dockerfile_instructions()
    commands = " ".join(rest for keyword, rest in instructions if keyword in ("ENTRYPOINT", "CMD"))
    assert re.sub(r'[\[\]",]', " ", commands).split() == ["beatthread", "run"]
    installs = " ".join(rest for keyword, rest in instructions if keyword == "RUN")
    assert "pip install" in installs and "[dev]" not in installs


def _clear_settings_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in settings_variables():
        monkeypatch.delenv(name, raising=False)


def test_empty_variables_mean_defaults(monkeypatch):
    """Compose passes `${VAR:-}` as an empty string: every setting must then keep its default."""
    _clear_settings_environment(monkeypatch)
    defaults = Settings(_env_file=None).model_dump()
    for name in settings_variables():
        monkeypatch.setenv(name, "")
    assert Settings(_env_file=None).model_dump() == defaults


def test_copied_env_example_is_a_valid_configuration(monkeypatch):
    """`cp .env.example .env` then `beatthread run` reads a valid (default) configuration."""
    _clear_settings_environment(monkeypatch)
    defaults = Settings(_env_file=None).model_dump()
    loaded = Settings(_env_file=ROOT / ".env.example")
    assert loaded.model_dump() == defaults
    assert not any(isinstance(value, SecretStr) for value in loaded.model_dump().values())
