"""Explanations and failure analysis: where and why a model fails."""
