"""What every REST handler needs: the state, the gateway to dispatch on, and helpers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..cdn import FileStore
from ..changes import ChangeSignal
from ..config import EmulatorConfig
from ..gateway import Gateway
from ..holds import MessageHolds
from ..payloads import Payloads
from ..ratelimit import RateLimiter
from ..record import Recorder
from ..state import EmulatorState

if TYPE_CHECKING:  # the faults module reads bodies through this package
    from ..faults import RouteFaults


@dataclass
class RestContext:
    """Shared services of the REST handlers."""

    state: EmulatorState
    gateway: Gateway
    payloads: Payloads
    recorder: Recorder
    limiter: RateLimiter
    store: FileStore
    signal: ChangeSignal
    holds: MessageHolds
    thread_holds: MessageHolds
    faults: RouteFaults

    @property
    def config(self) -> EmulatorConfig:
        """The emulator's settings."""
        return self.state.config
