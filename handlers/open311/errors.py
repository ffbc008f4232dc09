"""Refusals in GeoReport v2's shape: an HTTP status and a description (the words are the taxonomy's)."""

from __future__ import annotations

from typing import Any

from handlers.services import Services


class Open311Error(Exception):
    """A request refused: nothing was filed or changed (a key's use is still counted)."""

    def __init__(self, status: int, description: str, *, retry_after: int | None = None):
        super().__init__(description)
        self.status = status
        self.description = description
        self.retry_after = retry_after


def refusal(services: Services, status: int, text: str, **params: Any) -> Open311Error:
    """An Open311Error saying the taxonomy's text `open311_error_<text>`."""
    template: str = getattr(services.taxonomy.texts, f"open311_error_{text}")
    return Open311Error(status, template.format(**params))
