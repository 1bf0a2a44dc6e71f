"""Make the repository's top-level ``bench`` package importable from these tests.

``pyproject.toml`` sets ``pythonpath = ["."]`` for pytest; this covers runs without it.
"""

import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))
