"""A real `nhacviec run` process against the fake Bot API, for tests that must see the
process from outside (signals, exit codes, timing)."""

import os
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from tests.factories import ROOT
from tests.fakes import FakeBotApi

NHACVIEC = Path(sys.executable).with_name("nhacviec")


def any_hour(data_dir: Path) -> dict[str, str]:
    """This test runs at whatever hour CI does: open the sending window for today and tomorrow."""
    today = datetime.now(ZoneInfo("Asia/Ho_Chi_Minh")).date()
    calendar = data_dir / "lich.yaml"
    days = "\n".join(f"  - date: {today + timedelta(days=n)}" for n in (0, 1))
    calendar.write_text(f"working_days:\n{days}\n")
    rules = data_dir / "nhac.yaml"
    rules.write_text('defaults:\n  window_start: "00:00"\n  window_end: "23:59"\n')
    return {"CALENDAR_FILE": str(calendar), "REMINDER_CONFIG_FILE": str(rules)}


def start_service(api: FakeBotApi, settings_url: str, data_dir: Path) -> subprocess.Popen[bytes]:
    env = {
        **any_hour(data_dir),
        **os.environ,
        "DATABASE_URL": settings_url,
        "DATA_DIR": str(data_dir),
        "TELEGRAM_BOT_TOKEN": api.token,
        "TELEGRAM_API_BASE_URL": api.base_url,
        "TELEGRAM_FILE_BASE_URL": api.base_file_url,
        "LOG_LEVEL": "WARNING",
        "DELIVERY_LEASE_SECONDS": "5",  # the killed process's claim expires soon after
    }
    with (data_dir / "service.log").open("ab") as log:
        return subprocess.Popen(
            [str(NHACVIEC), "run", "--examples", str(ROOT / "examples")],
            env=env,
            cwd=data_dir,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=log,
        )
