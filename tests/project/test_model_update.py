"""Incremental model updates: after random edits, the updated model answers exactly as a model built afresh."""

from __future__ import annotations

import random
import sys
import textwrap
from pathlib import Path

import pytest
from model_observation import observe

from review_ls.project import ProjectIndex
from review_ls.project.call_facts import ModuleCallFacts
from review_ls.project.call_graph import CallGraph
from review_ls.project.flat_pairs import flat
from review_ls.project.model_update import FileDependencies

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"
ROOT = "/proj"
MODULES = ("routes", "services", "helpers", "workers")
HEADER = """\
import os
import time

import httpx
import requests
from fastapi import FastAPI
from sqlalchemy import select

from app import clients, state
from app.repo import product_repository
{imports}
app = FastAPI()
"""
# Bodies a function may have: blocking, client-building, state-writing, querying, tainting, and calls into the other modules.
BODIES = (
    "return arg",
    "time.sleep(1)",
    "return requests.post(arg)",
    "return open(arg).read()",
    "return open(os.path.join('/srv', arg)).read()",
    "return httpx.get(arg)",
    "state.ITEMS[arg] = 1",
    "state.SUBSCRIBERS.append(arg)",
    "state.manager.connect(arg)",
    "return product_repository.get_by_id(arg)",
    "client = clients.get_worker_client()\n    return client.get(arg)",
    "return clients.WorkerClient()",
    "return {module}.f{n}(arg)",
    "return {module}.f{n}(arg) or {other}.f{m}(arg)",
)
STATE = {
    "": textwrap.dedent(
        """\
        CACHE = {}
        SUBSCRIBERS = []


        class Manager:
            def __init__(self):
                self.active = {}

            def connect(self, ws):
                self.active[ws] = ws


        manager = Manager()
        """
    ),
    "no manager": "CACHE = {}\nSUBSCRIBERS = []\n",
}
CLIENTS = {
    "": textwrap.dedent(
        """\
        import httpx


        class WorkerClient:
            def __init__(self):
                self.client = httpx.AsyncClient()


        def get_worker_client():
            return WorkerClient()
        """
    ),
    "cached": textwrap.dedent(
        """\
        import functools

        import httpx


        class WorkerClient:
            def __init__(self):
                self.client = None


        @functools.cache
        def get_worker_client():
            return httpx.Client()
        """
    ),
}
REPO = {
    "": textwrap.dedent(
        """\
        from sqlalchemy import select


        class ProductRepository:
            def get_by_id(self, pid):
                return self.session.execute(select(Product).where(Product.id == pid))


        product_repository = ProductRepository()
        """
    ),
    "no query": "class ProductRepository:\n    def get_by_id(self, pid):\n        return pid\n\n\nproduct_repository = ProductRepository()\n",
}
MODELS = {
    "": "from pydantic import BaseModel\n\n\nclass Base(BaseModel):\n    pass\n\n\nclass Item(Base):\n    name: str\n",
    "plain": "class Base:\n    pass\n\n\nclass Item(Base):\n    name: str\n",
    "orm": "class Item:\n    __tablename__ = 'items'\n    name: str\n",
}
SCHEMAS = {
    "": "from app.models import Item\n\n\nclass ItemOut(Item):\n    id: int\n\n\nclass ItemPage(ItemOut):\n    page: int\n",
    "dataclass": "from dataclasses import dataclass\n\n\n@dataclass\nclass ItemOut:\n    id: int\n\n\nclass ItemPage(ItemOut):\n    page: int\n",
    "copy": "from pydantic import BaseModel\n\n\nclass Item(BaseModel):\n    name: str\n",
}
INIT = {"": "", "re-export": "from app.helpers import f0 as helper\nfrom app.services import f1\n"}
# A module that gives functions of other modules a role by registering them (a registration moves between functions).
NODES = {
    "": "",
    "f0": "from langgraph.graph import StateGraph\n\nfrom app import helpers\n\ngraph = StateGraph(dict)\ngraph.add_node('a', helpers.f0)\n",
    "f1": "from langgraph.graph import StateGraph\n\nfrom app import helpers\n\ngraph = StateGraph(dict)\ngraph.add_node('b', helpers.f1)\n",
}


