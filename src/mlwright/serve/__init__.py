"""Putting models to work: batch scoring of files (later: the HTTP server and its log)."""
