"""Vietnam's public holidays from the `holidays` package, without its 250 other countries.

`holidays.country_holidays("VN")` imports `holidays.countries`, whose `__init__` imports every
country's module: about 8 MiB that a service keeps for nothing. Vietnam's own module imports
only the package's calendars and helpers, so it is loaded from its file alone (importlib's
recipe for importing a source file directly) under its usual name: a later
`import holidays.countries` finds it in sys.modules and uses the same class. The holidays are
the same either way (tests/test_holidays_vn.py compares them).

`scheduler.calendar` imports this module in place of the package (`country_holidays`,
`__version__`).
"""

import importlib.util
import sys
from collections.abc import Iterable
from pathlib import Path
from types import ModuleType

import holidays
from holidays import HolidayBase

__version__ = holidays.__version__
MODULE = "holidays.countries.vietnam"


def country_holidays(country: str, years: int | Iterable[int]) -> HolidayBase:
    """`holidays.country_holidays` for Vietnam ("VN"), the one country this service uses."""
    if country != "VN":
        raise ValueError(f"only Vietnam's holidays are loaded, not {country!r}")
    vietnam: type[HolidayBase] = _vietnam_module().Vietnam
    return vietnam(years=years)


def _vietnam_module() -> ModuleType:
    if MODULE in sys.modules:
        return sys.modules[MODULE]
    path = Path(holidays.__file__).parent / "countries" / "vietnam.py"
    spec = importlib.util.spec_from_file_location(MODULE, path)
    if spec is None or spec.loader is None or not path.is_file():  # the package was reshaped
        return importlib.import_module(MODULE)
    module = importlib.util.module_from_spec(spec)
    sys.modules[MODULE] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[MODULE]
        raise
    return module
