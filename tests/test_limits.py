"""The inbound limiter: 20 messages a minute a sender, and it forgets idle senders."""

from datetime import timedelta

from bot.conversation.limits import InboundLimiter
from tests.fakes.clock import START


def test_over_the_limit_a_sender_is_warned_once_then_dropped_until_the_minute_passes() -> None:
    limiter = InboundLimiter(limit=3)
    verdicts = [limiter.check("telegram:1", START) for _ in range(5)]
    assert verdicts == ["ok", "ok", "ok", "warn", "drop"]
    assert limiter.check("telegram:2", START) == "ok"  # another sender is not slowed
    assert limiter.check("telegram:1", START + timedelta(minutes=1)) == "ok"


def test_idle_senders_are_forgotten() -> None:
    limiter = InboundLimiter()
    for n in range(10_000):
        limiter.check(f"telegram:{n}", START + timedelta(milliseconds=n))
    assert len(limiter) == 10_000
    later = START + timedelta(minutes=2)
    assert limiter.check("telegram:late", later) == "ok"
    assert len(limiter) == 1  # only who wrote within the last minute is kept


def test_an_update_not_stored_is_not_counted_twice() -> None:
    limiter = InboundLimiter(limit=2)
    assert limiter.check("telegram:1", START) == "ok"
    limiter.forget_last("telegram:1")  # the database was busy: it will be offered again
    assert [limiter.check("telegram:1", START) for _ in range(3)] == ["ok", "ok", "warn"]
