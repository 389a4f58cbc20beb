#!/usr/bin/env python3
"""Run Encore's ClickHouse SQL on current ClickHouse, in-process (PyPI chdb-core).

The local stack runs ClickHouse 18.16; deployments run current releases, which
are stricter (for example, a JOINed subquery needs an alias). This check runs,
on the current ClickHouse that chdb embeds:

  --migrations DIR   every statement of every migration, in order;
  --docs FILE        every ```sql block of the analytics guide (after the
                     migrations, so the tables exist);
  --runtime URL      every distinct statement the services and tests sent to
                     the 18.16 server at URL during a test run, read back from
                     its system.query_log (so no statement is retyped here and
                     a new query cannot escape the check), one example of each
                     shape, with the values it was really sent with;
  --compare URL DB   copies the tables of database DB on the 18.16 server at
                     URL into chdb, then runs every view and every documented
                     query on both and compares the rows.

Prints what failed and a summary; exits 1 if anything failed.
"""

import argparse
import glob
import json
import os
import re
import sys
import tempfile
import urllib.parse
import urllib.request

from chdb import session

DATABASE = "encore"


def statements(sql):
    """Splits SQL text as the etl's migrator does: `;` at a line end, comment lines dropped."""
    out, current = [], []
    for line in sql.splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith("--"):
            continue
        current.append(line)
        if stripped.endswith(";"):
            out.append("\n".join(current).strip().rstrip(";").strip())
            current = []
    if current:
        out.append("\n".join(current).strip().rstrip(";").strip())
    return out


def doc_queries(path):
    text = open(path, encoding="utf-8").read()
    return [q.strip().rstrip(";") for q in re.findall(r"```sql\n(.*?)```", text, re.S)]


def old_server(url, sql, database=None):
    params = {"query": sql}
    if database:
        params["database"] = database
    request = urllib.request.Request(url + "/?" + urllib.parse.urlencode(params), method="POST")
    with urllib.request.urlopen(request, timeout=60) as answer:
        return answer.read().decode("utf-8")


class Current:
    """A current ClickHouse, in-process, with Encore's database."""

    def __init__(self):
        self.session = session.Session(tempfile.mkdtemp(prefix="encore-chdb-"))
        self.session.query(f"CREATE DATABASE IF NOT EXISTS {DATABASE}")
        self.session.query(f"USE {DATABASE}")

    def run(self, sql, fmt="TabSeparated"):
        return str(self.session.query(sql, fmt))


def shape(sql):
    """A statement with its values taken out, to keep one example per shape."""
    s = re.sub(r"'(?:[^'\\]|\\.)*'", "?", sql)
    s = re.sub(r"\b\d+(\.\d+)?\b", "?", s)
    s = re.sub(r"\(\s*\?(\s*,\s*\?)*\s*\)", "(?...)", s)
    return re.sub(r"\s+", " ", s).strip()


# Statements whose data travelled in the request body (the log keeps only
# the statement), and DDL: the migrations step has run every migration's
# statements on current ClickHouse in order already, and replayed out of
# order an early migration's view can name a table a later one replaced.
SKIPPED = re.compile(
    r"^\s*(INSERT\s+INTO\s+\S+(\s*\([^)]*\))?\s+(FORMAT\b|VALUES\s*$)|CREATE|DROP|RENAME|EXCHANGE|SHOW|EXISTS|SYSTEM|DESCRIBE|USE\b)",
    re.I,
)


# The migrator's tables: which migrations ran and their checksums.
BOOKKEEPING = ("encore_migrations", "encore_migration_checksums")


def runtime_statements(url, since):
    """Distinct shapes of what was sent and answered since `since` (Unix
    seconds), one example each, without the output format the client asked for."""
    old_server(url, "SYSTEM FLUSH LOGS")
    raw = old_server(
        url,
        "SELECT query FROM system.query_log WHERE type = 2 "
        f"AND event_time >= toDateTime({int(since)}) "
        "AND match(query, '(?i)^\\\\s*(SELECT|INSERT|ALTER|OPTIMIZE|WITH|CREATE)') "
        "AND NOT match(query, 'system\\\\.') ORDER BY event_time FORMAT JSONEachRow",
    )
    seen = {}
    for line in raw.splitlines():
        query = json.loads(line)["query"].strip().rstrip(";")
        # The migrator's own bookkeeping tables are not part of the schema.
        if SKIPPED.match(query) or any(t in query for t in BOOKKEEPING):
            continue
        query = re.sub(r"\s+FORMAT\s+\w+\s*$", "", query, flags=re.I)
        seen.setdefault(shape(query), query)
    return list(seen.values())