class RandomProject:
    """A small FastAPI project whose modules are rewritten at random: body, signature and import edits."""

    def __init__(self, seed: int) -> None:
        self.random = random.Random(seed)
        self.imports = {module: " ".join(self.random.sample([m for m in MODULES if m != module], self.random.randrange(3))) for module in MODULES}
        self.shape = {module: [self._function(module) for _ in range(4)] for module in MODULES}
        self.blank_lines = {module: 0 for module in MODULES}
        self.padding = {module: [0] * 4 for module in MODULES}  # statements inserted at the top of each function's body
        self.fixed = {"state": "", "clients": "", "repo": "", "__init__": "", "models": "", "schemas": "", "nodes": ""}

    def _function(self, module: str) -> tuple[bool, str, str]:
        others = self.imports[module].split() or [m for m in MODULES if m != module]  # calls into a module not imported stay unresolved
        body = self.random.choice(BODIES).format(module=self.random.choice(others), n=self.random.randrange(4), other=self.random.choice(others), m=self.random.randrange(4))
        return self.random.random() < 0.3, "arg", body

    def sources(self) -> dict[str, str]:
        """Path -> text of every module."""
        files = {
            f"{ROOT}/app/__init__.py": INIT[self.fixed["__init__"]],
            f"{ROOT}/app/state.py": STATE[self.fixed["state"]],
            f"{ROOT}/app/clients.py": CLIENTS[self.fixed["clients"]],
            f"{ROOT}/app/repo.py": REPO[self.fixed["repo"]],
            f"{ROOT}/app/models.py": MODELS[self.fixed["models"]],
            f"{ROOT}/app/schemas.py": SCHEMAS[self.fixed["schemas"]],
            f"{ROOT}/app/nodes.py": NODES[self.fixed["nodes"]],
        }
        for module in MODULES:
            files[f"{ROOT}/app/{module}.py"] = self.text_of(module)
        return files

    def text_of(self, module: str) -> str:
        """The source of one generated module."""
        imported = self.imports[module].split()
        parts = ["\n" * self.blank_lines[module], HEADER.format(imports="".join(f"from app import {m}\n" for m in imported))]
        for n, (is_async, params, body) in enumerate(self.shape[module]):
            route = f'@app.get("/{module}/{n}/{{arg}}")\n' if module == "routes" else ""
            task = "@celery.task\n" if module == "workers" and n == 0 else ""
            padding = "    _pad = 0\n" * self.padding[module][n]
            parts.append(f"\n\n{route}{task}{'async ' if is_async else ''}def f{n}({params}):\n{padding}    {body}\n")
        return "".join(parts)

    def edit(self) -> str:
        """Change one module at random; return its path."""
        kind = self.random.choice(("body", "body", "signature", "import", "lines", "shift", "shift", "fixed", "fixed"))
        if kind == "fixed":
            name = self.random.choice(sorted(self.fixed))
            choices = {"state": STATE, "clients": CLIENTS, "repo": REPO, "__init__": INIT, "models": MODELS, "schemas": SCHEMAS, "nodes": NODES}[name]
            self.fixed[name] = self.random.choice(sorted(choices))
            return f"{ROOT}/app/{name}.py"
        module = self.random.choice(MODULES)
        functions = self.shape[module]
        n = self.random.randrange(len(functions))
        if kind == "body":
            functions[n] = self._function(module)
        elif kind == "signature":
            is_async, params, body = functions[n]
            params = self.random.choice(("arg", "arg, other=None", "arg, *, flag=False"))
            functions[n] = (self.random.random() < 0.5 if self.random.random() < 0.3 else is_async, params, body)
        elif kind == "shift":  # lines below the function's first statement move; nothing else changes
            self.padding[module][n] = self.random.randrange(3)
        elif kind == "import":
            others = [m for m in MODULES if m != module]
            self.imports[module] = " ".join(self.random.sample(others, self.random.randrange(3)))
        else:
            self.blank_lines[module] = self.random.randrange(3)
        return f"{ROOT}/app/{module}.py"


