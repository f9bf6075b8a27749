"""The compose file and the Dockerfile agree with the real CLI and settings classes.

There is no container engine here, so this is how the deployment shape is kept from drifting:
every service built from this repository must run a command the CLI accepts, and every
variable it sets must be one the code reads.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import AliasChoices
from pydantic_settings import BaseSettings

from bot.settings import BotSettings
from forum_service.settings import ServiceSettings
from mscos_forum.cli import CLI_ENVIRONMENT, build_parser

ROOT = Path(__file__).resolve().parent.parent
#: Read by libraries we configure, not by our settings classes.
LIBRARY_ENVIRONMENT = {"HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "PTB_TIMEDELTA"}


def env_names(settings: type[BaseSettings]) -> set[str]:
    """Every environment variable a settings class reads."""
    prefix = str(settings.model_config.get("env_prefix", ""))
    names = set()
    for name, info in settings.model_fields.items():
        alias = info.validation_alias
        if isinstance(alias, AliasChoices):
            names |= {str(choice) for choice in alias.choices}
        else:
            names.add(f"{prefix}{name}".upper())
    return names


KNOWN = (
    env_names(ServiceSettings) | env_names(BotSettings) | set(CLI_ENVIRONMENT) | LIBRARY_ENVIRONMENT
)


def _compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    return loaded


def _our_services() -> dict[str, dict[str, Any]]:
    return {name: spec for name, spec in _compose()["services"].items() if "build" in spec}


def test_compose_has_the_production_shape() -> None:
    services = _compose()["services"]
    assert {"postgres", "migrate", "api", "worker", "bot"} <= services.keys()
    assert services["api"]["deploy"]["replicas"] >= 2
    assert services["migrate"]["restart"] == "no"
    assert any(str(v).startswith("models:") for v in services["worker"]["volumes"])
    assert "postgresql+asyncpg://" in services["api"]["environment"]["FORUM_DATABASE_URL"]


@pytest.mark.parametrize("service", sorted(_our_services()))
def test_every_service_command_is_accepted_by_the_real_cli(service: str) -> None:
    command = _our_services()[service]["command"]
    args = build_parser().parse_args(command)
    assert args.command == command[0]


@pytest.mark.parametrize("service", sorted(_our_services()))
def test_every_variable_is_read_by_the_real_settings(service: str) -> None:
    environment = _our_services()[service].get("environment", {})
    unknown = sorted(set(environment) - KNOWN)
    assert not unknown, f"{service} sets variables no code reads: {unknown}"


def test_required_settings_are_provided_to_each_role() -> None:
    services = _our_services()
    required_service = {"FORUM_DATABASE_URL", "FORUM_SERVICE_TOKEN", "FORUM_PSEUDONYM_SECRET"}
    for role in ("migrate", "api", "worker"):
        assert required_service <= set(services[role]["environment"]), role
    bot_required = {
        "TELEGRAM_BOT_TOKEN",
        "FORUM_API_URL",
        "FORUM_SERVICE_TOKEN",
        "IDENTITY_PEPPER",
        "BOT_STORE_SECRET",
    }
    assert bot_required <= set(services["bot"]["environment"])


def test_dockerfile_pins_cpu_torch_and_runs_the_console_script() -> None:
    text = (ROOT / "Dockerfile").read_text()
    assert re.search(r"torch==2\.13\.0", text) and "whl/cpu" in text
    assert 'ENTRYPOINT ["mscos-forum"]' in text
    for env in re.findall(r"^\s+([A-Z_]+)=", text, flags=re.MULTILINE):
        assert env in KNOWN or env.startswith(("PYTHON", "PIP_")), env


def test_dockerfile_copies_every_package_the_project_installs() -> None:
    # pip installs only the packages present in the build context; one left out would be
    # missing from the image (the bot needs telegram_text, `mscos-forum demo` fake_telegram).
    text = (ROOT / "Dockerfile").read_text()
    copies = re.findall(r"^COPY (\w+) \./(\w+)$", text, flags=re.MULTILINE)
    copied = {source for source, target in copies if source == target}
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    installed = [
        p.rstrip("*") for p in pyproject["tool"]["setuptools"]["packages"]["find"]["include"]
    ]
    assert sorted(set(installed) - copied) == []
