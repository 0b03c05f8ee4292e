"""The HTTP service (FastAPI): app factory, auth, routers per noun, errors mapped in one place."""
