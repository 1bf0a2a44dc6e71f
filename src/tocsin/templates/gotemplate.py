"""Go ``text/template`` (what Alertmanager's templates are written in) translated to Jinja2.

    is_go_template('{{ .CommonLabels.alertname }}')       -> True
    translate('[{{ .Status | toUpper }}] {{ .CommonLabels.alertname }}')
        -> GoTranslation(body='[{{ _go.out(_go.toUpper(status)) }}] …', defines={})

The common subset translates: field access on dot and ``$`` (Alertmanager's Go names map to
the Jinja2 names of :mod:`tocsin.templates.data`; a key of a label map is a map lookup, so a
label called ``items`` works), variables, ``if``/``else if``/``else``, ``range`` (with
``$i, $x :=`` and ``else``), ``with``, ``template``, ``define``, ``block``, ``break``,
``continue``, comments, trim markers, pipelines, parenthesised pipelines, Go's builtin
functions and Alertmanager's (``toUpper``, ``join``, ``reReplaceAll``, …). Dot follows Go:
it is the element inside ``range`` and the value inside ``with``.

Field access and printing go through ``_go`` (:class:`tocsin.templates.goruntime.GoRuntime`)
at render time, so a missing label prints "" as in Alertmanager (``missingkey=zero``), and
values print as Go prints them. At the top of a field, dot is the notification's data and
its fields become plain Jinja2 names (``.CommonLabels`` is ``commonLabels``), which lets the
load-time check find names that are not in the data. Inside a ``define``, dot is ``_dot``.

What cannot be translated raises :class:`UntranslatableTemplate` with the reason; nothing
else is raised, whatever the text.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

from tocsin.templates.goruntime import GO_NAMES

__all__ = ["GoTranslation", "UntranslatableTemplate", "is_go_template", "translate"]


class UntranslatableTemplate(Exception):
    """Go-template text outside the subset tocsin translates (or not valid Go template)."""

    def __init__(self, reason: str, line: int = 0) -> None:
        super().__init__(reason)
        self.reason = reason
        self.line = line


@dataclass(frozen=True, slots=True)
class GoTranslation:
    """A translated text: its Jinja2 body and the named templates it ``define``\\ s."""

    body: str
    defines: dict[str, str] = field(default_factory=dict)
    define_lines: dict[str, int] = field(default_factory=dict)
    define_errors: dict[str, UntranslatableTemplate] = field(default_factory=dict)


GO_KEYWORDS = frozenset(
    {"if", "else", "end", "range", "with", "define", "template", "block", "break", "continue"}
)
GO_FUNCTIONS = frozenset(
    {
        # Go's builtins
        "and",
        "or",
        "not",
        "len",
        "index",
        "slice",
        "print",
        "printf",
        "println",
        "html",
        "js",
        "urlquery",
        "eq",
        "ne",
        "lt",
        "le",
        "gt",
        "ge",
        # Alertmanager 0.25's
        "toUpper",
        "toLower",
        "title",
        "trimSpace",
        "join",
        "match",
        "safeHtml",
        "reReplaceAll",
        "stringSlice",
    }
)
_UNSUPPORTED_FUNCTIONS = {"call": "the call function"}

_ACTION_GO_HINT = re.compile(r"(?:^|[\s(|,=])[.$](?:[A-Za-z_]|\s|$|\))|^\s*/\*|:=")


def is_go_template(text: str) -> bool:
    """Whether ``text`` is a Go template rather than Jinja2 (or plain text)."""
    if "{{" not in text:
        return False
    if "{%" in text or "{#" in text:
        return False
    for match in re.finditer(r"\{\{-?(.*?)-?\}\}", text, re.S):
        inner = match.group(1).strip()
        if _ACTION_GO_HINT.search(inner):
            return True
        first = inner.split(None, 1)[0] if inner else ""
        if first in GO_KEYWORDS:
            return True
        if first in GO_FUNCTIONS and first not in ("and", "or", "not") and " " in inner:
            return True
    return False


# -- lexing ------------------------------------------------------------------------------

_SPACE = " \t\r\n"


@dataclass(slots=True)
class _Action:
    text: str
    line: int


@dataclass(slots=True)
class _Text:
    text: str


def _split(source: str) -> list[_Text | _Action]:
    """Text and actions, with trim markers applied and comments dropped."""
    items: list[_Text | _Action] = []
    pos = 0
    trim_next = False
    while True:
        start = source.find("{{", pos)
        if start < 0:
            text = source[pos:]
            items.append(_Text(text.lstrip(_SPACE) if trim_next else text))
            break
        text = source[pos:start]
        if trim_next:
            text = text.lstrip(_SPACE)
        line = source.count("\n", 0, start) + 1
        inner_start = start + 2
        if source.startswith("-", inner_start) and source[inner_start + 1 : inner_start + 2] in (
            " ",
            "\t",
            "\r",
            "\n",
        ):
            text = text.rstrip(_SPACE)
            inner_start += 1
        items.append(_Text(text))
        stripped = source[inner_start:].lstrip(_SPACE)
        if stripped.startswith("/*"):
            comment_start = len(source) - len(stripped)
            close = source.find("*/", comment_start + 2)
            if close < 0:
                raise UntranslatableTemplate("unclosed comment", line)
            after = close + 2
            rest = source[after:]
            if rest.lstrip(_SPACE).startswith("-}}") and rest[:1] in _SPACE and rest[:1]:
                end = after + len(rest) - len(rest.lstrip(_SPACE)) + 3
                trim_next = True
            elif rest.startswith("}}"):
                end = after + 2
                trim_next = False
            else:
                raise UntranslatableTemplate("comment ends before closing delimiter", line)
            pos = end
            continue
        end, trim_next = _action_end(source, inner_start, line)
        inner = source[inner_start : end - (3 if trim_next else 2)]
        items.append(_Action(inner, line))
        pos = end
    return items


def _action_end(source: str, pos: int, line: int) -> tuple[int, bool]:
    """The index after an action's ``}}`` and whether it trims what follows."""
    i = pos
    while i < len(source):
        c = source[i]
        if c in "\"'`":
            close = _skip_quoted(source, i, line)
            i = close
            continue
        if source.startswith("}}", i):
            trim = i >= 2 and source[i - 1] == "-" and source[i - 2] in _SPACE and i - 1 > pos
            return i + 2, trim
        i += 1
    raise UntranslatableTemplate("unclosed action", line)


