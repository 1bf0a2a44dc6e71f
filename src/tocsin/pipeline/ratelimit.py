"""Token buckets that keep a storm from flooding a person or a vendor.

A bucket of ``Rate(count, seconds)`` holds at most ``count`` tokens and gains one every
``seconds / count``; a message takes one. :class:`RateLimiter` keeps one bucket per key
(an integration, or an integration and a target) and answers, for a message that would
take from several buckets at once, whether it may go now or when it may. Pure: time is
passed in.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass

from tocsin.config import Rate

__all__ = ["RateLimiter", "TokenBucket"]


@dataclass(slots=True)
class TokenBucket:
    rate: Rate
    tokens: float
    updated: float

    def refill(self, now: float) -> None:
        if now > self.updated:
            per_token = self.rate.seconds / self.rate.count
            self.tokens = min(
                float(self.rate.count), self.tokens + (now - self.updated) / per_token
            )
            self.updated = now

    def ready_at(self, now: float) -> float:
        """When this bucket next holds a whole token."""
        self.refill(now)
        if self.tokens >= 1.0:
            return now
        per_token = self.rate.seconds / self.rate.count
        return now + (1.0 - self.tokens) * per_token


class RateLimiter:
    """Buckets by key; ``take`` takes a token from each given bucket, all or none."""

    def __init__(self) -> None:
        self._buckets: dict[Hashable, TokenBucket] = {}

    def _bucket(self, key: Hashable, rate: Rate, now: float) -> TokenBucket:
        bucket = self._buckets.get(key)
        if bucket is None or bucket.rate != rate:
            bucket = TokenBucket(rate, float(rate.count), now)
            self._buckets[key] = bucket
        return bucket

    def ready_at(self, limits: Sequence[tuple[Hashable, Rate]], now: float) -> float:
        """When a message limited by ``limits`` may go (``now`` when it may go now)."""
        return max((self._bucket(k, r, now).ready_at(now) for k, r in limits), default=now)

    def take(self, limits: Sequence[tuple[Hashable, Rate]], now: float) -> bool:
        """Take a token from every bucket of ``limits`` if each has one."""
        if self.ready_at(limits, now) > now:
            return False
        for key, rate in limits:
            self._bucket(key, rate, now).tokens -= 1.0
        return True

    def forget(self, keep: set[Hashable]) -> None:
        """Drop buckets whose key is not in ``keep`` (after a reload)."""
        for key in [k for k in self._buckets if k not in keep]:
            del self._buckets[key]