def tables_and_views(url, database):
    """The tables to copy and the views to compare. Tables that a materialized
    view writes to are not copied: copying `plays` into current ClickHouse
    fills them through the same views, and their aggregate states have no
    text form to copy through."""
    rows = old_server(
        url,
        f"SELECT name, engine, create_table_query FROM system.tables WHERE database = '{database}' FORMAT JSONEachRow",
    )
    tables, views, fed = [], [], set()
    for line in rows.splitlines():
        row = json.loads(line)
        # On a cluster (warehouse/src/layout.rs) a sharded table is
        # `<name>_local` behind a Distributed `<name>`: the data is read
        # through `<name>`, and what feeds `<name>_local` feeds `<name>`.
        name = re.sub(r"_local$", "", row["name"])
        if row["engine"] == "View":
            views.append(name)
        elif row["engine"] == "MaterializedView":
            target = re.search(r"\bTO\s+(?:\S+\.)?`?(\w+)`?", row["create_table_query"])
            fed.add(re.sub(r"_local$", "", target.group(1)) if target else name)
        elif not row["name"].startswith(".inner") and not row["name"].endswith("_local"):
            tables.append(name)
    return [t for t in tables if t not in fed], views


def normalized(tsv):
    return sorted(line for line in tsv.splitlines() if line)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--migrations", help="the etl's migrations directory")
    parser.add_argument("--docs", help="docs/analytics.md")
    parser.add_argument("--runtime", metavar="URL", help="the 18.16 server whose query_log to replay")
    parser.add_argument("--since", type=float, default=0, help="with --runtime: only statements from this Unix time on")
    parser.add_argument("--compare", nargs=2, metavar=("URL", "DB"), help="compare views and documented queries")
    args = parser.parse_args()

    current = Current()
    failures, ran = [], {"migrations": 0, "docs": 0, "runtime": 0, "compared": 0}

    def attempt(kind, sql):
        try:
            result = current.run(sql)
            ran[kind] += 1
            return result
        except Exception as error:  # noqa: BLE001 - every failure is reported
            failures.append((kind, sql, str(error).splitlines()[0][:300]))
            return None

    if args.migrations:
        for path in sorted(glob.glob(os.path.join(args.migrations, "*.sql"))):
            for sql in statements(open(path, encoding="utf-8").read()):
                attempt("migrations", sql)
    docs = doc_queries(args.docs) if args.docs else []
    for sql in docs:
        attempt("docs", sql)
    if args.runtime:
        for sql in runtime_statements(args.runtime, args.since):
            attempt("runtime", sql)
    if args.compare:
        url, database = args.compare
        tables, views = tables_and_views(url, database)
        for table in tables:
            if table in BOOKKEEPING:
                continue
            data = old_server(url, f"SELECT * FROM {table} FORMAT TabSeparated", database)
            current.run(f"TRUNCATE TABLE {table}")
            if data:
                # As they are: no replacing on insert, which current
                # ClickHouse does by default and 18.16 never did.
                current.session.query(
                    f"INSERT INTO {table} SETTINGS optimize_on_insert = 0 FORMAT TabSeparated\n{data}"
                )
        for name, sql in [(v, f"SELECT * FROM {v}") for v in views] + [(f"docs #{n}", q) for n, q in enumerate(docs, 1)]:
            try:
                old = normalized(old_server(url, sql + " FORMAT TabSeparated", database))
                new = normalized(current.run(sql))
            except Exception as error:  # noqa: BLE001
                failures.append(("compare", sql, str(error).splitlines()[0][:300]))
                continue
            ran["compared"] += 1
            if old != new:
                failures.append(("compare", sql, f"{name}: 18.16 gave {len(old)} rows, current {len(new)}; first differing: "
                                 f"{next((a, b) for a, b in zip(old + [''] * len(new), new + [''] * len(old)) if a != b)}"))

    for kind, sql, error in failures:
        print(f"FAILED [{kind}] {error}\n    {' '.join(sql.split())[:400]}")
    print(json.dumps({"clickhouse": current.run("SELECT version()").strip(), "ran": ran, "failed": len(failures)}))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
