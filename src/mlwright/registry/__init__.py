"""The model registry's model side: the package format, safe loading, input checks, export."""
