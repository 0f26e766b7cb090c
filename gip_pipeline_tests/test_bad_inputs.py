"""Nothing lost, nothing crashes: `gip run` over the five seeds plus a generated corpus of bad inputs.

Every bad file must end in `rejects` or `quarantine` with the reason it deserves, the good ones (including the same
report in other encodings, with stray NUL or invalid bytes, 50 MB long, or with unusual number formats) must give
exactly their facts, and inputs = curated + quarantined + rejects must hold. The run is a real subprocess; as root
it runs without the capability that lets root read any file, so `chmod 000` really means permission denied.
"""

from __future__ import annotations

import io
import random
import zipfile
from pathlib import Path

import opencc
import polars as pl
import pytest

from gip_pipeline.contract import schema
from gip_pipeline_tests.conftest import SEED_FILES, expected_for
from gip_pipeline_tests.expectations import application_mismatches, review_mismatches
from gip_pipeline_tests.renderer import make_truth, render
from gip_pipeline_tests.runs import run_cli

REPO = Path(__file__).resolve().parents[1]


def _seed(prefix: str) -> Path:
    return next(s for s in SEED_FILES if s.name.startswith(prefix))


def _rendered(seed: int) -> tuple[str, object]:
    rng = random.Random(seed)
    truth = make_truth(rng, "2021", "2021", big=True)
    return render(truth, "tab", rng), truth


def _with_number_formats(text: str) -> tuple[str, dict[str, int]]:
    """The same report with numbers written 4,221 / 4，221 / full-width: the values must not change."""
    lines = text.split("\n")
    changed: dict[str, int] = {}
    styles = iter(["comma", "fullwidth_comma", "fullwidth_digits"])
    for i, line in enumerate(lines):
        cells = line.split("\t")
        for j, cell in enumerate(cells):
            if j and cell.isdigit() and len(cell) == 4:
                style = next(styles, None)
                if style is None:
                    break
                cells[j] = {"comma": f"{cell[0]},{cell[1:]}", "fullwidth_comma": f"{cell[0]}，{cell[1:]}",
                            "fullwidth_digits": cell.translate(str.maketrans("0123456789", "０１２３４５６７８９"))}[style]
                changed[style] = int(cell)
        lines[i] = "\t".join(cells)
    return "\n".join(lines), changed


