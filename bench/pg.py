"""``python -m bench.pg``: the scenarios with tocsin on PostgreSQL beside tocsin on SQLite.

Starts a throwaway PostgreSQL cluster (as the tests do: ``initdb`` in a directory under
``/tmp``, 127.0.0.1 only, stopped at the end) and runs ``python -m bench`` with a
``tocsin-pg`` server added to the ones given. The cluster runs with ``fsync=off``: its
figures show tocsin's own cost on PostgreSQL, not a tuned database server's.
"""

from __future__ import annotations

import os
import sys

from bench._suite import main as suite_main


def main(argv: list[str]) -> int:
    from tests.support.postgres import running_postgres

    with running_postgres() as cluster:
        os.environ["TOCSIN_BENCH_PG_URL"] = cluster.url()
        template = (
            f"{sys.executable} -m bench._pg_serve --config {{config}} "
            "--listen 127.0.0.1:{port} --data-dir {datadir}"
        )
        return suite_main([*argv, "--server", f"tocsin-pg={template}"], prog="python -m bench.pg")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