def _skip_quoted(source: str, i: int, line: int) -> int:
    quote = source[i]
    j = i + 1
    while j < len(source):
        c = source[j]
        if c == "\\" and quote != "`":
            j += 2
            continue
        if c == quote:
            return j + 1
        if c == "\n" and quote != "`":
            break
        j += 1
    raise UntranslatableTemplate("unterminated quoted string", line)


_TOKEN_RE = re.compile(
    r"""
    (?P<space>[ \t\r\n]+)
  | (?P<declare>:=)
  | (?P<assign>=)
  | (?P<pipe>\|)
  | (?P<comma>,)
  | (?P<lparen>\()
  | (?P<rparen>\))
  | (?P<string>"(?:[^"\\\n]|\\.)*")
  | (?P<raw>`[^`]*`)
  | (?P<char>'(?:[^'\\\n]|\\.)+')
  | (?P<number>[+-]?(?:0[xX][0-9a-fA-F_]+|0[bB][01_]+|0[oO][0-7_]+
     |(?:\d[\d_]*)?\.?\d[\d_]*(?:[eE][+-]?\d+)?)(?![A-Za-z_.]))
  | (?P<var>\$[A-Za-z_0-9]*(?:\.[A-Za-z_][A-Za-z_0-9]*)*)
  | (?P<field>(?:\.[A-Za-z_][A-Za-z_0-9]*)+)
  | (?P<dot>\.)
  | (?P<chain>(?:\.[A-Za-z_][A-Za-z_0-9]*)+)
  | (?P<ident>[A-Za-z_][A-Za-z_0-9]*)
    """,
    re.X,
)


