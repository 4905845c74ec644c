"""``python -m core`` is the ``modelops`` command."""

import sys

from core.cli import main

sys.exit(main())
