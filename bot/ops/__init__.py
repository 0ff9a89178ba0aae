"""Operations, an adapter like the others: Prometheus metrics and the ``/healthz`` side server.

:class:`Metrics` implements :class:`bot.core.ports.Telemetry` and owns the bot's metric families
on a registry of its own; the rest of the code reports through its typed methods.
:class:`OpsServer` serves them at ``/metrics`` next to ``/healthz``, which runs named checks
such as :func:`database_check`, :func:`backend_check` and :func:`gateway_check`. Nothing here
imports discord at run time.
"""

from bot.ops.checks import CheckFailedError, backend_check, database_check, gateway_check
from bot.ops.health import CHECK_TIMEOUT, MAX_ERROR_CHARS, Check, OpsServer, describe_error
from bot.ops.metrics import Metrics

__all__ = [
    "CHECK_TIMEOUT",
    "MAX_ERROR_CHARS",
    "Check",
    "CheckFailedError",
    "Metrics",
    "OpsServer",
    "backend_check",
    "database_check",
    "describe_error",
    "gateway_check",
]
