"""The fake Telegram delivering updates by webhook, as Telegram does once setWebhook was called:
each pending update POSTed to the webhook's URL with its secret token in the header, and
forgotten only when the bot answered 2xx (otherwise it stays, to be sent again)."""

import aiohttp

from tests.fakes.bot_api import FakeBotApi

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


async def push_updates(api: FakeBotApi) -> list[int]:
    """POST every pending update in order, stopping at the first refused; the statuses."""
    assert api.webhook is not None, "no webhook is set (setWebhook was not called)"
    headers = {SECRET_HEADER: api.webhook.get("secret_token", "")}
    statuses = []
    async with aiohttp.ClientSession() as http:
        for update in api.pending_updates:
            async with http.post(api.webhook["url"], json=update, headers=headers) as response:
                statuses.append(response.status)
            if response.status >= 300:
                break
            api.confirm(update["update_id"] + 1)
    return statuses
