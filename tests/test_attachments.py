"""Photos and files: what is kept of them (content checked, metadata gone, sealed at rest), what the citizen
is told, and what staff may open."""

from __future__ import annotations

import io
import os
from datetime import timedelta

import pytest
from PIL import Image
from sqlalchemy import select
from support.citizens import Citizen
from support.media_samples import CAMERA, certificate_pdf, exif_of, gps_of, phone_photo, size_of

from handlers.attachments import content, downloads, records, viewing
from handlers.cases.actions import Actor, CaseDesk
from handlers.privacy.erasure import erase_citizen
from handlers.privacy.keys import rekey
from handlers.privacy.retention import purge
from storage.encryption import FieldCipher
from storage.media import LocalBlobStore, MediaStore, open_media_store
from storage.models import Attachment, Case, OutboxMessage

LIMIT = 10 * 1024 * 1024
SECRET = "test-secret-key-that-is-long-enough-0123456789"  # the fixtures' key
OTHER_SECRET = "another-secret-key-that-is-long-enough-98765"


# ---------------------------------------------------------------- what is kept of a file


def test_a_phone_photo_is_kept_upright_without_its_gps_camera_or_comment():
    original = phone_photo(1600, 1200)
    assert gps_of(original) and exif_of(original)
    kept = content.clean(original, max_bytes=LIMIT)
    assert kept.content_type == "image/jpeg"
    assert (kept.width, kept.height) == (1200, 1600) == size_of(kept.data), "turned as the orientation said"
    assert gps_of(kept.data) == {} and exif_of(kept.data) == {}
    assert CAMERA.encode() not in kept.data and b"taken at home" not in kept.data
    assert max(size_of(kept.thumbnail)) == content.THUMBNAIL_SIDE and gps_of(kept.thumbnail) == {}


def test_a_transparent_png_stays_a_png_and_its_thumbnail_is_on_white():
    image = Image.new("RGBA", (400, 200), (255, 0, 0, 0))
    out = io.BytesIO()
    image.save(out, "PNG")
    kept = content.clean(out.getvalue(), max_bytes=LIMIT)
    assert kept.content_type == "image/png" and (kept.width, kept.height) == (400, 200)
    with Image.open(io.BytesIO(kept.thumbnail)) as thumb:
        assert thumb.format == "JPEG" and thumb.getpixel((0, 0)) == (255, 255, 255)


@pytest.mark.parametrize("data", [b"hello, this is text", b"\x89PNG\r\n\x1a\n" + b"\0" * 100, b"%PDF-1.7 broken",
                                  b"PK\x03\x04 a zip file"])
def test_anything_that_is_not_a_readable_image_or_pdf_is_refused(data):
    with pytest.raises(content.Refused) as refused:
        content.clean(data, max_bytes=LIMIT)
    assert refused.value.reason == content.NOT_ACCEPTED


def test_too_many_bytes_or_too_many_pixels_is_refused_as_too_large():
    with pytest.raises(content.Refused) as refused:
        content.clean(phone_photo(), max_bytes=1000)
    assert refused.value.reason == content.TOO_LARGE
    bomb = io.BytesIO()
    Image.new("1", (10_000, 10_000)).save(bomb, "PNG")  # a few kilobytes that unpack to 100 megapixels
    assert len(bomb.getvalue()) < 100_000
    with pytest.raises(content.Refused) as refused:
        content.clean(bomb.getvalue(), max_bytes=LIMIT)
    assert refused.value.reason == content.TOO_LARGE


def test_a_pdf_is_kept_without_its_author():
    original = certificate_pdf(author="张三")
    kept = content.clean(original, max_bytes=LIMIT)
    assert kept.content_type == "application/pdf" and kept.thumbnail is None
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(kept.data))
    assert len(reader.pages) == 1 and "/Author" not in (reader.metadata or {})


def test_a_large_photo_is_scaled_down_to_fit_a_channel_limit():
    noisy = Image.effect_noise((2000, 1500), 80).convert("RGB")
    out = io.BytesIO()
    noisy.save(out, "JPEG", quality=95)
    data = out.getvalue()
    assert len(data) > 500_000
    fitted = content.fit_within(data, 500_000)
    assert len(fitted) <= 500_000 and size_of(fitted)[0] < 2000
    assert content.fit_within(fitted, 500_000) is fitted


# ---------------------------------------------------------------- the store


