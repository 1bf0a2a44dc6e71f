"""Start tocsin on a database of its own in a running PostgreSQL cluster.

Used as a server template by ``python -m bench.pg``::

    python -m bench._pg_serve --config {config} --listen 127.0.0.1:{port} --data-dir {datadir}

The database is named after ``--data-dir`` (created when missing), so a restart of the same
server finds its data; ``TOCSIN_BENCH_PG_URL`` is the cluster's URL.
"""

from __future__ import annotations

import hashlib
import os
import sys

import psycopg


def main(argv: list[str]) -> None:
    admin = os.environ["TOCSIN_BENCH_PG_URL"]
    datadir = argv[argv.index("--data-dir") + 1]
    name = "bench_" + hashlib.sha1(datadir.encode()).hexdigest()[:12]
    with psycopg.connect(admin, autocommit=True) as conn:
        found = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if found is None:
            conn.execute(f'CREATE DATABASE "{name}"')
    url = admin.rsplit("/", 1)[0] + "/" + name
    tocsin = os.path.join(os.path.dirname(sys.executable), "tocsin")
    os.execv(tocsin, [tocsin, "serve", *argv, "--database-url", url])


if __name__ == "__main__":
    main(sys.argv[1:])
