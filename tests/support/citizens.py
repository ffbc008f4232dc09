"""One citizen helper, whatever the channel: the form's usual answers, filing a case by reading each
answer as a person would, and the case number read from "已受理，编号 …".

Each channel's citizen (`Citizen` here, talking to the handlers directly; `TelegramCitizen` and
`WeChatCitizen` through the real web app) says how it sends a line and what the person then reads
(`answer`); filing is the same for all of them.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

from handlers.messages import Incoming, IncomingKind, Outcome
from handlers.process import handle
from handlers.services import Services
from handlers.wording import numbered

# The form as most stories fill it in: an urgent problem (透析) in 金水区.
PROBLEM = "我母亲每周二四六做血液透析，小区封控了出不去"
NAME = "张女士"
PHONE = "13912345678"
DISTRICT = "金水区"
FILED = "已受理，编号 "


def case_number_in(answer: str) -> str:
    """The number in "已受理，编号 ZZ20220110-0001。"."""
    assert FILED in answer, answer
    return answer.split(FILED, 1)[1].split("。", 1)[0]


class FilesCases:
    """What every citizen helper shares; a channel's citizen provides `answer` and keeps `last_answer`."""

    last_answer: str = ""

    def answer(self, text: str) -> str:
        """Send one line as the citizen; what they read in reply, as one text."""
        raise NotImplementedError

    def files(self, problem: str = PROBLEM, *, name: str = NAME, phone: str = PHONE, district: str = DISTRICT) -> str:
        """The whole happy path; returns the case number."""
        self.answer("我要求助")
        return self.finish(problem=problem, name=name, phone=phone, district=district)

    def reaches_confirmation(self, problem: str = PROBLEM, *, name: str = NAME, phone: str = PHONE,
                             district: str = DISTRICT) -> str:
        """Everything up to the summary to confirm (or the offer to follow a similar case that comes before
        it); returns the summary (or the offer)."""
        self.answer("我要求助")
        return self.finish(problem=problem, name=name, phone=phone, district=district, confirm=False)

    def finish(self, *, problem: str, name: str, phone: str, district: str, confirm: bool = True) -> str:
        """Answer whatever is asked, reading each question, until the case is filed (its number) or, with
        `confirm=False`, until the summary (the summary)."""
        answer = self.last_answer
        for _ in range(8):
            if ("确认提交吗" in answer or "正在办理的求助" in answer) and not confirm:
                return answer
            if FILED in answer:
                return case_number_in(answer)
            if "怎么称呼" in answer:
                answer = self.answer(name)
            elif "手机号" in answer:
                answer = self.answer(phone)
            elif "哪个区县" in answer:
                answer = self.answer(district)
            elif "请描述" in answer:
                answer = self.answer(problem)
            elif "是为谁求助" in answer:
                answer = self.answer("2")
            elif "具体地址或小区" in answer:
                answer = self.answer("跳过")
            elif "继续使用" in answer:
                answer = self.answer("1")
            elif "正在办理的求助" in answer:
                # the offer to follow an open case telling the same problem: these stories file their own
                answer = self.answer("2")
            elif "确认提交吗" in answer:
                answer = self.answer("确认")
            elif "最接近哪一类" in answer:  # the classifier was unsure: the likeliest category
                answer = self.answer("1")
            else:
                raise AssertionError(f"unexpected answer: {answer}")
        raise AssertionError(f"the dialogue did not finish; last answer: {answer}")


_ids = itertools.count(1)


@dataclass
class Citizen(FilesCases):
    """A citizen talking to the handlers directly, as a channel would pass their messages on; `says`
    returns what yibang answered, as text (choices numbered, as WeChat and the terminal show them)."""

    services: Services
    user: str = "u1"
    channel: str = "console"
    last: Outcome | None = None
    transcript: list[str] = field(default_factory=list)
    # seconds a person takes to type the next message (the frozen clock moves on by this much)
    pause: float = 2.0

    def send(self, incoming_text: str = "", *, kind: IncomingKind = IncomingKind.TEXT, payload: dict | None = None,
             message_id: str | None = None) -> Outcome:
        if self.pause and hasattr(self.services.clock, "advance"):
            self.services.clock.advance(seconds=self.pause)
        incoming = Incoming(
            channel=self.channel,
            user_key=self.user,
            chat_key=f"chat-{self.user}",
            message_id=message_id or f"m{next(_ids)}",
            kind=kind,
            at=self.services.clock.now(),
            text=incoming_text,
            payload=payload or {},
        )
        self.last = handle(self.services, incoming)
        self.last_answer = self.rendered(self.last)
        return self.last

    def rendered(self, outcome: Outcome) -> str:
        return "\n".join(numbered(self.services.taxonomy, reply) for reply in outcome.replies)

    def says(self, incoming_text: str = "", **kwargs) -> str:
        answer = self.rendered(self.send(incoming_text, **kwargs))
        self.transcript.append(f"> {incoming_text}\n{answer}")
        return answer

    def answer(self, text: str) -> str:
        return self.says(text)
