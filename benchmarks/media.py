"""A citizen's photo on its way to the staff group, measured end to end.

Each citizen has an open case whose card is already in the staff group; they send a 12-megapixel phone
photo (EXIF with GPS) through the real Telegram webhook and choose to add it to their case. The outbox
then fetches it from the test suite's stand-in Bot API on 127.0.0.1 (getFile and the file's download),
checks and cleans it with Pillow, seals it into the media store, and sends it to the staff group
replying to the card. Measured from the photo's arrival at /telegram to the stand-in receiving it:

- `back_to_back`: the two dispatch jobs (fetching files, sending) each run pass after pass (the
  pipeline's own cost; photos queue behind one another in the fetching job);
- `scheduler`: each job every 2 s as `yibang run` schedules them (two hops: fetch, then send);
- `clean_ms`: Pillow's check, EXIF strip and thumbnail for one photo, alone;
- `ceiling`: the stand-in and python-telegram-bot alone: the same photo sent with sendPhoto, no yibang.

Prints one JSON object.

    .venv/bin/python benchmarks/media.py [--photos 20]
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

import httpx  # noqa: E402
from PIL import Image, ImageDraw, ImageFilter  # noqa: E402
from pydantic import SecretStr  # noqa: E402
from support.telegram_stand_in import TOKEN, TelegramStandIn  # noqa: E402

from bot.application import senders  # noqa: E402
from bot.dispatcher import Dispatcher  # noqa: E402
from bot.telegram.application import make_bot  # noqa: E402
from bot.telegram.channel import TelegramChannel  # noqa: E402
from bot.telegram.limits import FloodControl, Window  # noqa: E402
from bot.telegram.webhook import PATH, SECRET_HEADER  # noqa: E402
from bot.webapp import create_web_app  # noqa: E402
from config import Settings  # noqa: E402
from handlers.attachments.content import clean  # noqa: E402
from handlers.attachments.records import FETCHERS  # noqa: E402
from handlers.services import Services  # noqa: E402

STAFF_CHAT = -1001234567890
SECRET = "benchmark-webhook-secret"


def unlimited() -> FloodControl:
    """Telegram's 20 messages a minute to a group would set every figure here: lifted, as the flood
    limits are measured on their own by telegram_rate.py."""
    return FloodControl(group=Window(10_000, 60.0))


def phone_photo(seed: int) -> bytes:
    """4032 × 3024, shapes and grain like a photo of a stairwell, EXIF with a GPS position."""
    image = Image.new("RGB", (4032, 3024), (90 + seed % 60, 110, 130))
    draw = ImageDraw.Draw(image)
    for step in range(0, 4032, 96):
        draw.line((step, 0, 4032 - step, 3024), fill=(200, 190 - seed % 50, 170), width=9)
    grain = Image.effect_noise((4032, 3024), 12).convert("RGB")
    image = Image.blend(image, grain, 0.15).filter(ImageFilter.SMOOTH)
    exif = Image.Exif()
    exif[0x0112] = 6
    exif[0x8825] = {1: "N", 2: (34.0, 45.0, 30.5), 3: "E", 4: (113.0, 39.0, 12.0)}
    out = io.BytesIO()
    image.save(out, "JPEG", quality=88, exif=exif.tobytes())
    return out.getvalue()


def update(user_id: int, update_id: int, **content: object) -> dict:
    sender = {"id": user_id, "is_bot": False, "first_name": "市民"}
    message = {"message_id": update_id, "date": int(time.time()), "chat": {**sender, "type": "private"},
               "from": sender, **content}
    return {"update_id": update_id, "message": message}


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def figures(latencies: list[float]) -> dict[str, float]:
    return {"photos": len(latencies), "p50_ms": round(percentile(latencies, 0.5) * 1000),
            "p95_ms": round(percentile(latencies, 0.95) * 1000), "max_ms": round(max(latencies) * 1000)}


class World:
    def __init__(self, directory: Path, api: TelegramStandIn):
        settings = Settings(
            _env_file=None, data_dir=directory, secret_key="benchmark-secret-key-that-is-long-enough-0",
            telegram_token=SecretStr(TOKEN), telegram_api_url=api.url, telegram_staff_chat_id=STAFF_CHAT,
            telegram_webhook_url="https://yibang.example.org/telegram", telegram_webhook_secret=SecretStr(SECRET),
        )
        self.api = api
        self.services = Services.from_settings(settings)
        self.channel = TelegramChannel(self.services, flood=unlimited())
        self.app = create_web_app(self.services, self.channel.routes(), on_startup=[self.channel.start],
                                  on_shutdown=[self.channel.stop])
        self.dispatcher = Dispatcher(self.services, senders(self.services, [self.channel]))
        self.client = httpx.AsyncClient(transport=httpx.ASGITransport(app=self.app), base_url="http://yibang.test")
        self.update_ids = iter(range(10_000, 10_000_000))

    async def post(self, body: dict) -> None:
        response = await self.client.post(PATH, json=body, headers={SECRET_HEADER: SECRET})
        assert response.status_code == 200, response.text

    async def says(self, user_id: int, text: str) -> None:
        await self.post(update(user_id, next(self.update_ids), text=text))

    async def file_case(self, user_id: int) -> str:
        """The citizen files a case; returns its number."""
        for text in ("/start", "张女士", f"139{user_id:08d}", "金水区", "楼道里积水很深，家里老人出不了门", "确认"):
            await self.says(user_id, text)
        [answer] = [text for text in self.api.texts(user_id) if "已受理，编号 " in text][-1:]
        return answer.split("已受理，编号 ", 1)[1].split("。", 1)[0]

    async def drain(self) -> None:
        while await self.dispatcher.run_once():
            pass


async def measure(world: World, cases: dict[int, str], photos: dict[int, bytes], *,
                  interval: float) -> list[float]:
    """Each citizen of `cases` sends a photo and adds it to their case; seconds from the photo's arrival at
    /telegram to the staff group's receiving it, with a dispatcher pass every `interval` seconds."""
    api = world.api
    started: dict[str, float] = {}
    arrived: dict[str, float] = {}

    def done() -> bool:
        for item in api.files_shown(STAFF_CHAT):
            number = next((n for n in cases.values() if n in (item["caption"] or "")), None)
            if number is not None and number in started:
                arrived.setdefault(number, item["at"])
        return len(arrived) == len(cases)

    async def dispatch(dispatcher: Dispatcher) -> None:
        """One of the scheduler's two dispatch jobs: sending, or fetching citizens' files."""
        while not done():
            await dispatcher.run_once()
            await asyncio.sleep(interval)

    async def send() -> None:
        for citizen, number in cases.items():
            api.add_file(f"photo-{citizen}", photos[citizen])
            started[number] = time.monotonic()
            await world.post(update(citizen, next(world.update_ids), photo=[
                {"file_id": f"photo-{citizen}", "file_unique_id": f"u{citizen}", "width": 4032, "height": 3024}]))
            await world.says(citizen, "1")
            await asyncio.sleep(0.05)

    fetchers = set(FETCHERS.values())
    sending = world.dispatcher.restricted(world.dispatcher.claims - fetchers)
    fetching = world.dispatcher.restricted(fetchers)
    await asyncio.gather(send(), dispatch(sending), dispatch(fetching))
    return [arrived[number] - started[number] for number in cases.values()]


