"""A case's page, its steps (one small form per step, posted to /staff/cases/NUMBER/STEP) and its photos.

A step done sends the browser back to the page (303), which shows what was done; a refused step draws
the page again with the reason and changes nothing; a case the account may not see is a 404.
"""

from __future__ import annotations

import asyncio
from urllib.parse import quote, unquote

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from bot.runner import on_writer_thread
from bot.staff_console import guard
from bot.staff_console.render import Pages
from handlers.attachments.viewing import staff_file
from handlers.cases.actions import ActionRefused
from handlers.console.accounts import ConsoleAccount
from handlers.console.case_page import find_case_page
from handlers.console.scope import PHONE, RETURN
from handlers.console.steps import NotVisible, take_step
from handlers.services import Services

FLASH_COOKIE = "yibang_staff_done"
MAX_FORM_FIELDS = 20


class CasePages:
    def __init__(self, services: Services, pages: Pages, signed_in):
        self.services = services
        self.pages = pages
        self.signed_in = signed_in
        self.prefix = pages.prefix

    def routes(self) -> list[BaseRoute]:
        return [
            Route(f"{self.prefix}/cases/{{number}}", self.signed_in(self.show), methods=["GET"]),
            Route(f"{self.prefix}/cases/{{number}}/files/{{file}}", self.signed_in(self.file), methods=["GET"]),
            Route(f"{self.prefix}/cases/{{number}}/{{step}}", self.signed_in(self.step), methods=["POST"]),
        ]

    async def show(self, request: Request, account: ConsoleAccount) -> Response:
        done = request.cookies.get(FLASH_COOKIE)
        response = await self._draw(account, request.path_params["number"], done=unquote(done) if done else None)
        if done:
            guard.clear_cookie(self.services, response, FLASH_COOKIE, self.prefix)
        return response

    async def step(self, request: Request, account: ConsoleAccount) -> Response:
        number, step = request.path_params["number"], request.path_params["step"]
        form = await request.form(max_fields=MAX_FORM_FIELDS)
        fields = {key: str(value) for key, value in form.items() if isinstance(value, str)}
        try:
            said = await on_writer_thread(self.services, take_step, self.services, account,
                                          fields.get("form_id", ""), number, step, fields)
        except NotVisible:
            return self._missing(account)
        except ActionRefused as refused:
            return await self._draw(account, number, refusal=str(refused), status_code=409)
        if step == PHONE:
            return await self._draw(account, number, phone=said)
        # A case handed back (退回) is no longer the department's to see: back to the queue.
        target = f"{self.prefix}/" if step == RETURN else f"{self.prefix}/cases/{quote(number)}"
        response = RedirectResponse(target, 303)
        if said is None:
            said = self.services.taxonomy.texts.console.already_done
        guard.set_cookie(self.services, response, FLASH_COOKIE, quote(said), self.prefix)
        return response

    async def file(self, request: Request, account: ConsoleAccount) -> Response:
        thumbnail = request.query_params.get("thumb") == "1"
        found = await asyncio.to_thread(staff_file, self.services, account.actor, request.path_params["number"],
                                        request.path_params["file"], thumbnail=thumbnail)
        if found is None:
            return self._missing(account)
        disposition = "inline" if found.is_image else "attachment"
        return Response(found.data, media_type=found.content_type, headers={
            "Content-Disposition": f'{disposition}; filename="{found.filename}"', "Cache-Control": "private, no-store",
            "X-Content-Type-Options": "nosniff", "Content-Security-Policy": "default-src 'none'; sandbox"})

    async def _draw(self, account: ConsoleAccount, number: str, *, refusal: str | None = None,
                    done: str | None = None, phone: str | None = None, status_code: int = 200) -> Response:
        page = await asyncio.to_thread(find_case_page, self.services, account, number)
        if page is None:
            return self._missing(account)
        return self.pages.page("case.html", account, status_code, case=page, refusal=refusal, done=done,
                               revealed=phone, section="queue")

    def _missing(self, account: ConsoleAccount) -> Response:
        return self.pages.page("message.html", account, 404, message=self.services.taxonomy.texts.console.not_found)
