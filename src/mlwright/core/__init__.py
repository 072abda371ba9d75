"""Errors, configuration and shared types used by every other layer."""