def test_files_are_sealed_and_named_by_a_keyed_hash_of_their_content(tmp_path):
    cipher = FieldCipher(["a-secret-key-that-is-long-enough-0123456789"])
    store = MediaStore(LocalBlobStore(tmp_path / "media"), cipher)
    photo = content.clean(phone_photo(), max_bytes=LIMIT).data
    name = store.put(photo)
    assert store.put(photo) == name, "the same photo is kept once"
    [on_disk] = [path for path in (tmp_path / "media").rglob("*") if path.is_file()]
    assert on_disk.name == name and photo[:64] not in on_disk.read_bytes() and not on_disk.read_bytes().startswith(
        b"\xff\xd8")
    assert oct(on_disk.stat().st_mode & 0o777) == "0o600"
    assert store.get(name) == photo
    stranger = MediaStore(LocalBlobStore(tmp_path / "media"), FieldCipher([OTHER_SECRET]))
    assert stranger.get(name) is None, "another deployment's key opens nothing"
    assert name != FieldCipher([OTHER_SECRET]).content_address(photo), "names are keyed, not a plain hash"
    with pytest.raises(ValueError):
        store.get("../../etc/passwd")


def test_after_a_key_rotation_a_file_is_resealed_under_the_new_key_and_name(tmp_path):
    old = FieldCipher(["the-old-secret-key-that-is-long-enough-0000"])
    MediaStore(LocalBlobStore(tmp_path), old).put(b"\xff\xd8 a photo")
    name = old.content_address(b"\xff\xd8 a photo")
    rotated = MediaStore(LocalBlobStore(tmp_path), FieldCipher([OTHER_SECRET, "the-old-secret-key-that-is-long-enough-0000"]))
    new = rotated.reseal(name)
    assert new != name and rotated.get(new) == b"\xff\xd8 a photo"
    assert MediaStore(LocalBlobStore(tmp_path), FieldCipher([OTHER_SECRET])).get(new) == b"\xff\xd8 a photo"
    assert rotated.reseal(new) == new, "resealing twice changes nothing"


@pytest.fixture(scope="module")
def s3_server():
    moto_server = pytest.importorskip("moto.server", reason="moto's server mode is a test dependency")
    server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


def test_an_s3_compatible_bucket_keeps_sealed_files(s3_server, tmp_path, monkeypatch):
    import boto3

    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    boto3.client("s3", endpoint_url=s3_server, region_name="us-east-1").create_bucket(Bucket="yibang-media")
    cipher = FieldCipher(["a-secret-key-that-is-long-enough-0123456789"])
    store = open_media_store(f"s3://yibang-media/city/photos?endpoint_url={s3_server}&region=us-east-1",
                             tmp_path, cipher)
    name = store.put(b"\xff\xd8 a photo of the stairwell")
    assert store.get(name) == b"\xff\xd8 a photo of the stairwell"
    listed = boto3.client("s3", endpoint_url=s3_server, region_name="us-east-1").list_objects_v2(
        Bucket="yibang-media")["Contents"]
    [stored] = listed
    assert stored["Key"] == f"city/photos/{name}"
    assert [found for found, _ in store.names()] == [name]
    store.delete(name)
    assert store.get(name) is None and list(store.names()) == []
    assert not (tmp_path / "media").exists(), "nothing was written locally"


# ---------------------------------------------------------------- the dialogue


def photo_message(citizen: Citizen, file_id: str = "photo-1", **payload: str) -> str:
    return citizen.says(kind="media", payload={"media": "photo", "file_id": file_id, **payload})


def attachments(services) -> list[Attachment]:
    with services.db.reading() as session:
        return list(session.scalars(select(Attachment).order_by(Attachment.id)))


@pytest.fixture
def on_telegram(services):
    return Citizen(services, user="4001", channel="telegram")


def test_a_photo_before_any_form_starts_one_and_is_fetched_soon(on_telegram, services):
    answer = photo_message(on_telegram)
    assert "照片已收到，提交求助时会一并附上" in answer and "请描述" in answer
    [attachment] = attachments(services)
    assert attachment.case_id is None and attachment.status == records.AttachmentStatus.PENDING
    with services.db.reading() as session:
        [job] = session.scalars(select(OutboxMessage).where(OutboxMessage.channel == "telegram-files")).all()
    assert job.payload == {"kind": "media_download", "attachment_id": attachment.id}


