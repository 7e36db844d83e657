"""The conversation's memory between messages: stored as before, read and changed as one value."""

from datetime import UTC, datetime, timedelta

from storage.pending import Pending

AT = datetime(2023, 6, 1, 2, 0, tzinfo=UTC)


def test_it_reads_and_writes_the_stored_json_unchanged() -> None:
    stored = {"choices": ["a", "b"], "await": "blocker", "assignment": 7, "at": AT.isoformat()}
    assert Pending.of(stored).stored() == stored
    assert Pending.of(None) == Pending() and Pending().stored() is None


def test_a_new_question_keeps_only_a_correction_in_progress() -> None:
    start = Pending(choices=("x",), correcting=3, evidence_for=9)
    asked = start.asking("blocker", 4, AT)
    assert asked == Pending(awaiting="blocker", assignment=4, asked_at=AT, correcting=3)
    assert start.asking("correction", 5, AT).correcting == 5


def test_a_command_forgets_the_question_but_not_the_choices() -> None:
    asked = Pending(choices=("x", "y")).offering(["p", "q"]).asking("blocker", 4, AT)
    assert asked.choices == ()  # a question replaces the choices offered before it
    assert Pending(choices=("p",), awaiting="blocker", assignment=4).without_question() == Pending(
        choices=("p",)
    )


def test_a_question_is_answered_within_its_time_or_forgotten() -> None:
    asked = Pending().asking("extension", 4, AT)
    assert asked.question_fresh(AT + timedelta(minutes=30), timedelta(minutes=30))
    assert not asked.question_fresh(AT + timedelta(minutes=31), timedelta(minutes=30))
    assert not Pending(choices=("p",)).question_fresh(AT, timedelta(minutes=30))
