"""What every REST handler needs: the state, the gateway to dispatch on, and helpers."""

from __future__ import annotations

from dataclasses import dataclass

from ..cdn import FileStore
from ..changes import ChangeSignal
from ..config import EmulatorConfig
from ..gateway import Gateway
from ..holds import MessageHolds
from ..payloads import Payloads
from ..ratelimit import RateLimiter
from ..record import Recorder
from ..state import EmulatorState


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

    @property
    def config(self) -> EmulatorConfig:
        """The emulator's settings."""
        return self.state.config
