"""Entry point for ``python -m trayapp``."""

import sys

from trayapp.cli import main

sys.exit(main())
