"""Private servers for fault tests: a PostgreSQL cluster, a Redis, nginx and the app itself.

Each lives on its own free loopback port in a temporary directory, so a test may stop or kill
it without touching the shared PostgreSQL (5432) and Redis (6379) other test runs use.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import pytest
import redis

POSTGRES_BIN = Path("/usr/lib/postgresql/15/bin")
NGINX = Path("/usr/sbin/nginx")


def free_port() -> int:
    """A loopback port nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_until(predicate: Callable[[], bool], timeout: float, what: str) -> None:
    """Poll `predicate()` until it is true; fail the test after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what} not reached within {timeout:g} s")
        time.sleep(0.05)


class PrivatePostgres:
    """A throw-away cluster run as the `postgres` user (PostgreSQL refuses to run as root)."""

    def __init__(self) -> None:
        if not (POSTGRES_BIN / "initdb").exists() or shutil.which("runuser") is None:
            pytest.skip(reason=f"{POSTGRES_BIN}/initdb or runuser is missing")
        self.root = Path(tempfile.mkdtemp(prefix="smp-pg-"))
        shutil.chown(self.root, user="postgres", group="postgres")
        self.data = self.root / "data"
        self.port = free_port()
        self._run("initdb", "-D", str(self.data), "--auth=trust", "-U", "postgres", "-E", "UTF8")

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, tool: str, *args: str) -> None:
        subprocess.run(
            ["runuser", "-u", "postgres", "--", str(POSTGRES_BIN / tool), *args],
            check=True,
            capture_output=True,
            timeout=60,
        )

    def start(self) -> None:
        # fsync off: the cluster is thrown away, and the test measures outages, not durability.
        options = (
            f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off "
            "-c full_page_writes=off"
        )
        log = str(self.root / "log")
        self._run("pg_ctl", "-D", str(self.data), "-o", options, "-l", log, "-w", "start")

    def stop(self) -> None:
        """A fast shutdown: open sessions are cut, as in a crash of the database host."""
        self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")

    def remove(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):
            self.stop()
        shutil.rmtree(self.root, ignore_errors=True)


class PrivateRedis:
    """A redis-server child process without persistence."""

    def __init__(self) -> None:
        if shutil.which("redis-server") is None:
            pytest.skip(reason="redis-server is missing")
        self.port = free_port()
        self.process = subprocess.Popen(
            [
                *("redis-server", "--bind", "127.0.0.1", "--port", str(self.port)),
                *("--save", "", "--appendonly", "no"),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        client = redis.Redis(port=self.port, socket_connect_timeout=0.2)
        wait_until(lambda: _answers(client), 10, "redis-server answering")

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def kill(self) -> None:
        """SIGKILL: no goodbye to connected clients."""
        self.process.kill()
        self.process.wait(timeout=10)


def _answers(client: redis.Redis) -> bool:
    try:
        return bool(client.ping())
    except redis.RedisError:
        return False


class PrivateNginx:
    """Debian's nginx with its own prefix, pid file and config: a reverse proxy to `upstream`."""

    def __init__(self, root: Path, upstream_file: Path) -> None:
        if not NGINX.exists():
            pytest.skip(reason=f"{NGINX} is missing: `make reliability` installs Debian's nginx")
        self.root = root
        self.port = free_port()
        self.config = root / "nginx.conf"
        for directory in ("logs", "temp"):
            (root / directory).mkdir(parents=True, exist_ok=True)
        self.config.write_text(
            NGINX_TEMPLATE.format(root=root, port=self.port, upstream_file=upstream_file)
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def command(self) -> list[str]:
        return [str(NGINX), "-p", str(self.root), "-c", str(self.config)]

    @property
    def reload_command(self) -> str:
        return " ".join([*self.command, "-s", "reload"])

    def start(self) -> None:
        subprocess.run(self.command, check=True, capture_output=True, timeout=30)

    def stop(self) -> None:
        subprocess.run([*self.command, "-s", "stop"], capture_output=True, timeout=30)
        pid_file = self.root / "nginx.pid"
        wait_until(lambda: not pid_file.exists(), 10, "nginx stopped")


def kill_quietly(pid: int) -> None:
    """Stop a process this test started, if it is still there."""
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, 9)
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, 0)


# The shape of deploy/nginx/conf.d/statmusepicks.conf, on a private port and prefix. Workers
# run as root here because the test's temporary files belong to root.
NGINX_TEMPLATE = """
user root;
worker_processes 2;
pid {root}/nginx.pid;
error_log {root}/logs/error.log warn;
events {{ worker_connections 256; }}
http {{
    access_log off;
    client_body_temp_path {root}/temp/body;
    proxy_temp_path {root}/temp/proxy;
    fastcgi_temp_path {root}/temp/fastcgi;
    uwsgi_temp_path {root}/temp/uwsgi;
    scgi_temp_path {root}/temp/scgi;
    upstream statmusepicks {{
        include {upstream_file};
        keepalive 16;
    }}
    server {{
        listen 127.0.0.1:{port};
        location / {{
            proxy_pass http://statmusepicks;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $host;
            add_header X-Upstream $upstream_addr always;
        }}
    }}
}}
"""
