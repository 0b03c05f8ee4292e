"""Adapters to the outside: database, encryption, files."""
