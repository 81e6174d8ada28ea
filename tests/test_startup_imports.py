"""The service starts without importing what only some requests need (issue 10: start-up time and memory)."""

from __future__ import annotations

import subprocess
import sys


def test_the_service_loads_no_chart_library_or_llm_client_until_needed() -> None:
    # matplotlib and Pillow cost about 0.4 s and 20 MB at every start (tests/reports draws the charts);
    # openai another 0.4-0.7 s, and only a configured LLM uses it (tests/nlu/test_llm.py).
    code = (
        "import sys, mt5bot.app, mt5bot.serve; "
        "print(sorted({'matplotlib', 'PIL', 'openai'} & set(sys.modules)))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