@pytest.mark.parametrize("seed", range(8))
def test_random_edits_leave_the_model_equal_to_a_fresh_build(seed: int) -> None:
    project = RandomProject(seed)
    index = ProjectIndex.from_sources(project.sources(), (ROOT,))
    observe(index)  # every summary computed: the updates below carry them over
    for _ in range(25):
        path = project.edit()
        index.update_file(path, project.sources()[path])
        fresh = ProjectIndex.from_sources(project.sources(), (ROOT,))
        assert observe(index) == observe(fresh)


def test_an_update_carries_the_summaries_of_functions_that_cannot_see_the_change() -> None:
    project = RandomProject(0)
    project.shape["helpers"][0] = (False, "arg", "time.sleep(1)")
    project.shape["workers"][1] = (False, "arg", "return requests.post(arg)")
    project.imports["workers"] = ""
    project.imports["helpers"] = ""
    index = ProjectIndex.from_sources(project.sources(), (ROOT,))
    observe(index)
    graph = index.call_graph
    project.shape["helpers"][0] = (False, "arg", "return arg")
    path = f"{ROOT}/app/helpers.py"
    index.update_file(path, project.sources()[path])
    patched = index.call_graph
    assert patched is not graph
    assert "app.workers.f1" in patched.blocking_memo()  # kept: workers reads nothing of helpers
    assert "app.helpers.f0" not in patched.blocking_memo()  # derived again on demand
    assert index.blocking_chain("app.helpers.f0") is None
    assert index.blocking_chain("app.workers.f1") is not None


def test_a_file_whose_lines_only_moved_keeps_the_summaries_of_readers_that_do_not_point_into_it() -> None:
    project = RandomProject(0)
    project.imports["routes"] = "helpers"
    project.shape["routes"][0] = (False, "arg", "return helpers.f0(arg)")
    project.shape["routes"][1] = (False, "arg", "return helpers.f1(arg)")
    project.shape["helpers"][0] = (False, "arg", "time.sleep(1)")
    project.shape["helpers"][1] = (False, "arg", "return arg")
    index = ProjectIndex.from_sources(project.sources(), (ROOT,))
    observe(index)
    project.padding["helpers"][0] = 2  # helpers.f0's sleep and every later function move two lines down
    path = f"{ROOT}/app/helpers.py"
    index.update_file(path, project.sources()[path])
    memo = index.call_graph.blocking_memo()
    assert "app.routes.f1" in memo  # reads helpers, but its summary (no chain) holds no line of it
    assert "app.routes.f0" not in memo  # its chain points at helpers.f0's sleep: derived again
    fresh = ProjectIndex.from_sources(project.sources(), (ROOT,))
    assert index.blocking_chain("app.routes.f0") == fresh.blocking_chain("app.routes.f0")
    assert index.blocking_chain("app.routes.f0").call_line == fresh.blocking_chain("app.routes.f0").call_line
    assert observe(index) == observe(fresh)


def test_an_import_edit_that_adds_a_re_export_reaches_the_readers_that_name_it() -> None:
    sources = {
        f"{ROOT}/app/__init__.py": "import os\n",
        f"{ROOT}/app/helpers.py": "import time\n\n\ndef f0(arg):\n    time.sleep(1)\n",
        f"{ROOT}/app/routes.py": "import app\n\n\ndef f(arg):\n    return app.helper(arg)\n",
        f"{ROOT}/app/other.py": "import app\n\n\ndef g(arg):\n    return app.os\n",
    }
    index = ProjectIndex.from_sources(sources, (ROOT,))
    observe(index)
    assert index.blocking_chain("app.routes.f") is None
    for text in ("import os\nfrom app.helpers import f0 as helper\n", "import os\nimport json\nfrom app.helpers import f0 as helper\n", "import os\n"):
        sources[f"{ROOT}/app/__init__.py"] = text
        index.update_file(f"{ROOT}/app/__init__.py", text)
        assert observe(index) == observe(ProjectIndex.from_sources(sources, (ROOT,))), text
        assert (index.blocking_chain("app.routes.f") is not None) == ("helper" in text)


