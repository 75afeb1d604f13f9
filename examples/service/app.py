"""A small FastAPI service with the kinds of problems review-ls finds."""
# review-ls: role=application  (files under examples/ count as scripts by default; this one is a service)

import httpx
import requests
from fastapi import FastAPI

app = FastAPI()


@app.get("/weather")
async def weather(city: str):
    async with httpx.AsyncClient(timeout=10) as client:
        response = await client.get("https://api.example.com/weather", params={"q": city})
    return response.json()


async def fetch_all(urls: list[str]) -> list[dict]:
    results = []
    for url in urls:
        async with httpx.AsyncClient() as client:
            results.append((await client.get(url)).json())
    return results


def sync_hooks(hooks: list[str], payload: dict) -> None:
    for hook in hooks:
        requests.post(hook, json=payload, timeout=5)
