"""One application error type, mapped to one error shape everywhere.

Services raise these; HTML views turn them into form errors or messages, the API
turns them into ``{"detail": message, "code": code}`` with ``status``.
"""

from __future__ import annotations


class ApplicationError(Exception):
    status: int = 400
    code: str = "invalid"

    def __init__(self, message: str, *, code: str | None = None, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        self.field = field

    def as_dict(self) -> dict[str, str]:
        data = {"detail": str(self.message), "code": self.code}
        if self.field:
            data["field"] = self.field
        return data


class ValidationFailed(ApplicationError):
    status = 422
    code = "validation_error"


class NotAuthenticated(ApplicationError):
    status = 401
    code = "not_authenticated"


class PermissionDenied(ApplicationError):
    status = 403
    code = "permission_denied"


class NotFound(ApplicationError):
    status = 404
    code = "not_found"


class Conflict(ApplicationError):
    status = 409
    code = "conflict"


class RateLimited(ApplicationError):
    status = 429
    code = "rate_limited"


class PaymentRequired(ApplicationError):
    status = 402
    code = "payment_required"
