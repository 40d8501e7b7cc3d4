"""`statmusepicks serve`: the API and dashboard under uvicorn."""

from __future__ import annotations

import typer
import uvicorn

from statmusepicks.core.metrics import prepare_multiprocess_dir


def serve(
    host: str = typer.Option("127.0.0.1", help="Interface to bind."),
    port: int = typer.Option(8000, help="Port to bind."),
    workers: int = typer.Option(1, help="Worker processes."),
    reload: bool = typer.Option(False, help="Reload on code changes (development)."),
) -> None:
    """Serve the API, its docs at /docs, and the dashboard at /."""
    prepare_multiprocess_dir()
    uvicorn.run(
        "statmusepicks.api.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        reload=reload,
        log_level="info",
    )
