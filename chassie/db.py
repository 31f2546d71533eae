"""Database engine and session for the project's own tables.

SQLite file by default, any SQLAlchemy URL (PostgreSQL in production) through
`DATABASE_URL`. The schema is created and upgraded by Alembic (`migrations/`),
never by `create_all`, so that a deployed database can be migrated in place.
"""

from __future__ import annotations

import logging
import os
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import Iterator, Optional

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, declarative_base, sessionmaker
from sqlalchemy.pool import QueuePool

logger = logging.getLogger(__name__)

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_URL = f"sqlite:///{PROJECT_ROOT / 'var' / 'chassie.db'}"
SQLITE_BUSY_TIMEOUT_SECONDS = 30
SQLITE_POOL_SIZE = 5
SQLITE_POOL_OVERFLOW = 10

Base = declarative_base()


def database_url() -> str:
    """Return the configured database URL (`DATABASE_URL`, else the SQLite file)."""
    return os.environ.get("DATABASE_URL") or DEFAULT_DATABASE_URL


def _enable_sqlite_concurrency(engine: Engine) -> None:
    # Several processes (rasa server, action server, notifier) share the file:
    # WAL lets readers run beside one writer, and the busy timeout makes a
    # writer wait for the lock instead of failing at once.
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_SECONDS * 1000}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()


def make_engine(url: Optional[str] = None) -> Engine:
    """Create an engine for `url` (default: `database_url()`)."""
    url = url or database_url()
    if url.startswith("sqlite:///"):
        Path(url[len("sqlite:///") :]).parent.mkdir(parents=True, exist_ok=True)
        # SQLAlchemy 1.4 gives SQLite files a NullPool, which opens a connection
        # (and reruns the PRAGMAs below) for every session: several milliseconds
        # per WhatsApp message. A small pool keeps connections open instead.
        engine = create_engine(
            url,
            future=True,
            poolclass=QueuePool,
            pool_size=SQLITE_POOL_SIZE,
            max_overflow=SQLITE_POOL_OVERFLOW,
            connect_args={"timeout": SQLITE_BUSY_TIMEOUT_SECONDS, "check_same_thread": False},
        )
        _enable_sqlite_concurrency(engine)
        return engine
    return create_engine(url, future=True, pool_pre_ping=True)


def get_engine(url: Optional[str] = None) -> Engine:
    """Return the shared engine for `url` (default: `database_url()`), one per URL and process."""
    return _cached_engine(url or database_url())


@cache
def _cached_engine(url: str) -> Engine:
    return make_engine(url)


@cache
def _session_factory(url: str) -> sessionmaker:
    return sessionmaker(bind=_cached_engine(url), future=True, expire_on_commit=False)


@contextmanager
def session_scope(url: Optional[str] = None) -> Iterator[Session]:
    """Open a session that commits on success and rolls back on any error."""
    session: Session = _session_factory(url or database_url())()
    try:
        yield session
        session.commit()
    except Exception:
        session.rollback()
        raise
    finally:
        session.close()


def upgrade_schema(url: Optional[str] = None) -> None:
    """Run every Alembic migration up to the newest revision on `url`."""
    from alembic import command
    from alembic.config import Config

    config = Config(str(PROJECT_ROOT / "alembic.ini"))
    # Callers have their own logging set-up; alembic.ini's would replace it.
    config.attributes["skip_logging_config"] = True
    config.set_main_option("script_location", str(PROJECT_ROOT / "migrations"))
    # Alembic's config file syntax treats "%" as interpolation.
    config.set_main_option("sqlalchemy.url", (url or database_url()).replace("%", "%%"))
    command.upgrade(config, "heads")
    logger.info("Database schema is up to date.")
