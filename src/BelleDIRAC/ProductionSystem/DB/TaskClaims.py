"""Claiming transformation tasks for submission, so that two submission agents never submit the same task.

DIRAC's ``TransformationDB.getTasksToSubmit`` reads tasks, then reserves them one UPDATE at a time; two
agents can read the same tasks. Here one conditional UPDATE per chunk flips ``Created`` tasks to a token
unique to the caller, and only the rows carrying that token are returned: MySQL's row locks decide, not
timing. Tasks in back-off (``ProductionTaskAttempts.NotBefore`` in the future) are not eligible.

A claim is then confirmed (``Submitted`` + the job ID) or released (back to ``Created``). A claim left by an
agent killed between submitting and confirming is found by its age (``staleClaims``): the agent looks the
jobs up by name in the WMS before releasing anything, so nothing is submitted twice.
"""

from __future__ import annotations

import secrets

from DIRAC import S_ERROR, S_OK

CHUNK = 1000
CLAIMED = "Reserved"


def _marks(n: int) -> str:
    return ", ".join(["%s"] * n)


class TaskClaims:
    """Claims on ``TransformationTasks`` of a TransformationDB, with back-off read from the ProductionDB."""

    def __init__(self, transDB, prodDBName: str):
        self.db = transDB
        self.prodDB = prodDBName

    def claim(self, transID: int, count: int):
        """Up to ``count`` eligible tasks, now ``Reserved`` for the caller: [{TaskID, InputLFNs, BannedSites,
        Attempts}] in task order."""
        token = "C" + secrets.token_hex(7)  # ExternalStatus is CHAR(16)
        res = self.db._query(
            f"SELECT t.TaskID FROM TransformationTasks t LEFT JOIN `{self.prodDB}`.ProductionTaskAttempts a "
            "ON a.TransformationID = t.TransformationID AND a.TaskID = t.TaskID "
            "WHERE t.TransformationID = %s AND t.ExternalStatus = 'Created' "
            "AND (a.NotBefore IS NULL OR a.NotBefore <= UTC_TIMESTAMP()) ORDER BY t.TaskID LIMIT %s",
            args=(transID, int(count)),
        )
        if not res["OK"]:
            return res
        candidates = [r[0] for r in res["Value"]]
        for i in range(0, len(candidates), CHUNK):
            chunk = candidates[i : i + CHUNK]
            upd = self.db._update(
                "UPDATE TransformationTasks SET ExternalStatus = %s, LastUpdateTime = UTC_TIMESTAMP() "
                f"WHERE TransformationID = %s AND ExternalStatus = 'Created' AND TaskID IN ({_marks(len(chunk))})",
                args=(token, transID, *chunk),
            )
            if not upd["OK"]:
                return upd
        return self._takeToken(transID, token)

    def _takeToken(self, transID: int, token: str):
        res = self.db._query(
            f"SELECT t.TaskID, a.Attempts, a.BannedSites FROM TransformationTasks t LEFT JOIN "
            f"`{self.prodDB}`.ProductionTaskAttempts a ON a.TransformationID = t.TransformationID AND "
            "a.TaskID = t.TaskID WHERE t.TransformationID = %s AND t.ExternalStatus = %s ORDER BY t.TaskID",
            args=(transID, token),
        )
        if not res["OK"]:
            return res
        tasks = {r[0]: {"TaskID": r[0], "Attempts": r[1] or 0, "BannedSites": [s for s in (r[2] or "").split(",") if s],
                        "InputLFNs": []} for r in res["Value"]}  # fmt: skip
        if not tasks:
            return S_OK([])
        ids = list(tasks)
        for i in range(0, len(ids), CHUNK):
            chunk = ids[i : i + CHUNK]
            files = self.db._query(
                "SELECT ft.TaskID, d.LFN FROM TransformationFileTasks ft JOIN DataFiles d USING (FileID) "
                f"WHERE ft.TransformationID = %s AND ft.TaskID IN ({_marks(len(chunk))}) ORDER BY d.LFN",
                args=(transID, *chunk),
            )
            if not files["OK"]:
                return files
            for taskID, lfn in files["Value"]:
                tasks[taskID]["InputLFNs"].append(lfn)
        upd = self.db._update(
            "UPDATE TransformationTasks SET ExternalStatus = %s WHERE TransformationID = %s AND ExternalStatus = %s",
            args=(CLAIMED, transID, token),
        )
        return upd if not upd["OK"] else S_OK(list(tasks.values()))

    def confirm(self, transID: int, jobs: dict[int, int]):
        """Claimed tasks became jobs: ``Submitted`` with their job IDs (one UPDATE per chunk)."""
        items = sorted(jobs.items())
        for i in range(0, len(items), CHUNK):
            chunk = items[i : i + CHUNK]
            case = " ".join("WHEN %s THEN %s" for _ in chunk)
            args = [v for t, j in chunk for v in (int(t), str(int(j)))]
            res = self.db._update(
                f"UPDATE TransformationTasks SET ExternalStatus = 'Submitted', ExternalID = CASE TaskID {case} END, "
                f"LastUpdateTime = UTC_TIMESTAMP() WHERE TransformationID = %s AND TaskID IN ({_marks(len(chunk))})",
                args=(*args, transID, *[t for t, _ in chunk]),
            )
            if not res["OK"]:
                return res
        return S_OK(len(items))

    def release(self, transID: int, taskIDs: list[int], fromStatus: tuple[str, ...] = (CLAIMED,)):
        """Tasks back to ``Created`` (a failed submission, or a failed job to be retried)."""
        if not taskIDs:
            return S_OK(0)
        return self.db._update(
            "UPDATE TransformationTasks SET ExternalStatus = 'Created', ExternalID = '', "
            f"LastUpdateTime = UTC_TIMESTAMP() WHERE TransformationID = %s AND TaskID IN ({_marks(len(taskIDs))}) "
            f"AND ExternalStatus IN ({_marks(len(fromStatus))})",
            args=(transID, *taskIDs, *fromStatus),
        )

    def staleClaims(self, transID: int, olderThan: int):
        """Tasks claimed more than ``olderThan`` seconds ago and never confirmed (their agent died)."""
        res = self.db._query(
            "SELECT TaskID FROM TransformationTasks WHERE TransformationID = %s AND ExternalStatus = %s "
            "AND LastUpdateTime < UTC_TIMESTAMP() - INTERVAL %s SECOND",
            args=(transID, CLAIMED, int(olderThan)),
        )
        return res if not res["OK"] else S_OK([r[0] for r in res["Value"]])

    def setStatus(self, transID: int, statuses: dict[int, str]):
        """Task statuses as the WMS reports them (grouped: one UPDATE per status)."""
        byStatus: dict[str, list[int]] = {}
        for taskID, status in statuses.items():
            byStatus.setdefault(status, []).append(int(taskID))
        for status, ids in byStatus.items():
            if len(status) > 16:
                return S_ERROR(f"task status too long: {status}")
            for i in range(0, len(ids), CHUNK):
                chunk = ids[i : i + CHUNK]
                res = self.db._update(
                    "UPDATE TransformationTasks SET ExternalStatus = %s, LastUpdateTime = UTC_TIMESTAMP() "
                    f"WHERE TransformationID = %s AND TaskID IN ({_marks(len(chunk))})",
                    args=(status, transID, *chunk),
                )
                if not res["OK"]:
                    return res
        return S_OK()
