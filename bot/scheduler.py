"""The periodic jobs on APScheduler 3: outbox dispatch every few seconds, and the sweeps.

Due times live in our tables, not in APScheduler's job store: every job here is a sweep over rows, so
nothing is pickled and several processes can share one database. `coalesce` and an unlimited
`misfire_grace_time` make work that fell due while the process was down run once when it is back
(APScheduler's default grace of 1 s would drop it).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.base import BaseTrigger

log = logging.getLogger(__name__)

JobBody = Callable[[], Awaitable[object]]


@dataclass(frozen=True)
class PeriodicJob:
    name: str
    body: JobBody
    trigger: BaseTrigger
    # Also run once as soon as the scheduler starts: a sweep does at once what fell due while no process ran
    # (a job store in memory forgets runs missed before the start, whatever misfire_grace_time says).
    start_now: bool = False


def build_scheduler(jobs: list[PeriodicJob], timezone: str) -> AsyncIOScheduler:
    scheduler = AsyncIOScheduler(
        timezone=timezone,
        job_defaults={"coalesce": True, "misfire_grace_time": None, "max_instances": 1},
    )
    for job in jobs:
        first_run = {"next_run_time": datetime.now(scheduler.timezone)} if job.start_now else {}
        scheduler.add_job(_guarded(job), job.trigger, id=job.name, name=job.name, replace_existing=True,
                          **first_run)
    return scheduler


def _guarded(job: PeriodicJob) -> JobBody:
    async def run() -> None:
        try:
            await job.body()
        except Exception:  # one failing sweep must not stop the scheduler
            log.exception("scheduled job %s failed", job.name)
        except asyncio.CancelledError:
            # The process is stopping (SIGTERM) mid-run: rows it had claimed are due again when their
            # lease ends, so nothing is lost and there is nothing to report.
            log.info("scheduled job %s stopped with the process", job.name)

    return run
