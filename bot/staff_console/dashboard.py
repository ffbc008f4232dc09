"""The console's 统计 page, its charts, and the ledger export of the queue's current filter."""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from bot.export import write_ledger
from bot.staff_console.charts import bar_chart
from handlers.console.accounts import ConsoleAccount
from handlers.console.dashboard import Figures, dashboard, parse_range
from handlers.console.ledger import filtered_ledger
from handlers.console.queue import QueueFilter
from handlers.console.similar import hot_spots
from handlers.services import Services

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CHARTS = ("category", "district", "promises")


class DashboardPages:
    def __init__(self, console) -> None:
        self.console = console
        self.services: Services = console.services
        self.pages = console.pages
        self.prefix = console.pages.prefix

    def routes(self) -> list[BaseRoute]:
        signed_in = self.console.signed_in
        return [
            Route(f"{self.prefix}/dashboard", signed_in(self.show), methods=["GET"]),
            Route(f"{self.prefix}/dashboard/{{chart}}.png", signed_in(self.chart), methods=["GET"]),
            Route(f"{self.prefix}/export.xlsx", signed_in(self.export), methods=["GET"]),
        ]

    async def show(self, request: Request, account: ConsoleAccount) -> Response:
        start, end = parse_range(self.services, request.query_params.get("from"), request.query_params.get("to"))
        found = await asyncio.to_thread(dashboard, self.services, account, start, end)
        spots = await asyncio.to_thread(hot_spots, self.services, account)
        return self.pages.page("dashboard.html", account, board=found, section="dashboard", hot_spots=spots,
                               span=f"from={start.isoformat()}&to={end.isoformat()}")

    async def chart(self, request: Request, account: ConsoleAccount) -> Response:
        kind = request.path_params["chart"]
        if kind not in CHARTS:
            return Response(status_code=404)
        start, end = parse_range(self.services, request.query_params.get("from"), request.query_params.get("to"))
        found = await asyncio.to_thread(dashboard, self.services, account, start, end)
        image = await asyncio.to_thread(self._draw, kind, found.chosen)
        return Response(image, media_type="image/png", headers={"Cache-Control": "private, max-age=60"})

    def _draw(self, kind: str, figures: Figures) -> bytes:
        words = self.services.taxonomy.texts.console
        if kind == "promises":
            rates = figures.promises
            return bar_chart([rate.label for rate in rates], [float(rate.percent or 0) for rate in rates],
                             value_labels=[words.rate.format(percent=rate.percent, met=rate.met, due=rate.due)
                                           if rate.due else words.rate_none for rate in rates], limit=100)
        counts = figures.by_category if kind == "category" else figures.by_district
        return bar_chart(list(counts), [float(value) for value in counts.values()])

    async def export(self, request: Request, account: ConsoleAccount) -> Response:
        wanted = QueueFilter.parse(request.query_params)
        ledger = await asyncio.to_thread(filtered_ledger, self.services, account, wanted)
        data = await asyncio.to_thread(self._workbook, ledger.rows)
        day = self.services.local(self.services.clock.now()).date().isoformat()
        return Response(data, media_type=XLSX, headers={
            "Content-Disposition": f'attachment; filename="ledger-{day}.xlsx"', "Cache-Control": "no-store"})

    def _workbook(self, rows: list[list[object]]) -> bytes:
        with tempfile.TemporaryDirectory(prefix="yibang-ledger-") as folder:
            path = Path(folder) / "ledger.xlsx"
            write_ledger(path, rows, self.services.taxonomy)
            return path.read_bytes()
