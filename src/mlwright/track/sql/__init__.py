"""The SQLAlchemy implementation of the metadata store (SQLite and PostgreSQL)."""
