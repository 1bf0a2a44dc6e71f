"""Templates: the data a message template sees, Jinja2, defaults and Go-template translation."""

from tocsin.templates.data import (
    KV,
    AlertData,
    AlertList,
    Pair,
    TemplateData,
    template_data,
)
from tocsin.templates.engine import TemplateField, Templates

__all__ = [
    "KV",
    "AlertData",
    "AlertList",
    "Pair",
    "TemplateData",
    "TemplateField",
    "Templates",
    "template_data",
]
