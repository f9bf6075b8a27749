"""Storage layer: SQLAlchemy tables, database access and repositories returning domain objects."""
