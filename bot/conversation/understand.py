"""Read an official's free-text answer for a status, a percentage, a date and a note.

Officials type with or without diacritics ("da xong", "đang làm 60%", "vuong: chua co kinh
phi"); matching runs on folded text, the note keeps the original words.
"""

import re
import unicodedata
from dataclasses import dataclass
from datetime import date

from storage.textnorm import fold
from storage.vocab import AssignmentStatus as S

# Order matters: negated and longer phrases first ("chưa xong" is not "xong").
_PHRASES: tuple[tuple[str, S], ...] = (
    (r"chua (?:thuc hien|trien khai|lam|bat dau)", S.NOT_STARTED),
    (r"chua (?:xong|hoan thanh|hoan tat)", S.IN_PROGRESS),
    (r"(?:xin )?(?:gia han|lui han|keo dai thoi han|xin them thoi gian)", S.EXTENSION_REQUESTED),
    (r"vuong(?: mac)?|kho khan|bi tac|tac mac|chua the thuc hien", S.BLOCKED),
    (r"(?:da )?(?:hoan thanh|hoan tat|xong|thuc hien xong|lam xong)|done|ok xong", S.DONE),
    (r"dang (?:lam|thuc hien|trien khai|xu ly|tien hanh|hoan thien)|tien do|duoc", S.IN_PROGRESS),
    (r"bat dau (?:lam|thuc hien|trien khai)", S.IN_PROGRESS),
)
_STATUS = re.compile("|".join(f"(?P<s{i}>\\b(?:{p})\\b)" for i, (p, _) in enumerate(_PHRASES)))
# A word just before a status that changes it: "sắp xong" is not done, "không vướng" is fine.
_QUALIFIER = re.compile(r"\b(sap|gan|du kien|se|khong|khong co|khong can|het)\s+$")
_QUALIFIED = {
    ("sap", S.DONE): S.IN_PROGRESS,
    ("gan", S.DONE): S.IN_PROGRESS,
    ("du kien", S.DONE): S.IN_PROGRESS,
    ("se", S.DONE): S.IN_PROGRESS,
    ("khong", S.DONE): S.BLOCKED,
}
_PERCENT = re.compile(r"(\d{1,3})\s*(?:%|phan tram)")
_DATE = re.compile(r"\b(\d{1,2})\s*[/.-]\s*(\d{1,2})(?:\s*[/.-]\s*(\d{4}|\d{2}))?\b")
_LEAD = re.compile(r"^[\s,.;:\-–—]+|[\s,.;:\-–—]+$")


@dataclass(frozen=True)
class Understood:
    status: S
    progress: int | None = None
    note: str | None = None
    proposed: date | None = None


def understand(text: str, *, year: int) -> Understood | None:
    """What the text says about a task's status, or None when it says nothing we can read."""
    # NFC and single spaces keep `folded` index-aligned with `text`, so the note can be cut
    # out of the original words.
    text = unicodedata.normalize("NFC", " ".join(text.split()))
    folded = fold(text)
    percent = _percent(folded)
    found = _status(folded)
    if found is None and percent is None:
        return None
    if found is None:
        status, start, end = (S.DONE if percent == 100 else S.IN_PROGRESS), 0, 0
    else:
        status, start, end = found
    if status is S.DONE and percent is not None and percent < 100:
        status = S.IN_PROGRESS  # "đã hoàn thành 50%": half of it is done
    if status is S.DONE and percent is None:
        percent = 100
    return Understood(
        status=status,
        progress=percent if percent is not None and status is not S.NOT_STARTED else None,
        note=_note(text, folded, start, end),
        proposed=parse_day(folded, year=year) if status is S.EXTENSION_REQUESTED else None,
    )


def _status(folded: str) -> tuple[S, int, int] | None:
    """The status the text states, and where; an extension or a blocker outranks the rest."""
    stated: list[tuple[S, int, int]] = []
    for match in _STATUS.finditer(folded):
        group = match.lastgroup
        assert group is not None  # every alternative of _STATUS is a named group, s<index>
        status = _PHRASES[int(group[1:])][1]
        qualifier = _QUALIFIER.search(folded[: match.start()])
        if qualifier is not None:
            qualified = _QUALIFIED.get((qualifier.group(1), status))
            if qualified is None:  # "không có vướng mắc", "không cần gia hạn": nothing stated
                continue
            status = qualified
        start = qualifier.start() if qualifier is not None else match.start()
        stated.append((status, start, match.end()))
    for wanted in (S.EXTENSION_REQUESTED, S.BLOCKED):
        for item in stated:
            if item[0] is wanted:
                return item
    return stated[0] if stated else None


def _percent(folded: str) -> int | None:
    found = _PERCENT.search(folded)
    if found is None or int(found.group(1)) > 100:
        return None
    return int(found.group(1))


def _note(text: str, folded: str, start: int, end: int) -> str | None:
    """Whatever the person wrote besides the status words and the percentage."""
    if len(folded) != len(text):
        return text or None
    rest = text[:start] + " " + text[end:]
    rest_folded = folded[:start] + " " + folded[end:]
    found = _PERCENT.search(rest_folded)
    if found is not None:
        rest = rest[: found.start()] + rest[found.end() :]
    rest = _LEAD.sub("", re.sub(r"\s+([,.;:])", r"\1", " ".join(rest.split())))
    return rest or None


def parse_day(text: str, *, year: int) -> date | None:
    """The first dd/mm[/yyyy] date in the text, or None if there is none or it is impossible."""
    found = _DATE.search(fold(text))
    if found is None:
        return None
    day, month, given = found.groups()
    full_year = year if given is None else int(given) + (2000 if len(given) == 2 else 0)
    try:
        return date(full_year, int(month), int(day))
    except ValueError:
        return None
