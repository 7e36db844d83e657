"""When a request reached the fake Bot API: the kernel's receive time, not the moment the
fake's event loop got round to it.

On a busy machine the fake's process can wait tens of milliseconds for a core while a
request sits in its socket; Telegram's servers are not on that machine, so counting such a
request when the fake finally reads it would bunch requests that arrived apart and answer
429s no real server would. On Linux each accepted socket asks the kernel to stamp what it
receives (SO_TIMESTAMPNS) and reads with recvmsg to learn the stamp; elsewhere, or if the
kernel gives none, the request counts when it is read, as before.
"""

import contextlib
import socket
import struct
import sys
import time
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from _typeshed import WriteableBuffer

_SO_TIMESTAMPNS = getattr(socket, "SO_TIMESTAMPNS", 35)  # Linux's value; Python lacks the name
_STAMP = struct.Struct("qq")  # struct timespec: seconds, nanoseconds (CLOCK_REALTIME)
_ANCILLARY = socket.CMSG_SPACE(_STAMP.size) if hasattr(socket, "CMSG_SPACE") else 0

# Wall-clock receive time of the last bytes read on each connection, by file descriptor.
_received: dict[int, float] = {}


class StampedSocket(socket.socket):
    """A listening socket whose connections remember when their last bytes were received.

    asyncio reads a connection with `recv`; this one reads with `recvmsg` instead and keeps
    the kernel's stamp. HTTP/1.1 clients send a request only once the previous answer came,
    so when a request's handler starts, the last bytes read are that request's.
    """

    def accept(self) -> tuple[socket.socket, object]:
        fd, address = self._accept()  # type: ignore[attr-defined]
        connection = _Connection(self.family, self.type, self.proto, fileno=fd)
        with contextlib.suppress(OSError):  # no kernel stamps here: requests count when read
            connection.setsockopt(socket.SOL_SOCKET, _SO_TIMESTAMPNS, 1)
        return connection, address


class _Connection(socket.socket):
    def recv(self, size: int, flags: int = 0) -> bytes:
        data, ancillary, _flags, _address = self.recvmsg(size, _ANCILLARY, flags)
        self._stamp(ancillary)
        return data

    def recv_into(self, buffer: "WriteableBuffer", size: int = 0, flags: int = 0) -> int:
        view = memoryview(buffer)[: size or None]
        count, ancillary, _flags, _address = self.recvmsg_into([view], _ANCILLARY, flags)
        self._stamp(ancillary)
        return count

    def close(self) -> None:
        _received.pop(self.fileno(), None)
        super().close()

    def _stamp(self, ancillary: list[tuple[int, int, bytes]]) -> None:
        for level, kind, raw in ancillary:
            if level == socket.SOL_SOCKET and kind == _SO_TIMESTAMPNS:
                seconds, nanoseconds = _STAMP.unpack(raw[: _STAMP.size])
                _received[self.fileno()] = seconds + nanoseconds / 1e9


def listening_socket() -> socket.socket:
    """A socket on 127.0.0.1 (any free port) for the fake server to serve on."""
    kind = StampedSocket if sys.platform == "linux" else socket.socket
    sock = kind(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    return sock


def seconds_since_received(fileno: int) -> float:
    """How long ago (real seconds) the last bytes on this connection arrived; 0 if unknown."""
    stamp = _received.get(fileno)
    return 0.0 if stamp is None else max(0.0, time.time() - stamp)
