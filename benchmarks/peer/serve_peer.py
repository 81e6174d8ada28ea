"""Start mt5-bridge's FastAPI app on our simulator (run with the peer's venv; see bench_vs_peer.py).

mt5-bridge imports MetaTrader5 only on Windows and refuses to serve elsewhere, so this launcher hands its
handler the stand-in module, connects it as its Windows start-up would, and runs the app with uvicorn as
`mt5-bridge server` does (uvicorn[standard]: uvloop and httptools when installed).
Usage: python serve_peer.py PORT   (MT5BOT_PEER_STATE names the simulator state file)
"""

from __future__ import annotations

import sys

import MetaTrader5
import uvicorn
from mt5_bridge import main, mt5_handler

mt5_handler.mt5 = MetaTrader5
if not main.mt5_handler.initialize():
    sys.exit("mt5-bridge could not initialise the stand-in terminal")
uvicorn.run(main.app, host="127.0.0.1", port=int(sys.argv[1]), log_level="warning", access_log=False)
