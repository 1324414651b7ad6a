"""Transport layer: asyncio + TLS around the sans-IO session (client and server side)."""

from .backoff import Backoff
from .connection import SessionConnection
from .initiator import Endpoint, Initiator
from .maintenance import KALSHI_MAINTENANCE, MaintenanceWindow

__all__ = ["KALSHI_MAINTENANCE", "Backoff", "Endpoint", "Initiator", "MaintenanceWindow", "SessionConnection"]
