"""Templates: the data a message template sees, Jinja2, defaults and Go-template translation."""

from tocsin.templates.data import (
    KV,
    AlertData,
    AlertList,
    Pair,
    TemplateData,
    quote_meta,
    template_data,
)
from tocsin.templates.defaults import DEFAULT_TEMPLATES
from tocsin.templates.engine import TemplateField, Templates
from tocsin.templates.goruntime import GoTemplateError
from tocsin.templates.gotemplate import (
    GoTranslation,
    UntranslatableTemplate,
    is_go_template,
    translate,
)
from tocsin.templates.runbook import RUNBOOK_TEMPLATES
from tocsin.templates.sample import sample_data

__all__ = [
    "DEFAULT_TEMPLATES",
    "KV",
    "RUNBOOK_TEMPLATES",
    "AlertData",
    "AlertList",
    "GoTemplateError",
    "GoTranslation",
    "Pair",
    "TemplateData",
    "TemplateField",
    "Templates",
    "UntranslatableTemplate",
    "is_go_template",
    "quote_meta",
    "sample_data",
    "template_data",
    "translate",
]
