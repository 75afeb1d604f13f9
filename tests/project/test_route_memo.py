"""Routes registered by call are re-extracted per function: an edit elsewhere reuses a function's routes, and the
result equals a fresh extraction."""

from __future__ import annotations

import ast
import textwrap

import pytest

import review_ls.project.file_facts as file_facts
from review_ls.project.file_facts import RouteRef
from review_ls.project.index import ProjectIndex

SOURCE = textwrap.dedent(
    """
    from flask import Flask

    from app import views


    def create_app():
        app = Flask(__name__)
        app.add_url_rule("/users", view_func=views.users)
        return app


    class Api:
        app.add_url_rule("/ping", view_func=ping)

        def register(self, app):
            app.add_url_rule("/items", view_func=self.items)
            app.add_url_rule("/health", "health", health)


    def helper():
        return 1
    """
)


def _routes(index: ProjectIndex) -> frozenset[RouteRef]:
    facts = index.facts("/p/app/routes.py")
    assert facts is not None
    return frozenset(facts.routes)


@pytest.mark.parametrize(
    "edit",
    [
        lambda s: s.replace("return 1", "return 2"),
        lambda s: s.replace('"/health", "health", health', '"/health", "health", healthz'),
        lambda s: s.replace("from app import views\n", "from app import views\nimport os\n"),
        lambda s: "# moved\n" + s,
        lambda s: s.replace("from app import views\n", "from app.web import views\n"),
    ],
)
def test_routes_after_an_edit_equal_a_fresh_extraction(edit: object) -> None:
    edited = edit(SOURCE)  # type: ignore[operator]
    index = ProjectIndex()
    index.update_file("/p/app/routes.py", SOURCE)
    index.update_file("/p/app/routes.py", edited)
    fresh = ProjectIndex()
    fresh.update_file("/p/app/routes.py", edited)
    assert index.facts("/p/app/routes.py") == fresh.facts("/p/app/routes.py")
    views = "app.web.views" if "app.web" in edited else "app.views"
    health = "healthz" if "healthz" in edited else "health"
    assert _routes(index) == {RouteRef("users", views), RouteRef("ping"), RouteRef("items", "self"), RouteRef(health)}


def test_an_edit_in_another_function_does_not_walk_the_registering_functions_again(monkeypatch: pytest.MonkeyPatch) -> None:
    index = ProjectIndex()
    index.update_file("/p/app/routes.py", SOURCE)
    walked: list[str] = []
    original = file_facts._routes_registered_in

    def counting(root: ast.AST, imports: dict[str, str]) -> object:
        walked.append(getattr(root, "name", type(root).__name__))
        return original(root, imports)

    monkeypatch.setattr(file_facts, "_routes_registered_in", counting)
    index.update_file("/p/app/routes.py", SOURCE.replace("return 1", "return 2"))
    assert "helper" in walked and "create_app" not in walked and "register" not in walked
