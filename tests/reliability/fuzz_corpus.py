"""Inputs for engine fuzzing: seed files (rule examples, composites, stdlib modules) and mutators.

The mutators turn a file into what it looks like mid-typing: truncated, a line half typed, lines
deleted or duplicated, characters inserted, indentation shifted, line endings changed. Everything
is driven by a `random.Random`, so a seed reproduces a run exactly.
"""

from __future__ import annotations

import random
import sysconfig
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass
from pathlib import Path

from review_ls.rules import all_rules

# Characters a person types (or an editor inserts) mid-edit, plus a few hostile ones.
TYPED_CHARACTERS = "()[]{}:;,.'\"\\#=+-*/@ \t\n_abcxyzAZ019"
HOSTILE_CHARACTERS = ("\x00", "\x0c", "\r", "\u2028", "\ufeff", "\u200b", "\udcff", "é", "€", "😀", "𝔘")
WRAPPERS = (
    ("class Wrapper:\n", "    "),
    ("def outer():\n", "    "),
    ("async def outer():\n", "    "),
    ("if __name__ == '__main__':\n", "    "),
    ("for item in items:\n", "    "),
    ("try:\n", "    "),
)


@dataclass(frozen=True)
class Seed:
    """One input file: a name saying where it came from, the path the engine sees, and its text."""

    name: str
    path: str
    text: str


def rule_example_seeds(codes: Collection[str] | None = None) -> list[Seed]:
    """Every VALID, INVALID and fixed example of every registered rule (or of the rules `codes` name)."""
    seeds: list[Seed] = []
    for rule in all_rules():
        if codes is not None and rule.code not in codes:
            continue
        for index, valid in enumerate(rule.valid_examples()):
            seeds.append(Seed(f"{rule.code}-valid-{index}", valid.path, valid.source))
        for index, invalid in enumerate(rule.invalid):
            seeds.append(Seed(f"{rule.code}-invalid-{index}", invalid.path, invalid.source))
            if invalid.fixed_source is not None:
                seeds.append(Seed(f"{rule.code}-fixed-{index}", invalid.path, invalid.fixed_source))
    return seeds


def invalid_example_seeds() -> list[Seed]:
    """The INVALID examples only: code on which some rule is known to fire."""
    return [seed for seed in rule_example_seeds() if "-invalid-" in seed.name]


def composite_seed(rng: random.Random, examples: list[Seed]) -> Seed:
    """Several rule examples in one file, some wrapped in a class/function/block, in random order."""
    chosen = rng.sample(examples, k=min(len(examples), rng.randint(2, 4)))
    parts: list[str] = []
    for seed in chosen:
        text = seed.text if seed.text.endswith("\n") else seed.text + "\n"
        if rng.random() < 0.3:
            text = wrapped(text, *rng.choice(WRAPPERS))
        parts.append(text)
    text = "\n\n".join(parts)
    return Seed("+".join(seed.name for seed in chosen), chosen[0].path, text)


def wrapped(text: str, header: str, indent: str) -> str:
    """`text` indented into the block that `header` opens (a `try:` gets its `except`)."""
    body = "".join(indent + line if line.strip() else line for line in text.splitlines(keepends=True))
    return header + body + ("except Exception:\n    pass\n" if header.startswith("try") else "")


def variants_of(seed: Seed) -> list[Seed]:
    """`seed` as written and inside each wrapper block, each with \\n, \\r\\n and \\r line endings."""
    texts = [(seed.name, seed.text)]
    texts += [(f"{seed.name} in {header.strip()!r}", wrapped(seed.text, header, indent)) for header, indent in WRAPPERS]
    return [
        Seed(f"{name} {newline!r}", seed.path, text.replace("\n", newline))
        for name, text in texts
        for newline in ("\n", "\r\n", "\r")
    ]


def example_variants(codes: Collection[str] | None = None) -> list[Seed]:
    """Every variant (see `variants_of`) of every rule example."""
    return [variant for seed in rule_example_seeds(codes) for variant in variants_of(seed)]


def rotating_variants(codes: Collection[str] | None = None, per_example: int = 1) -> list[Seed]:
    """`per_example` variants of each rule example, picked by the example's position (a cheap, fixed sample)."""
    sample: list[Seed] = []
    for index, seed in enumerate(rule_example_seeds(codes)):
        variants = variants_of(seed)[1:]  # the example as written is tests/rules' job
        sample.extend(variants[(index * 7 + step * 5) % len(variants)] for step in range(per_example))
    return sample


def stdlib_seeds(max_bytes: int | None = None, limit: int | None = None) -> list[Seed]:
    """Top-level standard library modules (optionally only those under `max_bytes`), by name."""
    root = Path(sysconfig.get_paths()["stdlib"])
    seeds: list[Seed] = []
    for path in sorted(root.glob("*.py")):
        data = path.read_bytes()
        if max_bytes is not None and len(data) > max_bytes:
            continue
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            continue
        seeds.append(Seed(f"stdlib:{path.name}", path.name, text))
        if limit is not None and len(seeds) >= limit:
            break
    return seeds