def test_photos_sent_during_a_form_started_over_stay_with_it(on_telegram, services):
    on_telegram.says("我要求助")
    photo_message(on_telegram, "first")
    on_telegram.says("我要求助")  # starts over
    photo_message(on_telegram, "second")
    number = on_telegram.finish(problem="楼道里积水很深，老人出不了门", name="李先生", phone="13812345678",
                                district="二七区")
    assert [a.case_id is not None for a in attachments(services)] == [True, True]
    assert number


def test_too_large_or_not_a_photo_or_pdf_is_refused_at_once_when_the_platform_says_so(on_telegram, services):
    on_telegram.says("我要求助")
    answer = photo_message(on_telegram, size=str(11 * 1024 * 1024))
    assert "超过 10 MB" in answer and "请描述" in answer
    zipped = on_telegram.says(kind="media", payload={"media": "document", "file_id": "d", "mime": "application/zip"})
    assert "只能接收照片和 PDF" in zipped
    assert attachments(services) == []
    pdf = on_telegram.says(kind="media", payload={"media": "document", "file_id": "p", "mime": "application/pdf"})
    assert "已收到" in pdf and len(attachments(services)) == 1


def test_a_case_takes_at_most_the_configured_number_of_files(services):
    limited = services.settings.model_copy(update={"media_max_per_case": 2})
    import dataclasses

    citizen = Citizen(dataclasses.replace(services, settings=limited), user="4002", channel="telegram")
    citizen.says("我要求助")
    photo_message(citizen, "a")
    photo_message(citizen, "b")
    assert "最多附 2 张" in photo_message(citizen, "c")
    assert len(attachments(services)) == 2


def test_a_photo_after_filing_is_offered_to_the_open_case_and_attached_when_chosen(on_telegram, services):
    number = on_telegram.files()
    offer = photo_message(on_telegram, "after")
    assert f"正在办理的求助 {number}" in offer
    photo_message(on_telegram, "after-2")  # a second photo while the offer waits joins the first
    assert f"照片已附到 {number}" in on_telegram.says("1")
    assert [a.case_id is not None for a in attachments(services)] == [True, True]


def test_a_photo_the_citizen_did_not_want_on_the_case_is_erased(on_telegram, services):
    on_telegram.files()
    photo_message(on_telegram, "oops")
    assert "好的" in on_telegram.says("3")
    [attachment] = attachments(services)
    assert attachment.status == records.AttachmentStatus.ERASED and attachment.file_ref_enc is None


# ---------------------------------------------------------------- fetched, kept, refused


def fetched(services, attachment_id: int, data: bytes) -> str:
    job = downloads.job(services, attachment_id)
    assert job is not None
    return downloads.keep(services, attachment_id, data)


def test_a_fetched_photo_is_kept_sealed_and_goes_to_staff_after_the_card(on_telegram, services):
    photo_message(on_telegram)
    on_telegram.finish(problem="家里老人的降压药吃完了，小区封控出不去", name="张女士", phone="13912345678",
                       district="金水区")
    [attachment] = attachments(services)
    assert fetched(services, attachment.id, phone_photo()) == records.AttachmentStatus.STORED
    [attachment] = attachments(services)
    assert attachment.file_ref_enc is None and attachment.content_type == "image/jpeg"
    assert (attachment.width, attachment.height) == (1200, 1600)
    assert gps_of(services.media.get(attachment.blob_key)) == {}
    assert downloads.job(services, attachment.id) is None, "fetched once"
    with services.db.reading() as session:
        rows = session.scalars(select(OutboxMessage).where(OutboxMessage.channel == "log")
                               .order_by(OutboxMessage.id)).all()
    assert [row.payload["kind"] for row in rows] == ["case_card", "case_attachments"]
    assert rows[1].payload["attachments"] == [attachment.id] and "（1）" in rows[1].payload["text"]


def files_with_two_photos(citizen: Citizen, services) -> list[Attachment]:
    """A case filed with two photos sent during its form, neither fetched yet."""
    citizen.says("我要求助")
    photo_message(citizen, "left")
    photo_message(citizen, "right")
    citizen.finish(problem="楼道里积水很深，老人出不了门", name="李先生", phone="13812345678", district="二七区")
    return attachments(services)


