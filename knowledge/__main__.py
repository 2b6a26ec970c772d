"""``python -m knowledge <command>``: see :mod:`knowledge.cli`."""

import sys

from knowledge.cli import main

sys.exit(main())
