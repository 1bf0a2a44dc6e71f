"""``python -m bench``: the scenarios side by side; ``python -m bench --help`` for the flags."""

import sys

from bench._suite import main

sys.exit(main())
