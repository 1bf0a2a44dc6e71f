"""The base of every configuration model, and ``*_file`` secrets.

Models forbid unknown keys and are strict about types (``send_resolved: "yes"`` is an
error, as in Alertmanager), except that string fields take any scalar.

A model lists its secret/file pairs in ``secret_files``; after validation each ``x_file``
is read (relative to the configuration file's directory, surrounding whitespace removed)
into ``x``, while ``x_file`` keeps the path so that dumps show the path, not the secret.
Setting both is an error with Alertmanager's message unless the pair says otherwise.
"""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar, NamedTuple, Self

from pydantic import BaseModel, ConfigDict, ValidationInfo, model_validator

from tocsin.config._types import Secret, fail

__all__ = ["Model", "SecretFile", "read_secret_file", "resolve_path"]


class SecretFile(NamedTuple):
    secret: str
    file: str
    both_allowed: bool = False
    message: str | None = None


def resolve_path(path: str, info: ValidationInfo | None) -> Path:
    base = None
    if info is not None and isinstance(info.context, dict):
        base = info.context.get("base_dir")
    candidate = Path(path)
    if not candidate.is_absolute() and base is not None:
        candidate = Path(base) / candidate
    return candidate


class Model(BaseModel):
    """Strict, closed model: unknown keys are errors."""

    model_config = ConfigDict(
        extra="forbid",
        strict=True,
        populate_by_name=True,
        arbitrary_types_allowed=True,
        validate_default=False,
        frozen=False,
    )

    secret_files: ClassVar[tuple[SecretFile, ...]] = ()

    @model_validator(mode="after")
    def _read_secret_files(self, info: ValidationInfo) -> Self:
        for pair in self.secret_files:
            secret = getattr(self, pair.secret)
            path = getattr(self, pair.file)
            if not path:
                continue
            if secret and not pair.both_allowed:
                fail(
                    pair.message
                    or f"at most one of {pair.secret} & {pair.file} must be configured",
                    pair.file,
                )
            setattr(self, pair.secret, Secret(read_secret_file(path, info, pair.file)))
        return self


def read_secret_file(path: str, info: ValidationInfo | None, key: str) -> str:
    """The stripped content of a secret file; a validation error at ``key`` if unreadable."""
    full = resolve_path(path, info)
    try:
        return full.read_text(encoding="utf-8").strip()
    except OSError as exc:
        fail(f"unable to read {key} {str(full)!r}: {exc.strerror or exc}", key)
    except UnicodeDecodeError:
        fail(f"unable to read {key} {str(full)!r}: not UTF-8 text", key)
