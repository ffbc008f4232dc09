"""The root of the `yibang` command line, the helpers every command group uses, and its one error handler.

Machine-readable output (`--json`) is the only thing written to stdout; logs go to stderr. A broken
setting or taxonomy prints what is wrong and exits with status 2, a refused staff step exits with 1,
never with a traceback: the handler is the root group's `invoke`, so every command has it.
"""

from __future__ import annotations

import json
import sys
from datetime import date
from typing import TYPE_CHECKING, Any, NoReturn

import typer
from typer.core import TyperGroup

from bot.logs import configure_logging
from config import ConfigError, Settings, load_settings

if TYPE_CHECKING:
    from handlers.services import Services


class _Commands(TyperGroup):
    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except ConfigError as exc:
            fail(str(exc))
        except Exception as exc:
            # imported only now: the handlers cost a quarter of a second, and `--help` needs none of them
            from handlers.cases.actions import ActionRefused

            if isinstance(exc, ActionRefused):
                fail(str(exc), 1)
            raise


app = typer.Typer(cls=_Commands, no_args_is_help=True, add_completion=False,
                  help="yibang: citizen help requests over Telegram, WeChat and the terminal.")


def group(name: str, help: str) -> typer.Typer:
    """A command group (`yibang case …`) under the root."""
    commands = typer.Typer(help=help, no_args_is_help=True)
    app.add_typer(commands, name=name)
    return commands


def fail(message: str, code: int = 2) -> NoReturn:
    typer.echo(message, err=True)
    raise typer.Exit(code)


def settings() -> Settings:
    loaded = load_settings()
    configure_logging(loaded.log_level)
    return loaded


def services(**kwargs: Any) -> Services:
    from handlers.services import Services

    return Services.from_settings(settings(), **kwargs)


def print_json(value: Any) -> None:
    sys.stdout.write(json.dumps(value, ensure_ascii=False, indent=2) + "\n")


def parse_day(value: str | None, svc: Services) -> date:
    if value is None:
        return svc.local(svc.clock.now()).date()
    try:
        return date.fromisoformat(value)
    except ValueError:
        fail(f"not a date (YYYY-MM-DD): {value}")


class StageBars:
    """A progress bar on stderr for each stage of a long run (`learn`): called with (stage, done, total)."""

    def __init__(self) -> None:
        self._stage: str | None = None
        self._bar: Any = None
        self._done = 0

    def __call__(self, stage: str, done: int, total: int) -> None:
        if stage != self._stage:
            self.close()
            self._stage, self._done = stage, 0
            self._bar = typer.progressbar(length=total, label=stage, file=sys.stderr)
            self._bar.__enter__()
        self._bar.update(done - self._done)
        self._done = done

    def close(self) -> None:
        if self._bar is not None:
            self._bar.__exit__(None, None, None)
            self._bar = None
