"""Database migrations: frozen copies of the schema as it was, run once by a migration tool."""

from __future__ import annotations

from review_ls.patterns.scripts import path_parts

# Folders that hold migrations (Django `migrations/`, alembic's own folder).
MIGRATION_DIRECTORIES = frozenset({"migrations", "alembic"})
# Folders that hold alembic's `versions/` folder under another name (`db/revisions/core/versions/`).
_ALEMBIC_HOMES = frozenset({"migrations", "migration", "alembic", "revisions"})


def is_migration_path(path: str | None) -> bool:
    """True for migration modules: files under `migrations/` or `alembic/`, and alembic `versions/`
    folders under a `migrations`/`alembic`/`revisions` folder."""
    folders = path_parts(path)[:-1]
    if any(folder in MIGRATION_DIRECTORIES for folder in folders):
        return True
    return any(folder == "versions" and _ALEMBIC_HOMES.intersection(folders[:position]) for position, folder in enumerate(folders))
