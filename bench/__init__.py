"""Benchmarks that compare tocsin with Alertmanager side by side.

``python -m bench --help`` is the entry point (``bench/_suite.py``): the scenarios
``ingest``, ``storm``, ``latency``, ``steady`` and ``restart`` (one module each) against
every server given, one table and one JSON report. ``python -m bench.ingest`` runs the
ingest scenario alone.
"""
