"""What the bot is waiting for from a person between two messages (`Person.pending`).

Stored as JSON with short keys (`choices`, `await`, `assignment`, `at`, `correcting`,
`evidence_for`, `held`); read and written only through `Pending`, never as a dict.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any


@dataclass(frozen=True)
class Pending:
    choices: tuple[str, ...] = ()  # numbered choices offered where a channel has no buttons
    awaiting: str | None = None  # the answer asked for: "blocker", "extension", "correction"
    assignment: int | None = None  # ... about this assignment
    asked_at: datetime | None = None
    correcting: int | None = None  # the assignment whose last answer the next one corrects
    evidence_for: int | None = None  # the assignment a file sent next is evidence for
    held: str | None = None  # an answer that named no task, kept while the bot asks which one
    from_reminder: bool = False  # the choices came with a delivered reminder, not an answer

    @classmethod
    def of(cls, stored: Mapping[str, Any] | None) -> "Pending":
        stored = stored or {}
        asked = stored.get("at")
        return cls(
            choices=tuple(stored.get("choices") or ()),
            awaiting=stored.get("await"),
            assignment=stored.get("assignment"),
            asked_at=datetime.fromisoformat(asked) if asked else None,
            correcting=stored.get("correcting"),
            evidence_for=stored.get("evidence_for"),
            held=stored.get("held"),
            from_reminder=bool(stored.get("reminder")),
        )

    def stored(self) -> dict[str, Any] | None:
        """The JSON value for `Person.pending`; None when nothing is pending."""
        values = {
            "choices": list(self.choices) or None,
            "await": self.awaiting,
            "assignment": self.assignment,
            "at": self.asked_at.isoformat() if self.asked_at else None,
            "correcting": self.correcting,
            "evidence_for": self.evidence_for,
            "held": self.held,
            "reminder": True if self.choices and self.from_reminder else None,
        }
        kept = {key: value for key, value in values.items() if value is not None}
        return kept or None

    def offering(self, choices: Sequence[str], *, from_reminder: bool = False) -> "Pending":
        return replace(self, choices=tuple(choices), from_reminder=from_reminder)

    def asking(self, what: str, assignment_id: int, at: datetime) -> "Pending":
        """A new question about an assignment: only a correction in progress is kept."""
        correcting = assignment_id if what == "correction" else self.correcting
        return Pending(awaiting=what, assignment=assignment_id, asked_at=at, correcting=correcting)

    def without_question(self) -> "Pending":
        """A command moves on: what was asked is no longer awaited; the choices stay."""
        return Pending(choices=self.choices) if self.awaiting else self

    def question_fresh(self, now: datetime, within: timedelta) -> bool:
        """Whether the question was asked recently enough to read the next text as its answer."""
        return bool(self.awaiting) and self.asked_at is not None and now - self.asked_at <= within

    @classmethod
    def holding(cls, text: str) -> "Pending":
        """An answer that named no task, held until the person picks the task it is about."""
        return cls(held=text)

    @classmethod
    def evidence(cls, assignment_id: int) -> "Pending":
        """After an answer: a file sent next is evidence for that assignment."""
        return cls(evidence_for=assignment_id)
