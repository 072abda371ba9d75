"""The registry half of the SQL metadata store: model versions, aliases and their history."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from mlwright.core.errors import ConfigError, ModelNotFoundError
from mlwright.track.sql.counters import next_version
from mlwright.track.sql.rows import AliasEventRow, ModelAliasRow, ModelNameRow, ModelVersionRow

if TYPE_CHECKING:
    from collections.abc import Callable
    from contextlib import AbstractContextManager

    from sqlalchemy.orm import Session

    from mlwright.track.entities import AliasEvent, ModelVersionRecord, NewModelVersion


class SqlModelStore:
    """Model versions on SQLAlchemy; mixed into ``SqlMetadataStore``, which gives sessions.

    Version numbers come from a per-name counter row (:func:`counters.next_version`), as
    dataset versions do.
    """

    _reading: Callable[[], AbstractContextManager[Session]]
    _write: Callable[..., Any]

    def add_model_version(self, new: NewModelVersion) -> ModelVersionRecord:
        """Record the next version of ``new.name``."""

        def work(session: Session) -> ModelVersionRecord:
            version = next_version(session, ModelNameRow, new.name)
            row = ModelVersionRow(
                name=new.name,
                version=version,
                run_id=new.run_id,
                package_key=new.package_key,
                task_type=new.task_type,
                target=new.target,
                metrics_json=new.metrics,
                dataset_name=new.dataset_name,
                dataset_version=new.dataset_version,
                dataset_fingerprint=new.dataset_fingerprint,
                created_at=datetime.now(UTC),
                created_by=new.created_by,
            )
            session.add(row)
            session.flush()
            return row.to_entity()

        record: ModelVersionRecord = self._write(work, what=f"registering model {new.name!r}")
        return record

    def get_model_version(
        self, name: str, version: int | None = None, *, alias: str | None = None
    ) -> ModelVersionRecord:
        """One version: by number, by alias, or the latest when neither is given."""
        with self._reading() as session:
            if alias is not None:
                pointed = session.get(ModelAliasRow, (name, alias))
                if pointed is None:
                    raise self._not_found(session, name, f"{name}@{alias}", alias=alias)
                version = pointed.version
            query = select(ModelVersionRow).where(ModelVersionRow.name == name)
            if version is None:
                query = query.order_by(ModelVersionRow.version.desc()).limit(1)
            else:
                query = query.where(ModelVersionRow.version == version)
            row = session.scalars(query).first()
            if row is None:
                ref = name if version is None else f"{name}:{version}"
                raise self._not_found(session, name, ref)
            return row.to_entity(self._aliases_of(session, name).get(row.version, ()))

    def list_model_versions(self, name: str | None = None) -> list[ModelVersionRecord]:
        """Every version, or every version of one name, by name then version."""
        query = select(ModelVersionRow).order_by(ModelVersionRow.name, ModelVersionRow.version)
        if name is not None:
            query = query.where(ModelVersionRow.name == name)
        with self._reading() as session:
            rows = list(session.scalars(query))
            aliases: dict[str, dict[int, tuple[str, ...]]] = {}
            for row in rows:
                if row.name not in aliases:
                    aliases[row.name] = self._aliases_of(session, row.name)
            return [r.to_entity(aliases[r.name].get(r.version, ())) for r in rows]

    def set_alias(
        self, name: str, alias: str, version: int | None, *, moved_by: str | None = None
    ) -> AliasEvent:
        """Point ``alias`` at ``version`` (remove it when None), keeping the move as history."""

        def work(session: Session) -> AliasEvent:
            exists = session.scalar(
                select(ModelVersionRow.id)
                .where(ModelVersionRow.name == name, ModelVersionRow.version == version)
                .with_for_update()
            )
            if version is not None and exists is None:
                raise self._not_found(session, name, f"{name}:{version}")
            current = session.get(ModelAliasRow, (name, alias), with_for_update=True)
            previous = None if current is None else current.version
            if version is None and current is None:
                msg = f"model {name!r} has no alias {alias!r}"
                raise ModelNotFoundError(msg, hint="see its aliases with: mlwright models show")
            if version is None:
                session.delete(current)
            elif current is None:
                session.add(ModelAliasRow(name=name, alias=alias, version=version))
            else:
                current.version = version
            event = AliasEventRow(
                name=name,
                alias=alias,
                version=version,
                previous=previous,
                moved_at=datetime.now(UTC),
                moved_by=moved_by,
            )
            session.add(event)
            session.flush()
            return event.to_entity()

        event: AliasEvent = self._write(work, what=f"moving alias {alias!r} of model {name!r}")
        return event

    def alias_history(self, name: str) -> list[AliasEvent]:
        """Every move of every alias of ``name``, oldest first."""
        query = select(AliasEventRow).where(AliasEventRow.name == name).order_by(AliasEventRow.id)
        with self._reading() as session:
            return [row.to_entity() for row in session.scalars(query)]

    def delete_model_version(
        self, name: str, version: int | None = None
    ) -> list[ModelVersionRecord]:
        """Delete one version, or every version of ``name``; an alias on it must move first.

        The versions are locked before their aliases are checked, and ``set_alias`` locks
        the version it points to, so an alias can never be left on a deleted version.
        """

        def work(session: Session) -> list[ModelVersionRecord]:
            query = select(ModelVersionRow).where(ModelVersionRow.name == name)
            if version is not None:
                query = query.where(ModelVersionRow.version == version)
            rows = list(session.scalars(query.order_by(ModelVersionRow.version).with_for_update()))
            if not rows:
                ref = name if version is None else f"{name}:{version}"
                raise self._not_found(session, name, ref)
            aliases = self._aliases_of(session, name)
            doomed = [r.to_entity(aliases.get(r.version, ())) for r in rows]
            pinned = [f"{r.name}@{a} -> {r.version}" for r in doomed for a in r.aliases]
            if pinned:
                msg = f"cannot delete a version an alias points to: {', '.join(pinned)}"
                hint = "move or remove the alias first: mlwright models alias NAME VERSION ALIAS"
                raise ConfigError(msg, hint=hint)
            for row in rows:
                session.delete(row)
            return doomed

        doomed: list[ModelVersionRecord] = self._write(work, what=f"deleting model {name!r}")
        return doomed

    @staticmethod
    def _aliases_of(session: Session, name: str) -> dict[int, tuple[str, ...]]:
        found: dict[int, list[str]] = {}
        query = (
            select(ModelAliasRow).where(ModelAliasRow.name == name).order_by(ModelAliasRow.alias)
        )
        for row in session.scalars(query):
            found.setdefault(row.version, []).append(row.alias)
        return {version: tuple(names) for version, names in found.items()}

    @staticmethod
    def _not_found(session: Session, name: str, ref: str, **fields: Any) -> ModelNotFoundError:
        known = sorted(set(session.scalars(select(ModelVersionRow.name))))
        hint = (
            f"registered models: {', '.join(known)}"
            if known
            else "register one with: mlwright models register RUN --name NAME"
        )
        return ModelNotFoundError(
            f"no model {ref!r} in this workspace", hint=hint, name=name, **fields
        )
