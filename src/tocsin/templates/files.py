"""The user's template files (the config's ``templates:`` globs), as named templates.

As in Alertmanager, each entry is a glob, and a glob that matches nothing is fine. A file is
read by its name:

- ``*.j2``, ``*.jinja``, ``*.jinja2`` — Jinja2. Each top-level ``{% macro NAME() %}`` (no
  required arguments) of the file ``STEM.j2`` is the named template ``STEM.NAME``: the
  macro ``title`` of ``myorg.j2`` is ``myorg.title``. Macros see the notification's data.
- any other name — Go templates, as in Alertmanager: each ``{{ define "NAME" }}`` is the
  named template NAME (translated to Jinja2), and the text outside the defines is the
  template named by the file's base name.

A file that cannot be read or parsed, or a define that cannot be translated, is a warning
with file:line; the rest loads.
"""

from __future__ import annotations

import glob
import json
from dataclasses import dataclass, field
from pathlib import Path

import jinja2
from jinja2 import nodes

from tocsin.templates.gotemplate import UntranslatableTemplate, translate

__all__ = ["JINJA_SUFFIXES", "LoadedFiles", "load_template_files"]

JINJA_SUFFIXES = (".j2", ".jinja", ".jinja2")


@dataclass(slots=True)
class LoadedFiles:
    """Named templates (Jinja2 sources) of the files, and what went wrong."""

    templates: dict[str, str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


def load_template_files(patterns: list[str]) -> LoadedFiles:
    """The named templates of the files matching ``patterns``, in order (later wins)."""
    loaded = LoadedFiles()
    for pattern in patterns:
        for path in sorted(glob.glob(pattern)):
            if Path(path).is_dir():
                continue
            try:
                text = Path(path).read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as exc:
                loaded.warnings.append(f"{path}: cannot read this template file ({exc})")
                continue
            if path.endswith(JINJA_SUFFIXES):
                _load_jinja(path, text, loaded)
            else:
                _load_go(path, text, loaded)
    return loaded


def _load_go(path: str, text: str, loaded: LoadedFiles) -> None:
    try:
        translation = translate(text, isolate_defines=True)
    except UntranslatableTemplate as exc:
        loaded.warnings.append(
            f"{path}:{exc.line or 1}: cannot translate this Go template ({exc.reason}); "
            "its templates are not defined"
        )
        return
    for name, error in translation.define_errors.items():
        loaded.warnings.append(
            f'{path}:{error.line or 1}: cannot translate template "{name}" ({error.reason}); '
            "it is not defined"
        )
    loaded.templates.update(translation.defines)
    if translation.body.strip():
        loaded.templates[Path(path).name] = translation.body


def _load_jinja(path: str, text: str, loaded: LoadedFiles) -> None:
    try:
        tree = jinja2.Environment(extensions=["jinja2.ext.loopcontrols"]).parse(text)
    except jinja2.TemplateSyntaxError as exc:
        loaded.warnings.append(f"{path}:{exc.lineno}: {exc.message}; its templates are not defined")
        return
    key = f"file:{path}"
    loaded.templates[key] = text
    stem = Path(path).name
    for suffix in JINJA_SUFFIXES:
        stem = stem.removesuffix(suffix)
    for node in tree.body:
        if isinstance(node, nodes.Macro) and len(node.defaults) == len(node.args):
            loaded.templates[f"{stem}.{node.name}"] = (
                f"{{% import {json.dumps(key)} as _file with context %}}"
                f"{{{{ _file.{node.name}() }}}}"
            )
