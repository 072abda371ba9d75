"""Runs, datasets and artifacts on the metadata and artifact stores."""
