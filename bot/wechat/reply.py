"""Drawing the handlers' replies as WeChat text: numbered choices, several replies in one message.

A passive reply carries exactly one message (WeChat's rule), so the replies of one turn are joined with a
blank line between them; a customer-service push is drawn the same way.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from wechatpy.messages import BaseMessage
from wechatpy.replies import TextReply

from config.taxonomy import Taxonomy
from handlers.messages import Reply
from handlers.wording import numbered


def reply_text(taxonomy: Taxonomy, replies: Sequence[Reply]) -> str:
    return "\n\n".join(numbered(taxonomy, reply) for reply in replies if reply.text or reply.choices)


def passive_reply(message: BaseMessage, text: str, now: datetime) -> str:
    """The XML of a text answer to `message`, from the account to the citizen."""
    # wechatpy writes the content into CDATA as it is; a "]]>" the citizen typed (and we repeat back in
    # the summary) would end it early. Splitting the marker across two sections keeps the text intact.
    content = text.replace("]]>", "]]]]><![CDATA[>")
    return TextReply(message=message, content=content, time=int(now.timestamp())).render()
