"""The trading core: one service over the terminal client that chat, REST and reports call."""
