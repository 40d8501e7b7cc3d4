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
    # Request bodies above this many bytes are refused with 413 (a full batch is ~20 KB).
    max_request_body_bytes: int = Field(1_048_576, ge=1024)
    # HSTS max-age sent on answers to HTTPS requests (0: never sent).
    hsts_max_age_seconds: int = Field(31_536_000, ge=0)
    cors_origins: list[str] = Field(
        default_factory=lambda: ["http://localhost:3000", "http://localhost:5173"]
    )

    # Live data.
    nba_api_base_url: str = "https://stats.nba.com/stats"
    nba_api_requests_per_minute: int = 20
    nba_api_timeout_seconds: float = 30.0
    nba_api_max_retries: int = 3
    # The NBA Stats breaker opens after this many failed calls in a row (each after its
    # retries) and lets one probe through after the cool-down; meanwhile stored answers serve.
    nba_breaker_failures: int = Field(5, ge=1)
    nba_breaker_cooldown_seconds: float = Field(300.0, ge=0)
    # The league schedule (scheduleLeagueV2 JSON) and the official injury report's records as
    # JSON at a URL with `{stamp}` for the report's New York time ('2025-12-22_09_00AM'; unset:
    # no live report, CSV imports only), looked for back to INJURY_REPORT_LOOKBACK_HOURS.
    nba_schedule_url: str = "https://cdn.nba.com/static/json/staticData/scheduleLeagueV2.json"
    injury_report_url: str | None = None
    injury_report_lookback_hours: float = 3.0
    odds_api_key: str | None = None
    odds_api_base_url: str = "https://api.the-odds-api.com/v4"
    alert_webhook_url: str | None = None
    sync_timezone: str = "America/New_York"
    # Odds snapshots on game days (local times in SYNC_TIMEZONE), plus one this many minutes
    # before the first tip-off; the request quota is spread over the period ending on the
    # quota's monthly reset day.
    odds_snapshot_times: list[str] = Field(
        default_factory=lambda: ["10:00", "13:00", "16:00", "18:30"]
    )
    odds_pre_tip_minutes: int = Field(default=30, ge=0)
    odds_quota_reset_day: int = Field(default=1, ge=1, le=28)
    # Season jobs (services/season_day.py): local times per job name overriding the defaults,
    # e.g. JOB_TIMES='{"nba_box_scores": "06:30", "odds_lines": "10:00,16:00"}'.
    job_times: dict[str, str] = Field(default_factory=dict)
    job_attempts: int = 3
    job_retry_seconds: float = 60.0
    stale_after_hours: int = 24
    # The nightly market refit fits a stat's stack only on this many settled props (player
    # games; each book's line of one prop is one more row, not one more outcome). Refitted on
    # the 203 book lines of opening night, the points stack put -1.5 on the model's logit.
    market_refit_min_props: int = Field(default=1000, ge=1)

    # Language model for written analyses (optional: unset means a deterministic write-up).
    # Ollama through its own client, or any OpenAI-compatible chat-completions server.
    ollama_url: str | None = None
    ollama_model: str = "llama3.1"
    llm_base_url: str | None = None
    llm_model: str = "gpt-4o-mini"
    llm_api_key: str | None = None
    llm_timeout_seconds: float = 60.0
    cache_ttl_analysis: int = 24 * 3600

    # Monitoring: alert thresholds over a trailing window, and who may read /metrics.
    monitoring_window_days: int = 7
    monitoring_min_settled: int = 50
    alert_max_ece: float = 0.10
    alert_max_brier_vs_market: float = 0.02
    alert_negative_roi_days: int = 7
    alert_max_missing_rate: float = 0.10
    alert_max_data_age_hours: float = 24.0
    alert_max_upstream_failure_rate: float = 0.05
    metrics_token: str | None = None

    # Betting decisions.
    edge_threshold: float = 0.03
    # Prop alerts after each odds snapshot: a book's main line this many points away from its
    # first line of the day is a line move (half a point is the usual step; a full point is news).
    alert_line_move: float = Field(1.0, gt=0)
    kelly_fraction: float = 0.25
    kelly_cap: float = 0.02

    # Nightly drift checks: served rows of the last `drift_window_days` against each champion's
    # reference; a feature drifts at PSI >= 0.2 (the usual "significant shift" line) or KS >=
    # 0.15; a retrain is requested when this share of the most important features drifts.
    drift_window_days: int = 14
    drift_psi_threshold: float = 0.2
    drift_ks_threshold: float = 0.15
    drift_min_rows: int = 50
    drift_important_features: int = 20
    drift_retrain_share: float = 0.3

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

    @property
    def prop_alerts_times(self) -> list[str]:
        """The prop alerts follow each odds snapshot: they run at ODDS_SNAPSHOT_TIMES too."""
        return self.odds_snapshot_times


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, built on first use by an entry point."""
    return Settings()
