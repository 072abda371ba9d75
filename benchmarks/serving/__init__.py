"""Pieces of the serving benchmark (``benchmarks/serving.py``): peers' venvs, model, load."""
