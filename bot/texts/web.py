"""What a person reads in a browser: the short pages of the service's HTTP server."""

PAGE = (
    '<!doctype html><html lang="vi"><head><meta charset="utf-8">'
    '<meta name="viewport" content="width=device-width, initial-scale=1">'
    "<title>{title}</title></head><body><h1>{title}</h1><p>{message}</p></body></html>"
)
LINK_TITLE = "Không mở được tệp"
LINK_INVALID = "Đường dẫn không hợp lệ. Vui lòng dùng đúng đường dẫn bot đã gửi."
LINK_EXPIRED = "Đường dẫn đã hết hạn. Gõ /digest trong tin nhắn với bot để nhận bản tổng hợp mới."
LINK_GONE = "Tệp không còn trên máy chủ. Gõ /digest để nhận bản tổng hợp mới."
