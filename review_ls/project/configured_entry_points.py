"""Entry points the user names in `[tool.review-ls] entry-points`: functions the model treats as run once per invocation.

Each entry is `package.module:function`, `package.module:Class.method`, `package.module:Class.*`
or `package.module:*` (every function and method defined in the module). The functions named get
the role `configured` (`entry_points.CONFIGURED`) unless their decorators already give them one.
The syntax is checked where the configuration is read (`config.ENTRY_POINT_SYNTAX`).
"""

from __future__ import annotations

from collections.abc import Iterable

from review_ls.deferred_dataclass import dataclass


@dataclass(frozen=True)
class ConfiguredEntryPoints:
    """The `module:name` patterns of the configuration, matched against absolute dotted function names."""

    patterns: tuple[tuple[str, str], ...] = ()

    @classmethod
    def parse(cls, entries: Iterable[str]) -> ConfiguredEntryPoints:
        """The patterns of valid `module:name` entries (the configuration has checked them)."""
        pairs = {tuple(entry.split(":", 1)) for entry in entries if ":" in entry}
        return cls(tuple(sorted((module.strip(), name.strip()) for module, name in pairs)))

    def __bool__(self) -> bool:
        return bool(self.patterns)

    def matches(self, qualname: str, module: str) -> bool:
        """True when the function `qualname` (absolute, `module.Class.method`) defined in `module` is named by a pattern."""
        if not qualname.startswith(f"{module}."):
            return False
        local = qualname[len(module) + 1 :]
        for pattern_module, name in self.patterns:
            if pattern_module != module:
                continue
            if name == "*" or name == local or (name.endswith(".*") and local.startswith(name[:-1]) and "." not in local[len(name) - 1 :]):
                return True
        return False
