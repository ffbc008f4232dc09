"""The token bucket on its own: bursts pass, a flood waits, time refills."""

from datetime import timedelta

from support.world import at

from handlers.conversation.rate_limit import take_token


def test_burst_then_refill():
    now = at("2022-01-10 10:00")
    tokens, last = None, None
    passed = 0
    for _ in range(15):
        allowed, tokens = take_token(tokens, last, now, per_minute=30, burst=10)
        last = now
        passed += allowed
    assert passed == 10
    allowed, tokens = take_token(tokens, last, now + timedelta(seconds=2), per_minute=30, burst=10)
    assert allowed
    allowed, _ = take_token(tokens, now + timedelta(seconds=2), now + timedelta(seconds=2), per_minute=30, burst=10)
    assert not allowed


def test_bucket_never_exceeds_the_burst():
    now = at("2022-01-10 10:00")
    _, tokens = take_token(0.0, now - timedelta(hours=5), now, per_minute=30, burst=10)
    assert tokens == 9.0
