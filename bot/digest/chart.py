"""The digest's chart: share done by area and by unit, as a PNG.

Drawn on matplotlib's Agg canvas directly (no pyplot): no GUI backend is ever chosen, and
no global state is touched, so charts can be drawn from a worker thread. Every text element
names DejaVu Sans, which ships with matplotlib and has the Vietnamese glyphs.

The layout is fixed in inches, only the names' column measured: matplotlib's constrained
layout found the same margins by laying out every text twice, 40% of the drawing's time.
"""

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from bot.digest.text import short
from bot.texts import dates
from bot.texts import digest as t
from scheduler.digest_figures import Figures, Line

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

FONT = "DejaVu Sans"
EACH_END = 15  # with many units, the chart shows the top and bottom ones
COLORS = ("#2e7d32", "#f9a825", "#cfd8dc")  # on time, late, not yet done
WIDTH_IN, DPI = 10.0, 100
LABEL_SIZE, NAME_CHARS = 8, 42
# Margins in inches: above the first chart (the title and its own), between the two (the
# axis under the first and the title of the second), below the last (its axis, the legend),
# right of the bars, and left of them beside the longest name (the ticks and a pad).
TOP_IN, GAP_IN, BOTTOM_IN, RIGHT_IN, NAMES_PAD_IN = 0.51, 0.78, 0.8, 0.04, 0.14
TITLE_TOP_IN = 0.04


def write_chart(figures: Figures, path: Path) -> Path:
    """Draw the chart into `path` (a .png) and return it."""
    fig = chart(figures)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, format="png")
    return path


def chart(figures: Figures) -> "Figure":
    """The chart, laid out on its Agg canvas."""
    # matplotlib costs half a second to import: only the digest pays it, not every CLI start.
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    units, units_title = _pick(figures.units)
    rows = [max(len(figures.areas), 1), max(len(units), 1)]
    height = 1.8 + 0.32 * sum(rows)
    fig = Figure(figsize=(WIDTH_IN, height), dpi=DPI)
    canvas = FigureCanvasAgg(fig)
    names = _names_width(canvas, [*figures.areas, *units]) + NAMES_PAD_IN
    charts = height - TOP_IN - GAP_IN - BOTTOM_IN  # both charts' height, shared by rows
    grid = fig.add_gridspec(
        2,
        1,
        height_ratios=rows,
        left=names / WIDTH_IN,
        right=1 - RIGHT_IN / WIDTH_IN,
        top=1 - TOP_IN / height,
        bottom=BOTTOM_IN / height,
        hspace=GAP_IN / (charts / 2),  # a share of the mean chart's height
    )
    day = dates.day(figures.today)
    title = t.CHART_TITLE.format(plan=figures.plan.number, day=day)
    fig.suptitle(title, fontfamily=FONT, y=1 - TITLE_TOP_IN / height)
    _bars(fig.add_subplot(grid[0]), figures.areas, t.CHART_AREAS)
    units_axes = fig.add_subplot(grid[1])
    _bars(units_axes, units, units_title)
    if len(units) < len(figures.units):  # a dashed rule where the hidden middle would be
        units_axes.axhline(EACH_END - 0.5, color="#455a64", linestyle="--", linewidth=0.8)
    if figures.units:
        handles, labels = units_axes.get_legend_handles_labels()
        fig.legend(handles, labels, loc="lower center", ncols=3, prop={"family": FONT, "size": 9})
    return fig


def _names_width(canvas: "FigureCanvasAgg", lines: Sequence[Line]) -> float:
    """The widest name as the chart shows it, in inches (0 with none)."""
    from matplotlib.font_manager import FontProperties

    renderer = canvas.get_renderer()
    font = FontProperties(family=FONT, size=LABEL_SIZE)
    widths = [
        renderer.get_text_width_height_descent(_label(line), font, ismath=False)[0]
        for line in lines
    ]
    return max(widths, default=0.0) / DPI


def _label(line: Line) -> str:
    return short(line.name, NAME_CHARS)


def _pick(units: Sequence[Line]) -> tuple[Sequence[Line], str]:
    """All units when they fit; otherwise the best and the worst, and a title that says so."""
    if len(units) <= 2 * EACH_END:
        return units, t.CHART_UNITS
    title = t.CHART_UNITS_CUT.format(top=EACH_END, bottom=EACH_END, count=len(units))
    return [*units[:EACH_END], *units[-EACH_END:]], title


def _bars(ax: "Axes", lines: Sequence[Line], title: str) -> None:
    """Stacked bars of on time, late and open, in percent of each line's total."""
    ax.set_title(title, fontfamily=FONT, fontsize=11, loc="left")
    if not lines:
        ax.text(0.5, 0.5, t.CHART_EMPTY, ha="center", va="center", fontfamily=FONT)
        ax.set_axis_off()
        return
    rows = range(len(lines))
    shares = [_shares(line) for line in lines]
    left = [0.0] * len(lines)
    labels = (t.CHART_ON_TIME, t.CHART_LATE, t.CHART_OPEN)
    for part, (color, label) in enumerate(zip(COLORS, labels, strict=True)):
        widths = [s[part] for s in shares]
        ax.barh(rows, widths, left=left, color=color, label=label, height=0.7)
        left = [a + b for a, b in zip(left, widths, strict=True)]
    for row, line in zip(rows, lines, strict=True):
        c = line.counts
        note = f"{c.done}/{c.total} ({c.pct_done}%)"
        ax.text(101, row, note, va="center", fontsize=8, fontfamily=FONT)
    ax.set_yticks(list(rows), labels=[_label(line) for line in lines], fontfamily=FONT)
    ax.tick_params(axis="y", labelsize=LABEL_SIZE)
    ax.set_ylim(len(lines) - 0.5, -0.5)  # the first line (best unit, first area) on top
    ax.set_xlim(0, 118)
    ax.set_xticks([0, 25, 50, 75, 100])
    ax.set_xlabel(t.CHART_AXIS, fontfamily=FONT, fontsize=9)


def _shares(line: Line) -> tuple[float, float, float]:
    c = line.counts
    if not c.total:
        return 0.0, 0.0, 0.0
    on_time, late = 100 * c.done_on_time / c.total, 100 * c.done_late / c.total
    return on_time, late, 100 - on_time - late
