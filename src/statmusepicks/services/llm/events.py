"""Server-Sent Events: the framing and a response that stops its producer when the reader goes.

Shared by the API's `/api/ollama_stream` and the dashboard's streamed analysis, so both stop a
language model the moment nobody reads it.
"""

from __future__ import annotations

from contextlib import suppress
from functools import partial
from typing import Any

import anyio
from starlette.responses import StreamingResponse
from starlette.types import Receive, Scope, Send

DONE = "[DONE]"
HEADERS = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}


def sse(data: str) -> str:
    """One Server-Sent Event carrying `data` (a single line)."""
    return f"data: {data}\n\n"


class EventStreamResponse(StreamingResponse):
    """A text/event-stream that stops its producer as soon as the client disconnects.

    Starlette, on ASGI 2.4 servers, only notices a gone client when a write fails, so a
    model that is slow between tokens would keep generating for nobody; here a watcher on
    `receive` cancels the producer, which closes the upstream request.
    """

    media_type = "text/event-stream"

    async def __call__(self, _scope: Scope, receive: Receive, send: Send) -> None:
        async with anyio.create_task_group() as group:

            async def until_done(step: Any) -> None:
                with suppress(OSError):  # the client went away mid-write
                    await step()
                group.cancel_scope.cancel()

            group.start_soon(until_done, partial(self.stream_response, send))
            await until_done(partial(self.listen_for_disconnect, receive))
