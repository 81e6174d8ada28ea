"""Leaf helpers every layer may import: the error root, background tasks, the settings base, roles and
the version. They import nothing of the project."""
