"""Load generators that compare tocsin with Alertmanager side by side.

``python -m bench.ingest --help`` is the entry point; see ``bench/ingest.py``.
"""
