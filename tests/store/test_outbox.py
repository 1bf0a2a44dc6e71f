"""The outbox: a flush's rows are stored in one transaction and their ids come back in order."""

from __future__ import annotations

import asyncio

from tocsin.store import Database, DispatchStore


def test_many_deliveries_get_their_ids_in_order(database: Database) -> None:
    store = DispatchStore(database)
    rows = [{"group_id": f"g{i}", "body": f'{{"n": {i}}}', "flushed_at": 1.0} for i in range(450)]

    async def main() -> list[list[object]]:
        ids = await store.store_flush([], rows, [], [])
        assert ids == sorted(ids)
        assert len(set(ids)) == 450
        claimed = await store.claim_outbox("me")
        by_id = {int(str(r[0])): (r[1], r[2]) for r in claimed}
        for delivery_id, row in zip(ids, rows, strict=True):
            assert by_id[delivery_id] == (row["group_id"], row["body"])
        return claimed

    assert len(asyncio.run(main())) == 450
