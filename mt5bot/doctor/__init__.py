"""`mt5bot doctor`: checks of the machine, the configuration, the terminal and the platforms.

`model` (the `Check` result), `local`, `ports`, `database`, `terminal` + `terminal_probe`, `platforms`
(the checks), `runner` (order and secret masking), `render` (text and JSON). docs/doctor.md lists them.
"""

from mt5bot.doctor.model import Check, Status
from mt5bot.doctor.runner import run_checks

__all__ = ["Check", "Status", "run_checks"]
