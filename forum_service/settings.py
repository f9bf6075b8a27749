"""Typed, frozen configuration of the forum service, read once at the entry point."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from pydantic import (
    AliasChoices,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, SettingsConfigDict

from forum_service.vault import MIN_AT_REST_KEY_CHARS, Vault

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///./var/forum.db"


class ConfigError(Exception):
    """Raised when the environment does not hold a usable configuration."""


def _describe(error: ValidationError, prefix: str) -> str:
    lines = []
    for item in error.errors():
        field = str(item["loc"][0]).upper() if item["loc"] else "SETTINGS"
        unprefixed = field.startswith(("DETOXIFY_", "PII_")) or not item["loc"]
        name = field if unprefixed else prefix + field
        # Never echo the offending value: it may be a secret.
        lines.append(f"  {name}: {item['msg']}")
    return "invalid configuration:\n" + "\n".join(lines)


class ServiceSettings(BaseSettings):
    """Settings of the forum service (API, moderation worker, single-machine runner).

    Every field maps to an environment variable with the ``FORUM_`` prefix, e.g.
    ``FORUM_DATABASE_URL``. A ``.env`` file in the working directory is read too, so the
    secrets written by ``mscos-forum init`` are found without exporting them.
    """

    model_config = SettingsConfigDict(
        env_prefix="FORUM_", env_file=".env", extra="ignore", frozen=True, populate_by_name=True
    )

    database_url: str = DEFAULT_DATABASE_URL
    service_token: Annotated[SecretStr, Field(min_length=16)]
    pseudonym_secret: Annotated[SecretStr, Field(min_length=16)]
    # Seals who wrote, reported, answered or is to be told what (forum_service.vault).
    at_rest_key: Annotated[SecretStr, Field(min_length=MIN_AT_REST_KEY_CHARS)]
    # Only while a `mscos-forum rotate-keys` is unfinished: opens rows the old key sealed.
    at_rest_key_previous: Annotated[SecretStr, Field(min_length=MIN_AT_REST_KEY_CHARS)] | None = (
        None
    )
    host: str = "127.0.0.1"
    port: Annotated[int, Field(ge=0, le=65535)] = 8080
    # How many write actions of one kind an identity may take per hour (posts, replies, reports).
    posts_per_hour: Annotated[int, Field(ge=1, le=10_000)] = 20
    # How long a moderator may undo a decision; the author is told once it has passed (0: no
    # undo, told at once).
    undo_seconds: Annotated[int, Field(ge=0, le=3600)] = 300
    # Who may read and post: everybody (open), members who joined with an invite code
    # (invite), or also those whose one request an admin approved (approval).
    membership: Literal["open", "invite", "approval"] = "invite"
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

    # Moderation worker. The Detoxify variables keep their product names (no FORUM_ prefix).
    detoxify_checkpoint: Path | None = Field(
        default=None,
        validation_alias=AliasChoices("DETOXIFY_CHECKPOINT", "FORUM_DETOXIFY_CHECKPOINT"),
    )
    detoxify_config_dir: Path | None = Field(
        default=None,
        validation_alias=AliasChoices("DETOXIFY_CONFIG_DIR", "FORUM_DETOXIFY_CONFIG_DIR"),
    )
    detoxify_quantize: bool = Field(
        default=False, validation_alias=AliasChoices("DETOXIFY_QUANTIZE", "FORUM_DETOXIFY_QUANTIZE")
    )
    # The sentence model of the default abuse screen: its installed package when unset; a
    # directory (checked against the same sha256 pins) otherwise. An empty directory means
    # "no sentence model": the word models screen instead, reported degraded.
    sentence_model_dir: Path | None = Field(
        default=None,
        validation_alias=AliasChoices("FORUM_SENTENCE_MODEL_DIR", "SENTENCE_MODEL_DIR"),
    )
    pii_spacy_model: str = Field(
        default="en_core_web_md",
        validation_alias=AliasChoices("PII_SPACY_MODEL", "FORUM_PII_SPACY_MODEL"),
        description="en_core_web_md, en_core_web_sm, or empty/none for rules only",
    )
    moderation_thresholds: dict[str, float] = Field(
        default_factory=dict,
        description='JSON object of per-label overrides, e.g. {"threat": 0.7}',
    )
    moderation_batch_size: Annotated[int, Field(ge=1, le=512)] = 16
    moderation_lease_seconds: Annotated[int, Field(ge=5, le=3600)] = 120
    moderation_poll_seconds: Annotated[float, Field(gt=0, le=60)] = 1.0
    # A batch whose scorer has not answered by then is queued "not screened" (fail closed).
    moderation_scorer_timeout_seconds: Annotated[float, Field(gt=0, le=3000)] = 60.0
    scheduler_poll_seconds: Annotated[float, Field(gt=0, le=300)] = 5.0
    # Queue alerts to a moderator on duty: at most one message per this many minutes (the
    # first item after a quiet queue, the urgent lane and reports are announced at once).
    alert_batch_minutes: Annotated[int, Field(ge=1, le=1440)] = 10
    # The admins' daily summary lists what has waited longer than this.
    queue_sla_hours: Annotated[float, Field(gt=0, le=24 * 30)] = 24.0
    # A followed thread's new replies are told in one message once the first has waited this.
    follow_batch_seconds: Annotated[int, Field(ge=1, le=86_400)] = 300
    # A separate worker process exposes its own /metrics here (0: off).
    worker_metrics_port: Annotated[int, Field(ge=0, le=65535)] = 0

    @field_validator("moderation_thresholds")
    @classmethod
    def _known_thresholds(cls, value: dict[str, float]) -> dict[str, float]:
        from moderation.policy import Thresholds

        Thresholds.from_mapping(value)
        return value

    @model_validator(mode="after")
    def _detoxify_pair(self) -> ServiceSettings:
        if (self.detoxify_checkpoint is None) != (self.detoxify_config_dir is None):
            raise ValueError("set DETOXIFY_CHECKPOINT and DETOXIFY_CONFIG_DIR together")
        return self

    @model_validator(mode="after")
    def _timeout_within_lease(self) -> ServiceSettings:
        # Past the lease another worker would take the batch while this one still waits.
        if self.moderation_scorer_timeout_seconds >= self.moderation_lease_seconds:
            raise ValueError(
                "FORUM_MODERATION_SCORER_TIMEOUT_SECONDS must be shorter than "
                "FORUM_MODERATION_LEASE_SECONDS"
            )
        return self

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

    def vault(self) -> Vault:
        """The tags and seals of this service's secrets."""
        previous = self.at_rest_key_previous
        return Vault(
            self.pseudonym_secret.get_secret_value(),
            self.at_rest_key.get_secret_value(),
            () if previous is None else (previous.get_secret_value(),),
        )

    def sqlite_path(self) -> Path | None:
        """Return the file of an SQLite database URL, or None for other databases."""
        prefix = "sqlite+aiosqlite:///"
        if not self.database_url.startswith(prefix):
            return None
        rest = self.database_url[len(prefix) :].split("?", 1)[0]
        return None if rest in ("", ":memory:") else Path(rest)
