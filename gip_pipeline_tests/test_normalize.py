"""Decoding and normalization: every supported encoding gives the same text; binary and empty bytes are refused."""

from __future__ import annotations

import pytest

from gip_pipeline.core.normalize import DecodeError, decode, normalize, normalize_text
from gip_pipeline.core.parse import parse_report
from gip_pipeline_tests.conftest import SEEDS

TRAD = next(SEEDS.glob("003_*.txt"))


@pytest.mark.parametrize("encoding", ["gb18030", "big5", "utf-16", "utf-8-sig"])
def test_encodings_parse_to_the_same_facts(encoding):
    text = TRAD.read_text(encoding="utf-8")
    reference = parse_report(normalize(TRAD.read_bytes()).text)
    norm = normalize(text.encode(encoding))
    assert norm.text == normalize(TRAD.read_bytes()).text
    assert norm.script == "traditional"
    got = parse_report(norm.text)
    assert {k: c.value for k, c in got.applications.items()} == {
        k: c.value for k, c in reference.applications.items()}


def test_t2s_keeps_normative_documents():
    text, changes = normalize_text("規範性文件 行政規範性文件")
    assert text == "规范性文件 行政规范性文件"
    assert changes["t2s_chars"] == 4


def test_full_width_quotes_dashes_spaces_and_controls():
    text, _ = normalize_text("（一）１２３，“三安全一稳定”\u3000—\u200b\r\nx\ry")
    assert text == '(一)123,"三安全一稳定" -\nx\ny'


@pytest.mark.parametrize("data,reason", [
    (b"", "empty"), (b"  \n\t ", "empty"), (b"\x89PNG\r\n\x1a\n" + bytes(range(256)), "binary"),
    (b"PK\x03\x04" + b"\x00" * 40, "binary"), (b"abc\x00def" * 10, "binary"),
    (bytes([0x80, 0xff, 0xfe, 0x81]) * 50, "undecodable"),
])
def test_non_text_is_refused_with_a_reason(data, reason):
    with pytest.raises(DecodeError) as exc:
        decode(data)
    assert exc.value.reason == reason
