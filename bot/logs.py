"""Logging to stderr, so stdout carries only what a command was asked for (JSON, the chat)."""

from __future__ import annotations

import logging
import sys


def configure_logging(level: str = "INFO") -> None:
    logging.basicConfig(
        level=getattr(logging, level.upper(), logging.INFO),
        stream=sys.stderr,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        force=True,
    )
    # Their request logs would print bot tokens in URLs (PTB's debug log too).
    for noisy in ("httpx", "httpcore", "telegram", "apscheduler.executors.default", "jieba", "alembic"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, logging.getLogger().level))