def test_the_canonical_copy_follows_an_import_edit_that_changes_which_copy_is_imported() -> None:
    model = "from pydantic import BaseModel\n\n\nclass Item(BaseModel):\n    name: str\n"
    sources = {f"{ROOT}/app/__init__.py": "", f"{ROOT}/app/models.py": model, f"{ROOT}/app/schemas.py": model, f"{ROOT}/app/use.py": "from app.schemas import Item\n"}
    index = ProjectIndex.from_sources(sources, (ROOT,))
    assert index.duplicate_of(f"{ROOT}/app/models.py", 4) is not None  # schemas.Item is imported: it is canonical
    for text in ("import os\nfrom app.schemas import Item\n", "from app.models import Item\n", "from app.models import Item\nimport os\n"):
        sources[f"{ROOT}/app/use.py"] = text
        index.update_file(f"{ROOT}/app/use.py", text)
        fresh = ProjectIndex.from_sources(sources, (ROOT,))
        for path in ("models", "schemas"):
            assert index.duplicate_of(f"{ROOT}/app/{path}.py", 4) == fresh.duplicate_of(f"{ROOT}/app/{path}.py", 4), text
    assert index.duplicate_of(f"{ROOT}/app/schemas.py", 4) is not None


def test_copies_and_field_variants_follow_classes_that_only_moved_lines() -> None:
    def models(padding: int, gap: int) -> str:
        head = "from pydantic import BaseModel\n" + "import os\n" * padding
        first = "\n\nclass Item(BaseModel):\n    name: str\n    metadata: dict\n"
        second = "\n\nclass Order(BaseModel):\n" + "    _pad: int = 0\n" * gap + "    metadata_vars: dict\n    total: int\n"
        return head + first + second

    sources = {f"{ROOT}/app/__init__.py": "", f"{ROOT}/app/models.py": models(0, 0), f"{ROOT}/app/schemas.py": models(0, 0).replace("Order", "Other")}
    index = ProjectIndex.from_sources(sources, (ROOT,))

    def seen(index: ProjectIndex) -> list[tuple[object, object, object]]:
        return [(c.ref, index.duplicate_of(c.ref.path, c.ref.span.line), index.field_variants(c.ref.path, c.ref.span.line)) for c in index.classes]

    assert any(duplicate for _, duplicate, _ in seen(index)) and any(variants for _, _, variants in seen(index))
    for padding, gap in ((2, 0), (2, 1), (0, 2), (3, 0)):
        sources[f"{ROOT}/app/models.py"] = models(padding, gap)
        index.update_file(f"{ROOT}/app/models.py", sources[f"{ROOT}/app/models.py"])
        assert seen(index) == seen(ProjectIndex.from_sources(sources, (ROOT,))), (padding, gap)


def test_class_kinds_follow_a_changed_base_in_another_file_transitively() -> None:
    project = RandomProject(0)
    index = ProjectIndex.from_sources(project.sources(), (ROOT,))
    assert [(c.ref.name, c.kind) for c in index.classes] == [("Base", "pydantic"), ("Item", "pydantic"), ("ItemOut", "pydantic"), ("ItemPage", "pydantic")]
    project.fixed["models"] = "plain"
    path = f"{ROOT}/app/models.py"
    index.update_file(path, project.sources()[path])
    assert [c.ref.name for c in index.classes] == []  # ItemOut and ItemPage were pydantic only through Item's base
    project.fixed["models"] = ""
    index.update_file(path, project.sources()[path])
    assert [c.ref.name for c in index.classes] == ["Base", "Item", "ItemOut", "ItemPage"]


