"""A citizen's photos from their phone to the staff: through the real Telegram and WeChat adapters, the
stand-ins' file routes, the outbox and the staff group or the WeCom robot."""

from __future__ import annotations

import base64
import hashlib

from sqlalchemy import select
from support.media_samples import certificate_pdf, gps_of, phone_photo, size_of
from support.telegram_world import STAFF_CHAT, message_update, photo
from support.wechat_stand_in import CUSTOM, MEDIA, ROBOT

from storage.models import Attachment, Case, OutboxMessage


def texts(messages: list[dict]) -> str:
    return "\n".join(message["text"] for message in messages)


def document(file_id: str, mime: str, size: int = 1000) -> dict:
    return {"document": {"file_id": file_id, "file_unique_id": f"u-{file_id}", "file_name": "我的证明.pdf",
                         "mime_type": mime, "file_size": size}}


def attachments(services) -> list[Attachment]:
    with services.db.reading() as session:
        return list(session.scalars(select(Attachment).order_by(Attachment.id)))


def the_case(services) -> Case:
    with services.db.reading() as session:
        return session.scalars(select(Case)).one()


def card_message_id(services) -> int:
    return int(the_case(services).staff_messages["telegram"].rsplit(":", 1)[1])


def fill_form(citizen) -> str:
    """The rest of the form, after the photos; the case number."""
    citizen.answer("楼道里积水很深，家里老人出不了门")
    return citizen.finish(problem="", name="张女士", phone="13912345678", district="金水区")


# ---------------------------------------------------------------- Telegram


def test_photos_and_a_pdf_reach_the_staff_group_as_an_album_replying_to_the_card(telegram):
    api = telegram.api
    for index, colour in enumerate(("red", "green", "blue")):
        api.add_file(f"photo-{index}", phone_photo(colour=colour))
    api.add_file("pdf-1", certificate_pdf())
    alice = telegram.citizen(1001)
    alice.says("/start")
    for index in range(3):
        assert "照片已收到，提交求助时会一并附上" in texts(alice.sends_content(**photo(f"photo-{index}")))
    assert "已收到" in texts(alice.sends_content(**document("pdf-1", "application/pdf")))
    number = fill_form(alice)
    assert telegram.deliver() == 5, "four fetches and the card"
    assert telegram.deliver() == 1, "then the case's files, all together"
    shown = api.files_shown(STAFF_CHAT)
    assert [item["method"] for item in shown] == ["sendMediaGroup:photo"] * 3 + ["sendDocument"]
    assert all(item["reply_to"] == card_message_id(telegram.services) for item in shown)
    assert number in shown[0]["caption"] and "（4）" in shown[0]["caption"]
    assert [item["caption"] for item in shown[1:]] == ["", "", ""], "the caption once, on the first"
    for item in shown[:3]:
        assert gps_of(item["data"]) == {} and size_of(item["data"]) == (1200, 1600)
    assert item_is_pdf(shown[3]["data"]) and b"/Author" not in shown[3]["data"]
    assert api.downloads and all(path.startswith("photos/") for path in api.downloads)
    with telegram.services.db.reading() as session:
        waiting = session.scalars(select(OutboxMessage).where(OutboxMessage.status != "sent")).all()
    assert waiting == []


def item_is_pdf(data: bytes) -> bool:
    return data.startswith(b"%PDF-")


def test_a_photo_sent_after_filing_is_added_to_the_case_and_replies_to_its_card(telegram):
    telegram.api.add_file("later", phone_photo())
    alice = telegram.citizen(1001)
    number = alice.files()
    telegram.deliver()
    offer = texts(alice.sends_content(**photo("later")))
    assert f"正在办理的求助 {number}" in offer
    assert f"照片已附到 {number}" in texts(alice.says("补充到该求助"))
    telegram.deliver()
    telegram.deliver()
    [shown] = telegram.api.files_shown(STAFF_CHAT)
    assert shown["method"] == "sendPhoto" and shown["reply_to"] == card_message_id(telegram.services)
    assert number in shown["caption"]


