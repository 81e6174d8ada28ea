"""`mt5bot service`: start mt5bot with the machine and keep it running, on Windows and on Linux.

Windows: a Task Scheduler task that runs at the logon of the terminal's owner (with auto-logon), because
the MetaTrader 5 terminal is a desktop program and the MetaTrader5 package talks to a terminal in the
same session (docs/windows.md, "Why this setup"). Linux: a systemd unit (docs/linux.md).

The decisions (what to create, from which paths, what a state means, what to say) are plain code here;
the only calls into the host system go through `hosts.Command`, one function that runs a program
(`schtasks.exe`, `powershell.exe`, `systemctl`), which the tests replace by fakes of those programs.
"""
