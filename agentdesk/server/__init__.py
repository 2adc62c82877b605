"""The central server: accounts, sessions and (next) the sync protocol of design/SYNC.md.

FastAPI over SQLAlchemy Core; PostgreSQL in production, SQLite as the embedded default. The
server keeps no state between requests, so several workers can share one database.
"""
