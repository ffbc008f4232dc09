"""Drawing the console's pages: Jinja2 templates (autoescaped: citizens' words are data), the taxonomy's
words, and the headers every page carries."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.responses import HTMLResponse

from handlers.cases.actions import SUPERVISOR
from handlers.console.accounts import ConsoleAccount
from handlers.console.queue import span_words
from handlers.services import Services

HERE = Path(__file__).parent
# No script or style from elsewhere, no framing by another site, no address leaking to other sites.
PAGE_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
                               "frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}


class Pages:
    def __init__(self, services: Services, prefix: str):
        self.services = services
        self.prefix = prefix
        self.env = Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=select_autoescape(["html"]),
                               trim_blocks=True, lstrip_blocks=True)
        self.env.filters["hm"] = lambda moment: f"{moment:%m-%d %H:%M}" if moment else ""
        self.env.filters["span"] = lambda span: span_words(services, span)

    def page(self, name: str, account: ConsoleAccount | None, status_code: int = 200,
             headers: Mapping[str, str] | None = None, **context: Any) -> HTMLResponse:
        texts = self.services.taxonomy.texts
        html = self.env.get_template(name).render(
            t=texts.console, texts=texts, platform=self.services.taxonomy.platform, account=account,
            role_label=self.role_label(account) if account else "", urgency=self.services.taxonomy.urgency,
            prefix=self.prefix, now=self.services.local(self.services.clock.now()), **context)
        return HTMLResponse(html, status_code=status_code, headers={**PAGE_HEADERS, **(headers or {})})

    def role_label(self, account: ConsoleAccount) -> str:
        texts = self.services.taxonomy.texts.console
        return texts.role_supervisor if account.role == SUPERVISOR else texts.role_handler
