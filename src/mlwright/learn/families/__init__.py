"""Model families: one module each, listed in ``registry.py``."""
