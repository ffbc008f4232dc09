"""Open311 GeoReport v2 end to end: a city system reads the service list, files a request with its key over
real HTTP, and follows the case through 办结 — and never sees a name, a phone or an e-mail."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import xml.etree.ElementTree as ET
from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import pytest
from sqlalchemy import func, select
from support.serving import serving
from typer.testing import CliRunner

from bot.application import configured_channels, senders, web_app
from bot.cli import app as cli
from bot.dispatcher import Dispatcher
from handlers.cases.actions import Actor, act
from handlers.open311.identifiers import mask_identifiers
from handlers.open311.keys import add_key, list_keys, revoke_key
from handlers.services import Services
from storage.models import Case, CaseEvent, OutboxMessage

V2 = "/open311/v2"
STAFF = Actor("cli:staff", role="supervisor")
PROBLEM = "我母亲每周二四六做血液透析，小区封控了出不去，电话13912345678，身份证410102199001011234"


@dataclass
class City:
    """A city system talking to yibang's Open311 endpoint."""

    services: Services
    http: httpx.AsyncClient
    base: str
    dispatcher: Dispatcher
    key: str

    async def post(self, fmt: str = "json", *, key: str | None = None, **fields: str) -> httpx.Response:
        form = {"api_key": self.key if key is None else key, **fields}
        return await self.http.post(f"{self.base}{V2}/requests.{fmt}", data=form)

    async def files(self, **fields: str) -> str:
        response = await self.post(**{**REQUEST, **fields})
        assert response.status_code == 200, response.text
        return response.json()[0]["service_request_id"]

    async def get(self, path: str, *, keyed: bool = False, **params: str) -> httpx.Response:
        headers = {"X-Api-Key": self.key} if keyed else {}
        return await self.http.get(f"{self.base}{V2}/{path}", params=params, headers=headers)

    def cases(self) -> int:
        with self.services.db.reading() as session:
            return session.scalar(select(func.count()).select_from(Case))

    def case(self, number: str) -> Case:
        with self.services.db.reading() as session:
            case = session.scalars(select(Case).where(Case.number == number)).one()
            case.events  # noqa: B018 (loaded while the session is open)
            return case


REQUEST = {
    "service_code": "medical-care",
    "description": PROBLEM,
    "address_string": "郑州市金水区花园路1号院",
    "first_name": "桂兰",
    "last_name": "王",
    "phone": "13912345678",
    "email": "wang.guilan@example.com",
    "media_url": "https://city.example.org/photos/1.jpg",
}


@contextlib.asynccontextmanager
async def city(base: Services, **settings: object) -> AsyncIterator[City]:
    configured = base.settings.model_copy(update={"open311": True, **settings})
    services = dataclasses.replace(base, settings=configured)
    key = add_key(services, "city-12345")
    channels = configured_channels(services)
    app = web_app(services, channels, with_scheduler=False)
    async with serving(app) as url, httpx.AsyncClient(timeout=30) as http:
        yield City(services, http, url, Dispatcher(services, senders(services, channels)), key)


def run(story) -> None:
    asyncio.run(story())


def test_the_service_list_and_discovery_in_json_and_xml(services):
    async def story():
        async with city(services, public_url="https://yibang.example.org") as system:
            listed = (await system.get("services.json")).json()
            assert [s["service_code"] for s in listed] == [
                "epidemic-policy", "transport", "medical-care", "education", "food-supply", "health-code",
                "business", "suggestions", "other"]
            medical = listed[2]
            assert medical["service_name"] == "寻医买药" and medical["group"] == "民生保障"
            assert medical["metadata"] is False and medical["type"] == "realtime"
            assert "医院" in medical["keywords"].split(",")  # the learned lexicon's heaviest words

            xml = await system.get("services.xml")
            assert xml.headers["content-type"].startswith("text/xml")
            assert xml.content.startswith(b'<?xml version="1.0" encoding="UTF-8"?>')
            root = ET.fromstring(xml.content)
            assert root.tag == "services" and len(root.findall("service")) == 9
            assert root.find("service/metadata").text == "false"

            definition = (await system.get("services/medical-care.json")).json()
            assert definition == {"service_code": "medical-care", "attributes": []}
            assert (await system.get("services/potholes.json")).status_code == 404

            discovery = (await system.get("discovery.json")).json()
            endpoint = discovery["endpoints"][0]
            assert endpoint["url"] == "https://yibang.example.org/open311/v2/"
            assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
            assert set(endpoint["formats"]) == {"application/json", "text/xml"}
            found = ET.fromstring((await system.get("discovery.xml")).content)
            assert [f.text for f in found.findall("endpoints/endpoint/formats/format")] == endpoint["formats"]

    run(story)