@dataclass(slots=True)
class _Tok:
    kind: str
    text: str
    space_before: bool


def _tokens(inner: str, line: int) -> list[_Tok]:
    out: list[_Tok] = []
    pos = 0
    space = True
    while pos < len(inner):
        m = _TOKEN_RE.match(inner, pos)
        if m is None:
            raise UntranslatableTemplate(f"unexpected {inner[pos]!r} in action", line)
        kind = m.lastgroup or ""
        pos = m.end()
        if kind == "space":
            space = True
            continue
        out.append(_Tok(kind, m.group(0), space))
        space = False
    return out


# -- parsing expressions ----------------------------------------------------------------


@dataclass(slots=True)
class _Operand:
    kind: str  # field var dot string number bool nil ident paren
    value: object
    chain: list[str]


@dataclass(slots=True)
class _Command:
    operands: list[_Operand]


@dataclass(slots=True)
class _Pipeline:
    decl: list[str]
    assign: bool
    commands: list[_Command]


_GO_ESCAPES = {
    "a": "\a",
    "b": "\b",
    "f": "\f",
    "n": "\n",
    "r": "\r",
    "t": "\t",
    "v": "\v",
    "\\": "\\",
    "'": "'",
    '"': '"',
}


def _unquote(text: str, line: int) -> str:
    body = text[1:-1]
    out: list[str] = []
    i = 0
    while i < len(body):
        c = body[i]
        if c != "\\":
            out.append(c)
            i += 1
            continue
        nxt = body[i + 1 : i + 2]
        if nxt in _GO_ESCAPES:
            out.append(_GO_ESCAPES[nxt])
            i += 2
        elif nxt in ("x", "u", "U"):
            size = {"x": 2, "u": 4, "U": 8}[nxt]
            digits = body[i + 2 : i + 2 + size]
            if len(digits) != size or not re.fullmatch(r"[0-9a-fA-F]+", digits):
                raise UntranslatableTemplate(f"invalid escape in {text}", line)
            code = int(digits, 16)
            if code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
                raise UntranslatableTemplate(f"invalid escape in {text}", line)
            out.append(chr(code))
            i += 2 + size
        elif nxt and nxt in "01234567":
            digits = body[i + 1 : i + 4]
            if len(digits) != 3 or not re.fullmatch(r"[0-7]{3}", digits) or int(digits, 8) > 255:
                raise UntranslatableTemplate(f"invalid escape in {text}", line)
            out.append(chr(int(digits, 8)))
            i += 4
        else:
            raise UntranslatableTemplate(f"invalid escape in {text}", line)
    return "".join(out)


def _number(text: str, line: int) -> int | float:
    clean = text.replace("_", "")
    try:
        lowered = clean.lower().lstrip("+-")
        if lowered.startswith(("0x", "0b", "0o")):
            return int(clean, 0)
        if re.fullmatch(r"[+-]?\d+", clean):
            if len(clean.lstrip("+-")) > 1 and clean.lstrip("+-").startswith("0"):
                return int(clean, 8)
            return int(clean)
        return float(clean)
    except ValueError:
        raise UntranslatableTemplate(f"bad number syntax: {text}", line) from None


