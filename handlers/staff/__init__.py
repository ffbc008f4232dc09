"""Staff, on any channel: who may act (`directory`), what they are told (`notices`: the card, alerts) and
what they read (`views`: the queue, a case, the day's figures)."""
