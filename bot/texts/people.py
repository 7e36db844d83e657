"""Words of `nhacviec people`."""

HEADERS = ["Mã", "Họ tên", "Vai trò", "Đơn vị", "Kênh", "Vắng", "Không gửi được"]
YES = "có"
NOBODY = "Chưa có ai đăng ký."
UNIT_NOT_FOUND = "Không tìm thấy đơn vị {name!r}."
NO_SUCH_PERSON = "Không có người mang mã số {id}. Xem danh sách: nhacviec people list"
MARKED_AWAY = "Đã đánh dấu {name} vắng mặt: lời nhắc của đơn vị chuyển cho đầu mối phó."
MARKED_BACK = "Đã đánh dấu {name} trở lại làm việc: lời nhắc gửi lại cho {name}."
