"""Pieces of the drift benchmark (``benchmarks/drift.py``): peer venv, data, runners."""
