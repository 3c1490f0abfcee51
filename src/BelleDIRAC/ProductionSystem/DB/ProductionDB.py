"""BelleDIRAC's ProductionDB: DIRAC's production tables plus the Belle II production system's own.

DIRAC's class keeps productions, steps and their transformations; this subclass adds the validated definition
with its guards (a UNIQUE fingerprint refuses the same production twice even when two managers race), each
task's attempts and back-off, classified failures and the input -> output bookkeeping (``ProductionDB.sql``).
"""

from __future__ import annotations

import json

from DIRAC import S_ERROR, S_OK
from DIRAC.ProductionSystem.DB.ProductionDB import ProductionDB as DIRACProductionDB

BELLE_FIELDS = ("Type", "Campaign", "Priority", "Definition", "Fingerprint", "OutputPath", "Sandbox", "TransformationID",
                "MergeTransformationID", "Validated", "ScoutJobs", "Reason")  # fmt: skip
PROD_FIELDS = ("ProductionID", "ProductionName", "Description", "CreationDate", "LastUpdate", "Author", "AuthorGroup",
               "Status")  # fmt: skip
SETTABLE = {"Sandbox", "TransformationID", "MergeTransformationID", "Validated", "ScoutJobs", "Reason", "Priority"}


class ProductionDB(DIRACProductionDB):
    """DIRAC's ProductionDB with the Belle II tables."""

    def addBelleProduction(self, name: str, row: dict, author: str, group: str, outputPathOf):
        """Insert a production and its Belle row; a duplicate fingerprint is refused (checked first for a clear
        message, enforced by the UNIQUE index against races). ``outputPathOf(prodID)`` names the output path."""
        same = self._query("SELECT b.ProductionID, p.ProductionName FROM BelleProductions b JOIN Productions p "
                           "USING (ProductionID) WHERE b.Fingerprint = %s", args=(row["Fingerprint"],))  # fmt: skip
        if not same["OK"]:
            return same
        if same["Value"]:
            prodID, prodName = same["Value"][0]
            return S_ERROR(f"the same production already exists: {prodID} ({prodName}); it would overwrite its outputs")
        res = self.addProduction(name, row.get("Description", ""), author, group)
        if not res["OK"]:
            return res
        prodID = res["Value"]
        fields = [f for f in BELLE_FIELDS if f in row and f != "OutputPath"]
        values = [row[f] for f in fields]
        sql = (f"INSERT INTO BelleProductions (ProductionID, OutputPath, {', '.join(fields)}) "
               f"VALUES (%s, %s, {', '.join(['%s'] * len(fields))})")  # fmt: skip
        ins = self._update(sql, args=(prodID, outputPathOf(prodID), *values))
        if not ins["OK"]:
            self._update("DELETE FROM Productions WHERE ProductionID = %s", args=(prodID,))
            if "Duplicate" in ins["Message"]:
                return S_ERROR("the same production was added at the same moment by someone else")
            return ins
        return S_OK(prodID)

    def getBelleProductions(self, condDict: dict | None = None, limit: int = 1000):
        """Productions with their Belle fields, as dicts (``condDict`` on any of those fields)."""
        columns = [f"p.{f}" for f in PROD_FIELDS] + [f"b.{f}" for f in BELLE_FIELDS]
        sql = f"SELECT {', '.join(columns)} FROM Productions p JOIN BelleProductions b USING (ProductionID)"
        args: list = []
        clauses = []
        for key, value in (condDict or {}).items():
            if key not in PROD_FIELDS + BELLE_FIELDS:
                return S_ERROR(f"unknown production field {key!r}")
            values = value if isinstance(value, list | tuple) else [value]
            prefix = "p" if key in PROD_FIELDS else "b"
            clauses.append(f"{prefix}.{key} IN ({', '.join(['%s'] * len(values))})")
            args += list(values)
        if clauses:
            sql += " WHERE " + " AND ".join(clauses)
        sql += f" ORDER BY p.ProductionID LIMIT {int(limit)}"
        res = self._query(sql, args=tuple(args))
        if not res["OK"]:
            return res
        names = PROD_FIELDS + BELLE_FIELDS
        return S_OK([dict(zip(names, row, strict=True)) for row in res["Value"]])

    def setBelleStatus(self, prodID: int, status: str, expected: list[str], reason: str | None = None):
        """Move a production to ``status`` only if it is in one of ``expected`` (two agents never both move it)."""
        marks = ", ".join(["%s"] * len(expected))
        res = self._update(f"UPDATE Productions SET Status = %s, LastUpdate = UTC_TIMESTAMP() "
                           f"WHERE ProductionID = %s AND Status IN ({marks})", args=(status, prodID, *expected))  # fmt: skip
        if not res["OK"] or not res["Value"]:
            return res if not res["OK"] else S_ERROR(f"production {prodID} is not in {', '.join(expected)}")
        if reason is not None:
            self._update(
                "UPDATE BelleProductions SET Reason = %s WHERE ProductionID = %s", args=(reason[:1024], prodID)
            )
        return S_OK()

    def setBelleParameters(self, prodID: int, params: dict):
        bad = set(params) - SETTABLE
        if bad:
            return S_ERROR(f"not settable: {', '.join(sorted(bad))}")
        if not params:
            return S_OK()
        sets = ", ".join(f"{k} = %s" for k in params)
        return self._update(f"UPDATE BelleProductions SET {sets} WHERE ProductionID = %s",
                            args=(*params.values(), prodID))  # fmt: skip

    # ---- tasks: attempts, failures, bookkeeping -------------------------------------------------------------

    def getTaskAttempts(self, transID: int, taskIDs: list[int] | None = None):
        sql = "SELECT TaskID, Attempts, NotBefore, BannedSites, LastCategory FROM ProductionTaskAttempts "
        sql += "WHERE TransformationID = %s"
        args: list = [transID]
        if taskIDs:
            sql += f" AND TaskID IN ({', '.join(['%s'] * len(taskIDs))})"
            args += list(taskIDs)
        res = self._query(sql, args=tuple(args))
        if not res["OK"]:
            return res
        return S_OK({r[0]: {"Attempts": r[1], "NotBefore": r[2], "BannedSites": [s for s in r[3].split(",") if s],
                            "LastCategory": r[4]} for r in res["Value"]})  # fmt: skip

    def countAttempts(self, transID: int, taskIDs: list[int]):
        """One more attempt for each task (called when its job is submitted)."""
        if not taskIDs:
            return S_OK()
        rows = ", ".join(["(%s, %s, 1)"] * len(taskIDs))
        args = [v for t in taskIDs for v in (transID, t)]
        return self._update(f"INSERT INTO ProductionTaskAttempts (TransformationID, TaskID, Attempts) VALUES {rows} "
                            "ON DUPLICATE KEY UPDATE Attempts = Attempts + 1", args=tuple(args))  # fmt: skip

    def recordFailure(self, prodID: int, transID: int, taskID: int, failure: dict, retry: dict | None):
        """A failed job, classified, and (when it will be retried) the task's back-off and banned sites.

        Keyed by JobID, so recording the same failure twice (an agent restarted mid-cycle) changes nothing.
        """
        res = self._update("INSERT IGNORE INTO ProductionFailures (ProductionID, TransformationID, TaskID, JobID, Site, "
                           "Category, Detail, FailedTime) VALUES (%s, %s, %s, %s, %s, %s, %s, UTC_TIMESTAMP())",
                           args=(prodID, transID, taskID, failure["JobID"], failure.get("Site", ""),
                                 failure["Category"], failure.get("Detail", "")[:512]))  # fmt: skip
        if not res["OK"]:
            return res
        banned = ",".join((retry or {}).get("BannedSites", []))
        delay = int((retry or {}).get("Delay", 0))
        return self._update("INSERT INTO ProductionTaskAttempts (TransformationID, TaskID, NotBefore, BannedSites, "
                            "LastCategory) VALUES (%s, %s, UTC_TIMESTAMP() + INTERVAL %s SECOND, %s, %s) "
                            "ON DUPLICATE KEY UPDATE NotBefore = VALUES(NotBefore), BannedSites = VALUES(BannedSites),"
                            " LastCategory = VALUES(LastCategory)",
                            args=(transID, taskID, delay, banned, failure["Category"]))  # fmt: skip

    def getFailureStatistics(self, prodID: int):
        """(site, category, count) rows of a production's failed jobs."""
        return self._query("SELECT Site, Category, COUNT(*) FROM ProductionFailures WHERE ProductionID = %s "
                           "GROUP BY Site, Category ORDER BY Site, Category", args=(prodID,))  # fmt: skip

    def getFailedJobs(self, prodID: int):
        """Job IDs of a production's failed jobs (what the cleaning agent clears up after)."""
        res = self._query("SELECT JobID FROM ProductionFailures WHERE ProductionID = %s", args=(prodID,))
        return res if not res["OK"] else S_OK([r[0] for r in res["Value"]])

    def addOutputs(self, rows: list[dict]):
        """Bookkeeping rows (ProductionID, TransformationID, TaskID, JobID, OutputLFN, InputLFNs, Datablock,
        LogLFN)."""
        if not rows:
            return S_OK(0)
        marks = ", ".join(["(%s, %s, %s, %s, %s, %s, %s, %s, UTC_TIMESTAMP())"] * len(rows))
        args = [
            v
            for r in rows
            for v in (
                r["ProductionID"],
                r["TransformationID"],
                r["TaskID"],
                r["JobID"],
                r["OutputLFN"],
                json.dumps(r.get("InputLFNs", [])),
                r.get("Datablock", ""),
                r.get("LogLFN", ""),
            )
        ]
        columns = (
            "ProductionID, TransformationID, TaskID, JobID, OutputLFN, InputLFNs, Datablock, LogLFN, RegisteredTime"
        )
        return self._update(f"INSERT IGNORE INTO ProductionOutputs ({columns}) VALUES {marks}", args=tuple(args))

    def getOutputs(self, prodID: int, datablock: str | None = None, merged: bool | None = None):
        sql = "SELECT TransformationID, TaskID, JobID, OutputLFN, InputLFNs, Datablock, Merged, LogLFN "
        sql += "FROM ProductionOutputs "
        sql += "WHERE ProductionID = %s"
        args: list = [prodID]
        if datablock is not None:
            sql, args = sql + " AND Datablock = %s", args + [datablock]
        if merged is not None:
            sql, args = sql + " AND Merged = %s", args + [int(merged)]
        res = self._query(sql + " ORDER BY OutputLFN", args=tuple(args))
        if not res["OK"]:
            return res
        keys = ("TransformationID", "TaskID", "JobID", "OutputLFN", "InputLFNs", "Datablock", "Merged", "LogLFN")
        out = [dict(zip(keys, r, strict=True)) for r in res["Value"]]
        for row in out:
            row["InputLFNs"] = json.loads(row["InputLFNs"] or "[]")
        return S_OK(out)

    def setMerged(self, lfns: list[str]):
        if not lfns:
            return S_OK(0)
        marks = ", ".join(["%s"] * len(lfns))
        return self._update(f"UPDATE ProductionOutputs SET Merged = 1 WHERE OutputLFN IN ({marks})", args=tuple(lfns))