def test_staff_wait_for_all_of_a_cases_photos_and_get_them_together(on_telegram, services):
    first, second = files_with_two_photos(on_telegram, services)
    fetched(services, first.id, phone_photo(colour="red"))
    assert not staff_rows(services), "the second is still being fetched"
    fetched(services, second.id, b"not a photo at all")
    [row] = staff_rows(services)
    assert row.payload["attachments"] == [first.id]
    told = citizen_pushes(services)
    assert len(told) == 1 and "不是照片或 PDF" in told[0]


def staff_rows(services) -> list[OutboxMessage]:
    with services.db.reading() as session:
        return list(session.scalars(select(OutboxMessage).where(
            OutboxMessage.payload["kind"].as_string() == "case_attachments")))


def citizen_pushes(services) -> list[str]:
    from handlers.delivery.payloads import opened

    with services.db.reading() as session:
        rows = session.scalars(select(OutboxMessage).where(OutboxMessage.channel == "telegram")).all()
        return [opened(services.cipher, row.payload)["text"] for row in rows]


def test_a_file_the_platform_will_not_give_is_given_up_and_the_citizen_told(on_telegram, services):
    photo_message(on_telegram)
    [attachment] = attachments(services)
    assert downloads.give_up(services, attachment.id, "expired") == records.AttachmentStatus.FAILED
    [told] = citizen_pushes(services)
    assert "没能收到" in told and "重新发送" in told


# ---------------------------------------------------------------- staff open them


def test_the_console_gets_a_file_only_for_a_staff_member_and_only_of_that_case(on_telegram, services):
    number = on_telegram.files()
    photo_message(on_telegram)
    on_telegram.says("1")
    [attachment] = attachments(services)
    fetched(services, attachment.id, phone_photo())
    other = Citizen(services, user="4003", channel="telegram").files(problem="小区供暖不热，家里只有十度")
    staff = Actor(key="web:alice", role="handler")
    with services.db.reading() as session:
        [summary] = viewing.summaries(session, attachment.case_id)
    assert summary.public_id == attachment.public_id and summary.has_thumbnail
    full = viewing.staff_file(services, staff, number, attachment.public_id)
    assert full is not None and full.content_type == "image/jpeg" and size_of(full.data) == (1200, 1600)
    assert full.filename == f"{number}-1.jpg"
    thumb = viewing.staff_file(services, staff, number, attachment.public_id, thumbnail=True)
    assert thumb is not None and max(size_of(thumb.data)) == content.THUMBNAIL_SIDE
    assert viewing.staff_file(services, None, number, attachment.public_id) is None, "not staff"
    assert viewing.staff_file(services, staff, other, attachment.public_id) is None, "not that case's"
    assert viewing.staff_file(services, staff, number, "guess") is None
    assert viewing.staff_file(services, staff, number, str(attachment.id)) is None, "the row id is no address"


# ---------------------------------------------------------------- over their lifetime


def stored_files(services) -> set[str]:
    return {name for name, _ in services.media.names()}


def test_erasure_deletes_the_citizens_files_but_not_one_another_citizen_also_sent(on_telegram, services):
    number = on_telegram.files()
    photo_message(on_telegram, "mine")
    on_telegram.says("1")
    photo_message(on_telegram, "mine-too")
    on_telegram.says("1")
    neighbour = Citizen(services, user="4004", channel="telegram")
    photo_message(neighbour, "same-photo")
    mine, mine_too, theirs = attachments(services)
    fetched(services, mine.id, phone_photo(colour="red"))
    fetched(services, mine_too.id, phone_photo(colour="green"))
    fetched(services, theirs.id, phone_photo(colour="green"))  # the same picture, sent by both
    assert len(stored_files(services)) == 4  # two photos and their thumbnails, each kept once
    report = erase_citizen(services, case_number=number)
    assert report.files == 2, "the red photo and its thumbnail"
    assert [a.status for a in attachments(services)] == [records.AttachmentStatus.ERASED, records.AttachmentStatus.ERASED, records.AttachmentStatus.STORED]
    assert [a.blob_key for a in attachments(services)][:2] == [None, None]
    assert stored_files(services) == {theirs_now.blob_key for theirs_now in attachments(services)[2:]} | {
        attachments(services)[2].thumb_key}
    assert erase_citizen(services, case_number=number).files == 0, "erasing twice deletes nothing more"