def test_a_keyed_post_becomes_a_case_like_any_other(services):
    async def story():
        async with city(services) as system:
            response = await system.post(**REQUEST)
            assert response.status_code == 200, response.text
            [answer] = response.json()
            assert set(answer) == {"service_request_id", "service_notice", "account_id"}
            number = answer["service_request_id"]
            assert number.startswith("ZZ20220110-") and number in answer["service_notice"]

            case = system.case(number)
            assert (case.channel, case.category, case.urgency, case.district) == ("open311", "寻医买药", "紧急", "金水区")
            assert case.evidence["urgency"]["reasons"] == ["透析"]
            assert case.resolve_due - case.created_at == services.taxonomy.promise["紧急"].resolve
            assert system.services.cipher.decrypt(case.name_enc) == "王桂兰"
            assert system.services.cipher.decrypt(case.phone_enc) == "13912345678"
            assert "花园路1号院" in case.problem
            [received] = case.events
            assert received.actor == "open311:city-12345" and "city-12345" in received.text
            assert received.data["key"] == "city-12345" and received.data["district_from"] == "address"
            assert received.data["media_urls"] == [REQUEST["media_url"]]
            with system.services.db.reading() as session:
                card = session.scalars(select(OutboxMessage).where(OutboxMessage.case_id == case.id)).one()
            assert card.payload["kind"] == "case_card" and card.priority < 0  # urgent: first in the queue

            # The same POST again (a city system retrying after a timeout) is the same request.
            again = await system.post(**REQUEST)
            assert again.json()[0]["service_request_id"] == number and system.cases() == 1

            # XML, as FixMyStreet's Open311 client posts it; the district from the coordinates.
            xml = await system.post("xml", service_code="food-supply", description="小区封控三天了，家里没有菜了",
                                    lat="34.75", long="113.61")
            assert xml.status_code == 200, xml.text
            filed = ET.fromstring(xml.content).find("request/service_request_id").text
            assert system.case(filed).district == "中原区" and system.case(filed).category == "食品供应"
            assert ET.fromstring(xml.content).find("request/account_id").text is None

    run(story)


def test_get_follows_the_case_through_bangjie_and_the_citizen_is_told_by_phone(services):
    async def story():
        async with city(services) as system:
            number = await system.files()
            [shown] = (await system.get(f"requests/{number}.json")).json()
            assert shown["status"] == "open" and shown["service_notice"] == "已受理"
            assert shown["service_code"] == "medical-care" and shown["address"] == "金水区"
            assert shown["description"] is None and shown["status_notes"] is None  # not keyed
            case = system.case(number)
            assert shown["expected_datetime"] == services.local(case.resolve_due).isoformat(timespec="seconds")

            act(system.services, STAFF, number, lambda desk, c: desk.assign(c, "市卫生健康委员会"))
            [shown] = (await system.get(f"requests/{number}.json", keyed=True)).json()
            assert (shown["status"], shown["service_notice"]) == ("open", "已交办")
            assert shown["agency_responsible"] == "市卫生健康委员会"
            assert "139****5678" in shown["description"] and "13912345678" not in shown["description"]
            assert "410***********1234" in shown["description"]

            services.clock.advance(minutes=90)
            act(system.services, STAFF, number, lambda desk, c: desk.resolve(c, "已安排车辆接送透析，回电13800001111"))
            [shown] = (await system.get(f"requests/{number}.json", keyed=True)).json()
            assert shown["status"] == "closed" and shown["service_notice"] == "已办结"
            assert shown["status_notes"] == "已安排车辆接送透析，回电138****1111"
            assert shown["updated_datetime"] > shown["requested_datetime"]
            closed = (await system.get("requests.json", status="closed")).json()
            assert [r["service_request_id"] for r in closed] == [number]
            assert (await system.get("requests.json", status="open")).json() == []

            # The citizen left a phone number: each update they were to be told is a call for staff to make.
            await system.dispatcher.run_once()
            case = system.case(number)
            assert case.needs_phone_call
            with system.services.db.reading() as session:
                notices = [row.payload.get("text", "") for row in session.scalars(
                    select(OutboxMessage).where(OutboxMessage.channel == "log", OutboxMessage.case_id == case.id))]
            calls = [text for text in notices if text.startswith("📞")]
            assert len(calls) == 2 and "139****5678" in calls[0] and "13912345678" not in "".join(calls)
            assert any("已办结" in text for text in calls)

    run(story)


