"""Typed, frozen configuration of the Telegram bot, read once at the entry point."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated

from pydantic import AliasChoices, Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

_TELEGRAM_ID = re.compile(r"-?[0-9]{1,20}")


class ConfigError(Exception):
    """Raised when the environment does not hold a usable bot configuration.

    The bot keeps its own class: it imports nothing from the service package.
    """


class BotSettings(BaseSettings):
    """Settings of the bot. Variable names are the documented contract (no common prefix)."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore", frozen=True)

    telegram_bot_token: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("TELEGRAM_BOT_TOKEN")
    )
    telegram_api_base_url: str = Field(
        default="https://api.telegram.org", validation_alias=AliasChoices("TELEGRAM_API_BASE_URL")
    )
    forum_api_url: str = Field(
        default="http://127.0.0.1:8080", validation_alias=AliasChoices("FORUM_API_URL")
    )
    service_token: Annotated[SecretStr, Field(min_length=16)] = Field(
        validation_alias=AliasChoices("FORUM_SERVICE_TOKEN")
    )
    identity_pepper: Annotated[SecretStr, Field(min_length=16)] = Field(
        validation_alias=AliasChoices("IDENTITY_PEPPER")
    )
    bot_store_secret: Annotated[SecretStr, Field(min_length=16)] = Field(
        validation_alias=AliasChoices("BOT_STORE_SECRET")
    )
    bot_store_path: Path = Field(
        default=Path("var/bot-delivery.db"), validation_alias=AliasChoices("BOT_STORE_PATH")
    )
    bot_admin_telegram_ids: Annotated[tuple[int, ...], NoDecode] = Field(
        default=(), validation_alias=AliasChoices("BOT_ADMIN_TELEGRAM_IDS")
    )
    bot_webhook_url: str | None = Field(
        default=None, validation_alias=AliasChoices("BOT_WEBHOOK_URL")
    )
    bot_webhook_secret: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("BOT_WEBHOOK_SECRET")
    )
    bot_webhook_listen: str = Field(
        default="127.0.0.1", validation_alias=AliasChoices("BOT_WEBHOOK_LISTEN")
    )
    bot_webhook_port: int = Field(default=8443, validation_alias=AliasChoices("BOT_WEBHOOK_PORT"))
    bot_poll_timeout: float = Field(default=10.0, validation_alias=AliasChoices("BOT_POLL_TIMEOUT"))
    bot_broadcast_rate: float = Field(
        default=28.0, gt=0, le=30, validation_alias=AliasChoices("BOT_BROADCAST_RATE")
    )
    bot_outbox_interval: float = Field(
        default=2.0, gt=0, validation_alias=AliasChoices("BOT_OUTBOX_INTERVAL")
    )
    # Flood control per person: a burst, then a steady rate (bot/flood.py).
    bot_user_burst: int = Field(
        default=20, ge=1, le=1000, validation_alias=AliasChoices("BOT_USER_BURST")
    )
    bot_user_per_minute: float = Field(
        default=60.0, gt=0, le=6000, validation_alias=AliasChoices("BOT_USER_PER_MINUTE")
    )
    # How long /exit's answer stays before it deletes itself (bot/handlers/quick_exit.py).
    bot_exit_notice_seconds: float = Field(
        default=20.0, gt=0, le=3600, validation_alias=AliasChoices("BOT_EXIT_NOTICE_SECONDS")
    )

    @field_validator("telegram_bot_token", "bot_webhook_url", "bot_webhook_secret", mode="before")
    @classmethod
    def _empty_is_unset(cls, value: object) -> object:
        # Compose passes unset optional variables as empty strings.
        return None if value == "" else value

    @field_validator("bot_admin_telegram_ids", mode="before")
    @classmethod
    def _split_ids(cls, value: object) -> object:
        if isinstance(value, str):
            parts = [p.strip() for p in value.replace(";", ",").split(",") if p.strip()]
            for part in parts:
                # ASCII only: "²".isdigit() is true, and int() would then fail quoting the value.
                if _TELEGRAM_ID.fullmatch(part) is None:
                    raise ValueError("must be a comma-separated list of numeric Telegram user ids")
            return tuple(int(p) for p in parts)
        return value

    @field_validator("telegram_api_base_url", "forum_api_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must be an http:// or https:// URL")
        return value.rstrip("/")

    @field_validator("bot_webhook_secret")
    @classmethod
    def _webhook_secret(cls, value: SecretStr | None) -> SecretStr | None:
        # Telegram allows 1-256 characters A-Z, a-z, 0-9, _ and -.
        if value is not None:
            raw = value.get_secret_value()
            if not (1 <= len(raw) <= 256) or not all(
                (c.isascii() and c.isalnum()) or c in "_-" for c in raw
            ):
                raise ValueError("must be 1-256 characters of A-Z, a-z, 0-9, _ or -")
        return value

    @staticmethod
    def token_configured() -> bool:
        """Whether ``TELEGRAM_BOT_TOKEN`` is set (environment or ``.env``), whatever else is."""
        return _TokenOnly().telegram_bot_token is not None

    @classmethod
    def from_env(cls) -> BotSettings:
        """Build the settings from the environment (and ``.env``).

        Raises:
            ConfigError: naming every missing or malformed variable, never echoing values.
        """
        try:
            settings = cls()
        except ValidationError as error:
            lines = [
                f"  {str(item['loc'][0]).upper() if item['loc'] else 'SETTINGS'}: {item['msg']}"
                for item in error.errors()
            ]
            raise ConfigError("invalid bot configuration:\n" + "\n".join(lines)) from None
        if settings.bot_webhook_url and settings.bot_webhook_secret is None:
            raise ConfigError(
                "invalid bot configuration:\n  BOT_WEBHOOK_SECRET: required in webhook mode"
            )
        return settings


class _TokenOnly(BaseSettings):
    """Reads only the token: whether the operator wants the bot at all."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore", frozen=True)

    telegram_bot_token: str | None = Field(
        default=None, validation_alias=AliasChoices("TELEGRAM_BOT_TOKEN")
    )

    @field_validator("telegram_bot_token", mode="before")
    @classmethod
    def _empty_is_unset(cls, value: object) -> object:
        return None if value == "" else value
