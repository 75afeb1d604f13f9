"""The project's import graph: which modules importing a module loads, at import time."""

from __future__ import annotations

import textwrap

from review_ls.patterns.migrations import is_migration_path
from review_ls.project import ProjectIndex
from review_ls.project.import_graph import ImportGraph


def index_of(files: dict[str, str]) -> ProjectIndex:
    sources = {f"/p/{path}": textwrap.dedent(text).lstrip("\n") for path, text in files.items()}
    packages = {f"/p/{'/'.join(path.split('/')[:i])}/__init__.py": "" for path in files for i in range(1, path.count("/") + 1)}
    return ProjectIndex.from_sources({**packages, **sources}, ("/p",))


def test_module_level_imports_are_edges_and_reach_transitively() -> None:
    index = index_of(
        {
            "app/models.py": "from app.audit import record\n",
            "app/audit.py": "import app.events\n",
            "app/events.py": "import json\n",
        }
    )
    assert index.imports_of("app.models") == {"app.audit"}
    assert index.imports_of("app.audit") == {"app.events"}
    assert index.reaches("app.models", "app.events")
    assert not index.reaches("app.events", "app.models")


def test_type_checking_and_function_level_imports_are_not_edges() -> None:
    index = index_of(
        {
            "app/models.py": """
                from typing import TYPE_CHECKING
                import typing

                if TYPE_CHECKING:
                    from app.events import Event
                if typing.TYPE_CHECKING:
                    import app.audit
                else:
                    import app.schemas


                def load():
                    from app.handlers import handle
                """,
            "app/events.py": "",
            "app/audit.py": "",
            "app/schemas.py": "",
            "app/handlers.py": "",
        }
    )
    assert index.imports_of("app.models") == {"app.schemas"}


def test_relative_imports_and_submodules_imported_from_a_package() -> None:
    index = index_of(
        {
            "app/api/routes.py": "from ..models import User\nfrom . import deps\n",
            "app/api/deps.py": "",
            "app/models.py": "",
        }
    )
    assert index.imports_of("app.api.routes") == {"app.models", "app.api.deps"}


def test_packages_on_the_way_are_loaded_but_not_the_importers_own_packages() -> None:
    index = index_of(
        {
            "app/case/models.py": "from app.incident.models import Incident\n",
            "app/incident/models.py": "",
        }
    )
    # `app` is loaded before app.case.models runs; app.incident (its __init__) is loaded by the import.
    assert index.imports_of("app.case.models") == {"app.incident", "app.incident.models"}


def test_a_package_init_importing_its_modules_does_not_link_every_module() -> None:
    index = index_of(
        {
            "app/__init__.py": "from app.case.models import Case\nfrom app.incident.models import Incident\n",
            "app/case/models.py": "from app.database import Base\n",
            "app/incident/models.py": "from app.database import Base\n",
            "app/database.py": "",
        }
    )
    assert not index.reaches("app.case.models", "app.incident.models")
    assert index.reaches("app", "app.incident.models")


def test_changing_an_import_changes_the_fingerprint_and_the_graph() -> None:
    index = index_of({"app/models.py": "import json\n", "app/events.py": ""})
    before = index.fingerprint
    assert not index.reaches("app.models", "app.events")
    assert index.update_file("/p/app/models.py", "import json\nimport app.events\n")
    assert index.fingerprint != before
    assert index.reaches("app.models", "app.events")


def test_migration_paths() -> None:
    assert is_migration_path("/p/app/migrations/0002_user.py")
    assert is_migration_path("/p/alembic/versions/f011c050b9ba_add_user.py")
    assert is_migration_path("/p/src/dispatch/database/revisions/core/versions/2021-06-02_f011c050b9ba.py")
    assert not is_migration_path("/p/app/api/versions/current.py")
    assert not is_migration_path("/p/app/models.py")


def test_several_new_edges_are_accepted_only_while_they_close_no_cycle() -> None:
    graph = ImportGraph({"app.task": frozenset({"app.case"})})
    planned = [("app.case", "app.incident"), ("app.incident", "app.case"), ("app.incident", "app.task"), ("app.task", "app.case")]
    # The second closes a cycle with the first; the third with the first through app.task -> app.case.
    assert graph.acyclic_additions(planned) == {("app.case", "app.incident"), ("app.task", "app.case")}