def test_erasing_one_citizen_leaves_another_requests_calls_alone(services):
    from handlers.privacy.erasure import erase_citizen

    async def story():
        async with city(services) as system:
            first = await system.files()
            second = await system.files(phone="13800002222", description="小区封控三天了，家里没有菜了，老人腿脚不便",
                                        service_code="food-supply")
            for number in (first, second):
                act(system.services, STAFF, number, lambda desk, c: desk.resolve(c, "已处理"))
            erase_citizen(system.services, case_number=first)
            with system.services.db.reading() as session:
                waiting = session.scalars(select(OutboxMessage.case_id).where(
                    OutboxMessage.channel == "open311", OutboxMessage.status == "pending")).all()
            assert waiting == [system.case(second).id]

    run(story)


def test_a_request_without_a_phone_is_told_nothing_and_no_row_waits_for_it(services):
    async def story():
        async with city(services) as system:
            number = await system.files(phone="", first_name="", last_name="")
            act(system.services, STAFF, number, lambda desk, c: desk.resolve(c, "已处理"))
            with system.services.db.reading() as session:
                rows = session.scalars(select(OutboxMessage).where(OutboxMessage.channel == "open311")).all()
            assert rows == []
            assert system.case(number).name_enc is None

    run(story)


def test_refusals_in_the_standard_shape_change_nothing(services):
    async def story():
        async with city(services) as system:
            async def refused(response: httpx.Response, status: int, words: str) -> None:
                assert response.status_code == status, response.text
                [error] = response.json()
                assert error["code"] == status and words in error["description"], error

            await refused(await system.post(key="", **REQUEST), 403, "api_key")
            await refused(await system.post(key="yb311_guessed", **REQUEST), 403, "api_key")
            await refused(await system.post(**{**REQUEST, "service_code": ""}), 400, "service_code")
            await refused(await system.post(**{**REQUEST, "service_code": "potholes"}), 400, "potholes")
            await refused(await system.post(**{**REQUEST, "description": "啊"}), 400, "description")
            await refused(await system.post(**{**REQUEST, "description": "药" * 2001}), 400, "2001")
            await refused(await system.post(**{**REQUEST, "phone": "12345"}), 400, "phone")
            await refused(await system.post(**{**REQUEST, "address_string": ""}), 400, "address_string")
            await refused(await system.post(**{**REQUEST, "address_string": "", "lat": "39.9", "long": "116.4"}),
                          400, "区县")
            await refused(await system.post(**{**REQUEST, "lat": "north"}), 400, "lat")
            await refused(await system.post(**{**REQUEST, "media_url": "javascript:alert(1)"}), 400, "media_url")
            not_form = await system.http.post(f"{system.base}{V2}/requests.json", json={"api_key": system.key})
            await refused(not_form, 400, "表单")
            xml_error = await system.post("xml", key="")
            assert xml_error.status_code == 403 and ET.fromstring(xml_error.content).find("error/code").text == "403"
            await refused(await system.get("requests.csv"), 404, "csv")
            await refused(await system.get("requests/ZZ20990101-0001.json"), 404, "ZZ20990101-0001")
            await refused(await system.get("requests.json", status="pending"), 400, "status")
            await refused(await system.get("requests.json", start_date="yesterday"), 400, "start_date")
            await refused(await system.get("requests.json", service_code="potholes"), 400, "potholes")
            assert system.cases() == 0

            revoke_key(system.services, "city-12345")
            await refused(await system.post(**REQUEST), 403, "api_key")
            assert system.cases() == 0
            # a request without a valid key may still read
            assert (await system.get("requests.json")).status_code == 200

    run(story)


def test_jurisdiction_is_checked_when_one_is_configured(services):
    async def story():
        async with city(services, open311_jurisdiction="zhengzhou.gov.cn") as system:
            missing = await system.get("services.json")
            assert missing.status_code == 400 and "zhengzhou.gov.cn" in missing.json()[0]["description"]
            assert (await system.get("services.json", jurisdiction_id="zhengzhou.gov.cn")).status_code == 200
            assert (await system.post(**REQUEST)).status_code == 400
            assert (await system.post(**REQUEST, jurisdiction_id="zhengzhou.gov.cn")).status_code == 200

    run(story)


def test_each_key_has_its_own_rate(services):
    async def story():
        async with city(services, open311_rate_per_minute=6, open311_rate_burst=2) as system:
            other = add_key(system.services, "district-portal")
            for n in range(2):
                assert (await system.post(**{**REQUEST, "description": f"{PROBLEM}，第{n}次"})).status_code == 200
            limited = await system.post(**{**REQUEST, "description": f"{PROBLEM}，第3次"})
            assert limited.status_code == 429 and limited.json()[0]["code"] == 429
            assert limited.headers["Retry-After"] == "10"
            assert (await system.post(key=other, **REQUEST)).status_code == 200  # another key is not held up
            services.clock.advance(seconds=10)
            assert (await system.post(**{**REQUEST, "description": f"{PROBLEM}，第4次"})).status_code == 200
            assert system.cases() == 4

    run(story)