class _ExprParser:
    def __init__(self, toks: list[_Tok], line: int) -> None:
        self.toks = toks
        self.pos = 0
        self.line = line

    def peek(self) -> _Tok | None:
        return self.toks[self.pos] if self.pos < len(self.toks) else None

    def take(self) -> _Tok:
        tok = self.peek()
        if tok is None:
            raise UntranslatableTemplate("unexpected end of action", self.line)
        self.pos += 1
        return tok

    def pipeline(self, allow_decl: bool = True, multi_decl: bool = False) -> _Pipeline:
        decl: list[str] = []
        assign = False
        if allow_decl:
            save = self.pos
            names: list[str] = []
            while True:
                tok = self.peek()
                if tok is None or tok.kind != "var" or "." in tok.text:
                    break
                names.append(tok.text)
                self.pos += 1
                nxt = self.peek()
                if nxt is not None and nxt.kind == "comma" and multi_decl and len(names) == 1:
                    self.pos += 1
                    continue
                break
            nxt = self.peek()
            if names and nxt is not None and nxt.kind in ("declare", "assign"):
                self.pos += 1
                decl = names
                assign = nxt.kind == "assign"
            else:
                self.pos = save
        commands: list[_Command] = []
        while True:
            commands.append(self.command())
            tok = self.peek()
            if tok is None or tok.kind == "rparen":
                break
            if tok.kind == "pipe":
                self.pos += 1
                continue
            raise UntranslatableTemplate(f"unexpected {tok.text!r} in pipeline", self.line)
        return _Pipeline(decl, assign, commands)

    def command(self) -> _Command:
        operands: list[_Operand] = []
        while True:
            tok = self.peek()
            if tok is None or tok.kind in ("pipe", "rparen"):
                break
            if operands and not tok.space_before and tok.kind != "field":
                raise UntranslatableTemplate(f"missing space before {tok.text!r}", self.line)
            operands.append(self.operand())
        if not operands:
            raise UntranslatableTemplate("missing value for command", self.line)
        return _Command(operands)

    def operand(self) -> _Operand:
        tok = self.take()
        op: _Operand
        if tok.kind == "field":
            op = _Operand("field", None, tok.text.split(".")[1:])
        elif tok.kind == "var":
            name, *chain = tok.text.split(".")
            op = _Operand("var", name, chain)
        elif tok.kind == "dot":
            op = _Operand("dot", None, [])
        elif tok.kind == "string":
            op = _Operand("string", _unquote(tok.text, self.line), [])
        elif tok.kind == "raw":
            op = _Operand("string", tok.text[1:-1].replace("\r", ""), [])
        elif tok.kind == "char":
            text = _unquote('"' + tok.text[1:-1].replace('"', '\\"') + '"', self.line)
            if len(text) != 1:
                raise UntranslatableTemplate(f"malformed character constant {tok.text}", self.line)
            op = _Operand("number", ord(text), [])
        elif tok.kind == "number":
            op = _Operand("number", _number(tok.text, self.line), [])
        elif tok.kind == "ident":
            if tok.text in ("true", "false"):
                op = _Operand("bool", tok.text == "true", [])
            elif tok.text == "nil":
                op = _Operand("nil", None, [])
            elif tok.text in GO_KEYWORDS:
                raise UntranslatableTemplate(f"unexpected {tok.text} in operand", self.line)
            else:
                op = _Operand("ident", tok.text, [])
        elif tok.kind == "lparen":
            inner = self.pipeline(allow_decl=False)
            close = self.take()
            if close.kind != "rparen":
                raise UntranslatableTemplate("unclosed left paren", self.line)
            op = _Operand("paren", inner, [])
        else:
            raise UntranslatableTemplate(f"unexpected {tok.text!r} in operand", self.line)
        nxt = self.peek()
        if nxt is not None and nxt.kind == "field" and not nxt.space_before:
            if op.kind in ("paren", "dot", "field", "var"):
                self.pos += 1
                op.chain = op.chain + nxt.text.split(".")[1:]
            else:
                raise UntranslatableTemplate(f"unexpected {nxt.text} after operand", self.line)
        return op


# -- the tree -------------------------------------------------------------------------


@dataclass(slots=True)
class _Node:
    kind: str  # text print if range with template define block break continue
    line: int = 0
    text: str = ""
    pipe: _Pipeline | None = None
    name: str = ""
    body: list[_Node] = field(default_factory=list)
    alt: list[_Node] = field(default_factory=list)
    else_if: bool = False