def test_a_copied_model_is_found_again_when_the_original_changes() -> None:
    project = RandomProject(0)
    project.fixed["schemas"] = "copy"
    index = ProjectIndex.from_sources(project.sources(), (ROOT,))
    assert index.duplicate_of(f"{ROOT}/app/schemas.py", 4) is not None
    project.fixed["models"] = "plain"
    path = f"{ROOT}/app/models.py"
    index.update_file(path, project.sources()[path])
    assert index.duplicate_of(f"{ROOT}/app/schemas.py", 4) == ProjectIndex.from_sources(project.sources(), (ROOT,)).duplicate_of(f"{ROOT}/app/schemas.py", 4)


def test_a_name_another_file_defines_too_goes_to_the_last_file_defining_it_as_in_a_fresh_graph() -> None:
    first = ModuleCallFacts("app.m", flat_alias_pairs=flat((("app.m.x", "app.a.y"),)))
    second = ModuleCallFacts("app.m", flat_alias_pairs=flat((("app.m.x", "app.b.y"),)))
    third = ModuleCallFacts("app.m", flat_alias_pairs=flat((("app.m.x", "app.c.y"),)))
    graph = CallGraph([("/p/one.py", first), ("/p/two.py", second), ("/p/three.py", ModuleCallFacts("app.m"))])
    assert graph.aliases["app.m.x"] == "app.b.y"
    unchanged = graph.patched({"/p/one.py": first}, {"/p/one.py": ModuleCallFacts("app.m"), "/p/two.py": second, "/p/three.py": ModuleCallFacts("app.m")})
    assert unchanged is not None and unchanged.aliases["app.m.x"] == "app.b.y" and unchanged.contested_paths == frozenset()
    after = {"/p/one.py": first, "/p/two.py": ModuleCallFacts("app.m"), "/p/three.py": third}
    patched = graph.patched({"/p/two.py": second, "/p/three.py": ModuleCallFacts("app.m")}, after)
    assert patched is not None and patched.aliases["app.m.x"] == CallGraph(after.items()).aliases["app.m.x"] == "app.c.y"
    assert patched.contested_paths == {"/p/two.py", "/p/three.py"}  # the name moved from two.py to three.py


def test_a_graph_patch_is_refused_for_a_file_new_to_the_graph() -> None:
    graph = CallGraph([("/p/one.py", ModuleCallFacts("app.one"))])
    assert graph.patched({"/p/two.py": ModuleCallFacts("app.two")}, {"/p/one.py": ModuleCallFacts("app.one"), "/p/two.py": ModuleCallFacts("app.two")}) is None


def test_a_reader_names_a_re_export_when_it_resolves_the_name_or_a_name_inside_it() -> None:
    facts = ModuleCallFacts("app.r", flat_alias_pairs=flat((("app.r.h", "app.helpers.f0"), ("app.r.x", "app.api.x.y"))))
    dependencies = FileDependencies({}, {})
    assert dependencies.names_inside("/r.py", facts, {"app.helpers.f0"})
    assert dependencies.names_inside("/r.py", facts, {"app.api.x"})  # app.api.x.y is inside it
    assert dependencies.names_inside("/r.py", facts, {"app.helpers"})
    assert not dependencies.names_inside("/r.py", facts, {"app.api.xy", "app.helpers.f", "app.api.x.y.z", "app.r"})


def test_file_dependencies_follow_readers_transitively_and_update_their_edges() -> None:
    dependencies = FileDependencies({"a": frozenset({"b"}), "b": frozenset({"c"}), "c": frozenset()}, {"b": frozenset({"a"}), "c": frozenset({"b"})})
    assert dependencies.stale(["c"]) == {"a", "b", "c"}
    assert dependencies.stale(["a"]) == {"a"}


CORPUS_PROJECTS = ("maubot", "chainlit")


