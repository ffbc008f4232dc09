"""The Telegram channel: citizens in private chats with the bot, staff told in their group (DESIGN §3, §9).

A thin adapter on python-telegram-bot 22: `updates` turns an update into the handlers' Incoming,
`render` turns their replies into messages, `citizen_chat` answers a citizen, `sender` delivers the
outbox, `limits` keeps within Telegram's flood limits, `webhook` is the /telegram route, and `channel`
puts them together for bot/application.py. The staff group's side: `staff_card` (the card's buttons),
`staff_group` (presses, prompts, commands), `staff_desk` (their transactions), `staff_prompts` (prompts
waiting for a reply) and `staff_commands`. Dialogue and prompt state live in the database, never in PTB.
"""
