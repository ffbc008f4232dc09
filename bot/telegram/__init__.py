"""The Telegram channel: citizens in private chats with the bot, staff told in their group (DESIGN §3, §9).

A thin adapter on python-telegram-bot 22: `updates` turns an update into the handlers' Incoming,
`render` turns their replies into messages, `citizen_chat` answers a citizen, `sender` delivers the
outbox, `limits` keeps within Telegram's flood limits, `webhook` is the /telegram route, and `channel`
puts them together for bot/application.py. Dialogue state lives in the database, never in PTB.
"""
