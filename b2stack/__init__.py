"""The local BelleDIRAC stack: MariaDB, certificates, CS, DIRAC services, executors, agents and pilots.

Used by ``make up``/``make test`` and by the integration tests' session fixture. DIRAC code imported by
this package must read the stack's own ``etc/dirac.cfg``, never one of the base interpreter's.
"""

import os

from b2stack import layout

os.environ.setdefault("DIRAC_ROOT_PATH", str(layout.ROOT))