def test_purge_deletes_old_closed_cases_files_unfiled_photos_and_files_nothing_names(on_telegram, services):
    number = on_telegram.files()
    photo_message(on_telegram, "on-the-case")
    on_telegram.says("1")
    abandoned = Citizen(services, user="4005", channel="telegram")
    photo_message(abandoned, "never-filed")
    on_case, never_filed = attachments(services)
    fetched(services, on_case.id, phone_photo(colour="red"))
    fetched(services, never_filed.id, phone_photo(colour="blue"))
    loose = services.media.put(b"\xff\xd8 written by a fetch whose transaction then failed")
    written = (services.clock.now() - timedelta(hours=2)).timestamp()  # files carry the wall clock's time
    os.utime(services.settings.data_dir / "media" / loose[:2] / loose, (written, written))
    report = purge(services, timedelta(days=180))
    assert loose not in stored_files(services), "an hour later nothing names it: garbage"
    assert report.files == 1 and len(stored_files(services)) == 4, "the form may still be filed today"
    services.clock.advance(days=1, minutes=1)
    assert purge(services, timedelta(days=180)).files == 2, "a form never filed loses its photo after a day"
    assert len(stored_files(services)) == 2, "the open case keeps its photo"
    with services.db.transaction() as session:
        desk = CaseDesk(services, session, Actor("cli:it"), services.clock.now())
        desk.reject(desk.case(number), "重复")
    services.clock.advance(days=181)
    assert purge(services, timedelta(days=180)).files == 2
    assert stored_files(services) == set()
    assert [a.status for a in attachments(services)] == [records.AttachmentStatus.ERASED, records.AttachmentStatus.ERASED]


def test_rekey_reseals_every_file_under_the_new_key(on_telegram, services):
    photo_message(on_telegram)
    on_telegram.says("张女士")  # the form goes on; the photo waits to be fetched meanwhile
    [attachment] = attachments(services)
    fetched(services, attachment.id, phone_photo())
    photo_message(on_telegram, "not-yet-fetched")
    before = stored_files(services)
    services.cipher = FieldCipher([OTHER_SECRET, SECRET])
    services.__dict__.pop("media", None)  # the store is built with the cipher
    report = rekey(services)
    assert report.files == 2
    only_new = FieldCipher([OTHER_SECRET])
    services.cipher = only_new
    services.__dict__.pop("media", None)
    kept, waiting = attachments(services)
    assert stored_files(services).isdisjoint(before)
    assert gps_of(services.media.get(kept.blob_key)) == {} and services.media.get(kept.thumb_key)
    assert only_new.decrypt(waiting.file_ref_enc) == "not-yet-fetched"
    assert rekey(services).files == 0, "nothing left to move"


# ---------------------------------------------------------------- the upgrade


def test_the_upgrade_turns_old_file_ids_into_attachments_waiting_to_be_fetched(tmp_path):
    from datetime import datetime

    from alembic import command
    from alembic.config import Config
    from sqlalchemy import MetaData, inspect, text

    from storage import Database
    from storage.database import MIGRATIONS

    database = Database(f"sqlite:///{tmp_path / 'old.sqlite3'}")
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["quiet"] = True
    with database.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0003")
    then = datetime(2022, 1, 10, 2, 0)
    with database.engine.begin() as connection:
        cases = MetaData()
        cases.reflect(connection, only=["cases"])
        table = cases.tables["cases"]
        # every required column of the old table filled with something of its type
        filler = {"DATETIME": then, "JSON": [], "INTEGER": 0, "BOOLEAN": False, "FLOAT": 0.0}
        values = {column.name: filler.get(str(column.type).split("(")[0], "x")
                  for column in table.columns if not column.nullable and column.name != "id"}
        values.update(number="ZZ20220110-0001", channel="telegram", user_key="1001", chat_key="1001",
                      evidence={}, alerts=[], staff_messages={},
                      attachments=[{"media": "photo", "file_id": "old-photo", "channel": "telegram"}])
        connection.execute(table.insert().values(values))
        connection.execute(text("INSERT INTO case_events (case_id, at, kind, actor, public, data) "
                                "VALUES (1, :at, 'received', 'citizen', 1, '{}')"), {"at": then})
    database.migrate()
    with database.engine.connect() as connection:
        assert "attachments" not in {column["name"] for column in inspect(connection).get_columns("cases")}
        assert connection.execute(text("SELECT count(*) FROM case_events")).scalar() == 1, "the timeline stays"
        row = connection.execute(text("SELECT case_id, status, file_ref_enc, message_id FROM attachments")).one()
        assert tuple(row) == (1, "pending", "unsealed:old-photo", "legacy:1:0")
        job = connection.execute(text("SELECT channel, target, status FROM outbox")).one()
        assert tuple(job) == ("telegram-files", "1001", "pending")
    database.dispose()


