"""``python -m seedfeed``: the same as the ``seedfeed`` console script."""

from __future__ import annotations

import sys

from .cli import main

sys.exit(main())
