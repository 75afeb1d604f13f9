"""File roles a rule can apply to (the classifier is `review_ls.patterns.roles.file_role`)."""

from __future__ import annotations

import enum


class Role(enum.Enum):
    """What a file is for."""

    APPLICATION = "application"
    TEST = "test"
    MIGRATION = "migration"
    SCRIPT = "script"
    CONFIG = "config"
    NOTEBOOK = "notebook"


ALL_ROLES: frozenset[Role] = frozenset(Role)
# The default of a rule: everywhere except migrations (frozen history: a reviewer asks for nothing there).
REVIEWED_CODE: frozenset[Role] = ALL_ROLES - {Role.MIGRATION}
# Service concerns (latency, concurrency, shared state, error contracts): code that runs inside the service.
SERVICE_CODE: frozenset[Role] = frozenset({Role.APPLICATION})
