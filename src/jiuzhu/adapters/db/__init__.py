"""SQLAlchemy 2 tables, engine, unit of work; Alembic migrations under ``migrations/``."""
