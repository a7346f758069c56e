"""Persistence: tables, queries and migrations. SQLite by default, PostgreSQL at scale."""

from .db import Database

__all__ = ["Database"]
