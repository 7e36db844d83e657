"""Vietnam's holidays loaded alone (scheduler/holidays_vn.py) are the package's own, and the
calendar loads no other country."""

import json
import subprocess
import sys

YEARS = "range(1995, 2100)"  # all the calendar covers (scheduler/calendar.py)
# Each in a fresh process: the holidays as (day, name) pairs, and the countries loaded.
OURS = f"""
import json, sys
from datetime import date
from scheduler.calendar import WorkCalendar
from scheduler.holidays_vn import country_holidays
WorkCalendar.load(None).working_days_between(date(2023, 1, 2), date(2023, 12, 29))
days = sorted((str(d), n) for d, n in country_holidays("VN", years={YEARS}).items())
print(json.dumps([days, sorted(m for m in sys.modules if m.startswith("holidays.countries."))]))
"""
THEIRS = f"""
import json, sys
from holidays import country_holidays
days = sorted((str(d), n) for d, n in country_holidays("VN", years={YEARS}).items())
print(json.dumps([days, sorted(m for m in sys.modules if m.startswith("holidays.countries."))]))
"""


def run(program: str) -> tuple[list[list[str]], list[str]]:
    done = subprocess.run(
        [sys.executable, "-c", program], capture_output=True, text=True, timeout=120, check=True
    )
    days, countries = json.loads(done.stdout)
    return days, countries


def test_vietnams_holidays_alone_are_the_packages_and_no_other_country_is_loaded() -> None:
    ours, loaded = run(OURS)
    theirs, loaded_by_the_package = run(THEIRS)
    assert loaded == ["holidays.countries.vietnam"]
    assert len(loaded_by_the_package) > 200  # what the package's own entry point costs
    assert ["2023-01-22", "Lunar New Year"] in ours  # Tết 2023
    assert len(ours) > 105 * 10 and ours == theirs
