"""The one error type an ingest request is refused with: a status and a detail for the SDK."""


class RequestRejected(ValueError):
    """Answer `status` with JSON `{"detail": detail}`; subclasses set their usual status."""

    status = 400

    def __init__(self, detail: str, status: int | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        if status is not None:
            self.status = status


class PayloadTooLarge(RequestRejected):
    status = 413
