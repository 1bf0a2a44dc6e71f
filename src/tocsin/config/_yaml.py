"""YAML text → plain data plus the position of every key and value.

The file is composed into PyYAML's node tree (the C parser when available) so that every
mapping key, mapping value and sequence item keeps its 1-based line and column. Duplicate
keys are errors; ``${VAR}`` references in scalar values are expanded here (never in keys),
and a plain scalar is re-typed after expansion, so ``max_alerts: ${MAX:-10}`` is an integer.

Scalars are typed as Go's ``yaml.v2`` sees them when they land in a string field: an integer
or float keeps its original text (``RawInt`` / ``RawFloat``), so ``start_time: 10:30`` (a
YAML 1.1 base-60 integer for PyYAML) is still the string ``"10:30"`` to the schema.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import yaml

from tocsin.config._env import EnvError, substitute
from tocsin.config._errors import ConfigIssue, format_path

__all__ = ["Path", "Positions", "RawFloat", "RawInt", "YamlResult", "parse_yaml"]

Path = tuple[str | int, ...]

try:
    _Loader: type[Any] = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - libyaml missing
    _Loader = yaml.SafeLoader

_STR = "tag:yaml.org,2002:str"
_INT = "tag:yaml.org,2002:int"
_FLOAT = "tag:yaml.org,2002:float"
_BOOL = "tag:yaml.org,2002:bool"
_NULL = "tag:yaml.org,2002:null"
_MERGE = "tag:yaml.org,2002:merge"


class RawInt(int):
    """An integer scalar that remembers its text."""

    raw: str

    def __new__(cls, value: int, raw: str) -> RawInt:
        obj = super().__new__(cls, value)
        obj.raw = raw
        return obj


class RawFloat(float):
    """A float scalar that remembers its text."""

    raw: str

    def __new__(cls, value: float, raw: str) -> RawFloat:
        obj = super().__new__(cls, value)
        obj.raw = raw
        return obj


@dataclass
class Positions:
    """Where each value (and each mapping key) of the document is, 1-based."""

    filename: str
    values: dict[Path, tuple[int, int]] = field(default_factory=dict)
    keys: dict[Path, tuple[int, int]] = field(default_factory=dict)

    def of_value(self, path: Path) -> tuple[int, int]:
        """The position of the value at ``path``, or of its nearest ancestor."""
        for end in range(len(path), -1, -1):
            pos = self.values.get(path[:end])
            if pos is not None:
                return pos
        return (1, 1)

    def of_key(self, path: Path) -> tuple[int, int]:
        """The position of the key that ends ``path`` (falls back to its value)."""
        pos = self.keys.get(path)
        return pos if pos is not None else self.of_value(path)

    def issue(self, path: Path, message: str, *, at_key: bool = False) -> ConfigIssue:
        line, col = self.of_key(path) if at_key else self.of_value(path)
        return ConfigIssue(self.filename, line, col, format_path(path), message)


@dataclass
class YamlResult:
    data: Any
    positions: Positions
    issues: list[ConfigIssue]
    env_paths: set[Path]


def parse_yaml(text: str, filename: str, env: Mapping[str, str]) -> YamlResult:
    """Parse ``text``. A syntax error is returned as the only issue, with ``data=None``."""
    positions = Positions(filename)
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
        problem = exc.problem or exc.context or "invalid YAML"
        if exc.context and exc.problem:
            problem = f"{exc.context}: {exc.problem}"
        issue = ConfigIssue(filename, line, col, "", f"YAML syntax error: {problem}")
        return YamlResult(None, positions, [issue], set())
    except yaml.YAMLError as exc:  # pragma: no cover - defensive
        issue = ConfigIssue(filename, 1, 1, "", f"YAML syntax error: {exc}")
        return YamlResult(None, positions, [issue], set())
    finally:
        loader.dispose()
    builder = _Builder(loader, positions, env)
    data = builder.build(node, ()) if node is not None else None
    return YamlResult(data, positions, builder.issues, builder.env_paths)


class _Builder:
    def __init__(self, loader: Any, positions: Positions, env: Mapping[str, str]) -> None:
        self.loader = loader
        self.positions = positions
        self.env = env
        self.issues: list[ConfigIssue] = []
        self.env_paths: set[Path] = set()

    def build(self, node: yaml.Node, path: Path) -> Any:
        mark = node.start_mark
        self.positions.values.setdefault(path, (mark.line + 1, mark.column + 1))
        if isinstance(node, yaml.MappingNode):
            return self._mapping(node, path)
        if isinstance(node, yaml.SequenceNode):
            return [self.build(item, (*path, i)) for i, item in enumerate(node.value)]
        assert isinstance(node, yaml.ScalarNode)
        return self._scalar(node, path)

    def _mapping(self, node: yaml.MappingNode, path: Path) -> dict[Any, Any]:
        result: dict[Any, Any] = {}
        own: set[Any] = set()
        merged: list[yaml.Node] = []
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE:
                merged.append(value_node)
                continue
            key = self._key(key_node)
            key_path = (*path, key)
            if key in own:
                self.issues.append(
                    _at(self.positions, key_node, key_path, f'duplicate key "{key}"')
                )
                continue
            own.add(key)
            self.positions.keys[key_path] = (
                key_node.start_mark.line + 1,
                key_node.start_mark.column + 1,
            )
            result[key] = self.build(value_node, key_path)
        for merge_node in merged:
            sources = (
                merge_node.value if isinstance(merge_node, yaml.SequenceNode) else [merge_node]
            )
            for source in sources:
                if not isinstance(source, yaml.MappingNode):
                    self.issues.append(
                        _at(self.positions, source, path, "a merge key needs a mapping")
                    )
                    continue
                for key, value in self._mapping(source, path).items():
                    result.setdefault(key, value)
        return result

    def _key(self, node: yaml.Node) -> Any:
        if isinstance(node, yaml.ScalarNode):
            value = self._typed(node.tag, node.value, node)
            if isinstance(value, (RawInt, RawFloat)):
                return value.raw
            return value if value is not None else ""
        return f"<{type(node).__name__}>"

    def _scalar(self, node: yaml.ScalarNode, path: Path) -> Any:
        value: str = node.value
        tag: str = node.tag
        if "${" in value and tag == _STR:
            try:
                expanded = substitute(value, self.env)
            except EnvError as exc:
                self.issues.append(_at(self.positions, node, path, str(exc)))
                self.env_paths.add(path)
                return ""
            if expanded != value and not node.style:
                tag = self.loader.resolve(yaml.ScalarNode, expanded, (True, False))
            value = expanded
        return self._typed(tag, value, node)

    def _typed(self, tag: str, value: str, node: yaml.ScalarNode) -> Any:
        if tag == _NULL:
            return None
        if tag == _BOOL:
            return value.lower() in ("yes", "true", "on")
        if tag in (_INT, _FLOAT):
            constructed = self.loader.construct_object(yaml.ScalarNode(tag, value))
            if tag == _INT:
                return RawInt(constructed, value)
            return RawFloat(constructed, value)
        return value


def _at(positions: Positions, node: yaml.Node, path: Path, message: str) -> ConfigIssue:
    mark = node.start_mark
    return ConfigIssue(
        positions.filename, mark.line + 1, mark.column + 1, format_path(path), message
    )
