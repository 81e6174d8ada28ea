"""The product's version, in a leaf: the CLI prints it, the API reports it, packaging reads it."""

__version__ = "0.1.0"