def build_corpus(raw: Path) -> dict[str, tuple[str, str | None]]:
    """Write the corpus; return source_file → (destination, reject reason / failing check / None)."""
    expect: dict[str, tuple[str, str | None]] = {}

    def put(rel: str, data: bytes, outcome: tuple[str, str | None]) -> None:
        path = raw / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        expect[rel] = outcome

    for seed in SEED_FILES:
        exp = expected_for(seed)
        put(f"{exp['report_year']}/{seed.name}", seed.read_bytes(),
            ("quarantine", "balance") if exp["identity_violations"] else ("curated", None))

    good, _ = _rendered(11)
    put("enc/utf8.txt", good.encode("utf-8"), ("curated", None))
    put("enc/gb18030.txt", good.encode("gb18030"), ("curated", None))
    put("enc/utf16_bom.txt", good.encode("utf-16"), ("curated", None))
    put("enc/big5.txt", opencc.OpenCC("s2tw").convert(good).encode("big5"), ("curated", None))
    cut = good.index("均在法定期限内答复")  # damage the narrative, not a number (a damaged cell is null)
    put("enc/nul_inside.txt", good[:cut].encode() + b"\x00\x00\x00" + good[cut:].encode(), ("curated", None))
    put("enc/invalid_utf8.txt", good[:cut].encode() + b"\xff\xfe" + good[cut:].encode(), ("curated", None))

    put("bad/empty.txt", b"", ("rejects", "empty"))
    put("bad/whitespace.txt", b"  \r\n\t \n", ("rejects", "empty"))
    put("bad/image.txt", b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8, ("rejects", "binary"))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("report.txt", "not a docx")
    put("bad/archive.txt", buf.getvalue(), ("rejects", "unsupported_container"))
    put("bad/document.txt", b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n" + bytes(range(256)),
        ("rejects", "corrupt_container"))
    put("bad/not_a_report.txt", "今天天气很好,我们去公园散步。\n公园里有很多花,还有一个湖。\n".encode(),
        ("rejects", "not_a_report"))
    put("bad/error.html", b"<html><head><title>404 Not Found</title></head><body><h1>404 Not Found</h1>"
                          b"<p>nginx</p></body></html>", ("rejects", "not_a_report"))
    put("bad/pre2019.txt", ("某某县人民政府2015年政府信息公开工作年度报告\n一、总体情况\n本年度工作稳步推进。\n"
                            "三、依申请公开情况\n指标名称\t计量单位\t2015年度\t历年累计\n受理申请总数\t件\t5\t20\n"
                            "四、行政复议和行政诉讼情况\n行政复议数\t件\t0\t0\n").encode(),
        ("rejects", "unsupported_format"))
    seed001 = _seed("001").read_text(encoding="utf-8")
    put("bad/truncated.txt", seed001[: seed001.index("5.属于三类内部事务信息")].encode(),
        ("quarantine", "complete:applications"))
    put("dup/copy_of_002.txt", _seed("002").read_bytes(), ("rejects", "duplicate"))
    seed004 = _seed("004").read_text(encoding="utf-8")
    negative = seed004.replace("(一) 予以公开\t0\t0\t0\t0\t0\t0\t0", "(一) 予以公开\t-1\t0\t0\t0\t0\t0\t-1", 1)
    assert negative != seed004
    put("bad/negative.txt", negative.encode(), ("quarantine", "non_negative:applications"))
    formats, _ = _with_number_formats(_rendered(12)[0])
    put("numbers/formats.txt", formats.encode(), ("curated", None))
    put("names/报告 \"2022\" 'x' (副本).txt", _rendered(13)[0].encode(), ("curated", None))
    filler = ("政务公开工作稳步推进,全年发布信息若干条。" * 20 + "\n") * (51 * 1024 * 1024 // 1200)
    big = seed001.replace("二、主动公开政府信息情况", filler + "二、主动公开政府信息情况", 1)
    put("big/50mb.txt", big.encode(), ("curated", None))
    put("big/one_10mb_line.txt", ("这是一行没有换行的文字" * (10 * 1024 * 1024 // 33)).encode(),
        ("rejects", "not_a_report"))
    put("perm/locked.txt", _rendered(14)[0].encode(), ("rejects", "unreadable"))
    (raw / "perm/locked.txt").chmod(0)
    (raw / "links").mkdir()
    (raw / "links/broken.txt").symlink_to(raw / "links/nowhere.txt")
    expect["links/broken.txt"] = ("rejects", "unreadable")
    return expect


@pytest.fixture(scope="module")
def outcome(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("bad_inputs")
    raw = tmp / "raw"
    raw.mkdir()
    expect = build_corpus(raw)
    proc = run_cli(tmp, raw)

    def read(root: Path, table: str) -> pl.DataFrame:
        files = sorted(root.glob(f"{table}/year=*/*.parquet"))
        return pl.read_parquet(files, hive_partitioning=True) if files else pl.DataFrame()

    tables = {(dest, t): read(tmp / dest, t) for dest in ("curated", "quarantine")
              for t in ("reports", "applications", "review_litigation", "active_disclosure", "quality")}
    rejects = pl.read_parquet(sorted((tmp / "quarantine" / "rejects").glob("*.parquet")))
    return expect, proc, tables, rejects


def test_run_exits_zero_and_accounts_for_every_input(outcome):
    expect, proc, tables, rejects = outcome
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    curated = tables[("curated", "reports")]
    held = tables[("quarantine", "reports")]
    got = {**{f: ("curated", None) for f in curated["source_file"]},
           **{f: ("quarantine", None) for f in held["source_file"]},
           **{f: ("rejects", r) for f, r in zip(rejects["source_file"], rejects["reason"])}}
    assert len(curated) + len(held) + len(rejects) == len(expect)  # inputs = curated + quarantined + rejects
    assert sorted(got) == sorted(expect)
    for rel, (dest, why) in expect.items():
        assert got[rel][0] == dest, (rel, got[rel], why)
        if dest == "rejects":
            assert got[rel][1] == why, (rel, got[rel])
    summary = f"{len(expect)} input(s): {len(curated)} curated, {len(held)} quarantined, {len(rejects)} rejected"
    assert summary in proc.stdout
    assert all(rejects["detail"].str.len_chars() > 0)
    assert "same bytes as 2023/002_" in rejects.filter(pl.col("reason") == "duplicate")["detail"][0]


def test_quarantined_inputs_name_what_failed(outcome):
    expect, _, tables, _ = outcome
    reports = tables[("quarantine", "reports")]
    quality = tables[("quarantine", "quality")]
    for rel, (dest, check) in expect.items():
        if dest != "quarantine":
            continue
        rid = reports.filter(pl.col("source_file") == rel)["report_id"][0]
        failed = quality.filter((pl.col("report_id") == rid) & (pl.col("severity") == "error") & ~pl.col("passed"))
        assert any(c.startswith(check) for c in failed["check"]), (rel, failed["check"].to_list())
    cut = reports.filter(pl.col("source_file") == "bad/truncated.txt").row(0, named=True)
    assert any("not found" in w and "line" in w for w in cut["warnings"])  # says where reading stopped
    ad = tables[("quarantine", "active_disclosure")].filter(pl.col("report_id") == cut["report_id"])
    assert 4221.0 in ad["value"].to_list()  # what came before the cut is kept


def _facts(tables, rel: str) -> dict:
    for dest in ("curated", "quarantine"):
        reports = tables[(dest, "reports")]
        hit = reports.filter(pl.col("source_file") == rel)
        if len(hit):
            rid = hit["report_id"][0]
            apps = tables[(dest, "applications")].filter(pl.col("report_id") == rid)
            rl = tables[(dest, "review_litigation")].filter(pl.col("report_id") == rid)
            ad = tables[(dest, "active_disclosure")].filter(pl.col("report_id") == rid)
            return {"applications": {(r["row_code"], r["applicant"]): r["value"] for r in apps.iter_rows(named=True)},
                    "review": {(r["proceeding"], r["outcome"]): r["value"] for r in rl.iter_rows(named=True)},
                    "disclosure": {(r["item"], r["category"], r["metric"]): r["value"]
                                   for r in ad.iter_rows(named=True)},
                    "report": hit.row(0, named=True)}
    raise AssertionError(f"{rel} not published")


def test_seed_facts_are_exact(outcome):
    expect, _, tables, _ = outcome
    for seed in SEED_FILES:
        exp = expected_for(seed)
        facts = _facts(tables, f"{exp['report_year']}/{seed.name}")
        assert application_mismatches(exp, facts["applications"]) == []
        assert review_mismatches(exp, facts["review"]) == []
        assert facts["report"]["agency"] == exp["agency"]


def test_encoding_variants_give_identical_facts(outcome):
    _, _, tables, _ = outcome
    reference = _facts(tables, "enc/utf8.txt")
    _, truth = _rendered(11)
    assert reference["applications"] == truth.applications
    for rel in ("enc/gb18030.txt", "enc/utf16_bom.txt", "enc/big5.txt", "enc/nul_inside.txt",
                "enc/invalid_utf8.txt"):
        facts = _facts(tables, rel)
        for part in ("applications", "review", "disclosure"):
            assert facts[part] == reference[part], (rel, part)
    encodings = {rel: _facts(tables, rel)["report"]["encoding"] for rel in
                 ("enc/gb18030.txt", "enc/big5.txt", "enc/nul_inside.txt", "enc/invalid_utf8.txt")}
    assert encodings["enc/gb18030.txt"] == "gb18030" and encodings["enc/big5.txt"] == "big5"
    assert "nul-stripped" in encodings["enc/nul_inside.txt"] and "replaced" in encodings["enc/invalid_utf8.txt"]
    assert _facts(tables, "enc/big5.txt")["report"]["script"] == "traditional"


def test_number_formats_and_big_inputs(outcome):
    _, _, tables, _ = outcome
    text, changed = _with_number_formats(_rendered(12)[0])
    _, truth = _rendered(12)
    facts = _facts(tables, "numbers/formats.txt")
    assert len(changed) == 3 and facts["applications"] == truth.applications
    big = _facts(tables, "big/50mb.txt")
    assert big["applications"] == _facts(tables, f"2022/{_seed('001').name}")["applications"]
    assert big["report"]["size_bytes"] > 50_000_000
    assert set(schema.APPLICANT_CODES) == {c for _, c in big["applications"]}


def test_output_paths_come_from_codes_and_years_only(outcome, tmp_path_factory):
    expect, proc, _, _ = outcome
    import re

    roots = [Path(line.split("→", 1)[1].strip()) for line in proc.stdout.splitlines()
             if line.strip().startswith(("curated →", "quarantine →"))]
    assert len(roots) == 2
    allowed = re.compile(r"^(?:(?:%s)/year=(?:\d{4}|undated)/part-0\.parquet|rejects/rejects-(?:\d{4}|undated)"
                         r"\.parquet)$" % "|".join(schema.TABLE_SCHEMAS))
    files = [p.relative_to(root).as_posix() for root in roots for p in root.rglob("*") if p.is_file()]
    assert files and all(allowed.match(f) for f in files), [f for f in files if not allowed.match(f)]
