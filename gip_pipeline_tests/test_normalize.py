"""Decoding and normalization: every supported encoding gives the same text; binary and empty bytes are refused."""

from __future__ import annotations

import random
import unicodedata

import pytest

from gip_pipeline.ingest import nfkc
from gip_pipeline.ingest import normalize as norm_mod
from gip_pipeline.ingest.normalize import DecodeError, decode, normalize, normalize_text
from gip_pipeline.parse.report import parse_report
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


def _slow_nfkc(text: str) -> tuple[str, int]:
    nfkc = unicodedata.normalize("NFKC", text)
    return nfkc.translate(norm_mod._QUOTES), norm_mod._differing(text, nfkc)


def test_nfkc_table_equals_unicodedata_on_every_admitted_character():
    """The lookup-table path must give exactly `unicodedata.normalize` + the quote folding, in any neighbourhood."""
    lookup, fast, _ = nfkc._tables(norm_mod._FOLD)
    admitted = [chr(c) for c in range(len(fast)) if fast[c]]
    assert len(admitted) > 50_000 and "，" in admitted and "Ａ" in admitted and "中" in admitted
    rng = random.Random(7)
    for text in ("".join(admitted), "".join(reversed(admitted)), "".join(rng.sample(admitted, len(admitted)))):
        assert nfkc.nfkc_fold(text, norm_mod._FOLD) == _slow_nfkc(text)
    assert nfkc.nfkc_fold("（一）本年新收：１２，３４５件“全”", norm_mod._FOLD) == ('(一)本年新收:12,345件"全"', 9)


@pytest.mark.parametrize("text", ["e\u0301", "ｶﾞ", "가\u11a8", "㈠申请", "ﬁle", "\U00020000"])
def test_nfkc_table_declines_what_it_cannot_do_and_normalize_text_still_matches(text):
    assert nfkc.nfkc_fold("表" + text, norm_mod._FOLD) is None  # composing, expanding or outside the BMP
    assert normalize_text(text)[0] == _slow_nfkc(text)[0]
