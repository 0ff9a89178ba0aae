"""Database fixtures (SQLite file and a real PostgreSQL 15 started by the tests)."""
