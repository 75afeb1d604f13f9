"""`files.read_source`: the encoding is read from the first two lines only, however the lines end, and a file is
read whole whatever its size."""

from __future__ import annotations

from pathlib import Path

import pytest

from review_ls.files import SourceReadError, read_source


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"])
def test_a_coding_line_on_the_second_line_is_honoured_whatever_the_line_endings(tmp_path: Path, newline: str) -> None:
    text = newline.join(["#!/usr/bin/env python", "# -*- coding: latin-1 -*-", "name = 'café'", *["x = 1"] * 2000, ""])
    path = tmp_path / "latin.py"
    path.write_bytes(text.encode("latin-1"))
    source = read_source(path)
    assert source.encoding == "iso-8859-1"
    assert source.text == text


def test_a_coding_line_on_the_third_line_is_not_read(tmp_path: Path) -> None:
    path = tmp_path / "third.py"
    path.write_bytes("# one\n# two\n# -*- coding: latin-1 -*-\nname = 'café'\n".encode("latin-1"))
    with pytest.raises(SourceReadError, match="not valid utf-8"):
        read_source(path)


def test_a_long_first_line_still_finds_the_coding_line_after_it(tmp_path: Path) -> None:
    text = f"# {'x' * 10_000}\n# coding: latin-1\nname = 'é'\n"
    path = tmp_path / "long.py"
    path.write_bytes(text.encode("latin-1"))
    assert read_source(path).text == text


@pytest.mark.parametrize("size", [0, 1, 65_535, 65_536, 300_001])
def test_a_file_is_read_whole_whatever_its_size(tmp_path: Path, size: int) -> None:
    data = (b"x = 1\n" * (size // 6 + 1))[:size]
    path = tmp_path / "sized.py"
    path.write_bytes(data)
    assert read_source(path).data == data
    assert read_source(str(path)).data == data  # (a path as a string too, as the index passes it)
