"""Federal fiscal periods: FY2027 Q1 is October to December 2026, in the service's time zone."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

_QUARTER_NAME = re.compile(r"^FY(\d{4})Q([1-4])$")
# The fiscal years a quarter staff name may be in: any A-11 report falls well inside, and a
# year outside is a slip (FY0000Q1 reached dates before year 1 in the middle of an export).
FISCAL_YEARS = range(2000, 2101)


@dataclass(frozen=True, order=True)
class FiscalQuarter:
    fiscal_year: int
    quarter: int

    def __str__(self) -> str:
        return f"FY{self.fiscal_year}Q{self.quarter}"

    @property
    def first_day(self) -> date:
        month = 10 + 3 * (self.quarter - 1)
        year = self.fiscal_year - 1
        if month > 12:
            month, year = month - 12, year + 1
        return date(year, month, 1)

    @property
    def next(self) -> FiscalQuarter:
        if self.quarter == 4:
            return FiscalQuarter(self.fiscal_year + 1, 1)
        return FiscalQuarter(self.fiscal_year, self.quarter + 1)

    @property
    def previous(self) -> FiscalQuarter:
        if self.quarter == 1:
            return FiscalQuarter(self.fiscal_year - 1, 4)
        return FiscalQuarter(self.fiscal_year, self.quarter - 1)

    def bounds(self, timezone: str) -> tuple[datetime, datetime]:
        """[start, end) of the quarter as aware UTC datetimes, midnight in `timezone`."""
        zone = ZoneInfo(timezone)
        start = datetime.combine(self.first_day, time(), zone)
        end = datetime.combine(self.next.first_day, time(), zone)
        return start.astimezone(UTC), end.astimezone(UTC)


def fiscal_quarter(moment: datetime, timezone: str) -> FiscalQuarter:
    """The fiscal quarter a moment falls in, by the calendar date where the service is."""
    local = moment.astimezone(ZoneInfo(timezone)).date()
    fiscal_year = local.year + 1 if local.month >= 10 else local.year
    quarter = ((local.month - 10) % 12) // 3 + 1
    return FiscalQuarter(fiscal_year, quarter)


def parse_quarter(text: str) -> FiscalQuarter:
    """'FY2027Q1' → FiscalQuarter(2027, 1); ValueError naming the expected form, or the fiscal
    years taken, otherwise."""
    match = _QUARTER_NAME.match(text.strip().upper())
    if match is None:
        raise ValueError(f"quarter {text!r} is not of the form FY2027Q1")
    fiscal_year = int(match.group(1))
    if fiscal_year not in FISCAL_YEARS:
        raise ValueError(
            f"quarter {text!r} is outside the fiscal years feedbot reports, "
            f"FY{FISCAL_YEARS[0]} to FY{FISCAL_YEARS[-1]}"
        )
    return FiscalQuarter(fiscal_year, int(match.group(2)))
