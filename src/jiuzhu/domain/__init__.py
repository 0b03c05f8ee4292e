"""Pure domain: claims, identities, the benefit engine (no SQLAlchemy, no FastAPI)."""
