"""What the benchmarks that start `mt5bot serve` share: its environment, a free port, /proc figures."""

from __future__ import annotations

import os
import socket
from pathlib import Path


def service_env(data: Path, port: int, token: str, **extra: str) -> dict[str, str]:
    """The environment for `mt5bot serve` on the simulator with its database and log in `data`."""
    return {
        **os.environ,
        "MT5BOT_SERVER__PORT": str(port),
        "MT5BOT_SECURITY__TOKEN": token,
        "MT5BOT_SECURITY__REQUESTS_PER_MINUTE": "100000",
        "MT5BOT_DATABASE__URL": f"sqlite+aiosqlite:///{data}/mt5bot.db",
        "MT5BOT_LOGGING__FILE": str(data / "mt5bot.log"),
        "MT5BOT_MT5__BACKEND": "simulator",
        **extra,
    }


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def proc_status(pid: int) -> dict[str, int]:
    """VmRSS and VmHWM of a process in MB."""
    out = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            out[key] = int(value.split()[0]) // 1024
    return out


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (all threads): less noisy than wall time on a busy box."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
