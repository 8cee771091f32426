"""custapi.Error and its one subclass per category: the command's exit codes and messages."""
from __future__ import annotations

# typing only for the type checker: importing it costs every program a few ms.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Dict, Optional, Type


class Error(Exception):
    """A failure of the library, as the command reports it (docs/errors.md)."""

    category: str = "internal"
    exit_code: int = 11

    def __init__(self, message: str, *, property: Optional[str] = None,
                 http_status: Optional[int] = None, fault_code: Optional[int] = None) -> None:
        super().__init__(message)
        self.message = message
        self.property = property
        self.http_status = http_status
        self.fault_code = fault_code

    def __str__(self) -> str:
        return self.message

    def __repr__(self) -> str:
        return "%s(%r)" % (type(self).__name__, self.message)

    def to_dict(self) -> Dict[str, Any]:
        """The error as the command's JSON prints it."""
        return {"category": self.category, "message": self.message,
                "http_status": self.http_status, "fault_code": self.fault_code,
                "property": self.property}


class UsageError(Error):
    """Bad options or arguments (exit 2)."""
    category, exit_code = "usage", 2


class InvalidError(Error):
    """Validation failed; nothing was sent (exit 3)."""
    category, exit_code = "invalid", 3


class AuthError(Error):
    """401/403, or an auth fault (exit 4)."""
    category, exit_code = "auth", 4


class NotFoundError(Error):
    """404, or a not-found fault (exit 5)."""
    category, exit_code = "not_found", 5


class RejectedError(Error):
    """400/409/422, or a fault about the data (exit 6)."""
    category, exit_code = "rejected", 6


class TransportError(Error):
    """DNS, connect, TLS, timeout, reset (exit 7)."""
    category, exit_code = "transport", 7


class ServerError(Error):
    """5xx or 429 after the retries (exit 8)."""
    category, exit_code = "server", 8


class ProtocolError(Error):
    """A response that can't be understood (exit 9)."""
    category, exit_code = "protocol", 9


class InternalError(Error):
    """Out of memory, or a bug (exit 11)."""
    category, exit_code = "internal", 11


BY_EXIT_CODE: Dict[int, Type[Error]] = {
    cls.exit_code: cls
    for cls in (UsageError, InvalidError, AuthError, NotFoundError, RejectedError,
                TransportError, ServerError, ProtocolError, InternalError)
}
