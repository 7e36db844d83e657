"""The written progress report (.docx) at a quarter's, half-year's and year's end (plan III.2)."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from bot.digest.docx_layout import (
    BODY_PT,
    LEFT_COL_CM,
    RIGHT_COL_CM,
    TEXT_WIDTH_MM,
    centred,
    header_block,
    set_up_page,
    set_widths,
    short_rule,
    write,
)
from bot.texts import dates
from bot.texts import report as r
from bot.texts.common import task_ref
from scheduler.digest_figures import Figures, OverdueItem
from scheduler.digest_periods import ReportPeriod

if TYPE_CHECKING:  # python-docx is imported when a report is written, not by every CLI start
    from docx.document import Document

UNITS_NAMED = 10
BLOCKERS_LISTED = 30  # the rest are in the Excel file sent with it
AREA_COLUMNS_CM = (1.3, 5.0, *[1.7] * 6)  # 16.5 cm: the text width
_BODY_PREFIX = re.compile(
    r"^(ubnd|ủy ban nhân dân|uỷ ban nhân dân)\s+(tỉnh|thành phố|huyện|quận|thị xã|xã|phường|thị trấn)\s+",
    re.I,
)


@dataclass(frozen=True)
class ReportStyle:
    """Who issues the report; Phòng Nội vụ tracks the plan for its People's Committee (III.1)."""

    issuer: str = r.ISSUER
    code: str = "NV"  # the issuer's sign in the document number: Số: …/BC-NV
    signer_title: str = r.SIGNER_TITLE
    parent: str | None = None  # defaults to the plan's issuing body
    place: str | None = None  # defaults to the place in the issuing body's name
    signer_name: str = ""  # left blank for the head of the office to sign and fill in


def official_date(day: date) -> dict[str, str]:
    """Days below 10 and months 1 and 2 take a leading zero (Nghị định 30/2020, Phụ lục I)."""
    month = f"{day.month:02d}" if day.month <= 2 else str(day.month)
    return {"day": f"{day.day:02d}", "month": month, "year": str(day.year)}


def period_phrase(period: ReportPeriod) -> str:
    """ "quý I năm 2023", "6 tháng đầu năm 2023", "năm 2023"."""
    return dates.period(period.kind, period.number, period.year)


def write_report(
    figures: Figures,
    period: ReportPeriod,
    path: Path,
    style: ReportStyle = ReportStyle(),
    dated: date | None = None,
) -> Path:
    """Lay the report out per Nghị định 30/2020 and save it to `path` (a .docx), dated `dated`."""
    from docx import Document as new_document

    doc = new_document()
    set_up_page(doc)
    parent = style.parent or figures.plan.issuing_body or ""
    place = style.place or _BODY_PREFIX.sub("", parent) or parent
    place_date = r.PLACE_DATE.format(place=place, **official_date(dated or figures.today))
    header_block(doc, parent=parent, issuer=style.issuer, code=style.code, place_date=place_date)
    _title(doc, figures, period)
    _results(doc, figures, period, style)
    _issues(doc, figures)
    _heading(doc, r.PART_PROPOSALS)
    _para(doc, r.PROPOSAL.format(parent=parent, issuer=style.issuer))
    _para(
        doc,
        r.CLOSING.format(
            number=figures.plan.number, period=period_phrase(period), issuer=style.issuer
        ),
    )
    _signature(doc, parent, style)
    path.parent.mkdir(parents=True, exist_ok=True)
    doc.save(str(path))
    return path


def subject(figures: Figures, period: ReportPeriod) -> str:
    """The report's subject line (trích yếu)."""
    return r.SUBJECT.format(**_plan_words(figures), period=period_phrase(period))


def _plan_words(figures: Figures) -> dict[str, str]:
    plan = figures.plan
    title = plan.title[:1].lower() + plan.title[1:]
    return {
        "number": plan.number,
        "issued": r.ISSUED.format(day=dates.day(plan.issued_on)) if plan.issued_on else "",
        "body": r.OF_BODY.format(body=plan.issuing_body) if plan.issuing_body else "",
        "about": r.ABOUT.format(title=title) if title else "",
    }


def _title(doc: Document, figures: Figures, period: ReportPeriod) -> None:
    from docx.shared import Pt

    kind = write(centred(doc.add_paragraph()), r.KIND, size=14, bold=True)
    kind.paragraph_format.space_before = Pt(18)
    write(centred(doc.add_paragraph()), subject(figures, period), size=14, bold=True)
    short_rule(centred(doc.add_paragraph(), after=12), TEXT_WIDTH_MM / 10, 50)


def _heading(doc: Document, text: str) -> None:
    from docx.shared import Cm

    paragraph = doc.add_paragraph()
    paragraph.paragraph_format.first_line_indent = Cm(1)
    paragraph.paragraph_format.keep_with_next = True
    write(paragraph, text, bold=True)


def _para(doc: Document, text: str) -> None:
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Cm

    paragraph = doc.add_paragraph()
    paragraph.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    paragraph.paragraph_format.first_line_indent = Cm(1)
    write(paragraph, text)


def _results(doc: Document, f: Figures, period: ReportPeriod, style: ReportStyle) -> None:
    words = _plan_words(f)
    span = {"start": dates.day(period.start), "end": dates.day(period.end)}
    phrase = period_phrase(period)
    _para(doc, r.INTRO.format(**words, **span, issuer=style.issuer, period=phrase))
    _heading(doc, r.PART_RESULTS)
    _heading(doc, r.OVERALL)
    for text in _overall(f, period):
        _para(doc, text)
    _heading(doc, r.BY_AREA)
    _area_table(doc, f)
    _by_area(doc, f)


