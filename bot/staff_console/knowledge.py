"""The console's knowledge-base pages (/staff/knowledge): the entries and their use for every staff member,
the editor and the YAML export for supervisors. Thin like the rest of the console: parse the form, call
one handler (handlers/console/knowledge.py), render or redirect."""

from __future__ import annotations

import asyncio
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from handlers.console import knowledge
from handlers.console.accounts import ConsoleAccount

MAX_FORM_FIELDS = 20


class KnowledgePages:
    """Routes added to the console's; `console` gives the pages, the sign-in check and the services."""

    def __init__(self, console) -> None:
        self.console = console
        self.services = console.services
        self.pages = console.pages
        self.prefix = f"{console.pages.prefix}/knowledge"
        self.texts = self.services.taxonomy.texts.instant_answers.console

    def routes(self) -> list[BaseRoute]:
        signed_in = self.console.signed_in
        return [
            Route(self.prefix, signed_in(self.overview), methods=["GET"]),
            Route(f"{self.prefix}/export.yaml", signed_in(self.export), methods=["GET"]),
            Route(f"{self.prefix}/new", signed_in(self.new_form), methods=["GET"]),
            Route(f"{self.prefix}/new", signed_in(self.add), methods=["POST"]),
            Route(f"{self.prefix}/entries/{{entry}}", signed_in(self.entry), methods=["GET"]),
            Route(f"{self.prefix}/entries/{{entry}}", signed_in(self.change), methods=["POST"]),
            Route(f"{self.prefix}/entries/{{entry}}/delete", signed_in(self.remove), methods=["POST"]),
        ]

    async def overview(self, request: Request, account: ConsoleAccount) -> Response:
        try:
            days = int(request.query_params.get("days", knowledge.DAYS))
        except ValueError:
            days = knowledge.DAYS
        found = await asyncio.to_thread(knowledge.overview, self.services, days)
        return self.pages.page("knowledge.html", account, found=found, k=self.texts,
                               editor=knowledge.may_edit(account), notice=request.query_params.get("notice"))

    async def entry(self, request: Request, account: ConsoleAccount, *, problem: str | None = None,
                    form: dict[str, str] | None = None, status_code: int = 200) -> Response:
        entry_id = request.path_params["entry"]
        entry, audit = await asyncio.to_thread(knowledge.entry_with_changes, self.services, entry_id)
        if entry is None and form is None:
            return self.pages.page("message.html", account, 404, message=self.texts.not_found)
        return self.pages.page("knowledge_entry.html", account, status_code, k=self.texts, entry=entry,
                               form=form, audit=audit, new=False, editor=knowledge.may_edit(account),
                               problem=problem, notice=request.query_params.get("notice"))

    async def new_form(self, request: Request, account: ConsoleAccount) -> Response:
        if not knowledge.may_edit(account):
            return self.pages.page("message.html", account, 403, message=self.texts.supervisors_only)
        return self.pages.page("knowledge_entry.html", account, k=self.texts, entry=None, form=None, audit=[],
                               new=True, editor=True, problem=None, notice=None)

    async def add(self, request: Request, account: ConsoleAccount) -> Response:
        return await self._save(request, account, new=True)

    async def change(self, request: Request, account: ConsoleAccount) -> Response:
        return await self._save(request, account, new=False)

    async def _save(self, request: Request, account: ConsoleAccount, *, new: bool) -> Response:
        form = {key: str(value) for key, value in (await request.form(max_fields=MAX_FORM_FIELDS)).items()}
        if not new:
            form["id"] = request.path_params["entry"]  # an entry's id never changes
        try:
            entry = await asyncio.to_thread(knowledge.save, self.services, account, form, new=new)
        except knowledge.NotAllowed:
            return self.pages.page("message.html", account, 403, message=self.texts.supervisors_only)
        except knowledge.EntryProblem as problem:
            return self.pages.page("knowledge_entry.html", account, 400, k=self.texts, entry=None, form=form,
                                   audit=[], new=new, editor=True, notice=None,
                                   problem=self.texts.refused.format(problem=problem))
        notice = quote(self.texts.saved.format(entry=entry.id))
        return RedirectResponse(f"{self.prefix}/entries/{entry.id}?notice={notice}", 303)

    async def remove(self, request: Request, account: ConsoleAccount) -> Response:
        entry_id = request.path_params["entry"]
        try:
            await asyncio.to_thread(knowledge.delete, self.services, account, entry_id)
        except knowledge.NotAllowed:
            return self.pages.page("message.html", account, 403, message=self.texts.supervisors_only)
        except knowledge.EntryProblem as problem:
            return self.pages.page("message.html", account, 400, message=self.texts.refused.format(problem=problem))
        return RedirectResponse(f"{self.prefix}?notice={quote(self.texts.deleted.format(entry=entry_id))}", 303)

    async def export(self, request: Request, account: ConsoleAccount) -> Response:
        try:
            text = await asyncio.to_thread(knowledge.export, self.services, account)
        except knowledge.NotAllowed:
            return self.pages.page("message.html", account, 403, message=self.texts.supervisors_only)
        name = self.services.settings.knowledge_base.name
        return Response(text, media_type="application/yaml; charset=utf-8",
                        headers={"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"})
