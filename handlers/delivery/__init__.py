"""Everything sent later: what an outbox row carries (`payloads`)."""
