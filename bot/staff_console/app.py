"""The staff console's routes under /staff/: login and logout, the queue (and its rows, polled), and the
pages the other modules add. Each route parses, calls one handler, renders; who is logged in comes from
the session cookie, and a POST is refused unless it carries the session's token and comes from this site."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from urllib.parse import quote, urlsplit

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from bot.staff_console import guard
from bot.staff_console.cases import CasePages
from bot.staff_console.dashboard import DashboardPages
from bot.staff_console.knowledge import KnowledgePages
from bot.staff_console.render import HERE, Pages
from handlers.console.accounts import ConsoleAccount, current_account, log_in, log_out
from handlers.console.queue import QueueFilter, filter_choices, queue_page
from handlers.services import Services

log = logging.getLogger(__name__)

PREFIX = "/staff"
# The queue asks for its rows again this often, so a new urgent case shows without reloading.
REFRESH_SECONDS = 15
MAX_FORM_FIELDS = 50

Page = Callable[[Request, ConsoleAccount], Awaitable[Response]]


class Console:
    def __init__(self, services: Services):
        self.services = services
        self.texts = services.taxonomy.texts.console
        self.pages = Pages(services, PREFIX)

    def routes(self) -> list[BaseRoute]:
        return [
            Route(PREFIX, lambda request: RedirectResponse(f"{PREFIX}/", 308)),
            Route(f"{PREFIX}/", self.signed_in(self.queue), methods=["GET"]),
            Route(f"{PREFIX}/queue/rows", self.signed_in(self.queue_rows), methods=["GET"]),
            Route(f"{PREFIX}/login", self.login_form, methods=["GET"]),
            Route(f"{PREFIX}/login", self.login, methods=["POST"]),
            Route(f"{PREFIX}/logout", self.signed_in(self.logout), methods=["POST"]),
            *CasePages(self.services, self.pages, self.signed_in).routes(),
            *KnowledgePages(self).routes(),
            *DashboardPages(self).routes(),
            Mount(f"{PREFIX}/static", StaticFiles(directory=HERE / "static"), name="staff-static"),
        ]

    # ---------------------------------------------------------------- who is there

    def signed_in(self, page: Page) -> Callable[[Request], Awaitable[Response]]:
        """The page for a logged-in account; otherwise the login page (and for a POST, the forgery check)."""
        async def endpoint(request: Request) -> Response:
            token = request.cookies.get(guard.SESSION_COOKIE)
            account = await asyncio.to_thread(current_account, self.services, token)
            if account is None:
                return self._to_login(request, expired=token is not None)
            if request.method == "POST" and not await self._genuine(request, account):
                return self.pages.page("message.html", account, 403, message=self.texts.forbidden)
            return await page(request, account)

        return endpoint

    async def _genuine(self, request: Request, account: ConsoleAccount) -> bool:
        form = await request.form(max_fields=MAX_FORM_FIELDS)
        genuine = guard.from_this_site(self.services, request) and guard.tokens_match(
            account.csrf_token, form.get(guard.CSRF_FIELD))
        if not genuine:
            log.warning("console: refused a forged or stale %s %s by web:%s", request.method, request.url.path,
                        account.username)
        return genuine

    def _to_login(self, request: Request, *, expired: bool) -> Response:
        target = request.url.path if request.method == "GET" else f"{PREFIX}/"
        if request.url.query and request.method == "GET":
            target += "?" + request.url.query
        location = f"{PREFIX}/login?next={quote(target)}" + ("&expired=1" if expired else "")
        if request.headers.get("x-requested-with") == "fetch":  # the queue's polling: the page reloads itself
            return Response(status_code=401, headers={"X-Login": location})
        response = RedirectResponse(location, 303)
        if expired:
            guard.clear_cookie(self.services, response, guard.SESSION_COOKIE, PREFIX)
        return response

    # ---------------------------------------------------------------- logging in and out

    async def login_form(self, request: Request, refusal: str | None = None, status_code: int = 200) -> Response:
        token = guard.new_login_token()
        notice = None
        if request.query_params.get("expired"):
            notice = self.texts.session_expired
        elif request.query_params.get("out"):
            notice = self.texts.logged_out
        response = self.pages.page("login.html", None, status_code, csrf=token, refusal=refusal, notice=notice,
                                   next=_safe_next(request.query_params.get("next")),
                                   username=request.query_params.get("username", "")[:64])
        guard.set_cookie(self.services, response, guard.LOGIN_COOKIE, token, PREFIX)
        return response

    async def login(self, request: Request) -> Response:
        form = await request.form(max_fields=MAX_FORM_FIELDS)
        if not (guard.from_this_site(self.services, request)
                and guard.tokens_match(request.cookies.get(guard.LOGIN_COOKIE), form.get(guard.CSRF_FIELD))):
            log.warning("console: refused a login form without its token or from another site")
            return await self.login_form(request, self.texts.forbidden, 403)
        username, password = str(form.get("username", "")), str(form.get("password", ""))
        result = await asyncio.to_thread(log_in, self.services, username, password)
        if result.token is None:
            return await self.login_form(request, result.refusal, 401)
        response = RedirectResponse(_safe_next(str(form.get("next", ""))), 303)
        guard.set_cookie(self.services, response, guard.SESSION_COOKIE, result.token, PREFIX)
        guard.clear_cookie(self.services, response, guard.LOGIN_COOKIE, PREFIX)
        return response

    async def logout(self, request: Request, account: ConsoleAccount) -> Response:
        await asyncio.to_thread(log_out, self.services, request.cookies.get(guard.SESSION_COOKIE))
        response = RedirectResponse(f"{PREFIX}/login?out=1", 303)
        guard.clear_cookie(self.services, response, guard.SESSION_COOKIE, PREFIX)
        return response

    # ---------------------------------------------------------------- the queue

    async def queue(self, request: Request, account: ConsoleAccount) -> Response:
        wanted = QueueFilter.parse(request.query_params)
        found = await asyncio.to_thread(queue_page, self.services, account, wanted)
        return self.pages.page("queue.html", account, found=found, wanted=wanted, refresh=REFRESH_SECONDS,
                               choices=filter_choices(self.services, account))

    async def queue_rows(self, request: Request, account: ConsoleAccount) -> Response:
        wanted = QueueFilter.parse(request.query_params)
        found = await asyncio.to_thread(queue_page, self.services, account, wanted)
        return self.pages.page("queue_rows.html", account, found=found, wanted=wanted, refresh=REFRESH_SECONDS)


def _safe_next(target: str | None) -> str:
    """Only a page of the console itself: a crafted link must not send a fresh login to another site."""
    if not target:
        return f"{PREFIX}/"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not parts.path.startswith(f"{PREFIX}/") or "\\" in target:
        return f"{PREFIX}/"
    return target
