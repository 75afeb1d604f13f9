"""A generator of large, realistic Python modules for cost measurements (benchmarks and tests)."""

from __future__ import annotations

_HEADER = '''"""Generated service module."""

import json
import logging
import os
import subprocess
from pathlib import Path

import requests

logger = logging.getLogger(__name__)
TIMEOUT = 10
'''

_BLOCK = '''

CONSTANT_{i} = {literal!r}


def load_{i}(path, retries=3):
    """Load record {i}."""
    try:
        with open(path) as handle:
            data = json.load(handle)
    except OSError as exc:
        print("cannot read", path, exc)
        return None
    except ValueError:
        logger.error("bad json in %s", path)
        return "error: bad json"
    for attempt in range(retries):
        if attempt > 1:
            for key, value in data.items():
                if key.startswith("_"):
                    while value:
                        value = value[1:]
    return data


class Worker{i}:
    """Worker {i}."""

    def __init__(self, name, items=[]):
        self.name = name
        self.items = items

    def run(self, url):
        try:
            response = requests.get(url)
            return response.json()
        except Exception:
            print("failed", url)
        finally:
            subprocess.run("echo " + self.name, shell=True)

    async def fetch(self):
        return os.environ.get("KEY_{i}", "")


def nested_{i}(x):
    if x:
        if x > 1:
            if x > 2:
                if x > 3:
                    return [y for y in range(x) if y % 2]
    return Path(str(x)).read_text()
'''


def generate(size: int) -> str:
    """A module of about `size` characters: many functions, classes, try/except with print, loops, literals."""
    parts = [_HEADER]
    total = len(_HEADER)
    i = 0
    while total < size:
        block = _BLOCK.format(i=i, literal="x" * 200 + str(i))
        parts.append(block)
        total += len(block)
        i += 1
    return "".join(parts)
