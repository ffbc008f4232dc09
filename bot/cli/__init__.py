"""The `yibang` command line, one module per group of commands:

- `service`: run, serve, scheduler, tick, console, `telegram set-webhook`, `db upgrade`
- `case`: `case list|show|contacted|assign|accept|return|note|resolve|reopen|merge|reject|recategorise|urgency`
- `similar`: `case similar|merge-similar|reindex-similar`
- `staff`: `staff add|remove|list`
- `department`: `department set|list|unset`
- `classifier`: classify, learn, `lexicon merge`, `overrides export`
- `data`: stats, report, export, rekey, purge, erase
- `open311`: `open311 key add|list|revoke`
- `faq`: `faq ask|eval` (instant answers)

`app` (the root, with the one error handler) and the helpers they share are in `app`.
"""

from bot.cli import case, classifier, data, department, faq, open311, service, similar, staff  # noqa: F401 (each registers its commands)
from bot.cli.app import app


def main() -> None:
    app()
