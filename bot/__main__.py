"""``python -m bot`` runs the ``beatthread`` command."""

import sys

from bot.cli import main

sys.exit(main())
