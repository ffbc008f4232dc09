"""Everything sent later, for the dispatcher and the channels' senders: what an outbox row carries
(`payloads`), rows claimed and settled (`outbox`), whether a citizen can still be reached and what
happens when not (`reachability`), answers that missed a platform's reply window (`late_replies`), and a
platform's access token shared by every process (`access_tokens`)."""
