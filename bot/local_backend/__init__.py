"""A NemoVideo-compatible backend (aiohttp.web) for tests, the no-account demo and compose.

It speaks the NemoVideo wire contract (design note ``nemo-api.md``): the eleven endpoints
of §3, the SSE stream of §4 and the errors of §6, with its whole state in memory and its files
(uploads, rendered MP4s) in a temporary media folder. Where the contract is open, the choice is a
:class:`BackendConfig` switch or is written down in the module that makes it:

* :mod:`.state` - tokens, credits, sessions, render ids
* :mod:`.api` - auth, ``/run_sse`` request rules, render submit order, download
* :mod:`.uploads` - multipart streaming, URL fetching, size/type rules
* :mod:`.multipart` - the zero-copy multipart scanner behind fast 500 MB uploads
* :mod:`.media` - accepted types, the size-capped file sink
* :mod:`.ffmpeg` - probing durations and encoding the preview MP4
* :mod:`.agent` - turn kinds, silent turns, GUI phrases, ADK partial + final text
* :mod:`.sse` - payload styles and heartbeat forms
* :mod:`.draft` - the compact timeline and how edits change it
* :mod:`.render` - render life cycle, status shapes, cancel
* :mod:`.responses` - envelopes and HTTP statuses of errors
* :mod:`.control` - the ``/_control`` API for other processes
* :mod:`.app`, :mod:`.server` - routes and middlewares; start/stop and :func:`serve`

Typical use::

    async with LocalBackend(BackendConfig(render_seconds=0.2)) as backend:
        client = NemoClient(base_url=backend.url, ...)
        backend.inject(Fault(route="run_sse", drop_after_events=2))
"""

from bot.local_backend.config import BackendConfig, Fault, HandledRequest, RecordedRequest
from bot.local_backend.server import LocalBackend, serve

__all__ = [
    "BackendConfig",
    "Fault",
    "HandledRequest",
    "LocalBackend",
    "RecordedRequest",
    "serve",
]
