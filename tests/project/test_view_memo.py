"""Views derived with the memo kept across updates equal views derived from scratch after each update."""

from __future__ import annotations

import textwrap

from review_ls.project import ProjectIndex
from review_ls.project.views import ProjectViews


def src(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")


FILES = {
    "/proj/app/__init__.py": "",
    "/proj/app/models.py": src(
        """
        from pydantic import BaseModel

        class User(BaseModel):
            name: str
            email: str
            age: int
        """
    ),
    "/proj/app/schemas.py": src(
        """
        from pydantic import BaseModel
        from .models import User

        class UserOut(BaseModel):
            name: str
            email: str
            age: int
        """
    ),
    "/proj/app/routes.py": src(
        """
        from app.models import User
        from . import schemas

        class Client:
            pass
        """
    ),
}

# Each step: (path, new text or None to remove the file).
EDITS = [
    ("/proj/app/routes.py", "from app.schemas import UserOut\n\nclass User:\n    pass\n"),  # imports and a class name change
    ("/proj/app/models.py", "class Other:\n    pass\n"),  # a class (and its pydantic kind) disappears
    ("/proj/app/extra.py", "from .models import Other\n\nclass Other:\n    pass\n"),  # a new module, a name defined twice
    ("/proj/app/sub/__init__.py", ""),  # a new package renames nothing, but adds a module
    ("/proj/app/sub/deep.py", "from ..routes import User\n"),  # a relative import two levels up
    ("/proj/app/extra.py", None),  # a removed file
    ("/proj/app/routes.py", FILES["/proj/app/routes.py"]),  # back to the start
]


def _derived(views: ProjectViews) -> tuple[object, ...]:
    graph = views.import_graph
    return (
        views.modules,
        views.paths_by_module,
        views.classes_named,
        {module: graph.imports_of(module) for module in views.paths_by_module},
        views.name_importers,
        views.classes,
        views.client_class_names,
    )


def test_views_kept_current_by_the_memo_equal_views_made_from_scratch() -> None:
    index = ProjectIndex.from_sources(FILES, ("/proj",))
    for path, text in [(None, None), *EDITS]:
        if path is not None:
            if text is None:
                index.remove_file(path)
            else:
                index.update_file(path, text)
        kept = index._views().views  # derived with the index's memo, as updates arrive
        fresh = ProjectViews(dict(index._files), index.roots)  # derived from nothing
        assert _derived(kept) == _derived(fresh), f"after editing {path}"


def test_each_snapshot_keeps_its_own_importer_counts_while_later_ones_layer_their_changes() -> None:
    index = ProjectIndex.from_sources(FILES, roots=["/proj"])
    first = index._views().views.name_importers
    counted = dict(first.items())
    assert counted[("app.models", "User")] == 2
    index.update_file("/proj/app/schemas.py", FILES["/proj/app/schemas.py"].replace("from .models import User\n", ""))
    second = index._views().views.name_importers
    index.update_file("/proj/app/routes.py", FILES["/proj/app/routes.py"] + "from app.schemas import UserOut\n")
    third = index._views().views.name_importers
    assert dict(first.items()) == counted  # an earlier snapshot's counts stay as they were
    assert second.get(("app.models", "User")) == 1 and second.get(("app.schemas", "UserOut")) is None
    assert third.get(("app.models", "User")) == 1 and third.get(("app.schemas", "UserOut")) == 1
    fresh = ProjectIndex.from_sources({**FILES, "/proj/app/schemas.py": FILES["/proj/app/schemas.py"].replace("from .models import User\n", ""),
                                       "/proj/app/routes.py": FILES["/proj/app/routes.py"] + "from app.schemas import UserOut\n"}, roots=["/proj"])
    assert dict(third.items()) == dict(fresh._views().views.name_importers.items())


def test_only_relative_imports_are_kept_by_the_memo_of_absolute_names() -> None:
    views = ProjectIndex.from_sources(FILES, ("/proj",))._views().views
    assert views.absolute(".models.User", "/proj/app/schemas.py") == "app.models.User"
    assert views.absolute("app.models.User", "/proj/app/routes.py") == "app.models.User"
    assert set(views._memo._absolute) == {(".models.User", "/proj/app/schemas.py")}  # (an absolute name is itself)
