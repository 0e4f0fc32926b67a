"""A mypy plugin: the fields `search.fields.with_fields` gives a class at import, shown to mypy.

Without it, mypy sees `Document`, `DocMeta`, `Hit` and `Metadata` without their declared fields (`doc.title` would
be an unknown attribute). For each class so decorated, the plugin reads the same declaration (it imports
search/fields.py), writes the annotations the decorator adds, as source lines, has mypy analyse them in the class
and puts them in the class body in the decorator's order, so the dataclass plugin that runs next sees the
class as it is at run time. Enabled in pyproject.toml: `[tool.mypy] plugins = ["tools/mypy_fields.py"]`.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

from mypy.errors import Errors
from mypy.nodes import (
    AssignmentStmt,
    CallExpr,
    DictExpr,
    Expression,
    ExpressionStmt,
    MemberExpr,
    NameExpr,
    Statement,
    StrExpr,
)
from mypy.parse import parse
from mypy.plugin import ClassDefContext, Plugin
from mypy.semanal import SemanticAnalyzer

# After the plugin's own folder, which mypy puts first while it imports the plugin (and takes out again).
sys.path.insert(1, str(Path(__file__).resolve().parents[1]))
from search import fields as declaration

DECORATOR = "search.fields.with_fields"
DONE = "govlaw_with_fields"  # a class's metadata key once its fields are added (a class is analysed again)


def _name(expr: Expression) -> str | None:
    return expr.name if isinstance(expr, (NameExpr, MemberExpr)) else None


def _flag(call: CallExpr, name: str) -> bool:
    for arg_name, arg in zip(call.arg_names, call.args, strict=True):
        if arg_name == name:
            return _name(arg) == "True"
    return False


def _place(call: CallExpr) -> dict[str, str]:
    for arg_name, arg in zip(call.arg_names, call.args, strict=True):
        if arg_name == "place" and isinstance(arg, DictExpr):
            return {k.value: v.value for k, v in arg.items if isinstance(k, StrExpr) and isinstance(v, StrExpr)}
    return {}


def _source(fields: tuple[declaration.Field, ...], defaults: bool, labels: bool) -> list[tuple[str, str]]:
    """(name, source line) of each field the decorator adds, in its order."""
    out = []
    for f in fields:
        default = "" if not defaults or f.required else (" = ()" if f.kind == declaration.NAMES else " = None")
        out.append((f.name, f"{f.name}: {f.annotation}{default}"))
        if labels and f.label_name:
            out.append((f.label_name, f"{f.label_name}: str | None"))
    return out


def add_declared_fields(ctx: ClassDefContext) -> None:
    info, call = ctx.cls.info, ctx.reason
    if DONE in info.metadata:
        return
    api = ctx.api
    assert isinstance(api, SemanticAnalyzer)
    name = _name(call.args[0]) if isinstance(call, CallExpr) and call.args else None
    fields = getattr(declaration, name, None) if name else None
    if not isinstance(call, CallExpr) or not isinstance(fields, tuple):
        api.fail("with_fields takes a tuple of fields named in search/fields.py", call)
        return
    lines = _source(fields, _flag(call, "defaults"), _flag(call, "labels"))
    tree = parse(
        "\n".join(line for _, line in lines), "<search/fields.py>", None, Errors(api.options), api.options, eager=True
    )
    added: dict[str, Statement] = {}
    for (field_name, _), stmt in zip(lines, tree.defs, strict=True):
        stmt.set_line(call)
        api.accept(stmt)
        added[field_name] = stmt
    # The class's own fields, those `place` puts after a declared one moved there; the rest follow.
    place = _place(call)
    body = ctx.cls.defs.body
    own = {
        s.lvalues[0].name: s
        for s in body
        if isinstance(s, AssignmentStmt) and isinstance(s.lvalues[0], NameExpr) and s.lvalues[0].name in place
    }
    rest = [s for s in body if not any(s is o for o in own.values())]
    ordered: list[Statement] = []
    for field_name, stmt in added.items():
        ordered.append(stmt)
        ordered += [own[o] for o, anchor in place.items() if anchor == field_name and o in own]
    docstring = rest[:1] if rest and isinstance(rest[0], ExpressionStmt) else []
    ctx.cls.defs.body = docstring + ordered + rest[len(docstring) :]
    info.metadata[DONE] = {}


class WithFieldsPlugin(Plugin):
    def get_class_decorator_hook(self, fullname: str) -> Callable[[ClassDefContext], None] | None:
        return add_declared_fields if fullname == DECORATOR else None


def plugin(version: str) -> type[Plugin]:
    return WithFieldsPlugin
