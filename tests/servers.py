"""The app on a real uvicorn server in a thread (an in-process transport cannot stream)."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import uvicorn
from starlette.types import ASGIApp

from statmusepicks.api.app import create_app
from statmusepicks.services.container import Container

START_SECONDS = 30


@contextmanager
def serve_in_thread(app: ASGIApp) -> Iterator[str]:
    """The app under uvicorn on 127.0.0.1 and an ephemeral port, in a thread; yields its URL."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + START_SECONDS
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


@contextmanager
def serving(container: Container) -> Iterator[str]:
    """Serve the container's app; yields its base URL."""
    with serve_in_thread(create_app(container.settings, container=container)) as url:
        yield url
