"""The local SQLite store: tables, migrations, repositories, outbox and search index."""