@pytest.mark.slow
@pytest.mark.parametrize(("name", "largest"), [*((name, False) for name in CORPUS_PROJECTS), ("paperless-ngx", True)])
def test_edits_of_a_corpus_project_leave_the_model_equal_to_a_fresh_build(name: str, largest: bool) -> None:
    """Body, signature and import edits in turn (each file's edits build on the last: the memo moves and re-keys its
    functions), of six files at random, or of the project's largest file only."""
    sys.path.insert(0, str(BENCHMARKS))
    from corpus import load_manifest
    from index_cost import edited

    project = next(p for p in load_manifest() if p.name == name)
    if not project.package.is_dir():
        pytest.skip(f"corpus project {name} is not materialised (python benchmarks/corpus.py)")
    files = sorted(project.package.rglob("*.py"))
    texts = {str(path): path.read_text(encoding="utf-8", errors="replace") for path in files}
    roots = (str(project.package),)
    index = ProjectIndex.build(files, roots, jobs=1)
    observe(index)
    chooser = random.Random(name)
    for path in [max(texts, key=lambda p: len(texts[p]))] if largest else chooser.sample(sorted(texts), 6):
        for kind in ("body", "signature", "import"):
            text = edited(texts[path], kind)
            if text is None:
                continue
            texts[path] = text
            index.update_file(path, text)
            assert observe(index) == observe(ProjectIndex.from_sources(texts, roots)), (path, kind)


@pytest.mark.parametrize("seed", range(3))
def test_random_edits_with_memos_and_maps_folded_often_leave_the_model_equal_to_a_fresh_build(monkeypatch: pytest.MonkeyPatch, seed: int) -> None:
    from review_ls.project import carried_memo, layered

    monkeypatch.setattr(carried_memo, "FOLD_AT", 3)
    monkeypatch.setattr(layered, "FOLD_AT", 3)
    project = RandomProject(100 + seed)
    index = ProjectIndex.from_sources(project.sources(), (ROOT,))
    observe(index)
    for _ in range(20):
        path = project.edit()
        index.update_file(path, project.sources()[path])
        assert observe(index) == observe(ProjectIndex.from_sources(project.sources(), (ROOT,)))


# Three workspace roots whose modules are not packages: each `jobs.py` is the module `jobs`, so every name they define is
# defined more than once, and which file wins depends on file order (a reader reads the first file and the winner).
TWIN_ROOTS = ("/proj/one", "/proj/two", "/proj/three")
TWIN_BODIES = ("return arg", "time.sleep(1)", "return requests.post(arg)", "state.ITEMS[arg] = 1", "return open(arg).read()", "return jobs.f1(arg)")


def twin_sources(bodies: dict[str, list[str]], extra: dict[str, str]) -> dict[str, str]:
    """Path -> text of each root's `jobs.py` (bodies per root) and `state.py`, and a `routes.py` calling `jobs`."""
    header = "import time\n\nimport requests\n\nimport jobs\nimport state\n" + extra.get("import", "")
    sources = {}
    for root, found in bodies.items():
        functions = "".join(f"\n\ndef f{n}(arg):\n    {body}\n" for n, body in enumerate(found))
        sources[f"{root}/jobs.py"] = header + extra.get(root, "") + functions
        sources[f"{root}/state.py"] = "ITEMS = {}\n"
    sources[f"{TWIN_ROOTS[0]}/routes.py"] = (
        'import jobs\nfrom fastapi import FastAPI\n\napp = FastAPI()\n\n\n@app.get("/x")\ndef route(arg):\n    return jobs.f0(arg) or jobs.f3(arg)\n'
    )
    return sources