class _TreeParser:
    def __init__(self, items: list[_Text | _Action]) -> None:
        self.items = items
        self.pos = 0

    def parse(self) -> list[_Node]:
        nodes, stop = self.block(top=True)
        if stop is not None:
            raise UntranslatableTemplate(f"unexpected {{{{{stop[0]}}}}}", stop[1])
        return nodes

    def block(self, top: bool = False) -> tuple[list[_Node], tuple[str, int, list[_Tok]] | None]:
        nodes: list[_Node] = []
        while self.pos < len(self.items):
            item = self.items[self.pos]
            self.pos += 1
            if isinstance(item, _Text):
                if item.text:
                    nodes.append(_Node("text", text=item.text))
                continue
            toks = _tokens(item.text, item.line)
            if not toks:
                raise UntranslatableTemplate("missing value for command", item.line)
            first = toks[0]
            word = first.text if first.kind == "ident" else ""
            if word in ("end", "else"):
                return nodes, (word, item.line, toks[1:])
            nodes.append(self.action(word, toks, item.line))
        if not top:
            raise UntranslatableTemplate("unexpected EOF: missing {{ end }}", 0)
        return nodes, None

    def action(self, word: str, toks: list[_Tok], line: int) -> _Node:
        if word in ("if", "with", "range"):
            return self.control(word, toks[1:], line)
        if word in ("define", "block", "template"):
            if len(toks) < 2 or toks[1].kind not in ("string", "raw"):
                raise UntranslatableTemplate(f"{word} needs a quoted template name", line)
            name = _unquote(toks[1].text, line) if toks[1].kind == "string" else toks[1].text[1:-1]
            rest = toks[2:]
            pipe = _ExprParser(rest, line).pipeline(allow_decl=False) if rest else None
            if word == "define":
                if pipe is not None:
                    raise UntranslatableTemplate("define takes only a name", line)
                body, stop = self.block()
                if stop is None or stop[0] != "end" or stop[2]:
                    raise UntranslatableTemplate(f"define {name!r} has no matching end", line)
                return _Node("define", line, name=name, body=body)
            if word == "block":
                if pipe is None:
                    raise UntranslatableTemplate("block needs a pipeline", line)
                body, stop = self.block()
                if stop is None or stop[0] != "end" or stop[2]:
                    raise UntranslatableTemplate(f"block {name!r} has no matching end", line)
                return _Node("block", line, name=name, pipe=pipe, body=body)
            return _Node("template", line, name=name, pipe=pipe)
        if word in ("break", "continue"):
            if len(toks) > 1:
                raise UntranslatableTemplate(f"unexpected text after {word}", line)
            return _Node(word, line)
        parser = _ExprParser(toks, line)
        pipe = parser.pipeline(allow_decl=True)
        if parser.peek() is not None:
            raise UntranslatableTemplate(f"unexpected {parser.peek().text!r}", line)  # type: ignore[union-attr]
        return _Node("print", line, pipe=pipe)

    def control(self, word: str, toks: list[_Tok], line: int) -> _Node:
        if not toks:
            raise UntranslatableTemplate(f"missing value for {word}", line)
        parser = _ExprParser(toks, line)
        pipe = parser.pipeline(allow_decl=word != "if", multi_decl=word == "range")
        if parser.peek() is not None:
            raise UntranslatableTemplate(f"unexpected {parser.peek().text!r} in {word}", line)  # type: ignore[union-attr]
        if pipe.assign:
            raise UntranslatableTemplate(f"assignment in {word}", line)
        node = _Node(word, line, pipe=pipe)
        node.body, stop = self.block()
        assert stop is not None
        kind, stop_line, rest = stop
        if kind == "else":
            if rest:
                if rest[0].kind == "ident" and rest[0].text == "if" and word == "if":
                    node.alt = [self.control("if", rest[1:], stop_line)]
                    node.alt[0].else_if = True
                    return node
                raise UntranslatableTemplate(f"else {rest[0].text} is not supported", stop_line)
            node.alt, stop = self.block()
            assert stop is not None
            kind, stop_line, rest = stop
            if kind != "end":
                raise UntranslatableTemplate("expected end; found else", stop_line)
        if rest:
            raise UntranslatableTemplate("unexpected text after end", stop_line)
        return node


