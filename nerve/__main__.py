"""``python -m nerve``: the ``nerve`` command (see nerve.cli)."""

import sys

from .cli import main

sys.exit(main())
