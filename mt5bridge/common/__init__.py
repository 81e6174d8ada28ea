"""Leaf helpers every layer may import: the error root, background tasks, the settings base, roles, the
version and the vocabulary the parser shares with the core. They import nothing of the project."""
