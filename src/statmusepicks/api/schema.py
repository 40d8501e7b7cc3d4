"""Print the published OpenAPI document: `python -m statmusepicks.api.schema > openapi.json`.

The TypeScript types in `types/` are generated from this output (see `make types`), with the
default settings so that the document does not depend on the machine's environment.
"""

from __future__ import annotations

import json
import sys
from typing import Any

from statmusepicks.api.app import create_app
from statmusepicks.core.settings import Settings


def openapi_document() -> dict[str, Any]:
    """The app's OpenAPI document under default settings."""
    return create_app(Settings(_env_file=None)).openapi()  # type: ignore[call-arg]


def main() -> None:
    json.dump(openapi_document(), sys.stdout, indent=2)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
