"""``python -m dxstats``: see :mod:`dxstats.cli`."""

import sys

from dxstats.cli import main

sys.exit(main())
