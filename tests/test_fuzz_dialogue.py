"""Whatever a citizen sends, the dialogue answers politely and stores nothing it should not.

Property-based: arbitrary text (empty, huge, control characters, emoji, right-to-left, HTML, SQL-looking),
at every step of the form, and arbitrary payloads for the other kinds of message.
"""

from __future__ import annotations

import itertools

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from support.citizens import Citizen

from handlers.messages import IncomingKind
from storage.models import Case

NOT_TEXT = [kind for kind in IncomingKind if kind is not IncomingKind.TEXT]

NASTY = st.sampled_from([
    "", " ", "\x00\x01\x02", "\u202e金水区\u202c", "<b>救命</b><script>alert(1)</script>", "'; DROP TABLE cases; --",
    "😭" * 50, "\n\n\n", "１３９１２３４５６７８", "金水區", "９", "-1", "0", "99999999999999999999", "%s%s%n",
    "{platform}{0}{number}", "确认" * 2000, "A" * 100_000, "\u0627\u0644\u0633\u0644\u0627\u0645", "\ufeff\u200b",
])
TEXT = st.one_of(NASTY, st.text(max_size=300), st.text(alphabet=st.characters(codec="utf-8"), max_size=50))
PREFIXES = [[], ["我要求助"], ["我要求助", "小区封控了家里没有菜了"], ["我要求助", "小区封控了家里没有菜了", "张女士"],
            ["我要求助", "小区封控了家里没有菜了", "张女士", "13912345678"],
            ["我要求助", "小区封控了家里没有菜了", "张女士", "13912345678", "金水区绿城小区"],
            ["我要求助", "我妈八十岁独居发烧了", "2"]]
_users = itertools.count()
FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def case_count(services) -> int:
    with services.db.reading() as session:
        return session.scalar(select(func.count()).select_from(Case))


@FUZZ
@given(prefix=st.sampled_from(PREFIXES), texts=st.lists(TEXT, min_size=1, max_size=4))
def test_any_text_at_any_step_gets_an_answer(services, prefix, texts):
    citizen = Citizen(services, user=f"fuzz-{next(_users)}")
    for text in prefix:
        citizen.says(text)
    before = case_count(services)
    typed_braces = False
    for text in texts:
        typed_braces = typed_braces or "{" in text
        outcome = citizen.send(text)
        assert outcome.replies, f"no answer to {text[:40]!r}"
        assert all(reply.text.strip() for reply in outcome.replies)
        # Braces in an answer can only be the citizen's own words quoted back, never a template's.
        assert typed_braces or all("{" not in reply.text for reply in outcome.replies), "a placeholder leaked"
    # Only a confirmation can file a case, and only from the summary.
    assert case_count(services) - before <= 1
    with services.db.reading() as session:
        for case in session.scalars(select(Case)):
            assert len(case.problem) <= services.taxonomy.dialogue.problem_max
            assert "\x00" not in case.problem and "\u202e" not in case.problem


PAYLOADS = st.dictionaries(
    st.sampled_from(["media", "file_id", "recognition", "phone", "own", "lat", "lon", "label", "event", "key"]),
    st.one_of(NASTY, st.text(max_size=30), st.sampled_from(["photo", "voice", "sticker", "1", "subscribe", "click",
                                                             "REQUEST_HELP", "34.8", "nan", "inf", "-91"])),
    max_size=5,
)


@FUZZ
@given(prefix=st.sampled_from(PREFIXES), kind=st.sampled_from([*NOT_TEXT, "unknown"]), payload=PAYLOADS)
def test_any_payload_of_any_kind_is_handled(services, prefix, kind, payload):
    citizen = Citizen(services, user=f"fuzz-{next(_users)}")
    for text in prefix:
        citizen.says(text)
    outcome = citizen.send(kind=kind, payload=payload)
    unsubscribing = kind == IncomingKind.EVENT and payload.get("event") == "unsubscribe"
    assert outcome.replies or unsubscribing or kind == IncomingKind.EVENT
