"""Domain errors raised by services and turned into clear messages at the edge."""

from __future__ import annotations


class DomainError(Exception):
    """A business rule refused the request; the message is shown to the user as is."""

    status_code = 400

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ValidationError(DomainError):
    """Input that breaks a rule of one field."""

    status_code = 422

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


class NotFound(DomainError):
    status_code = 404


class Conflict(DomainError):
    """The request collides with the current state (booth already sold, duplicate number)."""

    status_code = 409
