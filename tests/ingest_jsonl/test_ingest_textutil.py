"""Shared reading helpers: bounded lines, decoding, binary detection, mojibake repair."""

from __future__ import annotations

import io

from lurewatch.ingest.textutil import (
    bounded_lines,
    charset_for,
    decode_bytes,
    looks_binary,
    names_match,
    repair_mojibake,
)


def test_bounded_lines_drops_long_lines_and_keeps_numbering() -> None:
    data = b"short\r\n" + b"x" * 50 + b"\nafter\n\nlast"
    lines = list(bounded_lines(io.BytesIO(data), limit=20))
    assert [(ln.number, ln.data, ln.length) for ln in lines] == [
        (1, b"short", 5), (2, None, 50), (3, b"after", 5), (4, b"", 0), (5, b"last", 4)]


def test_bounded_lines_exact_limit_and_long_last_line() -> None:
    lines = list(bounded_lines(io.BytesIO(b"y" * 20 + b"\n" + b"z" * 30), limit=20))
    assert [(ln.data, ln.length) for ln in lines] == [(b"y" * 20, 20), (None, 30)]


def test_decode_bytes_fallbacks() -> None:
    assert decode_bytes("张喆".encode("gbk"), "gb2312") == "张喆"
    assert decode_bytes("报告".encode("gbk")) == "报告"  # undeclared, not UTF-8
    assert decode_bytes(b"r\xe9sum\xe9 \x93quoted\x94", "iso-8859-1") == "résumé “quoted”"
    assert decode_bytes("Grüße".encode(), "x-unknown-charset") == "Grüße"
    assert decode_bytes(b"\xef\xbb\xbfhello") == "hello"
    assert decode_bytes("hi".encode("utf-16")) == "hi"
    assert charset_for("big5") == "big5hkscs" and charset_for(None) == "utf-8"


def test_looks_binary() -> None:
    assert looks_binary(b"PK\x03\x04\x00\x00")
    assert not looks_binary("普通文本 plain text\n".encode())
    assert not looks_binary(b"")


def test_repair_mojibake_only_touches_damaged_sequences() -> None:
    assert repair_mojibake("Iâ€™ll call â€“ soon") == "I’ll call – soon"
    assert repair_mojibake("cafÃ© rÃ©sumÃ©") == "café résumé"
    for clean in ("Ã  la carte", "naïve café", "张喆", "Â"):
        assert repair_mojibake(clean) == clean


def test_names_match() -> None:
    assert names_match("Daniel", "Daniel Roy") and names_match("DANIEL  ROY", "daniel roy")
    assert not names_match("Daniel Roy", "Vivian K.")
