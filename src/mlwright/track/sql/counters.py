"""Version numbers per name, handed out by a counter row that only ever goes up."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import update

if TYPE_CHECKING:
    from sqlalchemy.orm import Session


def next_version(session: Session, counter: Any, name: str) -> int:
    """The next version number of ``name`` in the counter table ``counter``.

    ``counter`` is a row class with ``name`` and ``last_version`` columns. The increment is
    one ``UPDATE ... RETURNING`` in the caller's write transaction: the row lock (PostgreSQL)
    or the write lock (SQLite) serialises concurrent writers, so no two get the same number,
    and a number is never reused after a delete.
    """
    if session.get(counter, name) is None:
        session.add(counter(name=name, last_version=0))
        session.flush()
    version: int = session.execute(
        update(counter)
        .where(counter.name == name)
        .values(last_version=counter.last_version + 1)
        .returning(counter.last_version)
    ).scalar_one()
    return version
