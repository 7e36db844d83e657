"""Keep a channel's secret (a bot token) out of every log record a library writes.

HTTP clients log request URLs and Bot API libraries log their base URL, and both carry
the token. A filter on each of the library's loggers rewrites such a record before any
handler sees it.
"""

import logging
from collections.abc import Iterable

MASK = "<token>"


def redact_in_logs(secret: str, libraries: Iterable[str]) -> None:
    """Mask `secret` in records from these libraries' loggers (and all their children)."""
    roots = set(libraries)
    redact = _Redact(secret)
    existing = [n for n in logging.root.manager.loggerDict if n.split(".")[0] in roots]
    for name in {*roots, *existing}:
        # A filter sees only records made by its own logger, hence every child by name.
        logging.getLogger(name).addFilter(redact)  # an equal filter is added only once


class _Redact(logging.Filter):
    """Rewrites a record that carries the secret."""

    def __init__(self, secret: str) -> None:
        super().__init__()
        self.secret = secret

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Redact) and other.secret == self.secret

    def __hash__(self) -> int:
        return hash(self.secret)

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except (TypeError, ValueError):
            return True  # a malformed call: logging reports it, there is nothing to mask
        # Always freeze the text: PTB logs a result dict by reference, then writes the
        # token into it (getFile's URL), so a later rendering would show the token.
        record.msg, record.args = message.replace(self.secret, MASK), ()
        if record.exc_info:
            trace = logging.Formatter().formatException(record.exc_info)
            if self.secret in trace:
                record.exc_text = trace.replace(self.secret, MASK)
        return True
