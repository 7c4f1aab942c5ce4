"""Bar charts drawn on the server as SVG (no script, nothing from outside): the geometry is computed here,
`impact/_bar_chart.html` draws it. Each chart goes with a table of the same figures (accessibility)."""

from dataclasses import dataclass
from decimal import Decimal

from hub import formatting

WIDTH = 440
LABEL_WIDTH = 165
VALUE_WIDTH = 100
BAR_HEIGHT = 26
GAP = 8
TOP = 6


@dataclass(frozen=True)
class Bar:
    label: str
    value: Decimal
    text: str  # the value as printed (French number format, unit)
    y: int
    width: int
    text_y: int


@dataclass(frozen=True)
class BarChart:
    key: str
    title: str
    unit: str
    bars: list[Bar]
    width: int = WIDTH
    label_width: int = LABEL_WIDTH
    bar_x: int = LABEL_WIDTH + 4

    @property
    def height(self) -> int:
        return TOP * 2 + len(self.bars) * (BAR_HEIGHT + GAP)

    @property
    def bar_height(self) -> int:
        return BAR_HEIGHT


def bar_chart(
    key: str, title: str, rows: list[tuple[str, Decimal]], *, unit: str = "", places: int = 2, money: bool = False
) -> BarChart:
    """Horizontal bars, one per (label, value); negative values (more credited than sold) draw no bar.
    `money`: values printed as euros to the cent (the unit is then not repeated)."""
    span = WIDTH - LABEL_WIDTH - VALUE_WIDTH - 8
    top = max((value for _label, value in rows), default=Decimal("0"))
    bars = []
    for index, (label, value) in enumerate(rows):
        y = TOP + index * (BAR_HEIGHT + GAP)
        width = int(span * value / top) if top > 0 and value > 0 else 0
        text = formatting.euros(value) if money else formatting.number(value, places)
        bars.append(
            Bar(
                label=str(label),
                value=value,
                text=f"{text}\u00a0{unit}" if unit and not money else text,
                y=y,
                width=max(width, 1) if value > 0 else 0,
                text_y=y + BAR_HEIGHT - 7,
            )
        )
    return BarChart(key=key, title=str(title), unit=unit, bars=bars)