async def ceiling(api: TelegramStandIn, photo: bytes, count: int) -> dict[str, float]:
    settings = Settings(_env_file=None, telegram_token=SecretStr(TOKEN), telegram_api_url=api.url)
    took = []
    async with make_bot(settings, unlimited()) as bot:
        for _ in range(count):
            start = time.monotonic()
            await bot.send_photo(chat_id=STAFF_CHAT, photo=photo)
            took.append(time.monotonic() - start)
    return {"sends": count, "p50_ms": round(percentile(took, 0.5) * 1000, 1)}


async def main(count: int) -> dict[str, object]:
    api = TelegramStandIn().start()
    try:
        photos = {1000 + index: phone_photo(index) for index in range(count)}
        sample = photos[1000]
        cleaned_ms = []
        for data in list(photos.values())[:5]:
            start = time.perf_counter()
            clean(data, max_bytes=10 * 1024 * 1024)
            cleaned_ms.append((time.perf_counter() - start) * 1000)
        with tempfile.TemporaryDirectory() as directory:
            world = World(Path(directory), api)
            async with world.app.router.lifespan_context(world.app):
                cases = {citizen: await world.file_case(citizen) for citizen in photos}
                await world.drain()  # the cards are in the group before any photo comes
                back_to_back = await measure(world, cases, photos, interval=0)
                later = {citizen + 50_000: photos[citizen] for citizen in list(photos)[:5]}
                few = {citizen: await world.file_case(citizen) for citizen in later}
                await world.drain()
                scheduled = await measure(world, few, later, interval=2.0)
                await world.client.aclose()
            world.services.db.dispose()
        return {
            "photo_bytes": len(sample),
            "back_to_back": figures(back_to_back),
            "scheduler": figures(scheduled),
            "clean_ms": round(statistics.median(cleaned_ms)),
            "ceiling": await ceiling(api, clean(sample, max_bytes=10 * 1024 * 1024).data, 10),
        }
    finally:
        api.stop()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--photos", type=int, default=20)
    arguments = parser.parse_args()
    print(json.dumps(asyncio.run(main(arguments.photos)), ensure_ascii=False))
