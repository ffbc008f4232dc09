"""Personal data over its lifetime: key rotation, retention (anonymising old closed cases), erasure on request.

What is personal here: the name and phone (encrypted), the platform ids of the citizen (user_key,
chat_key), the dialogue's slots and the replies kept for retries (encrypted), photos' file ids, and
phone numbers a citizen typed into free text. The figures (category, district, times, states) stay,
so the ledger and the statistics keep their meaning.
"""
