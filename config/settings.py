"""Process settings from YIBANG_* environment variables and a .env file (README, Configuration).

pydantic-settings does the reading and type checking; we only turn its errors into a ConfigError that
names the variable, because an operator sees the message, not the code.
"""

from __future__ import annotations

import re
from datetime import time
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, ValidationError, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from config.errors import ConfigError

DEFAULT_TAXONOMY = Path(__file__).parent / "taxonomy" / "zhengzhou-2022.yaml"
DEFAULT_KNOWLEDGE_BASE = Path(__file__).parent / "knowledge" / "zhengzhou-2022.yaml"
# Telegram's rule for setWebhook's secret_token: 1-256 characters A-Z, a-z, 0-9, _ and -.
_WEBHOOK_SECRET = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
# Addresses only this machine can reach: what "listens on loopback alone" means for YIBANG_METRICS.
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "::1", "localhost"})
SMTP_SCHEMES = ("smtp", "smtps", "smtp+plain")


class Settings(BaseSettings):
    # An empty variable counts as unset: an env file with `YIBANG_TELEGRAM_TOKEN=` left blank (compose's
    # env_file, a systemd EnvironmentFile) must not configure a platform with an empty token.
    model_config = SettingsConfigDict(
        env_prefix="YIBANG_", env_file=".env", env_file_encoding="utf-8", extra="ignore", env_ignore_empty=True
    )

    database_url: str | None = None
    data_dir: Path = Path("data")
    secret_key: SecretStr | None = None
    # Earlier keys, still accepted for decryption after a rotation (comma separated, newest first).
    old_secret_keys: SecretStr | None = None
    taxonomy: Path = DEFAULT_TAXONOMY
    # The instant answers' knowledge base (config/knowledge.py); an empty variable keeps the default.
    knowledge_base: Path = DEFAULT_KNOWLEDGE_BASE
    host: str = "127.0.0.1"
    port: int = Field(8080, ge=1, le=65535)
    timezone: str = "Asia/Shanghai"
    case_prefix: str = Field("ZZ", pattern=r"^[A-Z]{1,6}$")
    log_level: str = "INFO"
    # PostgreSQL: connections (and message-handling threads) per process. Few is faster: measured on two
    # cores, 4 per worker served more messages with a shorter tail than 10 or 20.
    database_pool_size: int = Field(4, ge=1, le=100)
    # Per citizen: messages a minute, and how many may come at once.
    rate_per_minute: float = Field(30, gt=0)
    rate_burst: int = Field(10, ge=1)
    # Closed cases older than this lose their personal data at `yibang purge`.
    retention_days: int = Field(180, ge=1)
    # The public https address of the service (https://yibang.example.org): Open311's discovery names it.
    public_url: str | None = None

    # Open311 GeoReport v2 for city systems, under /open311/v2/ of the web app (off unless turned on).
    open311: bool = False
    # When set, every Open311 request must name this jurisdiction_id; an endpoint for one city needs none.
    open311_jurisdiction: str | None = None
    # Per API key: requests a minute, and how many may come at once.
    open311_rate_per_minute: float = Field(60, gt=0)
    open311_rate_burst: int = Field(20, ge=1)

    # /healthz shows its details (scheduler host and pid, backlogs) to loopback and to requests with
    # `Authorization: Bearer <this>`; anyone else sees the status alone.
    health_token: SecretStr | None = None

    # /metrics in the Prometheus format: true, false, or unset = on only while the web app listens on
    # loopback alone (a public address needs it turned on on purpose, and kept from the reverse proxy).
    metrics: bool | None = None
    # `yibang scheduler` (and `yibang run` without a web app) serve /metrics on this port when it is set.
    metrics_port: int | None = Field(None, ge=0, le=65535)

    # Photos and files citizens send: where they are kept (default: DATA_DIR/media; `s3://bucket/prefix`
    # for an S3-compatible bucket, `file:///path` for another directory), the largest accepted, and how
    # many one case may carry.
    media_url: str | None = None
    media_max_bytes: int = Field(10 * 1024 * 1024, ge=1024)
    media_max_per_case: int = Field(20, ge=1, le=200)

    telegram_token: SecretStr | None = None
    telegram_api_url: str = "https://api.telegram.org/bot"
    telegram_staff_chat_id: int | None = None
    telegram_webhook_url: str | None = None
    # Checked even when absent: a webhook without a secret would take updates from anyone.
    telegram_webhook_secret: SecretStr | None = Field(None, validate_default=True)

    wechat_token: SecretStr | None = None
    wechat_app_id: str | None = None
    wechat_app_secret: SecretStr | None = None
    wechat_aes_key: SecretStr | None = None
    wechat_api_url: str = "https://api.weixin.qq.com/cgi-bin/"
    wechat_template_id: str | None = None
    # A signed request older (or further in the future) than this is refused: a captured request cannot
    # be replayed later. WeChat's own clock and ours agree within seconds.
    wechat_max_age_seconds: int = Field(300, ge=10)
    # WeChat waits 5 s for a passive reply; slower answers go out as customer-service messages.
    wechat_reply_budget_seconds: float = Field(4.0, gt=0, lt=5)
    # With an EncodingAESKey: `safe` takes only encrypted bodies (their msg_signature covers the body, the
    # query's signature does not); `compatible` also takes plain ones, while the account is switched over.
    wechat_mode: Literal["safe", "compatible"] = "safe"

    wecom_webhook_url: SecretStr | None = None

    # E-mail to departments whose contact point is an address: the SMTP server
    # (smtp://user:password@host:587 with STARTTLS, smtps://…:465, smtp+plain://host:25 without TLS) and the
    # sender's address.
    smtp_url: SecretStr | None = None
    smtp_sender: str | None = Field(None, validate_default=True)

    # Staff allowed to act besides members of the staff chat: "telegram:123,telegram:456" (a bare id means
    # Telegram). Supervisors may also reveal full phone numbers and export with phones.
    staff_handlers: str = ""
    staff_supervisors: str = ""
    # How long a prompt in the staff group (回复, 办结, 合并 …) waits for the staff member's reply.
    staff_prompt_minutes: int = Field(10, ge=1)
    # The staff console (/staff/): a login ends after this many minutes without a request; this many
    # failed logins in a row lock the account for the lockout's minutes.
    staff_session_idle_minutes: int = Field(30, ge=1)
    staff_login_attempts: int = Field(5, ge=1)
    staff_lockout_minutes: int = Field(15, ge=1)

    # timers
    # The daily report goes to the staff group at this local time (YIBANG_TIMEZONE), "HH:MM".
    report_time: time = time(17, 0)
    # The command centre's Telegram chat: overdue cases are escalated there too, and it gets the report.
    command_centre_chat_id: int | None = None

    @field_validator("secret_key")
    @classmethod
    def _long_enough(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and len(value.get_secret_value()) < 32:
            raise ValueError("must be at least 32 characters")
        return value

    @field_validator("telegram_webhook_secret")
    @classmethod
    def _webhook_needs_secret(cls, value: SecretStr | None, info: ValidationInfo) -> SecretStr | None:
        if value is None:
            if info.data.get("telegram_webhook_url"):
                raise ValueError(
                    "required when YIBANG_TELEGRAM_WEBHOOK_URL is set: Telegram sends it with every update "
                    "so that nobody else can post to /telegram (1-256 characters: A-Z a-z 0-9 _ -)"
                )
            return value
        if not _WEBHOOK_SECRET.match(value.get_secret_value()):
            raise ValueError("must be 1-256 characters of A-Z a-z 0-9 _ - (Telegram's rule)")
        return value

    @field_validator("media_url")
    @classmethod
    def _media_url(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        scheme = value.split("://", 1)[0] if "://" in value else ""
        if scheme not in ("s3", "file"):
            raise ValueError("must be s3://bucket[/prefix][?endpoint_url=…&region=…] or file:///directory")
        if scheme == "s3" and not value[len("s3://"):].split("/", 1)[0].split("?", 1)[0]:
            raise ValueError("an s3:// URL names its bucket: s3://bucket[/prefix]")
        return value.strip()

    @field_validator("smtp_url")
    @classmethod
    def _smtp_url(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None:
            return None
        scheme, _, rest = value.get_secret_value().partition("://")
        if scheme not in SMTP_SCHEMES or not rest.rsplit("@", 1)[-1].split(":", 1)[0]:
            raise ValueError("must be smtp://[user:password@]host[:port] (STARTTLS), smtps://… (TLS) or "
                             "smtp+plain://host[:port] (no encryption, for a relay on the same host)")
        return value

    @field_validator("smtp_sender")
    @classmethod
    def _smtp_sender(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is None:
            if info.data.get("smtp_url") is not None:
                raise ValueError("required with YIBANG_SMTP_URL: the address departments' e-mails come from")
            return None
        if "@" not in value:
            raise ValueError("must be an e-mail address (yibang@example.org, or 一帮到底 <yibang@example.org>)")
        return value

    @field_validator("wechat_aes_key")
    @classmethod
    def _encoding_aes_key(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and len(value.get_secret_value()) != 43:
            raise ValueError("an EncodingAESKey has 43 characters (the official account shows it)")
        return value

    @property
    def telegram_configured(self) -> bool:
        return self.telegram_token is not None

    @property
    def wechat_configured(self) -> bool:
        return self.wechat_token is not None and bool(self.wechat_app_id)

    @property
    def smtp_configured(self) -> bool:
        return self.smtp_url is not None and bool(self.smtp_sender)

    @property
    def wecom_configured(self) -> bool:
        return self.wecom_webhook_url is not None

    @property
    def https(self) -> bool:
        """Served over HTTPS (YIBANG_PUBLIC_URL says so): the console's cookies are then marked Secure."""
        return (self.public_url or "").lower().startswith("https://")

    def metrics_enabled(self, host: str) -> bool:
        """Whether /metrics is served by a process listening on `host` (see `metrics`)."""
        if self.metrics is not None:
            return self.metrics
        return host in LOOPBACK_HOSTS

    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'yibang.sqlite3').resolve()}"


def load_settings(**overrides: object) -> Settings:
    """Read the settings, or raise ConfigError naming each bad variable."""
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            key = "YIBANG_" + "_".join(str(part) for part in error["loc"]).upper()
            problems.append(f"{key}: {error['msg']}")
        raise ConfigError("environment / .env", problems) from None
