"""Parser linearity: normalize + parse a real report padded to 7–60 MB (a long narrative and a 1–10 MB line inside
table 三) and print seconds per size. Run: `uv run python benchmarks/parse_scaling.py`. Time must grow in
proportion to size (no backtracking blow-up); the padded report must still parse to its real values."""

from __future__ import annotations

import time
from pathlib import Path

from gip_pipeline.ingest.normalize import normalize
from gip_pipeline.parse.report import parse_report

SEED = Path(__file__).resolve().parents[1] / "gip_pipeline_tests/fixtures/seeds/001_978f6dfc59ee8d2b.txt"


def main() -> None:
    base = SEED.read_text(encoding="utf-8")
    first = None
    for mb in (5, 10, 20, 40):
        filler = ("政务公开工作取得良好成效,共发布信息123条。" * 10 + "\n") * (mb * 1024 * 1024 // 700)
        long_line = "行政许可" + "1两" * (mb * 1024 * 1024 // 8)
        text = base.replace("二、主动公开政府信息情况", filler + "二、主动公开政府信息情况", 1).replace(
            "三、收到和处理政府信息公开申请情况\n", "三、收到和处理政府信息公开申请情况\n" + long_line + "\n", 1)
        data = text.encode("utf-8")
        t0 = time.perf_counter()
        norm = normalize(data)
        t1 = time.perf_counter()
        report = parse_report(norm.text)
        t2 = time.perf_counter()
        assert report.applications[("total_processed", "total")].value == 9
        per_mb = (t2 - t0) / (len(data) / 1e6)
        first = first or per_mb
        print(f"{len(data) / 1e6:5.1f} MB  normalize {t1 - t0:5.2f} s  parse {t2 - t1:5.2f} s  "
              f"{per_mb * 1000:6.1f} ms/MB  (x{per_mb / first:.2f} of the smallest)")


if __name__ == "__main__":
    main()
