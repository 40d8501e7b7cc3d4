"""Alembic migrations (script location used by data.db.migrate)."""
