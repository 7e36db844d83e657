"""What `nhacviec db` says to the person at the terminal (moving a deployment's data)."""

from collections.abc import Mapping

HELP = {
    "db": "quản trị cơ sở dữ liệu (chép sang máy chủ khác)",
    "db copy": (
        "chép toàn bộ dữ liệu từ một cơ sở dữ liệu sang cơ sở dữ liệu khác "
        "(ví dụ từ tệp SQLite sang PostgreSQL), trong một giao dịch"
    ),
    "db copy --from": "địa chỉ nguồn, ví dụ sqlite+aiosqlite:///data/nhacviec.db",
    "db copy --to": "địa chỉ đích, ví dụ postgresql+psycopg://nhacviec@/nhacviec",
    "db copy --replace": "xóa dữ liệu đang có ở đích trước khi chép",
}
BAD_URL = "Địa chỉ cơ sở dữ liệu chưa đúng / bad database URL{error}"
SAME_DATABASE = "Nguồn và đích là cùng một cơ sở dữ liệu ({url}); không chép."
NO_SOURCE_FILE = "Không có tệp cơ sở dữ liệu nguồn {path}."
NOT_OURS = "Nguồn {url} không phải cơ sở dữ liệu Nhắc việc (chưa có bảng nào); kiểm tra lại --from."
TARGET_NOT_EMPTY = (
    "Cơ sở dữ liệu đích {url} đã có dữ liệu ({rows} dòng). Không chép gì. "
    "Thêm --replace nếu muốn xóa dữ liệu ở đích rồi chép đè."
)
COPY_FAILED = "Chép không thành công, đích không thay đổi gì ({side} {url}): {error}"
COUNTS_DIFFER = (
    "Số dòng bảng {table} ở đích ({target}) khác nguồn ({source}); đã hủy, đích không đổi."
)
SIDE = {"source": "nguồn", "target": "đích"}


def copied(source: str, target: str, counts: Mapping[str, int]) -> str:
    """The report of a finished copy: each table and its rows, then the total."""
    width = max(len(name) for name in counts)
    lines = [f"Đã chép từ {source} sang {target}:"]
    lines += [f"  {name.ljust(width)}  {_rows(n)}" for name, n in counts.items()]
    lines.append(f"Tổng: {_rows(sum(counts.values()))} trong {len(counts)} bảng.")
    return "\n".join(lines)


def _rows(n: int) -> str:
    return f"{n:,} dòng".replace(",", ".")
