"""Which calls construct network clients, sessions and connection pools."""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from review_ls.engine.walker import Context

CLIENT_CONSTRUCTORS = frozenset(
    {
        "httpx.Client",
        "httpx.AsyncClient",
        "requests.Session",
        "requests.session",
        "requests.sessions.Session",
        "aiohttp.ClientSession",
        "urllib3.PoolManager",
        "urllib3.HTTPConnectionPool",
        "urllib3.HTTPSConnectionPool",
        "boto3.client",
        "boto3.resource",
        "boto3.Session",
        "boto3.session.Session",
        "aioboto3.Session",
        "grpc.insecure_channel",
        "grpc.secure_channel",
        "grpc.aio.insecure_channel",
        "grpc.aio.secure_channel",
        "redis.Redis",
        "redis.StrictRedis",
        "redis.from_url",
        "redis.asyncio.Redis",
        "redis.asyncio.from_url",
        "aioredis.from_url",
        "aioredis.Redis",
        "pymongo.MongoClient",
        "motor.motor_asyncio.AsyncIOMotorClient",
        "sqlalchemy.create_engine",
        "sqlalchemy.ext.asyncio.create_async_engine",
        "asyncpg.create_pool",
        "asyncpg.connect",
        "psycopg.connect",
        "psycopg.AsyncConnection.connect",
        "psycopg2.connect",
        "psycopg_pool.ConnectionPool",
        "psycopg_pool.AsyncConnectionPool",
        "elasticsearch.Elasticsearch",
        "elasticsearch.AsyncElasticsearch",
        "openai.OpenAI",
        "openai.AsyncOpenAI",
        "anthropic.Anthropic",
        "anthropic.AsyncAnthropic",
        "google.cloud.storage.Client",
        "minio.Minio",
    }
)

CLIENT_CLASS_SUFFIXES = ("Client", "Session")


def client_constructor_name(call: ast.Call, ctx: Context) -> str | None:
    """The name of the client a call constructs (e.g. 'httpx.AsyncClient'), or None.

    Known library constructors are recognised through the imports; classes named `*Client` or
    `*Session` count when this module defines them or the project index knows them as the
    project's own client classes.
    """
    qualified = ctx.qualified_name(call.func)
    if qualified is not None and qualified in CLIENT_CONSTRUCTORS:
        return qualified
    if isinstance(call.func, ast.Name):
        name = call.func.id
        if not name.endswith(CLIENT_CLASS_SUFFIXES):
            return None
        binding = ctx.facts.bindings.get(name)
        if binding is not None and binding.kind.value == "class":
            return name
        project_clients = ctx.project.client_class_names if ctx.project is not None else frozenset()
        if project_clients and qualified is not None and qualified.rsplit(".", 1)[-1] in project_clients:
            return name
    return None