def _overall(f: Figures, period: ReportPeriod) -> list[str]:
    c, lead, helping = f.totals, f.lead, f.supporting
    support = ""
    if helping.total:
        support = r.OVERALL_SUPPORT.format(support=helping.total, units=len(f.support))
    done = r.OVERALL_TEXT.format(
        tasks=f.tasks,
        total=lead.total,
        units=len(f.units),
        support=support,
        end=dates.day(period.end),
        done=c.done,
        pct=c.pct_done,
        on_time=c.done_on_time,
        late=c.done_late,
        lead_done=lead.done,
        done_in=f.done_in or 0,
    )
    still_open = r.OPEN_TEXT.format(
        in_progress=c.in_progress,
        not_started=c.not_started,
        blocked=c.blocked,
        extension=c.extension_requested,
        overdue=c.overdue,
    )
    return [done, still_open]


def _area_table(doc: Document, f: Figures) -> None:
    from docx.shared import Cm, Pt

    area_columns = [Cm(width) for width in AREA_COLUMNS_CM]
    table = doc.add_table(rows=1, cols=len(r.AREA_TABLE_HEADER))
    table.style = "Table Grid"
    set_widths(table, area_columns)
    for cell, text in zip(table.rows[0].cells, r.AREA_TABLE_HEADER, strict=True):
        write(centred(cell.paragraphs[0]), text, size=11, bold=True)
    rows = [(str(n), a.name, a.counts) for n, a in enumerate(f.areas, start=1)]
    for number, name, c in [*rows, ("", r.AREA_TOTAL, f.totals)]:
        values = (
            number,
            name,
            c.total,
            c.done_on_time,
            c.done_late,
            c.total - c.done,
            c.overdue,
            c.pct_done,
        )
        for index, (cell, value) in enumerate(zip(table.add_row().cells, values, strict=True)):
            paragraph = cell.paragraphs[0] if index == 1 else centred(cell.paragraphs[0])
            write(paragraph, str(value), size=11, bold=number == "")
    set_widths(table, area_columns)  # again, for the rows added after the first
    doc.add_paragraph().paragraph_format.space_after = Pt(0)


def _by_area(doc: Document, f: Figures) -> None:
    """Each area's figures, and its overdue tasks with the units that have not finished them."""
    by_area: dict[str | None, list[OverdueItem]] = defaultdict(list)
    for item in f.overdue:
        by_area[item.area].append(item)
    for n, area in enumerate(f.areas, start=1):
        c = area.counts
        _heading(doc, r.AREA_HEAD.format(n=n, name=area.name))
        _para(
            doc, r.AREA_TEXT.format(done=c.done, total=c.total, pct=c.pct_done, overdue=c.overdue)
        )
        items = by_area.get(area.name if area.key is not None else None, [])
        if items:
            _para(doc, r.AREA_UNFINISHED)
            for line in _unfinished(items):
                _para(doc, line)


def _unfinished(items: Sequence[OverdueItem]) -> list[str]:
    """One line per task and deadline, naming the units that have not finished it."""
    grouped: dict[tuple[str, str, str], list[str]] = defaultdict(list)
    for item in items:
        grouped[
            (task_ref(item.task_code, item.occurrence_key), item.title, dates.day(item.deadline))
        ].append(item.unit)
    return [
        r.UNFINISHED_LINE.format(code=code, title=title, deadline=deadline, units=_units(units))
        for (code, title, deadline), units in grouped.items()
    ]


def _units(names: Sequence[str]) -> str:
    listed = ", ".join(names[:UNITS_NAMED])
    more = len(names) - UNITS_NAMED
    return f"{listed} {r.MORE_UNITS.format(count=more)}" if more > 0 else listed


def _issues(doc: Document, f: Figures) -> None:
    _heading(doc, r.PART_ISSUES)
    lines = [
        r.BLOCKER_LINE.format(
            unit=b.unit,
            code=task_ref(b.task_code, b.occurrence_key),
            note=b.note or r.BLOCKER_NO_NOTE,
        )
        for b in f.blockers[:BLOCKERS_LISTED]
    ]
    if len(f.blockers) > BLOCKERS_LISTED:
        lines.append(r.MORE_BLOCKERS.format(count=len(f.blockers) - BLOCKERS_LISTED))
    if f.silent:
        lines.append(r.SILENT_LINE.format(units=_units([s.unit for s in f.silent])))
    if f.no_focal:
        lines.append(r.NO_FOCAL_LINE.format(units=_units(list(f.no_focal))))
    for line in lines or [r.NO_ISSUES]:
        _para(doc, line)


def _signature(doc: Document, parent: str, style: ReportStyle) -> None:
    """ "Nơi nhận" on the left, the signer's title on the right, room to sign below it."""
    from docx.shared import Cm, Pt

    table = doc.add_table(rows=1, cols=2)
    set_widths(table, (Cm(LEFT_COL_CM + 1.5), Cm(RIGHT_COL_CM - 1.5)))
    left, right = table.rows[0].cells
    write(left.paragraphs[0], r.RECIPIENTS, size=12, bold=True, italic=True)
    for line in r.RECIPIENT_LINES:
        paragraph = write(
            left.add_paragraph(), line.format(parent=parent, code=style.code), size=11
        )
        paragraph.paragraph_format.space_after = Pt(0)
    write(centred(right.paragraphs[0]), style.signer_title.upper(), size=BODY_PT, bold=True)
    for _ in range(4):  # room for the signature and the seal
        centred(right.add_paragraph())
    write(centred(right.add_paragraph()), style.signer_name, size=BODY_PT, bold=True)
