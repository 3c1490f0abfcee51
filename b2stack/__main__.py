"""``python -m b2stack {up,down,status,logs,clean}``: see ``b2stack.stack``."""

import sys

from b2stack.stack import main

sys.exit(main())
