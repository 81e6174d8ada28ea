"""The service starts without importing what only some requests need (issue 10: start-up time and memory)."""

from __future__ import annotations

import subprocess
import sys


def test_the_service_loads_no_chart_library_until_a_chart_is_drawn() -> None:
    # matplotlib and Pillow cost about 0.4 s and 20 MB at every start; tests/reports draws the charts.
    code = "import sys, mt5bot.app, mt5bot.serve; print(sorted({'matplotlib', 'PIL'} & set(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
