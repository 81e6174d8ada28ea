"""Leaf helpers every layer may import: the error root, background tasks. They import nothing of the project."""
