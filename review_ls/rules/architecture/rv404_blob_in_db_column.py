"""RV404 blob-in-db-column: RV404: file contents stored in a database column."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator

from review_ls.engine.facts import dotted_name
from review_ls.engine.model import Finding
from review_ls.engine.roles import SERVICE_CODE
from review_ls.engine.rule import Invalid, Rule, RuleDocs
from review_ls.engine.walker import Context
from review_ls.patterns.node_walk import walk_nodes
from review_ls.rules.architecture._shared import _assigned_name


_BINARY_TYPES = frozenset({"LargeBinary", "BLOB", "LONGBLOB", "MEDIUMBLOB", "BYTEA", "BinaryField", "PickleType", "VARBINARY", "Binary"})


_TEXT_TYPES = frozenset({"Text", "UnicodeText", "TEXT", "LONGTEXT", "MEDIUMTEXT", "CLOB", "TextField"})


_STRING_TYPES = frozenset({"String", "Unicode", "VARCHAR"})


_BLOB_NAME = re.compile(r"^(content|data|body|blob|file|payload|raw|image|attachment|document|bytes|binary)$|_(content|data|blob|bytes|file|body|image|binary|payload)$")


# Columns that describe a stored file: next to them, a text column named like content holds the file.
_FILE_SIBLING = re.compile(r"(_path|_s3_key|_storage_key|_filename|_file_name|_mime_type|_mimetype|_content_type)$|^s3_|^(path|filename|file_name|content_type|mime_type|mimetype|file_size|storage_key)$")


class BlobInDbColumn(Rule):
    """RV404: file contents stored in a database column."""

    code = "RV404"
    name = "blob-in-db-column"
    applies_to = SERVICE_CODE
    message = "{model}.{column} stores {what} in a database column{sibling}; keep the bytes in object storage and the path in the row"
    docs = RuleDocs(
        what="""
            Finds ORM models (SQLAlchemy, SQLModel, Django) with a `content`/`data`/`body`/`blob`
            (or `*_content`, `*_data`, ...) column of a binary type (`LargeBinary`, `BLOB`,
            `BinaryField`, `bytes`), and such a column of `Text`/unbounded `String` when the model
            also has file columns (`*_path`, `*_url`, `s3_*`, `filename`, `content_type`, `size`):
            the row holds a file. Bounded strings (`String(255)`, `CharField(max_length=...)`) and
            text columns of ordinary records (an article's body) are not reported.
            """,
        why="""
            Files in rows bloat the table, its indexes' pages, every backup and the replication
            stream; a `SELECT *` drags megabytes per row into memory, and the database cannot
            stream or cache them the way object storage and CDNs do.
            """,
        fix="""
            Store the bytes in object storage (S3, GCS, a volume) and keep the key or path, size and
            content type in the row. Serve downloads from storage (a signed URL or a streamed
            response).
            """,
    )
    valid = (
        """
        from sqlalchemy import Column, Integer, String, Text
        from sqlalchemy.orm import declarative_base

        Base = declarative_base()

        class Article(Base):
            __tablename__ = "articles"
            id = Column(Integer, primary_key=True)
            title = Column(String(200))
            body = Column(Text)
        """,
        """
        from django.db import models

        class Upload(models.Model):
            file = models.FileField(upload_to="uploads/")
            content_type = models.CharField(max_length=100)
        """,
        """
        from pydantic import BaseModel

        class Attachment(BaseModel):
            content: bytes
            file_path: str
        """,
    )
    invalid = (
        Invalid(
            """
            from sqlalchemy import Column, Integer, LargeBinary, String
            from sqlalchemy.orm import declarative_base

            Base = declarative_base()

            class Document(Base):
                __tablename__ = "documents"
                id = Column(Integer, primary_key=True)
                name = Column(String(255))
                content = Column(LargeBinary)
            """,
            line=10,
        ),
        Invalid(
            """
            from sqlmodel import Field, SQLModel

            class Mesh(SQLModel, table=True):
                id: int = Field(primary_key=True)
                mesh_data: bytes
            """,
            line=5,
        ),
        Invalid(
            """
            from django.db import models

            class Report(models.Model):
                s3_key = models.CharField(max_length=200)
                body = models.TextField()
            """,
            line=5,
        ),
    )

    def visit_ClassDef(self, node: ast.ClassDef, ctx: Context) -> Iterator[Finding]:
        """Report blob-like columns of ORM models."""
        if not _is_orm_model(node, ctx):
            return
        columns: list[tuple[str, str, ast.stmt]] = []
        for statement in node.body:
            name = _assigned_name(statement)
            if name is not None:
                columns.append((name, _column_type(statement), statement))
        names = [name for name, _, _ in columns]
        siblings = [name for name in names if _FILE_SIBLING.search(name)]
        for name, column_type, statement in columns:
            if not _BLOB_NAME.search(name) or column_type == "":
                continue
            if column_type == "binary":
                sibling = f" next to {siblings[0]}" if siblings else ""
                yield self.report(statement, ctx, model=node.name, column=name, what="binary data", sibling=sibling)
            elif siblings:
                yield self.report(statement, ctx, model=node.name, column=name, what="file contents as text", sibling=f" next to {siblings[0]}")


def _is_orm_model(node: ast.ClassDef, ctx: Context) -> bool:
    for keyword in node.keywords:
        if keyword.arg == "table" and isinstance(keyword.value, ast.Constant) and keyword.value.value is True:
            return True
    for base in node.bases:
        qualified = ctx.qualified_name(base) or dotted_name(base) or ""
        if qualified == "django.db.models.Model" or qualified.endswith("models.Model"):
            return True
        if qualified.rsplit(".", 1)[-1] in ("DeclarativeBase", "DeclarativeBaseNoMeta"):
            return True
    return any(_assigned_name(s) == "__tablename__" for s in node.body)


def _column_type(statement: ast.stmt) -> str:
    """'binary', 'text', 'string' (unbounded) or '' for a column definition."""
    value = statement.value if isinstance(statement, (ast.Assign, ast.AnnAssign)) else None
    for call in (n for n in walk_nodes(value) if isinstance(n, ast.Call)) if value is not None else ():  # (`ast.walk`'s order)
        callee = (dotted_name(call.func) or "").rsplit(".", 1)[-1]
        if callee in _BINARY_TYPES:
            return "binary"
        if callee in _TEXT_TYPES:
            return "text"
        if callee in ("Column", "mapped_column"):
            kind = _type_argument(call)
            if kind:
                return kind
    if isinstance(statement, ast.AnnAssign):
        annotation = ast.unparse(statement.annotation).replace(" ", "")
        if annotation in ("bytes", "Mapped[bytes]", "Optional[bytes]", "bytes|None", "Mapped[bytes|None]", "Mapped[Optional[bytes]]"):
            return "binary"
    return ""


def _type_argument(column: ast.Call) -> str:
    for argument in column.args:
        name = (dotted_name(argument.func if isinstance(argument, ast.Call) else argument) or "").rsplit(".", 1)[-1]
        if name in _BINARY_TYPES:
            return "binary"
        if name in _TEXT_TYPES:
            return "text"
        if name in _STRING_TYPES and not (isinstance(argument, ast.Call) and (argument.args or argument.keywords)):
            return "text"
    return ""
