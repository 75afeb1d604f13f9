"""Keep rewritten statements within the configured line length, wrapping calls the way black does.

A one-line statement longer than the limit whose last bracket closes a call is split at that call
("right-hand split"): first with all arguments on one indented line, and when that line is still too
long, one argument per line with a trailing comma. The result must parse to the same tree, or the
line is left alone.
"""

from __future__ import annotations

import ast

INDENT = "    "


def wrap_line(line: str, limit: int, newline: str = "\n") -> str:
    """`line` (one physical line, without its ending) wrapped to fit `limit` columns when it is a long call."""
    if len(line) <= limit:
        return line
    indent = line[: len(line) - len(line.lstrip(" \t"))]
    code = line[len(indent) :]
    try:
        tree = ast.parse(code)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return line
    if len(tree.body) != 1 or isinstance(tree.body[0], ast.stmt) and hasattr(tree.body[0], "body"):
        return line
    statement = tree.body[0]
    call = _trailing_call(statement, code)
    if call is None:
        return line
    encoded = code.encode("utf-8")
    func_end = len(encoded[: call.func.end_col_offset].decode("utf-8"))
    close = len(encoded[: call.end_col_offset].decode("utf-8")) - 1
    open_paren = code.index("(", func_end)
    head, body, tail = code[: open_paren + 1], code[open_paren + 1 : close].strip(), code[close:]
    if not body:
        return line
    inner = indent + INDENT
    hugged = f"{indent}{head}{newline}{inner}{body}{newline}{indent}{tail}"
    sole_argument = len(call.args) + len(call.keywords) == 1 and not body.endswith(",")
    if len(inner) + len(body) <= limit and not body.endswith(",") or sole_argument:
        return _same_tree(hugged, tree) or line
    arguments: list[ast.expr | ast.keyword] = sorted([*call.args, *call.keywords], key=lambda node: (node.lineno, node.col_offset))
    pieces = [ast.get_source_segment(code, argument) for argument in arguments]
    if any(piece is None for piece in pieces):
        return line
    pieces = [_with_stars(code, argument, piece or "") for argument, piece in zip(arguments, pieces)]
    exploded = f"{indent}{head}{newline}" + "".join(f"{inner}{piece},{newline}" for piece in pieces) + f"{indent}{tail}"
    return _same_tree(exploded, tree) or line


def _trailing_call(statement: ast.stmt, code: str) -> ast.Call | None:
    """The outermost call whose closing parenthesis is the statement's last bracket."""
    end = statement.end_col_offset
    candidates = [node for node in ast.walk(statement) if isinstance(node, ast.Call) and node.end_col_offset == end and node.end_lineno == 1]
    if not candidates:
        return None
    return min(candidates, key=lambda node: node.col_offset)


def _with_stars(code: str, argument: ast.AST, piece: str) -> str:
    """A `**kwargs` keyword's segment lacks its stars in some Python versions; restore them."""
    if isinstance(argument, ast.keyword) and argument.arg is None and not piece.startswith("**"):
        return f"**{piece}"
    return piece


def _same_tree(candidate: str, tree: ast.Module) -> str | None:
    """`candidate` when it parses (dedented) to the same tree as `tree`, else None."""
    stripped = candidate.lstrip(" \t")
    indent = candidate[: len(candidate) - len(stripped)]
    lines = candidate.splitlines(keepends=True)
    dedented = "".join(part[len(indent) :] if part.startswith(indent) else part for part in lines)
    try:
        wrapped = ast.parse(dedented)
    except (SyntaxError, ValueError):
        return None
    return candidate if ast.dump(wrapped) == ast.dump(tree) else None
