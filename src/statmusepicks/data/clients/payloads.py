"""Raw upstream payloads kept for audit and replay: gzip files addressed by their sha256.

The same response body fetched twice is stored once. `ingestion_runs.payload_refs` lists the
`PayloadRef` dicts of every body a run read, so a run can be replayed or a bad row traced back
to exactly what the upstream API sent.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class PayloadRef:
    """Where one raw body lives and what request produced it."""

    sha256: str
    source: str
    endpoint: str
    params: dict[str, Any] = field(default_factory=dict)
    size: int = 0

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form for `ingestion_runs.payload_refs`."""
        return asdict(self)


class PayloadStore:
    """Content-addressed gzip store under `root` (normally `settings.var_dir / "raw"`)."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def path_for(self, sha256: str) -> Path:
        """Two levels of fan-out keep directories small after years of daily syncs."""
        return self.root / sha256[:2] / sha256[2:4] / f"{sha256}.json.gz"

    def put(self, body: bytes) -> str:
        """Store `body` (if new) and return its sha256."""
        digest = hashlib.sha256(body).hexdigest()
        path = self.path_for(digest)
        if path.exists():
            return digest
        path.parent.mkdir(parents=True, exist_ok=True)
        # mtime=0 makes the compressed file a pure function of the body; write-then-rename
        # means a crash never leaves a truncated file under a valid name.
        compressed = gzip.compress(body, mtime=0)
        handle, temp_name = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
        with os.fdopen(handle, "wb") as temp:
            temp.write(compressed)
        Path(temp_name).replace(path)
        return digest

    def get(self, sha256: str) -> bytes:
        """The original body; raises FileNotFoundError for an unknown digest."""
        return gzip.decompress(self.path_for(sha256).read_bytes())

    def _request_path(self, source: str, endpoint: str, params: dict[str, Any]) -> Path:
        key = json.dumps([source, endpoint, params], sort_keys=True, default=str)
        return self.root / "requests" / f"{hashlib.sha256(key.encode()).hexdigest()}.json"

    def remember(self, ref: PayloadRef) -> None:
        """Note `ref` as the newest answer to its request, for replay when the source is down."""
        path = self._request_path(ref.source, ref.endpoint, ref.params)
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temp_name = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
        with os.fdopen(handle, "w") as temp:
            json.dump(ref.to_dict(), temp)
        Path(temp_name).replace(path)

    def latest(self, source: str, endpoint: str, params: dict[str, Any]) -> PayloadRef | None:
        """The newest stored answer to this exact request, if one was ever remembered."""
        path = self._request_path(source, endpoint, params)
        if not path.exists():
            return None
        ref = PayloadRef(**json.loads(path.read_text()))
        return ref if self.path_for(ref.sha256).exists() else None
