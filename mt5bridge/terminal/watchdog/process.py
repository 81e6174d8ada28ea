"""`TerminalProcess`: find, stop and start terminal64.exe through psutil (blocking: call it in a thread).

The terminal is recognised by its path, not its name alone, since several terminals (one per broker or
account) often run on one machine and only ours may be stopped. The path may be the executable itself
(Windows) or the first or second word of its command line: under Wine the executable is the loader and
the terminal's path is in the command line, and a script stand-in runs under its interpreter likewise.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from collections.abc import Mapping, Sequence

import psutil

from mt5bridge.terminal.settings import MT5Settings

log = logging.getLogger(__name__)

_INFO = ["pid", "exe", "cmdline", "name", "status"]


def launch_args(path: str, *, portable: bool, config_file: str | None) -> list[str]:
    """terminal64.exe's command line: `/portable` keeps its data beside it, `/config:` a start-up file."""
    args = [path]
    if portable:
        args.append("/portable")
    if config_file:
        args.append(f"/config:{config_file}")
    return args


def _same_path(a: str, b: str) -> bool:
    return os.path.normcase(os.path.normpath(a)) == os.path.normcase(os.path.normpath(b))


def is_terminal(info: Mapping[str, object], path: str, name: str) -> bool:
    """Whether one `process_iter` entry is our terminal: the configured name, and the path as its
    executable or among the first two words of its command line; a zombie is no terminal."""
    if info.get("status") == psutil.STATUS_ZOMBIE:
        return False
    if str(info.get("name") or "").lower() != name.lower():
        return False
    exe = info.get("exe")
    if isinstance(exe, str) and exe and _same_path(exe, path):
        return True
    cmdline = info.get("cmdline")
    words: Sequence[object] = cmdline if isinstance(cmdline, list) else ()
    return any(isinstance(w, str) and w and _same_path(w, path) for w in words[:2])


class TerminalProcess:
    """The terminal the watchdog looks after: `find`, `alive`, `stop`, `start`."""

    def __init__(self, path: str, name: str, args: list[str]) -> None:
        self.path = path
        self.name = name
        self.args = args
        self._child: subprocess.Popen[bytes] | None = None

    @classmethod
    def from_settings(cls, settings: MT5Settings) -> TerminalProcess:
        rules = settings.watchdog
        path = rules.terminal_path or settings.path
        if path is None:
            raise ValueError("mt5.watchdog needs mt5.watchdog.terminal_path or mt5.path")
        args = launch_args(path, portable=rules.portable, config_file=rules.config_file)
        return cls(path, rules.process_name, args)

    def find(self) -> list[psutil.Process]:
        """Our terminal's running processes (normally one)."""
        if self._child is not None and self._child.poll() is not None:
            self._child = None  # reaped: a child we started must not linger as a zombie
        return [proc for proc in psutil.process_iter(_INFO) if is_terminal(proc.info, self.path, self.name)]

    def alive(self) -> bool:
        return bool(self.find())

    def stop(self, timeout: float) -> int:
        """Ask each of our terminal's processes to quit, kill what is still there after `timeout`;
        the number that were running."""
        procs = self.find()
        for proc in procs:
            try:
                proc.terminate()
            except psutil.NoSuchProcess:
                pass
        _, left = psutil.wait_procs(procs, timeout=timeout)
        for proc in left:
            log.warning("terminal pid %d did not quit within %.1f s: killing it", proc.pid, timeout)
            try:
                proc.kill()
            except psutil.NoSuchProcess:
                pass
        psutil.wait_procs(left, timeout=timeout)
        if self._child is not None:
            self._child.poll()
        return len(procs)

    def start(self) -> int:
        """Start the terminal detached from this service (it must outlive a restart of ours); its pid."""
        if sys.platform == "win32":
            flags = subprocess.CREATE_NEW_PROCESS_GROUP | subprocess.DETACHED_PROCESS
            child = subprocess.Popen(self.args, creationflags=flags, close_fds=True)  # noqa: S603
        else:
            child = subprocess.Popen(  # noqa: S603 - our configured terminal, arguments as a list
                self.args, start_new_session=True, close_fds=True,
                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            )  # fmt: skip
        self._child = child
        log.warning("terminal started: %s (pid %d)", " ".join(self.args), child.pid)
        return child.pid
