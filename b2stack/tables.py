"""Create every DIRAC table once, in one process, before the services start.

Several DIRAC DB classes (SandboxMetadataDB, ProxyDB, TaskQueueDB, the SQLAlchemy ones of RSS and RMS)
create their tables when first instantiated. Services started in parallel then race, and the loser dies
with "The requested table already exist". Instantiating each class here, one after the other, leaves
nothing to create. Run as ``python -m b2stack.tables`` with the servers' configuration (needs the CS).
"""

from __future__ import annotations

import sys

from b2stack import layout

#: Databases whose DIRAC class is not named after the database.
CLASS_OF = {"ReqDB": "RequestDB"}


def main() -> int:
    import DIRAC

    DIRAC.initialize()
    from DIRAC.Core.Utilities.ObjectLoader import ObjectLoader

    failed = []
    for system, name in layout.DATABASES:
        cls = CLASS_OF.get(name, name)
        result = ObjectLoader().loadObject(f"{system}System.DB.{cls}", cls)
        if not result["OK"]:
            failed.append(f"{name}: {result['Message']}")
            continue
        try:
            db = result["Value"]()
            if hasattr(db, "createTables"):  # RequestDB leaves this to its service's first use
                created = db.createTables()
                if not created["OK"]:
                    failed.append(f"{name}: {created['Message']}")
        except Exception as exc:  # a DB class raises on connection or schema problems
            failed.append(f"{name}: {exc}")
    for line in failed:
        print(f"cannot prepare {line}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