# -- mutators ---------------------------------------------------------------------------------------

Mutator = Callable[[random.Random, str], str]


def truncate(rng: random.Random, text: str) -> str:
    """Cut the file at a random character (the rest not typed yet)."""
    return text[: rng.randint(0, len(text))]


def half_typed_line(rng: random.Random, text: str) -> str:
    """Cut one line at a random column, keeping the lines after it (typing in the middle of a file)."""
    lines = text.splitlines(keepends=True)
    if not lines:
        return text
    index = rng.randrange(len(lines))
    line = lines[index]
    body = line.rstrip("\r\n")
    lines[index] = body[: rng.randint(0, len(body))] + line[len(body) :]
    return "".join(lines)


def delete_lines(rng: random.Random, text: str) -> str:
    """Delete one to three consecutive lines."""
    lines = text.splitlines(keepends=True)
    if not lines:
        return text
    start = rng.randrange(len(lines))
    del lines[start : start + rng.randint(1, 3)]
    return "".join(lines)


def insert_line(rng: random.Random, text: str) -> str:
    """Copy a random line to a random place, sometimes with its indentation changed."""
    lines = text.splitlines(keepends=True) or ["\n"]
    line = rng.choice(lines)
    if not line.endswith(("\n", "\r")):
        line += "\n"
    if rng.random() < 0.5:
        line = rng.choice(("", "    ", "        ", "\t")) + line.lstrip(" \t")
    lines.insert(rng.randint(0, len(lines)), line)
    return "".join(lines)


def edit_characters(rng: random.Random, text: str) -> str:
    """Insert, delete or replace one to five characters (mostly typed ones, sometimes hostile ones)."""
    for _ in range(rng.randint(1, 5)):
        position = rng.randint(0, len(text))
        char = rng.choice(HOSTILE_CHARACTERS) if rng.random() < 0.1 else rng.choice(TYPED_CHARACTERS)
        action = rng.randrange(3)
        if action == 0 or not text:
            text = text[:position] + char + text[position:]
        elif action == 1:
            text = text[:position] + text[position + 1 :]
        else:
            text = text[:position] + char + text[position + 1 :]
    return text


def shift_indentation(rng: random.Random, text: str) -> str:
    """Indent or dedent a run of lines by four spaces (a paste at the wrong level)."""
    lines = text.splitlines(keepends=True)
    if not lines:
        return text
    start = rng.randrange(len(lines))
    end = min(len(lines), start + rng.randint(1, 6))
    for index in range(start, end):
        line = lines[index]
        lines[index] = "    " + line if rng.random() < 0.5 else (line[4:] if line.startswith("    ") else line.lstrip(" "))
    return "".join(lines)


def change_line_endings(rng: random.Random, text: str) -> str:
    """Convert every line ending to \\r\\n or \\r, or one line's ending only (mixed endings)."""
    unified = text.replace("\r\n", "\n").replace("\r", "\n")
    ending = rng.choice(("\r\n", "\r"))
    if rng.random() < 0.7:
        return unified.replace("\n", ending)
    lines = unified.split("\n")
    if len(lines) < 2:
        return unified
    index = rng.randrange(len(lines) - 1)
    return "\n".join(lines[:index]) + ("\n" if index else "") + lines[index] + ending + "\n".join(lines[index + 1 :])


def duplicate_block(rng: random.Random, text: str) -> str:
    """Paste a copy of a run of lines right after itself."""
    lines = text.splitlines(keepends=True)
    if not lines:
        return text
    start = rng.randrange(len(lines))
    block = lines[start : start + rng.randint(1, 8)]
    if block and not block[-1].endswith(("\n", "\r")):
        block[-1] += "\n"
    return "".join(lines[: start + len(block)] + block + lines[start + len(block) :])


MUTATORS: tuple[Mutator, ...] = (
    truncate,
    half_typed_line,
    half_typed_line,
    delete_lines,
    insert_line,
    edit_characters,
    edit_characters,
    shift_indentation,
    change_line_endings,
    duplicate_block,
)


def mutate(rng: random.Random, text: str) -> tuple[str, list[str]]:
    """Apply one to three random mutators; return the new text and the mutators' names."""
    applied: list[str] = []
    for _ in range(rng.randint(1, 3)):
        mutator = rng.choice(MUTATORS)
        text = mutator(rng, text)
        applied.append(mutator.__name__)
    return text, applied


def mutated_inputs(rng: random.Random, seeds: list[Seed], count: int) -> Iterator[Seed]:
    """`count` mutated files: seeds drawn from `seeds` and from composites of rule examples, then mutated."""
    examples = invalid_example_seeds()
    for _ in range(count):
        seed = composite_seed(rng, examples) if examples and rng.random() < 0.4 else rng.choice(seeds)
        text, applied = mutate(rng, seed.text)
        yield Seed(f"{seed.name} <{', '.join(applied)}>", seed.path, text)