def test_a_file_that_is_not_a_photo_is_refused_after_fetching_and_the_citizen_told(telegram):
    telegram.api.add_file("fake", b"<html>not a photo</html>")
    alice = telegram.citizen(1001)
    alice.says("/start")
    assert "已收到" in texts(alice.sends_content(**document("fake", "image/jpeg")))
    telegram.deliver()
    telegram.deliver()
    assert "不是照片或 PDF，没有附上" in texts(telegram.api.sent(alice.id)[-1:])
    assert [a.status for a in attachments(telegram.services)] == ["refused"]
    assert telegram.api.files_shown(STAFF_CHAT) == []


def test_a_file_telegram_says_is_too_large_is_refused_without_downloading_it(telegram):
    telegram.api.add_file("huge", b"\xff\xd8 a huge photo", declared_size=25 * 1024 * 1024)
    alice = telegram.citizen(1001)
    answer = texts(alice.sends_content(**photo("huge")))
    assert "已收到" in answer, "a photo's size is only known once asked for"
    telegram.deliver()
    telegram.deliver()
    assert "超过 10 MB" in texts(telegram.api.sent(alice.id)[-1:])
    assert telegram.api.downloads == []
    assert attachments(telegram.services)[0].reason == "too_large"


def test_a_failing_fetch_is_tried_again_later_and_one_that_cannot_succeed_is_given_up(telegram):
    telegram.api.add_file("flaky", phone_photo())
    alice = telegram.citizen(1001)
    alice.sends_content(**photo("flaky"))
    telegram.api.fail_next("getFile", status=502, description="Bad Gateway")
    telegram.deliver()
    [attachment] = attachments(telegram.services)
    assert attachment.status == "pending"
    telegram.clock.advance(seconds=10)
    telegram.deliver()
    assert attachments(telegram.services)[0].status == "stored"

    bob = telegram.citizen(1002)
    bob.sends_content(**photo("never-uploaded"))
    telegram.deliver()
    telegram.deliver()
    assert attachments(telegram.services)[1].status == "failed"
    assert "没能收到" in texts(telegram.api.sent(bob.id)[-1:])


def test_a_sticker_is_still_refused_and_nothing_is_fetched(telegram):
    alice = telegram.citizen(1001)
    answer = texts(alice.sends(message_update(alice.user, **{"sticker": {
        "file_id": "s", "file_unique_id": "s", "type": "regular", "width": 1, "height": 1,
        "is_animated": False, "is_video": False}})))
    assert "暂时无法处理这类消息" in answer and attachments(telegram.services) == []


# ---------------------------------------------------------------- WeChat and the WeCom robot


def test_a_wechat_photo_is_fetched_with_media_get_and_reaches_the_wecom_robot_as_an_image(wechat):
    wechat.stand_in.media["media-abc"] = phone_photo()
    citizen = wechat.citizen()
    assert "请描述" in citizen.says("我要求助")
    answer = citizen.sends("image", PicUrl="http://mmbiz.example/pic", MediaId="media-abc")
    assert "照片已收到，提交求助时会一并附上" in answer
    citizen.answer("楼道里积水很深，家里老人出不了门")
    assert citizen.finish(problem="", name="张女士", phone="13912345678", district="金水区")
    wechat.deliver()
    wechat.deliver()
    [fetch] = wechat.stand_in.attempts(MEDIA)
    assert fetch.errcode == 0 and fetch.body == {"media_id": "media-abc"}
    sent = wechat.stand_in.delivered(ROBOT)
    assert [body["msgtype"] for body in sent] == ["markdown", "markdown", "image"]
    assert "市民发来的照片" in sent[1]["markdown"]["content"]
    image = base64.b64decode(sent[2]["image"]["base64"])
    assert hashlib.md5(image).hexdigest() == sent[2]["image"]["md5"]
    assert image.startswith(b"\xff\xd8") and gps_of(image) == {} and size_of(image) == (1200, 1600)


def test_an_expired_wechat_photo_is_given_up_and_the_citizen_told(wechat):
    citizen = wechat.citizen()
    citizen.says("我要求助")
    citizen.sends("image", PicUrl="http://mmbiz.example/pic", MediaId="expired")
    wechat.deliver()
    wechat.deliver()
    assert [call.errcode for call in wechat.stand_in.attempts(MEDIA)] == [40007]
    [told] = wechat.stand_in.delivered(CUSTOM)
    assert "没能收到" in told["text"]["content"]
    assert [a.status for a in attachments(wechat.services)] == ["failed"]
