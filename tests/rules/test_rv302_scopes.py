"""RV302 knows what a name holds as Python scopes it: locals hide module objects, nested functions see
their enclosing function, rebinding forgets, tuples, attributes, class attributes, return annotations
and container parameters carry the object; awaited module functions still block (issue #14)."""

from __future__ import annotations

from review_ls import analyse_source
from review_ls.config import Settings
from review_ls.engine.fixes import apply_edits, compute_fix


def _findings(source: str, metadata_checks: bool = False) -> list[tuple[int, str]]:
    options = (("RV302", (("report-metadata-checks", metadata_checks),)),)
    findings = analyse_source(source, "m.py", Settings(select=("RV302",), options=options)).findings
    return [(f.span.line, f.message.split(" blocks", 1)[0]) for f in findings]


def _lines(source: str, metadata_checks: bool = False) -> list[int]:
    return [line for line, _ in _findings(source, metadata_checks)]


MODULE_FILE = "import io\n\nf = open('log.txt')\n\n"


def test_parameter_or_with_target_of_the_module_files_name_is_not_that_file() -> None:
    source = MODULE_FILE + "async def g(f):\n    f.read()\n\n\nasync def h(blah):\n    with blah('x') as f:\n        f.read()\n"
    assert _lines(source) == []


def test_module_file_is_still_seen_where_nothing_rebinds_it() -> None:
    source = MODULE_FILE + "async def g():\n    f.read()\n"
    assert _findings(source) == [(6, "f.read()")]


def test_nested_function_sees_its_enclosing_functions_binding() -> None:
    shadowed = MODULE_FILE + "def outer(f: int):\n    async def inner():\n        f.read()\n    return inner\n"
    closed_over = "from pathlib import Path\n\n\nasync def outer():\n    p = Path('x')\n\n    async def inner():\n        p.open()\n"
    assert (_lines(shadowed), _findings(closed_over)) == ([], [(8, "p.open()")])


def test_tuple_assignment_binds_each_file() -> None:
    source = "async def g(a, b):\n    x, y = open(a), open(b)\n    x.read()\n    y.read()\n"
    assert _findings(source) == [(2, "open()"), (2, "open()"), (3, "x.read()"), (4, "y.read()")]


def test_rebinding_a_file_name_to_something_else_forgets_the_file() -> None:
    source = "import io\n\nasync def g(p, parse):\n    f: io.TextIOWrapper = open(p)\n    f = parse(f)\n    f.read()\n"
    assert _lines(source) == [4]


def test_builtins_input_is_input() -> None:
    source = "import builtins\n\nasync def ask():\n    return builtins.input('name? ')\n"
    assert _findings(source) == [(4, "input()")]


def test_awaited_module_function_blocks_but_awaited_builtin_name_is_taken_as_async() -> None:
    source = "import os.path\nimport time\n\nasync def g(p):\n    await os.path.isfile(p)\n    await time.sleep(1)\n    await open(p)\n"
    assert _findings(source, metadata_checks=True) == [(5, "os.path.isfile()"), (6, "time.sleep()")]


def test_awaited_time_sleep_is_fixed_without_a_second_await() -> None:
    source = "import time\n\nasync def g():\n    await time.sleep(1)\n"
    finding = analyse_source(source, "m.py", Settings(select=("RV302",))).findings[0]
    fix = compute_fix(source, finding, "m.py", Settings(select=("RV302",)))
    assert fix is not None
    assert apply_edits(source, fix.edits) == "import asyncio\nimport time\n\nasync def g():\n    await asyncio.sleep(1)\n"


SERVICE = """
import requests


class Weather:
    def __init__(self, key):
        self.session = requests.Session()
        self.key = key

    async def today(self, city):
        return self.session.get("https://api.example.com", params={"q": city}).json()

    @staticmethod
    async def other(self):
        return self.session.get("https://api.example.com")
"""


def test_instance_attribute_set_to_a_sync_client_in_another_method_is_that_client() -> None:
    assert _findings(SERVICE) == [(11, "self.session.get()")]


def test_instance_attribute_set_to_two_kinds_of_object_is_neither() -> None:
    source = SERVICE.replace("        self.key = key\n", "        self.key = key\n\n    def reset(self, session):\n        self.session = session\n")
    assert _findings(source) == []


def test_class_body_annotation_names_the_attributes_type() -> None:
    source = "import io\n\n\nclass Report:\n    out: io.TextIOWrapper\n\n    async def flush(self):\n        self.out.write('x')\n"
    assert _findings(source) == [(8, "self.out.write()")]


def test_function_annotated_to_return_a_sync_client_makes_one() -> None:
    source = "import httpx\n\n\ndef get_client() -> httpx.Client:\n    return httpx.Client()\n\n\nasync def fetch(url):\n    client = get_client()\n    return client.get(url)\n"
    assert _findings(source) == [(10, "client.get()")]


def test_loop_over_a_parameter_typed_as_a_list_of_files_reads_files() -> None:
    source = "import io\n\nasync def concat(parts: list[io.TextIOWrapper], names: list[str]):\n    for part in parts:\n        part.read()\n    for name in names:\n        name.strip()\n"
    assert _findings(source) == [(5, "part.read()")]
