"""RV4 cases that one-file examples cannot show: other files of the project, options, fix details."""

from __future__ import annotations

import textwrap

from review_ls.config import Settings
from review_ls.engine.analysis import analyse_source
from review_ls.engine.fixes import apply_edits, compute_fix
from review_ls.engine.model import Applicability, Finding, Severity
from review_ls.project import ProjectIndex


def src(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")


CONFIG = src(
    """
    from pydantic_settings import BaseSettings


    class Settings(BaseSettings):
        worker_url: str = "http://localhost:8001"
        max_jobs: int = 4


    settings = Settings()
    """
)
WORKER = src(
    """
    import os


    def submit(job):
        url = os.getenv("WORKER_URL", "http://localhost:8001")
        return post(url, job)
    """
)


def project(files: dict[str, str]) -> ProjectIndex:
    return ProjectIndex.from_sources({f"/proj/{path}": src(text) for path, text in files.items()}, ("/proj",))


def findings(code: str, source: str, path: str, index: ProjectIndex | None, settings: Settings | None = None) -> list[Finding]:
    result = analyse_source(source, path, settings or Settings(select=(code,)), index)
    assert result.internal_errors == ()
    return [f for f in result.findings if f.code == code]


def fixed(source: str, finding: Finding, path: str, index: ProjectIndex | None, code: str) -> str:
    fix = compute_fix(source, finding, path, Settings(select=(code,)), index)
    assert fix is not None
    return apply_edits(source, fix.edits)


# -- RV402 ----------------------------------------------------------------------------------------

def test_rv402_fix_reads_the_settings_object_of_another_module() -> None:
    index = project({"app/__init__.py": "", "app/config.py": CONFIG, "app/worker.py": WORKER})
    (finding,) = findings("RV402", WORKER, "/proj/app/worker.py", index)
    assert finding.severity is Severity.HINT and finding.fixable
    assert "use settings.worker_url" in finding.message
    result = fixed(WORKER, finding, "/proj/app/worker.py", index, "RV402")
    assert result == src(
        """
        import os

        from app.config import settings


        def submit(job):
            url = settings.worker_url
            return post(url, job)
        """
    )
    fix = compute_fix(WORKER, finding, "/proj/app/worker.py", Settings(select=("RV402",)), index)
    assert fix is not None and fix.applicability is Applicability.UNSAFE


def test_rv402_fix_calls_a_settings_factory() -> None:
    config = CONFIG.replace("settings = Settings()", "def get_settings():\n    return Settings()")
    index = project({"app/__init__.py": "", "app/config.py": config, "app/worker.py": WORKER})
    (finding,) = findings("RV402", WORKER, "/proj/app/worker.py", index)
    assert "from app.config import get_settings" in fixed(WORKER, finding, "/proj/app/worker.py", index, "RV402")
    assert "url = get_settings().worker_url" in fixed(WORKER, finding, "/proj/app/worker.py", index, "RV402")


def test_rv402_without_a_matching_field_says_where_the_settings_are() -> None:
    source = WORKER.replace("WORKER_URL", "QUEUE_URL")
    index = project({"app/__init__.py": "", "app/config.py": CONFIG, "app/worker.py": source})
    (finding,) = findings("RV402", source, "/proj/app/worker.py", index)
    assert not finding.fixable
    assert "app.config" in finding.message


def test_rv402_no_fix_when_settings_means_something_else_here() -> None:
    source = "from django.conf import settings\n" + WORKER
    index = project({"app/__init__.py": "", "app/config.py": CONFIG, "app/worker.py": source})
    (finding,) = findings("RV402", source, "/proj/app/worker.py", index)
    assert not finding.fixable


def test_rv402_quiet_in_the_settings_module_tests_and_for_platform_variables() -> None:
    index = project({"app/config.py": CONFIG + "\nDEBUG = os.getenv('DEBUG', '0')\n", "app/worker.py": WORKER})
    assert findings("RV402", WORKER, "/proj/tests/test_worker.py", index) == []
    settings_module = CONFIG + "\nimport os\n\ndef debug():\n    return os.getenv('DEBUG', '0')\n"
    assert findings("RV402", settings_module, "/proj/app/config.py", index) == []
    platform = "import os\n\ndef home():\n    return os.environ.get('HOME', '/root')\n"
    assert findings("RV402", platform, "/proj/app/worker.py", index) == []


def test_rv402_without_settings_is_silent_or_a_hint() -> None:
    index = project({"lib/util.py": WORKER})
    assert findings("RV402", WORKER, "/proj/lib/util.py", index) == []
    hint_settings = Settings(select=("RV402",), options=(("RV402", (("without_settings", "hint"),)),))
    (finding,) = findings("RV402", WORKER, "/proj/lib/util.py", index, hint_settings)
    assert finding.severity is Severity.HINT and not finding.fixable
    assert findings("RV402", WORKER, "lib/util.py", None, hint_settings)[0].severity is Severity.HINT


def test_rv402_settings_of_another_root_do_not_count() -> None:
    index = ProjectIndex.from_sources({"/a/config.py": CONFIG, "/b/worker.py": WORKER}, ("/a", "/b"))
    assert findings("RV402", WORKER, "/b/worker.py", index) == []


# -- RV405 ----------------------------------------------------------------------------------------

MODEL = src(
    """
    from pydantic import BaseModel


    class User(BaseModel):
        id: int
        name: str
        email: str
    """
)
HANDLERS = src(
    """
    from pydantic import BaseModel


    class User(BaseModel):
        id: int
        name: str
        email: str


    def show(user: User) -> str:
        return user.name
    """
)


def test_rv405_points_at_the_canonical_model_and_imports_it() -> None:
    index = project({"app/__init__.py": "", "app/models.py": MODEL, "app/handlers.py": HANDLERS})
    (finding,) = findings("RV405", HANDLERS, "/proj/app/handlers.py", index)
    assert (finding.span.line, finding.span.col, finding.span.end_col) == (4, 6, 10)
    assert "duplicates User (app.models)" in finding.message
    (related,) = finding.related
    assert (related.path, related.span.line) == ("/proj/app/models.py", 4)
    assert fixed(HANDLERS, finding, "/proj/app/handlers.py", index, "RV405") == src(
        """
        from pydantic import BaseModel

        from app.models import User


        def show(user: User) -> str:
            return user.name
        """
    )
    assert findings("RV405", MODEL, "/proj/app/models.py", index) == []


def test_rv405_copy_under_a_role_name_becomes_a_subclass_keeping_its_name_and_docstring() -> None:
    # An alias (`UserOut = User`) would rename the OpenAPI schema and lose the docstring (its description).
    copy = HANDLERS.replace("class User(BaseModel):\n", 'class UserOut(BaseModel):\n    """A user as the API returns it."""\n\n').replace(
        "user: User", "user: UserOut"
    )
    index = project({"app/__init__.py": "", "app/models.py": MODEL, "app/handlers.py": copy})
    (finding,) = findings("RV405", copy, "/proj/app/handlers.py", index)
    result = fixed(copy, finding, "/proj/app/handlers.py", index, "RV405")
    assert "from app.models import User\n" in result
    assert 'class UserOut(User):\n    """A user as the API returns it."""\n\n\ndef show' in result
    assert "UserOut = User" not in result


def test_rv405_copy_that_differs_is_reported_without_a_fix() -> None:
    copy = HANDLERS.replace("    email: str", "    email: str = ''")
    index = project({"app/models.py": MODEL, "app/handlers.py": copy})
    (finding,) = findings("RV405", copy, "/proj/app/handlers.py", index)
    assert not finding.fixable


def test_rv405_needs_the_index_for_other_files() -> None:
    assert findings("RV405", HANDLERS, "/proj/app/handlers.py", None) == []


def test_rv405_stale_index_line_is_ignored() -> None:
    index = project({"app/models.py": MODEL, "app/handlers.py": HANDLERS})
    shifted = "\n\n" + HANDLERS
    assert findings("RV405", shifted, "/proj/app/handlers.py", index) == []


def test_rv405_offers_no_fix_when_the_canonical_module_imports_the_copy_transitively() -> None:
    models = "from app.services import audit\n" + MODEL
    files = {"app/__init__.py": "", "app/models.py": models, "app/services.py": "from app.handlers import show\n", "app/handlers.py": HANDLERS}
    (finding,) = findings("RV405", HANDLERS, "/proj/app/handlers.py", project(files))
    assert not finding.fixable
    assert "importing it from app.models here would close an import cycle" in finding.message


def test_rv405_two_fixes_that_import_each_others_module_are_not_both_offered() -> None:
    # Netflix/dispatch: case/models.py copies IncidentReadBasic and incident/models.py copies
    # CaseReadBasic; fixing both would make each module import the other.
    case_read = "class CaseRead(BaseModel):\n    id: int\n    title: str\n"
    incident_read = "class IncidentRead(BaseModel):\n    id: int\n    name: str\n"
    header = "from pydantic import BaseModel\n\n\n"
    case = header + case_read + "\n\n" + incident_read
    incident = header + incident_read + "\n\n" + case_read
    files = {
        "app/__init__.py": "",
        "app/case.py": case,
        "app/incident.py": incident,
        "app/views.py": "from app.case import CaseRead\nfrom app.incident import IncidentRead\n",
    }
    index = project(files)
    (case_copy,) = findings("RV405", src(case), "/proj/app/case.py", index)
    (incident_copy,) = findings("RV405", src(incident), "/proj/app/incident.py", index)
    assert (case_copy.span.line, incident_copy.span.line) == (9, 9)
    assert case_copy.fixable
    assert "from app.incident import IncidentRead\n" in fixed(src(case), case_copy, "/proj/app/case.py", index, "RV405")
    assert not incident_copy.fixable
    assert "would close an import cycle" in incident_copy.message


def test_rv405_imports_under_type_checking_or_in_functions_make_no_cycle() -> None:
    models = src(
        """
        from typing import TYPE_CHECKING

        if TYPE_CHECKING:
            from app.handlers import show


        def load():
            from app.handlers import show
        """
    ) + MODEL
    files = {"app/__init__.py": "", "app/models.py": models, "app/handlers.py": HANDLERS}
    (finding,) = findings("RV405", HANDLERS, "/proj/app/handlers.py", project(files))
    assert finding.fixable
    assert "from app.models import User\n" in fixed(HANDLERS, finding, "/proj/app/handlers.py", project(files), "RV405")


def test_rv405_no_import_fix_when_the_canonical_name_is_replaced_later_in_its_module() -> None:
    models = MODEL + "\n\nclass User:\n    pass\n"
    files = {"app/__init__.py": "", "app/models.py": models, "app/handlers.py": HANDLERS}
    (finding,) = findings("RV405", HANDLERS, "/proj/app/handlers.py", project(files))
    assert not finding.fixable


def test_rv405_subclasses_and_migrations_are_not_copies() -> None:
    subclass = src(
        """
        from app.models import User


        class UserUpdate(User):
            pass


        class UserRead(User):
            id: int
            name: str
            email: str
        """
    )
    files = {"app/__init__.py": "", "app/models.py": MODEL, "app/schemas.py": subclass}
    assert findings("RV405", subclass, "/proj/app/schemas.py", project(files)) == []
    for migration in ("app/migrations/0002_user.py", "migrations/versions/0002_user.py"):
        files = {"app/__init__.py": "", "app/models.py": MODEL, migration: MODEL}
        index = project(files)
        assert findings("RV405", MODEL, f"/proj/{migration}", index) == []
        assert findings("RV405", MODEL, "/proj/app/models.py", index) == []


def test_rv405_canonical_is_the_copy_the_project_imports() -> None:
    files = {
        "app/__init__.py": "",
        "app/models.py": MODEL,
        "app/users/__init__.py": "",
        "app/users/schemas.py": MODEL,
        "app/routes.py": "from app.users.schemas import User\n",
    }
    index = project(files)
    (finding,) = findings("RV405", MODEL, "/proj/app/models.py", index)
    assert "duplicates User (app.users.schemas)" in finding.message
    assert findings("RV405", MODEL, "/proj/app/users/schemas.py", index) == []


PROMPT_SCHEMAS = """
        from pydantic import BaseModel


        class PromptBase(BaseModel):
            genai_type: int | None = None
            genai_prompt: str | None = None
            enabled: bool | None = None


        class PromptCreate(PromptBase):
            project: str | None = None
        """


def test_rv405_a_model_other_classes_inherit_from_is_the_canonical_one() -> None:
    # PromptUpdate (in another module) repeats PromptBase, which PromptCreate extends; views import
    # PromptUpdate more often, but the base must stay and the copy becomes its subclass.
    source = src(PROMPT_SCHEMAS)
    update = src(
        """
        from pydantic import BaseModel


        class PromptUpdate(BaseModel):
            genai_type: int | None = None
            genai_prompt: str | None = None
            enabled: bool | None = None
        """
    )
    views = "from app.updates import PromptUpdate\n"
    index = project({"app/__init__.py": "", "app/models.py": source, "app/updates.py": update, "app/views.py": views, "app/api.py": views})
    (finding,) = findings("RV405", update, "/proj/app/updates.py", index)
    assert finding.span.line == 4 and "PromptBase (app.models)" in finding.message
    assert findings("RV405", source, "/proj/app/models.py", index) == []
    assert fixed(update, finding, "/proj/app/updates.py", index, "RV405").endswith("class PromptUpdate(PromptBase):\n    pass\n")


def test_rv405_one_resources_base_and_update_schemas_in_one_module_are_a_family_not_copies() -> None:
    # Netflix/dispatch ai/prompt/models.py: PromptUpdate has PromptBase's fields today; separate
    # Create/Update schemas next to each other are the API convention (judged debatable, issue #15).
    source = src(PROMPT_SCHEMAS + """

        class PromptUpdate(BaseModel):
            genai_type: int | None = None
            genai_prompt: str | None = None
            enabled: bool | None = None
        """)
    index = project({"app/__init__.py": "", "app/models.py": source})
    assert findings("RV405", source, "/proj/app/models.py", index) == []


# -- RV401, RV403, RV406 with the index -------------------------------------------------------------

def test_rv401_singleton_of_a_project_class_imported_from_another_module() -> None:
    handler = src(
        """
        from fastapi import FastAPI
        from app.hub import Hub

        app = FastAPI()
        hub = Hub()

        @app.post("/join")
        async def join(user: str):
            hub.register(user)
        """
    )
    index = project({"app/__init__.py": "", "app/hub.py": "class Hub:\n    pass\n", "app/main.py": handler})
    assert [f.span.line for f in findings("RV401", handler, "/proj/app/main.py", index)] == [5]  # at the definition of hub
    assert findings("RV401", handler, "/proj/app/main.py", None) == []  # without the index Hub may be a library class


def test_rv401_handler_registered_by_call_in_another_module() -> None:
    views = "JOBS = []\n\nasync def create(request):\n    JOBS.append(await request.json())\n"
    routes = "from starlette.routing import Route\nfrom app.views import create\n\nroutes = [Route('/jobs', create, methods=['POST'])]\n"
    index = project({"app/__init__.py": "", "app/views.py": views, "app/routes.py": routes})
    assert [f.span.line for f in findings("RV401", views, "/proj/app/views.py", index)] == [1]  # at the definition of JOBS


STATE = "SUBSCRIBERS = []\n\n\ndef subscribe(callback):\n    SUBSCRIBERS.append(callback)\n"


def _state_findings(files: dict[str, str]) -> list[Finding]:
    index = project({"app/__init__.py": "", "app/state.py": STATE, **files})
    return findings("RV401", src(STATE), "/proj/app/state.py", index)


def test_rv401_one_finding_per_state_object_with_every_entry_point_related() -> None:
    routes = "from fastapi import APIRouter\nfrom app.state import subscribe\n\nrouter = APIRouter()\n\n" + "".join(
        f"@router.post('/r{n}')\nasync def route_{n}(cb: str):\n    subscribe(cb)\n\n" for n in range(7)
    )
    (finding,) = _state_findings({"app/routes.py": routes})
    assert finding.span.line == 1
    assert "by 7 entry points" in finding.message
    entry_points = [r for r in finding.related if "writes it" in r.message]
    assert len(entry_points) == 5  # capped
    assert all(r.path == "/proj/app/routes.py" for r in entry_points)
    assert [r.span.line for r in finding.related if r.message.startswith("written here")] == [5]


def test_rv401_celery_task_in_another_module_writes_state_through_two_helpers() -> None:
    tasks = "from celery import shared_task\nfrom app.helpers import track\n\n@shared_task\ndef ingest(item):\n    track(item)\n"
    helpers = "from app.state import subscribe\n\ndef track(item):\n    subscribe(item)\n"
    (finding,) = _state_findings({"app/tasks.py": tasks, "app/helpers.py": helpers})
    assert "task ingest() (ingest -> track -> subscribe -> SUBSCRIBERS.append)" in finding.message


def test_rv401_entry_points_in_tests_scripts_and_migrations_do_not_count() -> None:
    route = "from fastapi import FastAPI\nfrom app.state import subscribe\n\napp = FastAPI()\n\n@app.post('/x')\nasync def x(cb: str):\n    subscribe(cb)\n"
    assert _state_findings({"tests/test_api.py": route, "scripts/seed.py": route, "app/migrations/0002_fill.py": route}) == []
    assert len(_state_findings({"app/api.py": route})) == 1


def test_rv401_cached_helpers_and_constructors_do_not_write_per_request() -> None:
    helpers = src(
        """
        import functools
        from app.state import SUBSCRIBERS


        @functools.lru_cache
        def remember(key):
            SUBSCRIBERS.append(key)


        class Registry:
            def __init__(self):
                SUBSCRIBERS.append(self)
        """
    )
    route = "from fastapi import FastAPI\nfrom app.helpers import Registry, remember\n\napp = FastAPI()\n\n@app.get('/x')\nasync def x(key: str):\n    remember(key)\n"
    assert _state_findings({"app/helpers.py": helpers, "app/api.py": route}) == []


def test_rv401_recursive_helpers_terminate() -> None:
    helpers = "from app.state import subscribe\n\ndef a(n):\n    return b(n - 1)\n\ndef b(n):\n    if n:\n        return a(n)\n    subscribe(n)\n"
    route = "from fastapi import FastAPI\nfrom app.helpers import a\n\napp = FastAPI()\n\n@app.get('/x')\nasync def x(n: int):\n    a(n)\n"
    (finding,) = _state_findings({"app/helpers.py": helpers, "app/api.py": route})
    assert "x -> a -> b -> subscribe -> SUBSCRIBERS.append" in finding.message


def test_rv401_the_finding_follows_an_edit_of_the_route_module() -> None:
    route = "from fastapi import FastAPI\nfrom app.state import subscribe\n\napp = FastAPI()\n\n@app.get('/x')\nasync def x(cb: str):\n    subscribe(cb)\n"
    index = project({"app/__init__.py": "", "app/state.py": STATE, "app/api.py": route})
    assert len(findings("RV401", src(STATE), "/proj/app/state.py", index)) == 1
    before = index.fingerprint
    index.update_file("/proj/app/api.py", route.replace("    subscribe(cb)\n", "    return cb\n"))
    assert index.fingerprint != before
    assert findings("RV401", src(STATE), "/proj/app/state.py", index) == []


def test_rv403_patching_the_projects_own_module_is_quiet_with_the_index() -> None:
    patch = "import app.models\n\napp.models.User.__str__ = lambda self: self.name\n"
    index = project({"app/__init__.py": "", "app/models.py": MODEL, "app/patches.py": patch})
    assert findings("RV403", patch, "/proj/app/patches.py", index) == []
    assert len(findings("RV403", patch, "/proj/app/patches.py", None)) == 1


def test_rv406_heavy_import_flagged_when_another_module_imports_it_at_the_top() -> None:
    lazy = "def mean(values):\n    import numpy as np\n    return np.mean(values)\n"
    assert findings("RV406", lazy, "/proj/app/stats.py", project({"app/stats.py": lazy})) == []
    index = project({"app/stats.py": lazy, "app/arrays.py": "import numpy\n"})
    (finding,) = findings("RV406", lazy, "/proj/app/stats.py", index)
    assert fixed(lazy, finding, "/proj/app/stats.py", index, "RV406") == "import numpy as np\ndef mean(values):\n    return np.mean(values)\n"


def test_rv406_import_that_is_the_whole_body_leaves_pass() -> None:
    source = "import numpy\n\ndef warm_up():\n    import numpy.linalg\n"
    (finding,) = findings("RV406", source, "m.py", None)
    assert fixed(source, finding, "m.py", None, "RV406") == "import numpy\nimport numpy.linalg\n\ndef warm_up():\n    pass\n"


def _route(body: str, imports: str) -> str:
    return f"from fastapi import FastAPI\n{imports}\n\napp = FastAPI()\n\n@app.post('/x')\nasync def x(key: str):\n{body}"


def test_rv401_awaited_helpers_are_followed() -> None:
    helpers = "from app.state import SUBSCRIBERS\n\nasync def track(key):\n    SUBSCRIBERS.append(key)\n"
    route = _route("    await track(key)\n", "from app.helpers import track")
    (finding,) = _state_findings({"app/helpers.py": helpers, "app/api.py": route})
    assert "x -> track -> SUBSCRIBERS.append" in finding.message


def test_rv401_a_submodule_named_like_a_re_export_of_its_package() -> None:
    # `app/__init__.py` re-exports `state` from app.state: `app.state.SUBSCRIBERS` still names the module's list.
    index = project({"app/__init__.py": "from app.state import state\n", "app/state.py": STATE + "state = object()\n", "app/api.py": _route("    subscribe(key)\n", "from app.state import subscribe")})
    assert len(findings("RV401", src(STATE + "state = object()\n"), "/proj/app/state.py", index)) == 1


def test_rv401_method_of_a_module_level_instance_writes_another_container() -> None:
    context = "contexts = {}\n\n\nclass ChatContext:\n    def add(self, key, message):\n        contexts.setdefault(key, []).append(message)\n\n\nchat_context = ChatContext()\n"
    route = _route("    chat_context.add(key, 'hi')\n", "from app.context import chat_context")
    index = project({"app/__init__.py": "", "app/context.py": context, "app/api.py": route})
    assert [f.span.line for f in findings("RV401", context, "/proj/app/context.py", index)] == [1]


def test_rv401_constructor_run_per_request_registers_the_instance() -> None:
    sessions = "by_id = {}\n\n\nclass Session:\n    def __init__(self, key):\n        self.key = key\n        by_id[key] = self\n"
    route = _route("    Session(key)\n", "from app.sessions import Session")
    index = project({"app/__init__.py": "", "app/sessions.py": sessions, "app/api.py": route})
    (finding,) = findings("RV401", sessions, "/proj/app/sessions.py", index)
    assert "x -> Session.__init__ -> by_id[...]" in finding.message


def test_rv401_get_or_create_caches_and_service_methods_named_like_container_methods_are_quiet() -> None:
    clients = "import openai\n\nopenai_clients = {}\n\n\ndef client_for(key):\n    client = openai_clients.get(key)\n    if not client:\n        client = openai.OpenAI(api_key=key)\n        openai_clients[key] = client\n    return client\n"
    service = "class ProductService:\n    async def update(self, session, product, data):\n        session.add(product)\n\n\nproduct = ProductService()\n"
    route = _route("    client_for(key)\n    await product_service.update(None, key, {})\n", "from app.clients import client_for\nfrom app.service import product as product_service")
    index = project({"app/__init__.py": "", "app/clients.py": clients, "app/service.py": service, "app/api.py": route})
    assert findings("RV401", clients, "/proj/app/clients.py", index) == []
    assert findings("RV401", service, "/proj/app/service.py", index) == []
