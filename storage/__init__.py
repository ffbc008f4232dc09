"""SQLAlchemy 2 models, repositories and Alembic migrations; SQLite (WAL) embedded, PostgreSQL in production."""

from storage.database import Database
from storage.encryption import FieldCipher

__all__ = ["Database", "FieldCipher"]
