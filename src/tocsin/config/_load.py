"""Loading: file → YAML with positions → models → whole-file checks → global defaults.

Every stage adds to one list of issues; loading fails with one :class:`ConfigError` that
holds them all, sorted by position. A pydantic error's ``loc`` is mapped back to the YAML
key path: a bad value points at the value, an unknown key at the key, a missing key or a
check of a whole section at the section.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from tocsin.config._checks import check_document, unsupported_integrations
from tocsin.config._config import Config
from tocsin.config._defaults import apply_global_defaults
from tocsin.config._errors import ConfigError, ConfigIssue
from tocsin.config._escalation import check_escalation
from tocsin.config._schedules import check_oncall
from tocsin.config._yaml import Path as KeyPath
from tocsin.config._yaml import Positions, RawFloat, RawInt, parse_yaml

__all__ = ["load_config", "load_config_text"]


def load_config(
    path: str | os.PathLike[str],
    *,
    env: Mapping[str, str] | None = None,
    allow_unsupported_receivers: bool = False,
) -> Config:
    """Load and validate a configuration file (``env`` defaults to ``os.environ``)."""
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise ConfigError(
            [ConfigIssue(str(path), 1, 1, "", f"cannot read file: {reason}")]
        ) from exc
    config = load_config_text(
        text,
        filename=str(path),
        base_dir=file.resolve().parent,
        env=env,
        allow_unsupported_receivers=allow_unsupported_receivers,
    )
    config._source_path = file
    return config


def load_config_text(
    text: str,
    *,
    filename: str = "<string>",
    base_dir: Path | None = None,
    env: Mapping[str, str] | None = None,
    allow_unsupported_receivers: bool = False,
) -> Config:
    """Load and validate configuration text; relative paths are taken from ``base_dir``
    (default: the current directory)."""
    base = base_dir if base_dir is not None else Path.cwd()
    parsed = parse_yaml(text, filename, os.environ if env is None else env)
    if parsed.data is None and parsed.issues:
        raise ConfigError(parsed.issues)
    positions = parsed.positions
    issues = list(parsed.issues)
    data = parsed.data
    issues.extend(check_document(data, positions, allow_unsupported=allow_unsupported_receivers))
    if not isinstance(data, dict):
        raise ConfigError(issues)
    config: Config | None = None
    try:
        config = Config.model_validate(data, context={"base_dir": base})
    except ValidationError as exc:
        issues.extend(
            issue
            for issue in map_validation_error(exc, data, positions)
            if not _under_env_error(issue, parsed.env_paths, positions)
        )
    if config is not None:
        apply_global_defaults(
            config, lambda path, message: issues.append(positions.issue(path, message))
        )
        check_oncall(config, lambda path, message: issues.append(positions.issue(path, message)))
        check_escalation(
            config, lambda path, message: issues.append(positions.issue(path, message))
        )
    if issues or config is None:
        raise ConfigError(issues)
    config.templates = [str(base / t) if not Path(t).is_absolute() else t for t in config.templates]
    config._source_text = text
    config._positions = positions
    config._unsupported = [(name, kind) for _, name, kind in unsupported_integrations(data)]
    return config


def _under_env_error(issue: ConfigIssue, env_paths: set[KeyPath], positions: Positions) -> bool:
    return any((issue.line, issue.column) == positions.of_value(p) for p in env_paths)


def map_validation_error(
    exc: ValidationError, data: Any, positions: Positions
) -> list[ConfigIssue]:
    """Turn each pydantic error into an issue at the right YAML position."""
    issues: list[ConfigIssue] = []
    for error in exc.errors():
        ctx = error.get("ctx") or {}
        loc = tuple(error["loc"]) + tuple(ctx.get("at", ()))
        path, at_key = _data_path(loc, data)
        at_key = at_key or bool(ctx.get("at_key"))
        kind = error["type"]
        if kind == "extra_forbidden":
            message = f'unknown field "{path[-1]}"' if path else "unknown field"
            issues.append(positions.issue(path, message, at_key=True))
            continue
        issues.append(positions.issue(path, _message(error), at_key=at_key))
    return issues


def _data_path(loc: tuple[Any, ...], data: Any) -> tuple[KeyPath, bool]:
    """The part of ``loc`` that names real keys and items of ``data``."""
    path: list[str | int] = []
    node = data
    at_key = False
    for part in loc:
        if part == "[key]":
            at_key = True
            continue
        if (isinstance(node, dict) and part in node) or (
            isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node)
        ):
            path.append(part)
            node = node[part]
        elif (
            isinstance(node, dict)
            and isinstance(part, str)
            and not part.startswith(("function-", "tagged-union", "union["))
            and part.replace("_", "").isalnum()
        ):
            # a key of the model that the file does not have: point at the parent
            break
    return tuple(path), at_key


def _describe(value: Any) -> str:
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, (RawInt, RawFloat)):
        return f"the number {value.raw}"
    if isinstance(value, (int, float)):
        return f"the number {value}"
    if isinstance(value, str):
        return f'the string "{value}"'
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return type(value).__name__


_EXPECTED = {
    "string_type": "a string",
    "bool_type": "true or false",
    "int_type": "an integer",
    "int_from_float": "an integer",
    "float_type": "a number",
    "dict_type": "a mapping",
    "model_type": "a mapping",
    "model_attributes_type": "a mapping",
    "list_type": "a list",
}


def _message(error: Any) -> str:
    kind = error["type"]
    ctx = error.get("ctx") or {}
    if kind == "tocsin":
        return str(ctx.get("msg", error["msg"]))
    if kind in _EXPECTED:
        return f"expected {_EXPECTED[kind]}, got {_describe(error.get('input'))}"
    if kind == "missing":
        return "missing required field"
    if kind == "literal_error":
        return f"must be one of {ctx.get('expected')}, got {_describe(error.get('input'))}"
    if kind == "greater_than_equal":
        return f"must be at least {ctx.get('ge')}, got {_describe(error.get('input'))}"
    message = str(error["msg"])
    return message.removeprefix("Value error, ")
