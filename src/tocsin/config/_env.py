"""``${VAR}`` substitution in scalar values.

``${VAR}`` is replaced by the variable's value; ``${VAR:-default}`` by the default when the
variable is unset or empty (as in the shell); ``$${`` is a literal ``${``. A ``$`` that does
not start one of these is left alone, so Go-template text such as ``{{ $labels.job }}``
passes through unchanged.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

__all__ = ["EnvError", "substitute"]

_TOKEN = re.compile(
    r"\$\$\{"  # escaped literal
    r"|\$\{(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?::-(?P<default>[^}]*))?\}"
    r"|\$\{(?P<bad>[^}]*)\}?"
)


class EnvError(ValueError):
    """A reference to an unset variable, or a malformed reference."""


def substitute(text: str, env: Mapping[str, str]) -> str:
    """Expand the references in ``text``; raise :class:`EnvError` for the first bad one."""
    if "${" not in text:
        return text

    def expand(match: re.Match[str]) -> str:
        whole = match.group(0)
        if whole == "$${":
            return "${"
        name = match.group("name")
        if name is None:
            raise EnvError(f"invalid environment variable reference {whole!r}")
        value = env.get(name)
        default = match.group("default")
        if default is not None:
            return value if value else default
        if value is None:
            raise EnvError(
                f'environment variable "{name}" is not set '
                f"(use ${{{name}:-default}} to give a default)"
            )
        return value

    return _TOKEN.sub(expand, text)
