"""What the command line says to the person at the terminal."""

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.importing.plan_writer import PlanReport


def plan_imported(report: "PlanReport") -> str:
    return (
        f"Đã nhập Kế hoạch {report.plan_number}: {report.tasks_created} nhiệm vụ mới, "
        f"{report.tasks_updated} cập nhật, {report.tasks_cancelled} hủy bỏ; "
        f"{report.assignments_active} lượt giao việc cho {report.units} đơn vị."
    )
