"""The index's extraction reads a module's import statements once for the call, type and file facts (issue #16,
item 4): each family's imports table, and so its facts, are those it reads on its own."""

from __future__ import annotations

import ast
from dataclasses import fields

import pytest

from review_ls.project.call_facts import absolute_imports, module_call_facts
from review_ls.project.file_facts import facts_of_module, module_imports
from review_ls.project.import_statements import module_import_bindings
from review_ls.project.types import ModuleTypeFacts, module_type_facts

IMPORTS = '''
import os, os.path as osp
from . import sibling
from ..models import Part as P, Order
from typing import TYPE_CHECKING
if TYPE_CHECKING:
    from .types import Alias
else:
    import json
try:
    import ujson as fast
except ImportError:
    fast = None
finally:
    from .cleanup import done
with suppress(ImportError):
    import orjson
from star import *

class Client(P):
    name: Alias = None

    def get(self):
        import requests
        return requests.get(osp.join("a", "b"))

def make() -> Order:
    return Order(fast.loads(sibling.text))
'''


def test_every_module_level_import_statement_is_read_once_with_its_bindings() -> None:
    tree = ast.parse(IMPORTS)
    bindings = module_import_bindings(tree)
    read = {local for names in bindings.values() for local, _ in names}
    assert read == {"os", "osp", "sibling", "P", "Order", "TYPE_CHECKING", "Alias", "json", "fast", "done", "orjson"}  # (not `requests`: a function's)


def test_each_imports_table_from_the_bindings_read_once_is_the_table_it_reads_on_its_own() -> None:
    tree = ast.parse(IMPORTS)
    bindings = module_import_bindings(tree)
    assert absolute_imports(tree, "app.client", False, bindings) == absolute_imports(tree, "app.client", False)
    assert module_imports(tree, bindings) == module_imports(tree)
    assert module_type_facts(tree, "app.client", "app/client.py", IMPORTS, bindings).imports == module_type_facts(tree, "app.client", "app/client.py", IMPORTS).imports


@pytest.mark.parametrize("module", ["app.client", ""])
def test_the_facts_from_the_bindings_read_once_are_the_facts_of_each_family_on_its_own(module: str) -> None:
    tree = ast.parse(IMPORTS)
    bindings = module_import_bindings(tree)
    assert module_call_facts(tree, module, False, None, bindings) == module_call_facts(tree, module)
    assert _values(module_type_facts(tree, module, "app/client.py", IMPORTS, bindings)) == _values(module_type_facts(tree, module, "app/client.py", IMPORTS))
    assert facts_of_module(tree, IMPORTS, None, bindings) == facts_of_module(tree, IMPORTS)


def _values(facts: ModuleTypeFacts) -> list[object]:
    """Every field of type facts (`ModuleTypeFacts` compares by identity)."""
    return [getattr(facts, field.name) for field in fields(facts)]
