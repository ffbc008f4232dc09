"""The /open311/v2/ endpoints: discovery, services, service definitions, requests (GET and POST), one request.

Each parses what it is sent, calls one handler and renders its answer in the format the path names
(.json or .xml); a refusal comes back in GeoReport v2's error shape with its HTTP status (400, 403, 404,
429). Reads may be made without a key; a POST needs a valid `api_key`. The key may also come as an
X-Api-Key header, which keeps it out of the access logs of a GET.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bot.http_body import BadRequest, read_body
from bot.open311.render import FORMATS, errors, render
from bot.runner import on_writer_thread
from handlers.open311.catalogue import discovery, service_definition, service_list
from handlers.open311.errors import Open311Error, refusal
from handlers.open311.requests import MAX_REQUESTS, check_jurisdiction, file_request, service_request, service_requests
from handlers.services import Services

log = logging.getLogger(__name__)

PREFIX = "/open311/v2"
MAX_BODY_BYTES = 64 * 1024
FORM = "application/x-www-form-urlencoded"
# Anyone may read: a city's open-data portal or map may show the list and each request's status.
READ_HEADERS = {"Access-Control-Allow-Origin": "*"}


class Open311Api:
    def __init__(self, services: Services):
        self.services = services

    def routes(self) -> list[Route]:
        return [
            Route(f"{PREFIX}/discovery.{{format}}", self.discovery, methods=["GET"]),
            Route(f"{PREFIX}/services.{{format}}", self.services_list, methods=["GET"]),
            Route(f"{PREFIX}/services/{{code}}.{{format}}", self.service_definition, methods=["GET"]),
            Route(f"{PREFIX}/requests.{{format}}", self.requests, methods=["GET", "POST"]),
            Route(f"{PREFIX}/requests/{{number}}.{{format}}", self.request, methods=["GET"]),
        ]

    async def discovery(self, request: Request) -> Response:
        def answer(fmt: str, params: dict[str, list[str]]) -> Response:
            check_jurisdiction(self.services, params)
            base = self.services.settings.public_url or str(request.base_url)
            document = discovery(self.services, base.rstrip("/") + PREFIX + "/", MAX_REQUESTS)
            return render(fmt, "discovery", None, document, headers=READ_HEADERS)

        return await self._answer(request, answer, reads_database=False)

    async def services_list(self, request: Request) -> Response:
        def answer(fmt: str, params: dict[str, list[str]]) -> Response:
            check_jurisdiction(self.services, params)
            return render(fmt, "services", "service", service_list(self.services), headers=READ_HEADERS)

        return await self._answer(request, answer, reads_database=False)

    async def service_definition(self, request: Request) -> Response:
        code = request.path_params["code"]

        def answer(fmt: str, params: dict[str, list[str]]) -> Response:
            check_jurisdiction(self.services, params)
            definition = service_definition(self.services, code)
            if definition is None:
                raise refusal(self.services, 404, "service_code", code=code[:40])
            return render(fmt, "service_definition", None, definition, headers=READ_HEADERS)

        return await self._answer(request, answer, reads_database=False)

    async def requests(self, request: Request) -> Response:
        if request.method == "POST":
            return await self._post(request)

        def answer(fmt: str, params: dict[str, list[str]]) -> Response:
            found = service_requests(self.services, params, _api_key(request, params))
            return render(fmt, "service_requests", "request", found, headers=READ_HEADERS)

        return await self._answer(request, answer)

    async def request(self, request: Request) -> Response:
        number = request.path_params["number"]

        def answer(fmt: str, params: dict[str, list[str]]) -> Response:
            found = service_request(self.services, number, params, _api_key(request, params))
            return render(fmt, "service_requests", "request", [found], headers=READ_HEADERS)

        return await self._answer(request, answer)

    async def _post(self, request: Request) -> Response:
        fmt = request.path_params["format"]
        if fmt not in FORMATS:
            return self._unknown_format(fmt)
        try:
            if request.headers.get("content-type", FORM).split(";")[0].strip().lower() != FORM:
                raise BadRequest("not form-encoded")
            body = await read_body(request, MAX_BODY_BYTES)
            params = parse_qs(body.decode("utf-8"), max_num_fields=200, strict_parsing=False)
        except (BadRequest, UnicodeDecodeError, ValueError) as exc:
            log.info("refused an Open311 POST: %s", exc)
            error = refusal(self.services, 400, "body", max=MAX_BODY_BYTES // 1024)
            return errors(fmt, error.status, error.description)
        try:
            filed = await on_writer_thread(self.services, file_request, self.services, params,
                                           _api_key(request, params))
        except Open311Error as exc:
            log.info("refused an Open311 request (%s): %s", exc.status, exc.description)
            return errors(fmt, exc.status, exc.description, retry_after=exc.retry_after)
        answer = [{"service_request_id": filed.number, "service_notice": filed.notice, "account_id": None}]
        return render(fmt, "service_requests", "request", answer)

    async def _answer(self, request: Request, answer: Callable[[str, dict[str, list[str]]], Response], *,
                      reads_database: bool = True) -> Response:
        fmt = request.path_params["format"]
        if fmt not in FORMATS:
            return self._unknown_format(fmt)
        params: dict[str, list[str]] = {key: request.query_params.getlist(key) for key in request.query_params}
        try:
            if reads_database:
                return await asyncio.to_thread(answer, fmt, params)
            return answer(fmt, params)
        except Open311Error as exc:
            return errors(fmt, exc.status, exc.description, retry_after=exc.retry_after)

    def _unknown_format(self, fmt: str) -> Response:
        error = refusal(self.services, 404, "format", format=fmt[:20])
        return errors("json", error.status, error.description)


def _api_key(request: Request, params: dict[str, Any]) -> str | None:
    values = params.get("api_key") or ()
    return request.headers.get("x-api-key") or (values[0] if values else None)
