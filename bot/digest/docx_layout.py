"""Page, fonts and the fixed blocks of a Vietnamese administrative document (Nghị định 30/2020).

What this follows, from Phụ lục I of Nghị định 30/2020/NĐ-CP as restated by public legal
references (thuvienphapluat.vn, the decree's appendix on scribd, lacviet.vn):
    A4 portrait; margins top and bottom 20-25 mm, left 30-35 mm, right 15-20 mm;
    Times New Roman (Unicode TCVN 6909:2001), black;
    Quốc hiệu in capitals 12-13 upright bold; Tiêu ngữ 13-14 upright bold, centred under it,
    with a solid line below as long as the line of text;
    the superior body's name in capitals 12-13 upright, the issuing body's in capitals 12-13
    upright bold with a short solid line below (1/3 to 1/2 of the text);
    "Số:" line 13 upright; place and date 13-14 italic;
    the document kind in capitals 13-14 upright bold, its subject 13-14 upright bold;
    body 13-14 upright, 6 pt or more between paragraphs, single to 1.5 line spacing.
Not confirmed by a search here, used as offices do: "Nơi nhận:" 12 bold italic and its list
11 upright; the signer's title 13-14 bold capitals.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from bot.texts import report as r
from storage.textnorm import clean_text

if TYPE_CHECKING:  # python-docx is imported when a report is written, not by every CLI start
    from docx.document import Document
    from docx.shared import Length
    from docx.table import Table
    from docx.text.paragraph import Paragraph

FONT = "Times New Roman"
BODY_PT = 14
TEXT_WIDTH_MM = 210 - 30 - 15  # A4 less the left and right margins
LEFT_COL_CM, RIGHT_COL_CM = 6.5, 10.0


def set_up_page(doc: Document) -> None:
    """A4, the decree's margins, and Times New Roman as the document's font everywhere."""
    from docx.oxml.ns import qn
    from docx.shared import Mm, Pt

    section = doc.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(20), Mm(20)
    section.left_margin, section.right_margin = Mm(30), Mm(15)
    normal = doc.styles["Normal"]
    normal.font.name = FONT
    normal.font.size = Pt(BODY_PT)
    fonts = normal.element.get_or_add_rPr().get_or_add_rFonts()
    for attribute in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(attribute), FONT)  # Word falls back per script unless all four are named
    normal.paragraph_format.space_after = Pt(6)
    normal.paragraph_format.line_spacing = 1.0


def write(
    paragraph: Paragraph,
    text: str,
    *,
    size: float = BODY_PT,
    bold: bool = False,
    italic: bool = False,
    underline: bool = False,
) -> Paragraph:
    from docx.shared import Pt

    run = paragraph.add_run(clean_text(text))  # a control character would break the file
    run.font.name, run.font.size = FONT, Pt(size)
    run.bold, run.italic, run.underline = bold, italic, underline
    return paragraph


def centred(paragraph: Paragraph, *, after: float = 0) -> Paragraph:
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt

    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    paragraph.paragraph_format.space_after = Pt(after)
    paragraph.paragraph_format.first_line_indent = None
    return paragraph


def short_rule(paragraph: Paragraph, width_cm: float, length_mm: float) -> Paragraph:
    """A centred solid line `length_mm` long: the rule under a body's name or a subject."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Mm, Pt

    side = Mm(max((width_cm * 10 - length_mm) / 2, 0))
    paragraph.paragraph_format.left_indent = side
    paragraph.paragraph_format.right_indent = side
    borders = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for key, value in (("w:val", "single"), ("w:sz", "6"), ("w:space", "1"), ("w:color", "000000")):
        bottom.set(qn(key), value)
    borders.append(bottom)
    paragraph._p.get_or_add_pPr().append(borders)
    paragraph.paragraph_format.space_after = Pt(0)
    paragraph.paragraph_format.line_spacing = Pt(4)  # the line sits close under the text
    return paragraph


def header_block(doc: Document, *, parent: str, issuer: str, code: str, place_date: str) -> None:
    """The two-column head: bodies and number on the left, national motto and date on the right."""
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.shared import Cm, Pt

    table = doc.add_table(rows=2, cols=2)
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    left, right = table.cell(0, 0), table.cell(0, 1)
    set_widths(table, (Cm(LEFT_COL_CM), Cm(RIGHT_COL_CM)))
    write(centred(left.paragraphs[0]), parent.upper(), size=13)
    write(centred(left.add_paragraph()), issuer.upper(), size=13, bold=True)
    short_rule(centred(left.add_paragraph()), LEFT_COL_CM, 22)
    write(centred(right.paragraphs[0]), r.NATION, size=12.5, bold=True)
    write(centred(right.add_paragraph()), r.MOTTO, size=13, bold=True, underline=True)
    write(centred(table.cell(1, 0).paragraphs[0], after=6), r.NUMBER.format(code=code), size=13)
    write(centred(table.cell(1, 1).paragraphs[0], after=6), place_date, size=14, italic=True)
    for cell in (table.cell(1, 0), table.cell(1, 1)):
        cell.paragraphs[0].paragraph_format.space_before = Pt(6)


def set_widths(table: Table, widths: Sequence[Length]) -> None:
    """Column widths in the grid (LibreOffice reads it) and on every cell (Word reads those)."""
    table.autofit = False
    for column, width in zip(table.columns, widths, strict=True):
        column.width = width
        for cell in column.cells:
            cell.width = width