def test_a_file_id_the_upgrade_left_unsealed_is_fetched_and_sealed_by_rekey(on_telegram, services):
    photo_message(on_telegram, "new-style")
    with services.db.transaction() as session:
        session.execute(Attachment.__table__.update().values(file_ref_enc="unsealed:old-photo"))
    [attachment] = attachments(services)
    assert downloads.job(services, attachment.id).file_ref == "old-photo"
    rekey(services)
    [attachment] = attachments(services)
    assert services.cipher.decrypt(attachment.file_ref_enc) == "old-photo"


def test_two_photos_of_a_case_fetched_at_the_same_moment_go_to_staff_together_once(on_telegram, services):
    import threading

    first, second = files_with_two_photos(on_telegram, services)
    photos = {first.id: phone_photo(colour="red"), second.id: phone_photo(colour="blue")}
    start = threading.Barrier(2)
    errors: list[BaseException] = []

    def fetch(attachment_id: int) -> None:
        try:
            start.wait(10)
            downloads.keep(services, attachment_id, photos[attachment_id])
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=fetch, args=(attachment_id,)) for attachment_id in photos]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert not errors
    [row] = staff_rows(services)
    assert sorted(row.payload["attachments"]) == sorted(photos)


def test_a_caption_is_the_problem_of_a_new_request_or_the_words_of_a_supplement(on_telegram, services):
    answer = on_telegram.says("门口被焊死了，家里老人出不去", kind="media",
                              payload={"media": "photo", "file_id": "door"})
    assert "照片已收到" in answer and "是为谁求助" in answer, "家里老人: for whom?"
    assert "怎么称呼" in on_telegram.says("2")
    on_telegram.says("何女士")
    on_telegram.says("13912345678")
    summary = on_telegram.says("金水区")
    assert "门口被焊死了" in summary and "确认提交吗" in summary
    filed = on_telegram.says("确认")
    filed = on_telegram.says("1") if "最接近哪一类" in filed else filed
    number = filed.split("编号 ", 1)[1].split("。", 1)[0]
    offer = on_telegram.says("水也停了", kind="media", payload={"media": "photo", "file_id": "tap"})
    assert f"正在办理的求助 {number}" in offer
    assert f"已补充到 {number}" in on_telegram.says("1")
    with services.db.reading() as session:
        [case] = session.scalars(select(Case)).all()
        assert [event.text for event in case.events if event.kind == "supplement"] == ["市民补充：水也停了"]
    assert [a.case_id is not None for a in attachments(services)] == [True, True]


def test_the_command_line_shows_a_cases_files_writes_them_out_and_the_timeline_says_so(on_telegram, services,
                                                                                       tmp_path):
    import json
    import subprocess
    import sys

    number = on_telegram.files()
    photo_message(on_telegram)
    on_telegram.says("1")
    [attachment] = attachments(services)
    fetched(services, attachment.id, phone_photo())
    env = {key: value for key, value in os.environ.items() if not key.startswith("YIBANG_")}
    env.update(YIBANG_DATA_DIR=str(services.settings.data_dir), YIBANG_SECRET_KEY=SECRET,
               YIBANG_DATABASE_URL=services.db.url.render_as_string(hide_password=False))

    def yibang(*args: str) -> str:
        done = subprocess.run([sys.executable, "-m", "bot", *args], capture_output=True, text=True, env=env,
                              timeout=120)
        assert done.returncode == 0, done.stderr
        return done.stdout

    [written] = json.loads(yibang("case", "files", number, "--out", str(tmp_path / "out")))
    assert written.endswith(f"{number}-1.jpg")
    data = (tmp_path / "out" / f"{number}-1.jpg").read_bytes()
    assert size_of(data) == (1200, 1600) and gps_of(data) == {}
    shown = json.loads(yibang("case", "show", number, "--json"))
    assert [item["id"] for item in shown["attachments"]] == [attachment.public_id]
    assert shown["timeline"][-1]["kind"] == "attachments_exported" and "1 件" in shown["timeline"][-1]["text"]
