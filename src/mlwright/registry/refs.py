"""Model references: ``NAME`` (the latest version), ``NAME:VERSION`` and ``NAME@ALIAS``."""

from __future__ import annotations

import re
from dataclasses import dataclass

from mlwright.core.errors import ConfigError
from mlwright.data.dataset import check_name

_ALIAS = re.compile(r"^[A-Za-z][A-Za-z0-9_\-]{0,63}$")


@dataclass(frozen=True, slots=True)
class ModelRef:
    """A parsed reference; at most one of ``version`` and ``alias`` is set."""

    name: str
    version: int | None = None
    alias: str | None = None

    def __str__(self) -> str:
        if self.alias is not None:
            return f"{self.name}@{self.alias}"
        return self.name if self.version is None else f"{self.name}:{self.version}"


def check_alias(alias: str) -> str:
    """Refuse aliases that could be mistaken for versions or break a reference."""
    if not _ALIAS.fullmatch(alias):
        msg = f"invalid alias {alias!r}"
        hint = "start with a letter; then letters, digits, '_' or '-' (e.g. production)"
        raise ConfigError(msg, hint=hint)
    return alias


def parse_model_ref(ref: str) -> ModelRef:
    """Split a model reference into its parts, checking each."""
    ref = ref.strip()
    if "@" in ref:
        name, _, alias = ref.partition("@")
        return ModelRef(check_name(name, "model"), alias=check_alias(alias))
    name, sep, version = ref.partition(":")
    check_name(name, "model")
    if not sep:
        return ModelRef(name)
    if not re.fullmatch(r"[0-9]+", version) or int(version) < 1:
        msg = f"invalid version {version!r} in {ref!r}"
        raise ConfigError(msg, hint="use NAME, NAME:VERSION (e.g. churn:2) or NAME@ALIAS")
    return ModelRef(name, version=int(version))
