"""One settings object, read once by the entry point (never at import time)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parents[3]
INSECURE_PEPPER = "local-development-pepper"


class Settings(BaseSettings):
    """Every knob of the service. Environment variables (and `.env`) override the defaults."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    environment: Literal["local", "test", "production"] = "local"
    log_level: str = "INFO"
    log_json: bool = False

    var_dir: Path = PROJECT_ROOT / "var"
    bundled_data_dir: Path = PROJECT_ROOT / "data" / "bundled"
    database_url: str = ""
    redis_url: str | None = None
    mlflow_tracking_uri: str = ""
    ray_address: str | None = None

    # Cache lifetimes in seconds (context 6 h, opponent 24 h, predictions 1 h).
    cache_ttl_context: int = 6 * 3600
    cache_ttl_opponent: int = 24 * 3600
    cache_ttl_predictions: int = 3600
    cache_namespace: str = "smp"

    # API protection.
    require_api_keys: bool = True
    public_context: bool = True
    dashboard_requires_key: bool = False
    api_key_pepper: str = INSECURE_PEPPER
    rate_limit_per_minute: int = 100
    request_timeout_seconds: float = 30.0
    cors_origins: list[str] = Field(
        default_factory=lambda: ["http://localhost:3000", "http://localhost:5173"]
    )

    # Live data.
    nba_api_base_url: str = "https://stats.nba.com/stats"
    nba_api_requests_per_minute: int = 20
    nba_api_timeout_seconds: float = 30.0
    nba_api_max_retries: int = 3
    odds_api_key: str | None = None
    odds_api_base_url: str = "https://api.the-odds-api.com/v4"
    alert_webhook_url: str | None = None
    sync_cron: str = "0 6 * * *"
    sync_timezone: str = "America/New_York"

    # Language model for written analyses (optional: unset means a deterministic write-up).
    # Ollama through its own client, or any OpenAI-compatible chat-completions server.
    ollama_url: str | None = None
    ollama_model: str = "llama3.1"
    llm_base_url: str | None = None
    llm_model: str = "gpt-4o-mini"
    llm_api_key: str | None = None
    llm_timeout_seconds: float = 60.0
    cache_ttl_analysis: int = 24 * 3600

    # Betting decisions.
    edge_threshold: float = 0.03
    kelly_fraction: float = 0.25
    kelly_cap: float = 0.02

    @model_validator(mode="after")
    def _fill_paths_and_refuse_insecure(self) -> Settings:
        if not self.database_url:
            self.database_url = f"sqlite:///{self.var_dir / 'statmusepicks.db'}"
        if not self.mlflow_tracking_uri:
            self.mlflow_tracking_uri = f"sqlite:///{self.var_dir / 'mlflow.db'}"
        if self.environment == "production" and self.api_key_pepper == INSECURE_PEPPER:
            raise ValueError("API_KEY_PEPPER must be set to a secret value in production")
        return self

    @property
    def artifacts_dir(self) -> Path:
        """Where model files, feature snapshots and raw payloads live."""
        return self.var_dir


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, built on first use by an entry point."""
    return Settings()
