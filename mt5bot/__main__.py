"""`python -m mt5bot`."""

import sys

from mt5bot.cli import main

sys.exit(main())
