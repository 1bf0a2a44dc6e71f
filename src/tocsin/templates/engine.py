"""The template engine of one configuration: Jinja2, Alertmanager's default templates,
tocsin's named templates, and the user's template files.

    templates = Templates(files)                      # config.templates (Go or Jinja2)
    title = templates.field(text, default=DEFAULT, source="file.yml:12:5")
    templates.render(title, data)                     # never raises

``field`` compiles a config field's text once, at load: Jinja2 text as it is, Go-template
text translated to Jinja2 (:mod:`tocsin.templates.gotemplate`). Text that cannot be compiled
or translated, or that uses a name the data does not have, is a warning (in ``warnings``,
with ``source``), and the field renders its ``default`` instead. ``render`` never raises: a
failure at send time renders the default, is logged and counted (``render_failures``;
``on_render_failure`` is called with the source).

Named templates: ``{% include "NAME" %}`` in a field (or ``{{ template "NAME" . }}`` in Go)
renders NAME with the notification's data. Alertmanager's defaults
(:mod:`tocsin.templates.defaults`) and tocsin's runbook texts
(:mod:`tocsin.templates.runbook`) are registered first; template files override them.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2
from jinja2 import meta
from jinja2.sandbox import ImmutableSandboxedEnvironment

from tocsin.templates.data import TemplateData
from tocsin.templates.defaults import DEFAULT_TEMPLATES
from tocsin.templates.files import load_template_files
from tocsin.templates.goruntime import GoFieldError, GoRuntime, GoTemplateError
from tocsin.templates.gotemplate import UntranslatableTemplate, is_go_template, translate
from tocsin.templates.runbook import RUNBOOK_TEMPLATES
from tocsin.templates.sample import sample_data

__all__ = ["TemplateField", "Templates"]

log = logging.getLogger("tocsin.templates")

_GLOBALS = frozenset({"_go", "_dot", "namespace", "range", "dict", "lipsum", "cycler", "joiner"})
_NAME_ERRORS = (jinja2.UndefinedError, GoFieldError, jinja2.TemplateNotFound)
_SAFE_ERRORS = (*_NAME_ERRORS, GoTemplateError)


@dataclass(frozen=True, slots=True)
class TemplateField:
    """A compiled field: its template, or None when only the default can be used."""

    text: str
    source: str
    template: jinja2.Template | None
    default: TemplateField | None


class Templates:
    """Named templates and compiled fields of one configuration."""

    def __init__(
        self,
        files: Iterable[str | Path] = (),
        *,
        on_render_failure: Callable[[str], None] | None = None,
    ) -> None:
        self._sources: dict[str, str] = {**DEFAULT_TEMPLATES, **RUNBOOK_TEMPLATES}
        self.env = ImmutableSandboxedEnvironment(
            undefined=jinja2.StrictUndefined,
            autoescape=False,
            keep_trailing_newline=True,
            loader=jinja2.DictLoader(self._sources),
            extensions=["jinja2.ext.loopcontrols"],
        )
        self.env.globals["_go"] = GoRuntime()
        self.warnings: list[str] = []
        self.render_failures = 0
        self._on_render_failure = on_render_failure
        self._files = [Path(f) for f in files]
        loaded = load_template_files([str(f) for f in self._files])
        self.warnings.extend(loaded.warnings)
        self._sources.update(loaded.templates)
        self._names = frozenset(sample_data())

    @property
    def names(self) -> list[str]:
        """The named templates, sorted: Alertmanager's, tocsin's and the files'."""
        return sorted(self._sources)

    def source(self, name: str) -> str:
        """The Jinja2 source of named template ``name`` (translated when it was Go)."""
        return self._sources[name]

    def field(
        self, text: str, *, default: str = "", source: str = "", html: bool = False
    ) -> TemplateField:
        """Compile ``text``; ``default`` is what renders when ``text`` cannot.

        ``html`` escapes what Go templates print as Alertmanager does in e-mail bodies.
        """
        fallback = (
            self._compile(default, source, is_default=True, html=html) if default != text else None
        )
        return self._compile(text, source, fallback=fallback, html=html)

    def _warn(self, message: str, is_default: bool) -> None:
        if not is_default:
            self.warnings.append(message)

    def _compile(
        self,
        text: str,
        source: str,
        *,
        fallback: TemplateField | None = None,
        is_default: bool = False,
        html: bool = False,
    ) -> TemplateField:
        failed = TemplateField(text, source, None, fallback)
        jinja_text = text
        if is_go_template(text):
            try:
                translation = translate(text, html=html)
            except UntranslatableTemplate as exc:
                self._warn(
                    f"{source}: cannot translate this Go template ({exc.reason}); "
                    "the channel's default text is used",
                    is_default,
                )
                return failed
            jinja_text = translation.body
            self._sources.update(translation.defines)
        try:
            template = self.env.from_string(jinja_text)
            problem = self._check(jinja_text)
        except jinja2.TemplateSyntaxError as exc:
            self._warn(f"{source}: {exc.message}; the channel's default text is used", is_default)
            return failed
        if problem:
            self._warn(f"{source}: {problem}; the channel's default text is used", is_default)
            return failed
        return TemplateField(text, source, template, fallback)

    def _check(self, jinja_text: str) -> str:
        """What is wrong with a compiled text: names not in the data, unknown named
        templates, or a failure of a trial render on sample data ("" when nothing)."""
        ast = self.env.parse(jinja_text)
        unknown = sorted(meta.find_undeclared_variables(ast) - self._names - _GLOBALS)
        if unknown:
            return f"{', '.join(repr(n) for n in unknown)} is not in the template data"
        for name in meta.find_referenced_templates(ast):
            if name is not None and name not in self._sources:
                return f'no template named "{name}"'
        try:
            self.env.from_string(jinja_text).render(_context(sample_data()))
        except _NAME_ERRORS as exc:
            return _describe(exc)
        except Exception:  # other failures depend on the data; render() handles them
            return ""
        return ""

    def render(self, field: TemplateField, data: TemplateData) -> str:
        """The text of ``field`` for ``data``; its default when it fails (never raises)."""
        current: TemplateField | None = field
        context = _context(data)
        while current is not None:
            if current.template is not None:
                try:
                    return current.template.render(context)
                except Exception as exc:  # a template must never drop a notification
                    self.render_failures += 1
                    log.warning(
                        "template at %s failed (%s); using the default",
                        field.source,
                        _describe(exc),
                    )
                    if self._on_render_failure is not None:
                        self._on_render_failure(field.source)
            current = current.default
        return ""


def _context(data: Mapping[str, Any]) -> dict[str, Any]:
    return {**data, "_dot": data}


def _describe(exc: BaseException) -> str:
    """An error without the values it may quote (a secret in a URL, say)."""
    if isinstance(exc, _SAFE_ERRORS):
        return str(exc) if not isinstance(exc, jinja2.TemplateNotFound) else f"no template {exc}"
    return type(exc).__name__