# -- emitting Jinja2 ----------------------------------------------------------------------


def _lit(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


_ROOT = "\x00root"


@dataclass(slots=True)
class _Scope:
    dot: str  # a Jinja2 expression, or _ROOT for the notification's data at a field's top
    root: str
    vars: dict[str, tuple[str, bool]]  # Go name -> (Jinja2 expression, is a namespace)
    loop_depth: int = 0


class _Emitter:
    def __init__(self, html: bool) -> None:
        self.counter = 0
        self.html = html
        self.defines: dict[str, str] = {}
        self.define_lines: dict[str, int] = {}
        self.define_errors: dict[str, UntranslatableTemplate] = {}

    def fresh(self, prefix: str) -> str:
        self.counter += 1
        return f"_{prefix}{self.counter}"

    # values

    def value_of(self, expr: str) -> str:
        return "_dot" if expr == _ROOT else expr

    def chain(self, base: str, chain: list[str], line: int) -> str:
        expr = base
        for name in chain:
            if expr == _ROOT:
                if name in GO_NAMES and name not in _ALERT_ONLY:
                    expr = GO_NAMES[name]
                elif name[:1].islower() and name in _DATA_EXTRAS:
                    expr = name
                else:
                    expr = name  # not in the data: the load-time check reports it
                continue
            expr = f"_go.field({expr}, {_lit(name)})"
        return self.value_of(expr)

    def operand(self, op: _Operand, scope: _Scope, line: int) -> str:
        if op.kind == "field":
            return self.chain(scope.dot, op.chain, line)
        if op.kind == "dot":
            return self.chain(scope.dot, op.chain, line)
        if op.kind == "var":
            name = str(op.value)
            if name == "$":
                return self.chain(scope.root, op.chain, line)
            if name not in scope.vars:
                raise UntranslatableTemplate(f"undefined variable {name}", line)
            expr, is_ns = scope.vars[name]
            return self.chain(f"{expr}.v" if is_ns else expr, op.chain, line)
        if op.kind == "string":
            return _lit(str(op.value))
        if op.kind == "number":
            return repr(op.value)
        if op.kind == "bool":
            return "true" if op.value else "false"
        if op.kind == "nil":
            return "none"
        if op.kind == "paren":
            assert isinstance(op.value, _Pipeline)
            return self.chain(f"({self.pipeline(op.value, scope, line)})", op.chain, line)
        if op.kind == "ident":
            if op.chain:
                raise UntranslatableTemplate(f"unexpected field after function {op.value}", line)
            return self.call(str(op.value), [], scope, line)
        raise UntranslatableTemplate(f"unexpected operand {op.kind}", line)

    def call(self, name: str, args: list[str], scope: _Scope, line: int) -> str:
        if name in _UNSUPPORTED_FUNCTIONS:
            raise UntranslatableTemplate(f"{_UNSUPPORTED_FUNCTIONS[name]} is not supported", line)
        if name not in GO_FUNCTIONS:
            raise UntranslatableTemplate(f'function "{name}" not defined', line)
        if name in ("and", "or"):
            if not args:
                raise UntranslatableTemplate(f"wrong number of args for {name}", line)
            return "(" + f" {name} ".join(args) + ")"
        if name == "not":
            if len(args) != 1:
                raise UntranslatableTemplate("wrong number of args for not: want 1", line)
            return f"(not {args[0]})"
        fixed = {
            "len": 1,
            "ne": 2,
            "lt": 2,
            "le": 2,
            "gt": 2,
            "ge": 2,
            "toUpper": 1,
            "toLower": 1,
            "title": 1,
            "trimSpace": 1,
            "join": 2,
            "match": 2,
            "safeHtml": 1,
            "reReplaceAll": 3,
        }
        if name in fixed and len(args) != fixed[name]:
            raise UntranslatableTemplate(
                f"wrong number of args for {name}: want {fixed[name]} got {len(args)}", line
            )
        if name in ("eq", "index", "printf", "slice") and not args:
            raise UntranslatableTemplate(f"wrong number of args for {name}", line)
        return f"_go.{name}({', '.join(args)})"

    def command(self, cmd: _Command, piped: str | None, scope: _Scope, line: int) -> str:
        head = cmd.operands[0]
        rest = cmd.operands[1:]
        args = [self.operand(op, scope, line) for op in rest]
        if piped is not None:
            args.append(piped)
        if head.kind == "ident" and not head.chain:
            name = str(head.value)
            return self.call(name, args, scope, line)
        if not args:
            return self.operand(head, scope, line)
        if head.kind in ("field", "var", "paren", "dot") and head.chain:
            receiver = _Operand(head.kind, head.value, head.chain[:-1])
            base = self.operand(receiver, scope, line)
            return f"_go.call({base}, {_lit(head.chain[-1])}, {', '.join(args)})"
        raise UntranslatableTemplate("can't give argument to non-function", line)

    def pipeline(self, pipe: _Pipeline, scope: _Scope, line: int) -> str:
        expr: str | None = None
        for cmd in pipe.commands:
            expr = self.command(cmd, expr, scope, line)
        assert expr is not None
        return expr

    # statements

    def nodes(self, nodes: list[_Node], scope: _Scope) -> str:
        return "".join(self.node(n, scope) for n in nodes)

    def node(self, node: _Node, scope: _Scope) -> str:
        if node.kind == "text":
            return _text(node.text)
        if node.kind == "print":
            assert node.pipe is not None
            expr = self.pipeline(node.pipe, scope, node.line)
            if node.pipe.decl:
                return self.declare(node.pipe.decl[0], expr, node.pipe.assign, scope, node.line)
            printer = "html_str" if self.html else "out"
            return f"{{{{ _go.{printer}({expr}) }}}}"
        if node.kind == "if":
            assert node.pipe is not None
            cond = self.pipeline(node.pipe, scope, node.line)
            out = f"{{% if {cond} %}}" + self.nodes(node.body, scope)
            alt = node.alt
            while len(alt) == 1 and alt[0].else_if:
                nested = alt[0]
                assert nested.pipe is not None
                cond = self.pipeline(nested.pipe, scope, nested.line)
                out += f"{{% elif {cond} %}}" + self.nodes(nested.body, scope)
                alt = nested.alt
            if alt:
                out += "{% else %}" + self.nodes(alt, scope)
            return out + "{% endif %}"
        if node.kind == "with":
            assert node.pipe is not None
            value = self.pipeline(node.pipe, scope, node.line)
            name = self.fresh("w")
            out = f"{{% set {name} = {value} %}}"
            inner = _Scope(name, scope.root, dict(scope.vars), scope.loop_depth)
            if node.pipe.decl:
                inner.vars[node.pipe.decl[0]] = (name, False)
            out += f"{{% if {name} %}}" + self.nodes(node.body, inner)
            if node.alt:
                out += "{% else %}" + self.nodes(node.alt, scope)
            return out + "{% endif %}"
        if node.kind == "range":
            assert node.pipe is not None
            value = self.pipeline(node.pipe, scope, node.line)
            key, elem = self.fresh("k"), self.fresh("e")
            inner = _Scope(elem, scope.root, dict(scope.vars), scope.loop_depth + 1)
            decl = node.pipe.decl
            if len(decl) == 1:
                inner.vars[decl[0]] = (elem, False)
            elif len(decl) == 2:
                inner.vars[decl[0]] = (key, False)
                inner.vars[decl[1]] = (elem, False)
            out = f"{{% for {key}, {elem} in _go.range({value}) %}}" + self.nodes(node.body, inner)
            if node.alt:
                out += "{% else %}" + self.nodes(node.alt, scope)
            return out + "{% endfor %}"
        if node.kind in ("break", "continue"):
            if scope.loop_depth == 0:
                raise UntranslatableTemplate(f"{node.kind} outside range", node.line)
            return f"{{% {node.kind} %}}"
        if node.kind == "template":
            arg = "none" if node.pipe is None else self.pipeline(node.pipe, scope, node.line)
            return _include(node.name, arg)
        if node.kind in ("define", "block"):
            self.define(node)
            if node.kind == "block":
                assert node.pipe is not None
                return _include(node.name, self.pipeline(node.pipe, scope, node.line))
            return ""
        raise UntranslatableTemplate(f"unexpected {node.kind}", node.line)

    def declare(self, name: str, expr: str, assign: bool, scope: _Scope, line: int) -> str:
        if assign:
            if name not in scope.vars:
                raise UntranslatableTemplate(f"undefined variable {name}", line)
            target, is_ns = scope.vars[name]
            if not is_ns:
                raise UntranslatableTemplate(f"assigning to {name}, a range or with variable", line)
            return f"{{% set {target}.v = {expr} %}}"
        target = self.fresh("v")
        scope.vars[name] = (target, True)
        return f"{{% set {target} = namespace(v={expr}) %}}"

    def define(self, node: _Node) -> None:
        scope = _Scope("_dot", "_dot", {})
        self.define_lines[node.name] = node.line
        try:
            self.defines[node.name] = self.nodes(node.body, scope)
        except UntranslatableTemplate as exc:
            if not exc.line:
                exc.line = node.line
            self.defines.pop(node.name, None)
            self.define_errors[node.name] = exc


_ALERT_ONLY = {"Labels", "Annotations", "StartsAt", "EndsAt", "GeneratorURL", "Fingerprint"}
_DATA_EXTRAS = frozenset(
    {
        "severity",
        "severity_name",
        "runbook_url",
        "ack_url",
        "silence_url",
        "alerts_url",
        "more_alerts",
        "more_notifications",
    }
)


def _include(name: str, arg: str) -> str:
    if arg == "_dot":
        return f"{{% include {_lit(name)} %}}"
    return f"{{% with _dot = {arg} %}}{{% include {_lit(name)} %}}{{% endwith %}}"


def _text(text: str) -> str:
    if any(s in text for s in ("{{", "{%", "{#", "\r", "}}", "%}", "#}")) or text.endswith("{"):
        return f"{{{{ {_lit(text)} }}}}"
    if text.startswith("}"):
        return f"{{{{ {_lit(text[0])} }}}}" + _text(text[1:])
    return text


def translate(source: str, *, html: bool = False, isolate_defines: bool = False) -> GoTranslation:
    """Jinja2 for the Go template ``source`` (raises only :class:`UntranslatableTemplate`).

    At the top, dot is the notification's data; ``define`` bodies are translated with dot
    ``_dot``. With ``html``, printed values are HTML-escaped (Go's ``html/template`` for
    e-mail bodies, without its URL and script contexts). With ``isolate_defines`` (template
    files), a ``define`` that cannot be translated is left out and reported in
    ``define_errors`` instead of failing the whole text.
    """
    try:
        items = _split(source)
        tree = _TreeParser(items).parse()
        emitter = _Emitter(html)
        body = emitter.nodes(tree, _Scope(_ROOT, _ROOT, {}))
    except UntranslatableTemplate:
        raise
    except RecursionError:
        raise UntranslatableTemplate("nested too deeply") from None
    if emitter.define_errors and not isolate_defines:
        raise next(iter(emitter.define_errors.values()))
    return GoTranslation(body, emitter.defines, emitter.define_lines, emitter.define_errors)