def test_no_personal_data_leaves_in_any_answer(services):
    async def story():
        async with city(services) as system:
            await system.files()
            await system.files(service_code="other", description="我的邮箱 li.si@example.com，座机0371-63812345")
            answers = [
                await system.get("requests.json"), await system.get("requests.xml"),
                await system.get("requests.json", keyed=True), await system.get("requests.xml", keyed=True),
            ]
            for answer in answers:
                assert answer.status_code == 200
                for secret in ("王桂兰", "桂兰", "13912345678", "wang.guilan", "li.si@", "63812345",
                               "410102199001011234"):
                    assert secret not in answer.text, (secret, answer.text[:300])
            listed = answers[2].json()
            assert len(listed) == 2 and all(r["description"] for r in listed)
            assert all(r["description"] is None for r in answers[0].json())

            # filters: by id (comma-separated), by service, by dates
            numbers = [r["service_request_id"] for r in listed]
            both = await system.get("requests.json", service_request_id=",".join(numbers))
            assert sorted(r["service_request_id"] for r in both.json()) == sorted(numbers)
            other = (await system.get("requests.json", service_code="other")).json()
            assert [r["service_name"] for r in other] == ["其他"]
            later = await system.get("requests.json", start_date="2022-01-11T00:00:00+08:00")
            assert later.json() == []
            day = await system.get("requests.json", start_date="2022-01-10T00:00:00Z", end_date="2022-01-10T23:00:00Z")
            assert len(day.json()) == 2

    run(story)


def test_identifiers_are_masked_in_every_written_form():
    assert mask_identifiers("电话 +86 139-1234-5678，备用１３９１２３４５６７８") == "电话 139****5678，备用139****5678"
    assert mask_identifiers("身份证41010219900101123X") == "身份证410***********123X"
    assert mask_identifiers("卡号 6222 0212 3456 7890，座机 0371-63812345") == "卡号 ****7890，座机 0371-****2345"
    assert mask_identifiers("写信到 zhang.san@example.com") == "写信到 z***@example.com"
    assert mask_identifiers("3号楼2单元，老人78岁，2022年1月10日") == "3号楼2单元，老人78岁，2022年1月10日"


def test_keys_from_the_command_line(services, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)  # no .env of the developer's
    monkeypatch.setenv("YIBANG_DATABASE_URL", services.settings.resolved_database_url())
    monkeypatch.setenv("YIBANG_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("YIBANG_SECRET_KEY", services.settings.secret_key.get_secret_value())
    runner = CliRunner()
    made = runner.invoke(cli, ["open311", "key", "add", "city-12345"])
    assert made.exit_code == 0, made.output
    key = made.stdout.strip()
    assert key.startswith("yb311_") and len(made.stdout.splitlines()) == 1
    [listed] = list_keys(services)
    assert listed["name"] == "city-12345" and key.startswith(listed["prefix"]) and listed["revoked_at"] is None
    with services.db.reading() as session:
        stored = session.scalar(select(func.count()).select_from(CaseEvent))
    assert stored == 0
    assert runner.invoke(cli, ["open311", "key", "add", "city-12345"]).exit_code == 1
    assert runner.invoke(cli, ["open311", "key", "add", "no spaces"]).exit_code == 1
    shown = runner.invoke(cli, ["open311", "key", "list", "--json"])
    assert key not in shown.stdout and "city-12345" in shown.stdout
    assert runner.invoke(cli, ["open311", "key", "revoke", "city-12345"]).exit_code == 0
    assert list_keys(services)[0]["revoked_at"] is not None
    assert runner.invoke(cli, ["open311", "key", "revoke", "nobody"]).exit_code == 1


@pytest.mark.parametrize("name", ["gov-12345"])
def test_both_taxonomies_name_a_stable_code_for_every_category(name):
    from config import load_taxonomy
    from config.settings import DEFAULT_TAXONOMY

    for path in (DEFAULT_TAXONOMY, DEFAULT_TAXONOMY.with_name(f"{name}.yaml")):
        taxonomy = load_taxonomy(path)
        codes = [taxonomy.services[c.name].code for c in taxonomy.categories]
        assert len(set(codes)) == len(codes) and all(code.isascii() for code in codes)
