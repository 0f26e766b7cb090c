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


def _connect(curated: Path, quarantine: Path, write: bool):
    """A connection to `<data>/gip.duckdb` with every view: read-only (shared by any number of readers) unless
    `write` or the file has no views yet, then the views are (re)written first."""
    import duckdb

    from gip_pipeline.serve import views

    data_dir = curated.resolve().parent
    db = data_dir / views.DB_FILE
    if not write and db.exists():
        con = duckdb.connect(str(db), read_only=True)
        if con.execute("SELECT count(*) FROM duckdb_views() WHERE NOT internal").fetchone()[0]:
            con.execute(f"SET file_search_path = '{data_dir.as_posix()}'")
            return con
        con.close()
    views.build(data_dir, curated, quarantine).close()
    con = duckdb.connect(str(db), read_only=not write)
    con.execute(f"SET file_search_path = '{data_dir.as_posix()}'")
    return con


HELP = """statements end with ';'. dot commands: .tables (the views), .schema VIEW (its columns), .help, .quit"""


def dot_command(con, line: str, out=sys.stdout) -> bool:
    """Run one dot command of the line shell; False when it asks to quit."""
    word, _, arg = line.strip().partition(" ")
    if word in (".quit", ".exit", ".q", "\\q"):
        return False
    if word == ".tables":
        names = con.execute("SELECT view_name FROM duckdb_views() WHERE NOT internal ORDER BY 1").fetchall()
        print("  ".join(n for (n,) in names), file=out)
    elif word == ".schema" and arg.strip():
        cur = con.execute("SELECT column_name, data_type, comment FROM duckdb_columns() WHERE table_name = ? "
                          "ORDER BY column_index", [arg.strip()])
        print(format_result(cur.description, cur.fetchall()), file=out)
    elif word == ".help":
        print(HELP, file=out)
    else:
        print(f"unknown command {word}; {HELP}", file=out)
    return True


def main(curated: Path, quarantine: Path, command: str | None, write: bool = False) -> int:
    import duckdb

    from gip_pipeline.serve import views

    data_dir = curated.resolve().parent
    try:
        con = _connect(curated, quarantine, write)
    except duckdb.Error as exc:
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
    print(f"gip sql: {db}{'' if write else ' (read-only)'}\nviews: {', '.join(names)}")
    cli = shutil.which("duckdb")
    if cli and sys.stdin.isatty():
        con.close()
        return subprocess.call([cli, str(db), *([] if write else ["-readonly"]),
                                "-cmd", f"SET file_search_path = '{data_dir.as_posix()}'"])
    print(HELP)
    buf = ""
    while True:
        try:
            line = input("gip> " if not buf else "...> ")
        except EOFError:
            break
        if line.strip().startswith((".", "\\q")):  # a dot command, even in the middle of a statement
            buf = ""
            if not dot_command(con, line):
                break
            continue
        buf += line + "\n"
        if buf.strip().endswith(";"):
            try:
                run_statements(con, buf)
            except duckdb.Error as exc:
                print(f"error: {exc}")
            buf = ""
    return 0
