"""The Telegram channel: citizens in private chats with the bot, staff told in their group.

A thin adapter on python-telegram-bot 22: `updates` turns an update into the handlers' Incoming,
`render` turns their replies into messages, `citizen_chat` answers a citizen, `sender` delivers the
outbox, `limits` keeps within Telegram's flood limits, `webhook` is the /telegram route, and `channel`
puts them together for bot/application.py. The staff group's side: `staff_card` (the card's buttons),
`staff_group` (presses, prompts, commands) and `staff_commands` (/queue, /case, /stats as Telegram has
them); what a press or a reply does is handlers.staff.desk. Dialogue and prompt state live in the
database, never in PTB, and nothing here opens a transaction.
"""
