"""The project index: facts across files, incremental updates, fingerprint, module names, building."""

from __future__ import annotations

import pickle
import textwrap
from pathlib import Path

from review_ls.project import ProjectIndex, build_index
from review_ls.project.views import Kind


def src(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")


SETTINGS = src(
    """
    from pydantic_settings import BaseSettings, SettingsConfigDict
    from pydantic import Field


    class Settings(BaseSettings):
        model_config = SettingsConfigDict(env_prefix="APP_")

        worker_url: str = "http://localhost:8001"
        api_key: str = Field("", alias="SERVICE_API_KEY")


    settings = Settings()
    """
)


def index_of(files: dict[str, str], roots: tuple[str, ...] = ("/proj",)) -> ProjectIndex:
    return ProjectIndex.from_sources({f"/proj/{path}": src(text) for path, text in files.items()}, roots)


def test_settings_field_matches_env_name_with_prefix_and_alias() -> None:
    index = index_of({"app/__init__.py": "", "app/config.py": SETTINGS, "app/main.py": "x = 1\n"})
    target = index.settings_for_env("APP_WORKER_URL", "/proj/app/main.py")
    assert target is not None
    assert (target.module, target.object_name, target.field, target.is_factory) == ("app.config", "settings", "worker_url", False)
    assert index.settings_for_env("app_worker_url", "/proj/app/main.py") == target  # case-insensitive by default
    assert index.settings_for_env("WORKER_URL", "/proj/app/main.py") is None  # the prefix is required
    alias = index.settings_for_env("SERVICE_API_KEY", "/proj/app/main.py")
    assert alias is not None and alias.field == "api_key"
    assert index.has_settings_for("/proj/app/main.py")
    assert index.is_settings_module("/proj/app/config.py")
    assert index.settings_home_for("/proj/app/main.py") == "app.config"


def test_settings_class_found_through_a_project_base_class_and_a_factory() -> None:
    index = index_of(
        {
            "core/__init__.py": "",
            "core/base.py": """
                from pydantic_settings import BaseSettings

                class AppSettings(BaseSettings):
                    redis_url: str = "redis://localhost"
                """,
            "core/settings.py": """
                from functools import lru_cache
                from core.base import AppSettings

                class Settings(AppSettings):
                    workers: int = 4

                @lru_cache
                def get_settings():
                    return Settings()
                """,
        }
    )
    target = index.settings_for_env("REDIS_URL", "/proj/core/other.py")
    assert target is not None
    assert (target.module, target.object_name, target.is_factory, target.expression("get_settings")) == (
        "core.settings",
        "get_settings",
        True,
        "get_settings().redis_url",
    )
    kinds = {c.ref.name: c.kind for c in index.classes}
    assert kinds == {"AppSettings": Kind.SETTINGS, "Settings": Kind.SETTINGS}


def test_settings_belong_to_their_workspace_root() -> None:
    index = ProjectIndex.from_sources(
        {"/a/config.py": SETTINGS, "/a/main.py": "x = 1\n", "/b/main.py": "x = 1\n"},
        roots=("/a", "/b"),
    )
    assert index.has_settings_for("/a/main.py")
    assert not index.has_settings_for("/b/main.py")
    assert index.settings_for_env("APP_WORKER_URL", "/b/main.py") is None


def test_config_module_that_sets_names_from_the_environment_counts_as_settings() -> None:
    config = "import os\n\nDATABASE_URL = os.environ.get('DATABASE_URL', 'sqlite://')\n"
    helper = "import os\n\ndef home():\n    return os.environ.get('HOME_DIR', '/')\n"
    assert index_of({"config.py": config}).has_settings_for("/proj/x.py")
    assert not index_of({"utils.py": helper}).has_settings_for("/proj/x.py")
    assert not index_of({"config.py": helper}).has_settings_for("/proj/x.py")


def test_model_kinds() -> None:
    index = index_of(
        {
            "models.py": """
                from dataclasses import dataclass
                from pydantic import BaseModel
                from sqlalchemy.orm import DeclarativeBase
                from sqlmodel import SQLModel

                class Base(DeclarativeBase):
                    pass

                class User(Base):
                    __tablename__ = "users"

                class Point(BaseModel):
                    x: int

                class Point3(Point):
                    z: int

                @dataclass
                class Pair:
                    a: int

                class Hero(SQLModel, table=True):
                    id: int

                class HeroRead(SQLModel):
                    id: int

                class Plain:
                    pass
                """
        }
    )
    kinds = {c.ref.name: c.kind for c in index.classes}
    assert kinds == {
        "Base": Kind.SQLALCHEMY,
        "User": Kind.SQLALCHEMY,
        "Point": Kind.PYDANTIC,
        "Point3": Kind.PYDANTIC,
        "Pair": Kind.DATACLASS,
        "Hero": Kind.SQLMODEL_TABLE,
        "HeroRead": Kind.PYDANTIC,
    }


def test_client_classes_and_registered_route_handlers() -> None:
    index = index_of(
        {
            "app/__init__.py": "",
            "app/clients.py": "class BillingClient:\n    pass\n\nclass DbSession:\n    pass\n\nclass Helper:\n    pass\n",
            "app/views.py": "async def health(request):\n    return 'ok'\n\nasync def index(request):\n    return 'hi'\n",
            "app/routes.py": """
                from starlette.routing import Route
                from fastapi import FastAPI
                from app import views
                from app.views import health

                app = FastAPI()
                app.add_api_route("/health", health)

                async def local(request):
                    return 1

                routes = [Route("/", endpoint=views.index), Route("/local", local)]
                """,
            "app/aio.py": """
                from aiohttp import web

                async def hello(request):
                    return web.Response(text="hi")

                app = web.Application()
                app.router.add_get("/", hello)
                """,
        }
    )
    assert index.client_class_names == {"BillingClient", "DbSession"}
    assert index.route_handler_names == {
        ("/proj/app/views.py", "health"),
        ("/proj/app/views.py", "index"),
        ("/proj/app/routes.py", "local"),
        ("/proj/app/aio.py", "hello"),
    }


def test_module_names_follow_packages_then_roots() -> None:
    index = index_of(
        {
            "src/app/__init__.py": "",
            "src/app/api/__init__.py": "",
            "src/app/api/routes.py": "",
            "scripts/tool.py": "",
            "src/loose.py": "",
        }
    )
    assert index.module_name("/proj/src/app/api/routes.py") == "app.api.routes"
    assert index.module_name("/proj/src/app/__init__.py") == "app"
    assert index.module_name("/proj/scripts/tool.py") == "scripts.tool"
    assert index.module_name("/proj/src/loose.py") == "loose"


def test_update_reports_fact_changes_only_and_fingerprint_follows() -> None:
    index = index_of({"config.py": SETTINGS, "service.py": "def run():\n    return 1\n"})
    before = index.fingerprint
    assert index.update_file("/proj/service.py", "def run():\n    return 2\n") is False
    assert index.fingerprint == before
    assert index.update_file("/proj/service.py", "class PaymentClient:\n    pass\n") is True
    assert index.fingerprint != before
    assert "PaymentClient" in index.client_class_names
    assert index.update_file("/proj/service.py", "def run():\n    return 1\n") is True
    assert index.fingerprint == before
    assert index.remove_file("/proj/config.py") is True
    assert not index.has_settings_for("/proj/service.py")
    assert index.remove_file("/proj/config.py") is False


def test_text_that_does_not_parse_keeps_the_last_facts() -> None:
    index = index_of({"config.py": SETTINGS})
    before = index.fingerprint
    assert index.update_file("/proj/config.py", SETTINGS + "\nclass Broken(:\n") is False
    assert index.fingerprint == before
    assert index.has_settings_for("/proj/x.py")


def test_settings_field_added_in_another_file_changes_the_answer() -> None:
    index = index_of({"config.py": SETTINGS, "worker.py": "x = 1\n"})
    assert index.settings_for_env("APP_QUEUE_NAME", "/proj/worker.py") is None
    changed = index.update_file("/proj/config.py", SETTINGS.replace('    worker_url: str', '    queue_name: str = "jobs"\n    worker_url: str'))
    assert changed
    target = index.settings_for_env("APP_QUEUE_NAME", "/proj/worker.py")
    assert target is not None and target.field == "queue_name"


def test_index_survives_pickling_for_worker_processes() -> None:
    index = index_of({"app/__init__.py": "", "app/config.py": SETTINGS, "app/clients.py": "class MailClient:\n    pass\n"})
    assert index.client_class_names  # derived views exist before pickling
    copy = pickle.loads(pickle.dumps(index))
    assert copy.client_class_names == {"MailClient"}
    assert copy.fingerprint == index.fingerprint
    assert copy.settings_for_env("APP_WORKER_URL", "/proj/app/x.py") == index.settings_for_env("APP_WORKER_URL", "/proj/app/x.py")
    assert copy.update_file("/proj/app/clients.py", "class SmsClient:\n    pass\n") is True


def test_build_index_uses_file_discovery(tmp_path: Path, write) -> None:
    write("pyproject.toml", "[tool.review-ls]\n")
    write(".gitignore", "generated/\n")
    write("app/__init__.py", "")
    write("app/config.py", SETTINGS)
    write("generated/clients.py", "class GeneratedClient:\n    pass\n")
    write("app/clients.py", "class StorageClient:\n    pass\n")
    (tmp_path / ".git").mkdir()
    index = build_index([tmp_path])
    assert index.client_class_names == {"StorageClient"}
    assert index.module_name(str(tmp_path / "app" / "config.py")) == "app.config"
    target = index.settings_for_env("APP_WORKER_URL", str(tmp_path / "app" / "main.py"))
    assert target is not None and target.module == "app.config"


def test_build_in_processes_gives_the_same_index(tmp_path: Path, write) -> None:
    for number in range(5):
        write(f"pkg/m{number}.py", f"class Thing{number}Client:\n    pass\n")
    files = sorted(str(p) for p in tmp_path.rglob("*.py"))
    serial = ProjectIndex.build(files, [tmp_path], jobs=1)
    parallel = ProjectIndex.build(files, [tmp_path], jobs=2, parallel_threshold=1)
    assert parallel.client_class_names == serial.client_class_names == {f"Thing{n}Client" for n in range(5)}
    assert parallel.fingerprint == serial.fingerprint


def test_a_threaded_process_builds_in_spawned_workers_not_forked_ones(tmp_path: Path, write, monkeypatch) -> None:
    """Forking a process that has threads (the server) can deadlock the children: issue #18 item 5."""
    import concurrent.futures
    import threading

    for number in range(3):
        write(f"pkg/m{number}.py", f"class Thing{number}Client:\n    pass\n")
    files = sorted(str(p) for p in tmp_path.rglob("*.py"))
    start_methods: list[str] = []
    real_pool = concurrent.futures.ProcessPoolExecutor

    def recording_pool(*args, **kwargs):
        context = kwargs.get("mp_context")
        start_methods.append(context.get_start_method() if context else "default")
        return real_pool(*args, **kwargs)

    monkeypatch.setattr(concurrent.futures, "ProcessPoolExecutor", recording_pool)  # (the index imports it when it starts a pool)
    release = threading.Event()
    worker = threading.Thread(target=release.wait, daemon=True)
    worker.start()
    try:
        built = ProjectIndex.build(files, [tmp_path], jobs=2, parallel_threshold=1)
    finally:
        release.set()
        worker.join()
    assert start_methods and start_methods[0] in {"spawn", "forkserver"}
    assert built.client_class_names == {f"Thing{n}Client" for n in range(3)}


def test_moving_code_keeps_the_fingerprint_but_lookups_see_the_new_lines() -> None:
    model = "from pydantic import BaseModel\n\nclass User(BaseModel):\n    id: int\n    name: str\n"
    index = index_of({"models.py": model, "api.py": model})
    before = index.fingerprint
    assert index.duplicate_of("/proj/api.py", 3) is not None
    assert index.update_file("/proj/api.py", "\n\n" + model) is False
    assert index.fingerprint == before
    assert index.duplicate_of("/proj/api.py", 3) is None
    assert index.duplicate_of("/proj/api.py", 5) is not None
