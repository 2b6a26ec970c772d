"""Configuration from environment variables and an optional ``.env`` file.

The Bot Framework variables keep the names Azure users know (``MicrosoftAppId`` ...).
Invalid configuration stops start-up with a message naming the variable (exit code 2).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from pydantic import (
    AliasChoices,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticUseDefault
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from knowledge.content import CONTENT_DIR
from knowledge.match_settings import MatchSettings

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///data/dxbot.sqlite3"


def _env(name: str) -> AliasChoices:
    return AliasChoices(name)


class Settings(BaseSettings):
    """Every setting the bot reads. Field aliases are the environment variable names."""

    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", populate_by_name=True
    )

    app_id: str = Field("", validation_alias=_env("MicrosoftAppId"))
    app_password: str = Field("", validation_alias=_env("MicrosoftAppPassword"), repr=False)
    app_type: Literal["MultiTenant", "SingleTenant", "UserAssignedMSI"] = Field(
        "SingleTenant", validation_alias=_env("MicrosoftAppType")
    )
    app_tenant_id: str = Field("", validation_alias=_env("MicrosoftAppTenantId"))

    database_url: str = Field(DEFAULT_DATABASE_URL, validation_alias=_env("DATABASE_URL"))
    host: str = Field("0.0.0.0", validation_alias=_env("HOST"))
    port: int = Field(3978, ge=1, le=65535, validation_alias=_env("PORT"))

    faq_dir: Path = Field(CONTENT_DIR / "faq", validation_alias=_env("FAQ_DIR"))
    org_dir: Path = Field(CONTENT_DIR / "org", validation_alias=_env("ORG_DIR"))
    courses_dir: Path = Field(CONTENT_DIR / "courses", validation_alias=_env("COURSES_DIR"))
    intents_file: Path = Field(CONTENT_DIR / "intents.yaml", validation_alias=_env("INTENTS_FILE"))
    # a copy of the last data files that loaded, to start from when they are broken at start-up
    last_good_dir: Path = Field(Path("data/last-good"), validation_alias=_env("LAST_GOOD_DIR"))
    watch_files: bool = Field(True, validation_alias=_env("WATCH_FILES"))
    reload_debounce_ms: int = Field(500, ge=0, le=60_000, validation_alias=_env("RELOAD_DEBOUNCE_MS"))

    allowed_tenant_ids: Annotated[frozenset[str], NoDecode] = Field(
        frozenset(), validation_alias=_env("ALLOWED_TENANT_IDS")
    )
    max_body_bytes: int = Field(
        256 * 1024, ge=1024, le=16 * 1024 * 1024, validation_alias=_env("MAX_BODY_BYTES")
    )

    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field(
        "INFO", validation_alias=_env("LOG_LEVEL")
    )
    log_format: Literal["text", "json"] = Field("text", validation_alias=_env("LOG_FORMAT"))

    faq_answer_threshold: float | None = Field(
        None, ge=0, le=1, validation_alias=_env("FAQ_ANSWER_THRESHOLD")
    )
    faq_clarify_threshold: float | None = Field(
        None, ge=0, le=1, validation_alias=_env("FAQ_CLARIFY_THRESHOLD")
    )

    database_timeout: float = Field(15.0, gt=0, le=600, validation_alias=_env("DATABASE_TIMEOUT_SECONDS"))
    delivery_timeout: float = Field(15.0, gt=0, le=120, validation_alias=_env("DELIVERY_TIMEOUT_SECONDS"))
    delivery_concurrency: int = Field(16, ge=1, le=256, validation_alias=_env("DELIVERY_CONCURRENCY"))
    worker_poll_seconds: float = Field(1.0, gt=0, le=60, validation_alias=_env("WORKER_POLL_SECONDS"))

    # Escalation to people: claim deadlines in business minutes, office hours and days.
    escalation_claim_minutes: int = Field(
        120, ge=1, le=10_000, validation_alias=_env("ESCALATION_CLAIM_MINUTES")
    )
    escalation_urgent_minutes: int = Field(
        30, ge=1, le=10_000, validation_alias=_env("ESCALATION_URGENT_MINUTES")
    )
    escalation_autoresolve_days: int = Field(
        3, ge=1, le=60, validation_alias=_env("ESCALATION_AUTORESOLVE_DAYS")
    )
    business_hours: str = Field("08:30-17:15", validation_alias=_env("BUSINESS_HOURS"))
    business_days: str = Field("mon-fri", validation_alias=_env("BUSINESS_DAYS"))
    business_closed_days: str = Field(
        "12-29,12-30,12-31,01-02,01-03", validation_alias=_env("BUSINESS_CLOSED_DAYS")
    )

    enrol_reminder_hour: int = Field(17, ge=0, le=23, validation_alias=_env("ENROL_REMINDER_HOUR"))
    training_contact: str = Field("", validation_alias=_env("TRAINING_CONTACT"))
    enrol_reminder_business_days: bool = Field(
        True, validation_alias=_env("ENROL_REMINDER_BUSINESS_DAYS")
    )
    enrol_nudge_enabled: bool = Field(False, validation_alias=_env("ENROL_NUDGE_ENABLED"))
    enrol_nudge_day: int = Field(1, ge=1, le=28, validation_alias=_env("ENROL_NUDGE_DAY"))
    enrol_nudge_hour: int = Field(9, ge=0, le=23, validation_alias=_env("ENROL_NUDGE_HOUR"))

    @field_validator("allowed_tenant_ids", mode="before")
    @classmethod
    def _split_ids(cls, value: object) -> object:
        if isinstance(value, str):
            return frozenset(part.strip() for part in value.split(",") if part.strip())
        return value

    @field_validator("business_hours", "business_days", "business_closed_days")
    @classmethod
    def _business_time(cls, value: str, info: ValidationInfo) -> str:
        from domain import ticket_hours

        parse = {"business_hours": ticket_hours.parse_hours, "business_days": ticket_hours.parse_days,
                 "business_closed_days": ticket_hours.parse_closed}[info.field_name or ""]
        parse(value)  # raises ValueError with a Japanese message
        return value

    @field_validator("faq_dir", "org_dir", "courses_dir", "intents_file", "last_good_dir", "faq_answer_threshold",
                     "faq_clarify_threshold", mode="before")
    @classmethod
    def _blank_is_default(cls, value: object) -> object:
        """``FAQ_DIR=`` left empty means the default (not the current folder, not an error)."""
        if isinstance(value, str) and not value.strip():
            raise PydanticUseDefault()
        return value

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value

    @field_validator("database_url")
    @classmethod
    def _known_driver(cls, value: str) -> str:
        usage = "sqlite+aiosqlite:///path または postgresql+asyncpg://user@host/db の形式で指定してください"
        if not value.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://")):
            raise ValueError(usage)
        if value.startswith("sqlite+aiosqlite://") and value.rstrip("/") == "sqlite+aiosqlite:":
            raise ValueError(f"SQLite のファイルの場所がありません。{usage}")  # an in-memory database
        return value

    @model_validator(mode="after")
    def _clarify_below_answer(self) -> Settings:
        default = MatchSettings()
        answer = default.answer_threshold if self.faq_answer_threshold is None else self.faq_answer_threshold
        clarify = default.clarify_threshold if self.faq_clarify_threshold is None else self.faq_clarify_threshold
        if clarify > answer:  # the bot would answer what it should only suggest
            said = "、既定値" if self.faq_clarify_threshold is None else ""
            told = "、既定値" if self.faq_answer_threshold is None else ""
            raise ValueError(f"FAQ_CLARIFY_THRESHOLD ({clarify}{said}) は FAQ_ANSWER_THRESHOLD ({answer}{told}) "
                             "以下にしてください")
        return self

    @model_validator(mode="after")
    def _tenant_for_single_tenant(self) -> Settings:
        if self.app_id and self.app_type == "SingleTenant" and not self.app_tenant_id:
            raise ValueError(
                "MicrosoftAppTenantId: MicrosoftAppType=SingleTenant にはテナント ID が必要です"
            )
        return self

    @property
    def auth_enabled(self) -> bool:
        """Bot Framework authentication is on exactly when an app id is set."""
        return bool(self.app_id)

    def bot_framework_config(self) -> object:
        """The attribute names botbuilder's ConfigurationBotFrameworkAuthentication reads."""

        class _Config:
            APP_ID = self.app_id
            APP_PASSWORD = self.app_password
            APP_TYPE = self.app_type if self.app_id else "MultiTenant"  # auth off: no credentials
            APP_TENANTID = self.app_tenant_id

        return _Config()


_SECRET_VARIABLES = {"MicrosoftAppPassword", "DATABASE_URL"}


class ConfigError(Exception):
    """Configuration that cannot start the bot; the message names the variable."""


def load_settings(**overrides: object) -> Settings:
    """Read settings; raise :class:`ConfigError` naming each bad variable."""
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        lines = []
        for err in exc.errors():
            message = err["msg"].removeprefix("Value error, ")
            if not err["loc"]:  # a check across variables names them in its message
                lines.append(message)
                continue
            name = str(err["loc"][0])
            field = Settings.model_fields.get(name)
            alias = field.validation_alias if field else None
            if isinstance(alias, AliasChoices):
                name = str(alias.choices[0])
            shown = "" if name in _SECRET_VARIABLES else f" (値: {err.get('input')!r})"
            lines.append(f"{name}: {message}{shown}")
        raise ConfigError("設定が正しくありません:\n  " + "\n  ".join(lines)) from exc
