"""Typed, frozen configuration of the forum service, read once at the entry point."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///./var/forum.db"


class ConfigError(Exception):
    """Raised when the environment does not hold a usable configuration."""


def _describe(error: ValidationError, prefix: str) -> str:
    lines = []
    for item in error.errors():
        field = str(item["loc"][0]) if item["loc"] else "?"
        # Never echo the offending value: it may be a secret.
        lines.append(f"  {prefix}{field.upper()}: {item['msg']}")
    return "invalid configuration:\n" + "\n".join(lines)


class ServiceSettings(BaseSettings):
    """Settings of the forum service (API, moderation worker, single-machine runner).

    Every field maps to an environment variable with the ``FORUM_`` prefix, e.g.
    ``FORUM_DATABASE_URL``. A ``.env`` file in the working directory is read too, so the
    secrets written by ``mscos-forum init`` are found without exporting them.
    """

    model_config = SettingsConfigDict(
        env_prefix="FORUM_", env_file=".env", extra="ignore", frozen=True
    )

    database_url: str = DEFAULT_DATABASE_URL
    service_token: Annotated[SecretStr, Field(min_length=16)]
    pseudonym_secret: Annotated[SecretStr, Field(min_length=16)]
    host: str = "127.0.0.1"
    port: Annotated[int, Field(ge=0, le=65535)] = 8080
    # How many write actions of one kind an identity may take per hour (posts, replies, reports).
    posts_per_hour: Annotated[int, Field(ge=1, le=10_000)] = 20
    db_echo: bool = False

    @field_validator("database_url")
    @classmethod
    def _known_driver(cls, value: str) -> str:
        if not value.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://")):
            raise ValueError(
                "must start with sqlite+aiosqlite:// or postgresql+asyncpg:// "
                f"(got a URL with scheme {value.split(':', 1)[0]!r})"
            )
        return value

    @classmethod
    def from_env(cls) -> ServiceSettings:
        """Build the settings from the environment (and ``.env``).

        Returns:
            The validated, frozen settings.

        Raises:
            ConfigError: with one readable message naming every missing or malformed variable.
        """
        try:
            return cls()
        except ValidationError as error:
            raise ConfigError(_describe(error, "FORUM_")) from None

    def sqlite_path(self) -> Path | None:
        """Return the file of an SQLite database URL, or None for other databases."""
        prefix = "sqlite+aiosqlite:///"
        if not self.database_url.startswith(prefix):
            return None
        rest = self.database_url[len(prefix) :].split("?", 1)[0]
        return None if rest in ("", ":memory:") else Path(rest)
