"""A small async client for the Zalo Bot Platform, on httpx.

Every method is `POST {base}/bot{token}/{method}` with a JSON body, answered with
`{"ok", "result", "error_code", "description"}`. The PyPI SDKs call `asyncio.run` inside,
which cannot run in the service's loop, hence this.

Errors:
    ZaloApiError      — the platform answered `ok: false` (or an HTTP error): `error_code`
                        (408 is getUpdates' "nothing came in time"), `description`.
    ZaloNetworkError  — no answer: connection refused or dropped, a timeout, a body that is
                        not JSON (a proxy's error page).
"""

import json
from typing import Any

import httpx

POLL_TIMEOUT_CODE = 408


class ZaloApiError(Exception):
    def __init__(self, error_code: int, description: str) -> None:
        super().__init__(f"{error_code}: {description}")
        self.error_code = error_code
        self.description = description


class ZaloNetworkError(Exception):
    """The request got no usable answer."""


class ZaloApi:
    """One httpx client for the bot's token; `close` when done."""

    def __init__(self, token: str, base_url: str, *, timeout: float = 20.0) -> None:
        self._url = f"{base_url.rstrip('/')}/bot{token}"
        self._client = httpx.AsyncClient(timeout=timeout)
        self._timeout = timeout

    async def close(self) -> None:
        await self._client.aclose()

    async def call(self, method: str, *, wait: float | None = None, **params: Any) -> Any:
        """The method's `result` (waiting at most `wait` seconds for it); ZaloApiError or
        ZaloNetworkError otherwise."""
        try:
            response = await self._client.post(
                f"{self._url}/{method}", json=params, timeout=wait or self._timeout
            )
            body = response.json()
        except (httpx.HTTPError, json.JSONDecodeError) as error:
            # Not str(error): httpx's messages may quote the URL, which carries the token.
            raise ZaloNetworkError(f"{method}: {type(error).__name__}") from None
        if not isinstance(body, dict):
            raise ZaloNetworkError(f"{method}: the answer is not a JSON object")
        if body.get("ok") is not True:
            code = body.get("error_code") or response.status_code
            raise ZaloApiError(int(code), str(body.get("description") or "no description"))
        return body.get("result")

    async def get_updates(self, long_poll: float) -> dict[str, Any] | None:
        """The next update, or None when none came within `long_poll` seconds."""
        try:
            # The platform reads the long-poll timeout as a string of seconds.
            timeout = str(max(1, int(long_poll)))
            result = await self.call("getUpdates", wait=long_poll + 10.0, timeout=timeout)
        except ZaloApiError as error:
            if error.error_code == POLL_TIMEOUT_CODE:
                return None
            raise
        return result if isinstance(result, dict) and result else None

    async def download(self, url: str, limit: int) -> bytes:
        """The bytes at `url` (a photo Zalo hosts), refused past `limit` bytes as it streams."""
        try:
            async with self._client.stream("GET", url, follow_redirects=True) as response:
                response.raise_for_status()
                declared = response.headers.get("content-length")
                if declared and declared.isdigit() and int(declared) > limit:
                    raise TooLarge(int(declared))
                data = bytearray()
                async for chunk in response.aiter_bytes():
                    data += chunk
                    if len(data) > limit:
                        raise TooLarge(len(data))
        except httpx.HTTPError as error:
            raise ZaloNetworkError(f"download: {type(error).__name__}") from None
        return bytes(data)


class TooLarge(Exception):
    """A download went past its byte limit (`size` is what was seen so far)."""

    def __init__(self, size: int) -> None:
        super().__init__(f"{size} bytes")
        self.size = size
