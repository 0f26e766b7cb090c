"""`gip sql`: the views of `bi.views` in a DuckDB shell, or one query with `-c`.

Interactive use runs the `duckdb` CLI on the database file when one is installed (its editing, completion and
`.mode`), else a small line shell here; `-c` runs the statements and prints each result as an aligned table.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path


def _cell(v) -> str:
    if v is None:
        return "NULL"
    if isinstance(v, float):
        return f"{v:.4g}"
    return str(v)


def format_result(description, rows: list[tuple], max_rows: int = 200) -> str:
    """An aligned text table (east-asian wide characters count double)."""
    import unicodedata

    def width(s: str) -> int:
        return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in s)

    head = [d[0] for d in description]
    body = [[_cell(v) for v in r] for r in rows[:max_rows]]
    widths = [max([width(h)] + [width(r[i]) for r in body]) for i, h in enumerate(head)]
    pad = lambda s, w: s + " " * (w - width(s))  # noqa: E731
    lines = [" | ".join(pad(h, w) for h, w in zip(head, widths)), "-+-".join("-" * w for w in widths)]
    lines += [" | ".join(pad(c, w) for c, w in zip(r, widths)) for r in body]
    more = f" (first {max_rows} shown)" if len(rows) > max_rows else ""
    lines.append(f"({len(rows)} row{'s' if len(rows) != 1 else ''}{more})")
    return "\n".join(lines)


def run_statements(con, sql: str, out=sys.stdout) -> None:
    for stmt in _statements(sql):
        cur = con.execute(stmt)
        if cur.description:
            print(format_result(cur.description, cur.fetchall()), file=out)


def _statements(sql: str) -> list[str]:
    """Split on `;` outside quotes."""
    out, buf, quote = [], [], None
    for ch in sql:
        if quote:
            quote = None if ch == quote else quote
        elif ch in "'\"":
            quote = ch
        elif ch == ";":
            out.append("".join(buf))
            buf = []
            continue
        buf.append(ch)
    out.append("".join(buf))
    return [s.strip() for s in out if s.strip()]


def main(curated: Path, quarantine: Path, command: str | None) -> int:
    import duckdb

    from . import views

    data_dir = curated.resolve().parent
    try:
        con = views.build(data_dir, curated, quarantine)
    except duckdb.IOException as exc:
        print(f"gip sql: cannot open {data_dir / views.DB_FILE}: {exc}", file=sys.stderr)
        return 1
    if command:
        try:
            run_statements(con, command)
        except duckdb.Error as exc:
            print(f"gip sql: {exc}", file=sys.stderr)
            return 1
        return 0
    db = data_dir / views.DB_FILE
    names = [r[0] for r in con.execute("SELECT view_name FROM duckdb_views() WHERE NOT internal ORDER BY 1")
             .fetchall()]
    print(f"gip sql: {db}\nviews: {', '.join(names)}")
    cli = shutil.which("duckdb")
    if cli and sys.stdin.isatty():
        con.close()
        return subprocess.call([cli, str(db), "-cmd", f"SET file_search_path = '{data_dir.as_posix()}'"])
    print("end statements with ';', quit with .quit or Ctrl-D")
    buf = ""
    while True:
        try:
            line = input("gip> " if not buf else "...> ")
        except EOFError:
            break
        if not buf and line.strip() in (".quit", ".exit", "\\q"):
            break
        buf += line + "\n"
        if buf.strip().endswith(";"):
            try:
                run_statements(con, buf)
            except duckdb.Error as exc:
                print(f"error: {exc}")
            buf = ""
    return 0