@pytest.mark.parametrize("seed", range(6))
def test_random_edits_of_names_defined_twice_leave_the_model_equal_to_a_fresh_build(seed: int) -> None:
    chooser = random.Random(seed)
    bodies = {root: [chooser.choice(TWIN_BODIES) for _ in range(3)] for root in TWIN_ROOTS}
    extra: dict[str, str] = {}
    index = ProjectIndex.from_sources(twin_sources(bodies, extra), TWIN_ROOTS)
    observe(index)
    for _ in range(20):
        root = chooser.choice(TWIN_ROOTS)
        kind = chooser.choice(("body", "body", "count", "count", "only here", "import"))
        if kind == "body":
            bodies[root][chooser.randrange(len(bodies[root]))] = chooser.choice(TWIN_BODIES)
        elif kind == "count":  # f3 (which the route calls) comes or goes in this copy: the other copy's f3 may win now
            bodies[root] = bodies[root][:3] if len(bodies[root]) > 3 else [*bodies[root], chooser.choice(TWIN_BODIES)]
        elif kind == "only here":  # a function only this copy defines comes or goes
            extra[root] = "" if extra.get(root) else "\n\ndef only(arg):\n    time.sleep(1)\n"
        else:
            extra["import"] = "" if extra.get("import") else "import json as _json\n"
        sources = twin_sources(bodies, extra)
        for path in (f"{root}/jobs.py",) if kind != "import" else [p for p in sources if p.endswith("jobs.py")]:
            index.update_file(path, sources[path])
        assert observe(index) == observe(ProjectIndex.from_sources(sources, TWIN_ROOTS)), (root, kind)


def state_chain_sources(helper: str) -> dict[str, str]:
    """A route that writes `state.ITEMS` through a service and a helper, whose definition is `helper`."""
    return {
        f"{ROOT}/app/__init__.py": "",
        f"{ROOT}/app/state.py": "ITEMS = {}\n",
        f"{ROOT}/app/helpers.py": f"from app import state\n\n\n{helper}",
        f"{ROOT}/app/services.py": "from app import helpers\n\n\ndef save(arg):\n    return helpers.put(arg)\n",
        f"{ROOT}/app/routes.py": 'from fastapi import FastAPI\n\nfrom app import services\n\napp = FastAPI()\n\n\n@app.get("/x")\ndef route(arg):\n    return services.save(arg)\n',
    }


def test_an_edit_that_leaves_a_functions_writes_as_they_were_keeps_the_effects_of_its_callers() -> None:
    writes = "def put(arg):\n    state.ITEMS[arg] = 1\n\n\ndef log(arg):\n    return arg\n"
    index = ProjectIndex.from_sources(state_chain_sources(writes), (ROOT,))
    observe(index)
    before = index.process_state.memo().get("app.services.save")
    assert before is not None and "app.state.ITEMS" in before.state
    sources = state_chain_sources(writes.replace("= 1\n", "= 1\n    log(arg)\n"))  # a new call, to a function that writes nothing
    index.update_file(f"{ROOT}/app/helpers.py", sources[f"{ROOT}/app/helpers.py"])
    assert [m.chain.describe() for m in index.process_state.mutators("app.state.ITEMS")] == ["route -> save -> put -> state.ITEMS[...]"]
    assert index.process_state.memo().get("app.services.save") is before  # kept, not derived again: `put` writes what it wrote
    assert observe(index) == observe(ProjectIndex.from_sources(sources, (ROOT,)))


@pytest.mark.parametrize(
    ("first", "then"),
    [
        ("def put(arg):\n    state.ITEMS[arg] = 1\n", "def put(arg, other=None):\n    return arg\n"),  # the write goes
        ("def put(arg):\n    return arg\n", "def put(arg, other=None):\n    state.ITEMS[arg] = 1\n"),  # a write comes
        ("def put(arg):\n    state.ITEMS[arg] = 1\n", "def put(arg, other=None):\n\n    state.ITEMS[arg] = 1\n"),  # the write moves
    ],
)
def test_a_function_whose_writes_changed_changes_the_effects_of_its_callers_in_other_files(first: str, then: str) -> None:
    index = ProjectIndex.from_sources(state_chain_sources(first), (ROOT,))
    observe(index)
    sources = state_chain_sources(then)
    index.update_file(f"{ROOT}/app/helpers.py", sources[f"{ROOT}/app/helpers.py"])
    assert observe(index) == observe(ProjectIndex.from_sources(sources, (ROOT,)))
