"""The systemd unit of mt5bot on Linux, as plain text; scripts/mt5bot.service is its rendered example.

`systemctl stop` sends SIGTERM, on which `mt5bot serve` shuts down cleanly (state saved, connections
closed) within TimeoutStopSec; a crash is restarted by systemd (Restart=on-failure). The system unit is
hardened (read-only system, private /tmp, no new privileges) and may write only its working directory,
where data/ and logs/ live. A user unit (`--user` install) leaves the sandboxing out: in the per-user
manager it would need unprivileged user namespaces, which not every kernel allows.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass
from pathlib import PurePosixPath

from mt5bot.autostart.spec import ServiceSpec

WINE_UNIT = "mt5-rpyc.service"  # scripts/mt5-rpyc.service: the terminal's rpyc server under Wine
STOP_TIMEOUT_SEC = 45
RESTART_SEC = 5


@dataclass(frozen=True)
class UnitOptions:
    """How the unit is installed: system-wide (as `spec.account`) or in the user's own manager."""

    user_mode: bool = False
    after_wine: bool = False  # the mt5linux backend: start after the Wine terminal's rpyc server


def unit_text(spec: ServiceSpec, options: UnitOptions | None = None) -> str:
    """The unit file for `spec`."""
    options = options or UnitOptions()
    after = ["network-online.target"] + ([WINE_UNIT] if options.after_wine else [])
    wants = ["network-online.target"] + ([WINE_UNIT] if options.after_wine else [])
    lines = [
        "[Unit]",
        "Description=mt5bot: MetaTrader 5 assistant (REST/WebSocket API, chat bots, reports)",
        "Documentation=file:" + str(PurePosixPath(spec.workdir) / "docs" / "linux.md"),
        "After=" + " ".join(after),
        "Wants=" + " ".join(wants),
        "StartLimitIntervalSec=300",
        "StartLimitBurst=10",
        "",
        "[Service]",
        "Type=exec",
    ]
    if not options.user_mode:
        lines.append(f"User={spec.account}")
    lines += [
        f"WorkingDirectory={_path(spec.workdir)}",
        "ExecStart=" + " ".join(_arg(a) for a in spec.serve_args(stop_file=False)),
        "Environment=PYTHONUNBUFFERED=1",
        "# Secrets (MT5BOT_SECURITY__TOKEN=..., MT5BOT_TELEGRAM__TOKEN=...), one per line, mode 0600:",
        "EnvironmentFile=-" + _path(PurePosixPath(spec.workdir) / "mt5bot.env"),
        "Restart=on-failure",
        f"RestartSec={RESTART_SEC}",
        "KillSignal=SIGTERM",
        f"TimeoutStopSec={STOP_TIMEOUT_SEC}",
    ]
    if not options.user_mode:
        lines += [
            "NoNewPrivileges=yes",
            "PrivateTmp=yes",
            "ProtectSystem=strict",
            "ProtectHome=read-only",
            f"ReadWritePaths={_path(spec.workdir)}",
            "ProtectKernelTunables=yes",
            "ProtectControlGroups=yes",
            "RestrictSUIDSGID=yes",
            "LockPersonality=yes",
        ]
    lines += [
        "",
        "[Install]",
        "WantedBy=" + ("default.target" if options.user_mode else "multi-user.target"),
        "",
    ]
    return "\n".join(lines)


def _path(path: object) -> str:
    text = str(path)
    if any(c.isspace() for c in text):
        raise ValueError(f"{text}: systemd paths here must not contain spaces; move mt5bot to a plain path")
    return text


def _arg(arg: str) -> str:
    # systemd splits ExecStart like a shell would for quotes; '$' and '%' have their own meaning there.
    return shlex.quote(arg.replace("%", "%%").replace("$", "$$"))
