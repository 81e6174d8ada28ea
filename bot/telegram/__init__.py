"""The Telegram adapter: python-telegram-bot v22 inside the service's own asyncio loop.

`bot.telegram.app.setup_telegram(app, settings)` wires it into the aiohttp application (a cleanup
context, plus the webhook route in webhook mode); nothing is started when `telegram.token` is unset.
The package imports nothing itself, so reading its settings does not load python-telegram-bot.
"""
