"""The template engine of one configuration: Jinja2, Alertmanager's default templates,
tocsin's named templates, and the user's template files.

    templates = Templates(files)                      # config.templates (Go or Jinja2)
    title = templates.field(text, default=DEFAULT, source="file.yml:12:5")
    templates.render(title, data)                     # never raises

``field`` compiles a config field's text once, at load: Jinja2 text as it is, Go-template
text translated to Jinja2. Text that cannot be compiled or translated is a warning (in
``warnings``, with ``source``), and the field renders its ``default`` instead. ``render``
never raises: a failure at send time renders the default, is logged and counted
(``render_failures``; ``on_render_failure`` is called with the source).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import jinja2
from jinja2.sandbox import SandboxedEnvironment

from tocsin.templates.data import TemplateData

__all__ = ["TemplateField", "Templates"]

log = logging.getLogger("tocsin.templates")


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
        self.env = SandboxedEnvironment(
            undefined=jinja2.StrictUndefined, autoescape=False, keep_trailing_newline=True
        )
        self.warnings: list[str] = []
        self.render_failures = 0
        self._on_render_failure = on_render_failure
        self._files = [Path(f) for f in files]

    def field(self, text: str, *, default: str = "", source: str = "") -> TemplateField:
        """Compile ``text``; ``default`` is what renders when ``text`` cannot."""
        fallback = self._compile(default, source, is_default=True) if default != text else None
        return self._compile(text, source, fallback=fallback)

    def _compile(
        self,
        text: str,
        source: str,
        *,
        fallback: TemplateField | None = None,
        is_default: bool = False,
    ) -> TemplateField:
        try:
            template = self.env.from_string(text)
        except jinja2.TemplateSyntaxError as exc:
            if not is_default:
                self.warnings.append(f"{source}: {exc.message}; the default is used")
            return TemplateField(text, source, None, fallback)
        return TemplateField(text, source, template, fallback)

    def render(self, field: TemplateField, data: TemplateData) -> str:
        """The text of ``field`` for ``data``; its default when it fails (never raises)."""
        current: TemplateField | None = field
        while current is not None:
            if current.template is not None:
                try:
                    return current.template.render(data)
                except Exception as exc:  # a template must never drop a notification
                    self.render_failures += 1
                    log.warning("template at %s failed: %s; using the default", field.source, exc)
                    if self._on_render_failure is not None:
                        self._on_render_failure(field.source)
            current = current.default
        return ""
