"""RV3 — asyncio and concurrency: event loops per call, blocking calls in coroutines, serialised work."""
