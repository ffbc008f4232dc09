"""One reader per set of rules, per process: the intake's finders are built from the taxonomy once and then
only read, like the classifier itself."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, TypeVar

Built = TypeVar("Built")

_built: dict[tuple[int, Callable[..., Any]], tuple[object, Any]] = {}
_lock = threading.Lock()


def built_once(rules: object, build: Callable[[Any], Built]) -> Built:
    """`build(rules)`, made on first use and kept while these very rules live (keyed by identity)."""
    key = (id(rules), build)
    with _lock:
        kept = _built.get(key)
        if kept is None or kept[0] is not rules:
            kept = _built[key] = (rules, build(rules))
        return kept[1]
