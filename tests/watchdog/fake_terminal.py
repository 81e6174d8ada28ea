"""A stand-in for terminal64.exe: appends its pid and arguments to the file named by $FAKE_TERMINAL_LOG
(one JSON line per start), then stays alive until it is stopped. The tests copy it as `terminal64.exe`
with a shebang of the test's Python, so its process name and command line look like the terminal's.
$FAKE_TERMINAL_MODE: `crash` exits at once (a terminal that cannot start), `stubborn` ignores SIGTERM."""

import json
import os
import signal
import sys
import time


def main() -> None:
    mode = os.environ.get("FAKE_TERMINAL_MODE", "")
    if mode == "stubborn":
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
    else:
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))  # a graceful stop, like the terminal's
    with open(os.environ["FAKE_TERMINAL_LOG"], "a", encoding="utf-8") as log:  # once it is ready
        log.write(json.dumps({"pid": os.getpid(), "argv": sys.argv[1:]}) + "\n")
    if mode == "crash":
        sys.exit(3)
    while True:
        time.sleep(0.05)


if __name__ == "__main__":
    main()
