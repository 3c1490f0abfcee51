-- ProductionDB of BelleDIRAC: DIRAC's schema (Productions, ProductionSteps, ProductionTransformations, ...)
-- plus what the Belle II production system keeps: the definition and its guards, per-task attempts, failure
-- statistics and the input -> output bookkeeping.

SOURCE DIRAC/ProductionSystem/DB/ProductionDB.sql

-- -------------------------------------------------------------------------------
-- One row per production: the validated definition and what the agents need to run it.
-- Fingerprint and OutputPath are UNIQUE: the same production (or one writing into another's output path)
-- cannot be added twice, whatever races between two production managers.
DROP TABLE IF EXISTS BelleProductions;
CREATE TABLE BelleProductions(
    ProductionID INTEGER NOT NULL,
    Type VARCHAR(32) NOT NULL,
    Campaign VARCHAR(64) NOT NULL,
    Priority INTEGER NOT NULL DEFAULT 5,
    Definition LONGTEXT NOT NULL,
    Fingerprint CHAR(64) NOT NULL,
    OutputPath VARCHAR(255) NOT NULL,
    Sandbox VARCHAR(512) NOT NULL DEFAULT '',
    TransformationID INTEGER DEFAULT NULL,
    MergeTransformationID INTEGER DEFAULT NULL,
    Validated TINYINT NOT NULL DEFAULT 0,
    ScoutJobs VARCHAR(255) NOT NULL DEFAULT '',
    Reason VARCHAR(1024) NOT NULL DEFAULT '',
    PRIMARY KEY(ProductionID),
    UNIQUE INDEX(Fingerprint),
    UNIQUE INDEX(OutputPath),
    FOREIGN KEY(ProductionID) REFERENCES Productions(ProductionID)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4;

-- -------------------------------------------------------------------------------
-- A task's attempts: how often it ran, when it may run again, where it must not run.
DROP TABLE IF EXISTS ProductionTaskAttempts;
CREATE TABLE ProductionTaskAttempts(
    TransformationID INTEGER NOT NULL,
    TaskID INTEGER NOT NULL,
    Attempts INTEGER NOT NULL DEFAULT 0,
    NotBefore DATETIME DEFAULT NULL,
    BannedSites VARCHAR(1024) NOT NULL DEFAULT '',
    LastCategory VARCHAR(32) NOT NULL DEFAULT '',
    PRIMARY KEY(TransformationID, TaskID)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4;

-- -------------------------------------------------------------------------------
-- Every failed job, classified: the statistics per site and reason come from here.
DROP TABLE IF EXISTS ProductionFailures;
CREATE TABLE ProductionFailures(
    ProductionID INTEGER NOT NULL,
    TransformationID INTEGER NOT NULL,
    TaskID INTEGER NOT NULL,
    JobID INTEGER NOT NULL,
    Site VARCHAR(128) NOT NULL DEFAULT '',
    Category VARCHAR(32) NOT NULL,
    Detail VARCHAR(512) NOT NULL DEFAULT '',
    FailedTime DATETIME NOT NULL,
    PRIMARY KEY(JobID),
    INDEX(ProductionID, Site)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4;

-- -------------------------------------------------------------------------------
-- Bookkeeping: which job of which task wrote which file from which input; merged files name their inputs.
-- LogLFN: the log archive of the job that wrote the file ('' when it could not be stored).
DROP TABLE IF EXISTS ProductionOutputs;
CREATE TABLE ProductionOutputs(
    ProductionID INTEGER NOT NULL,
    TransformationID INTEGER NOT NULL,
    TaskID INTEGER NOT NULL,
    JobID INTEGER NOT NULL,
    OutputLFN VARCHAR(255) NOT NULL,
    InputLFNs LONGTEXT,
    Datablock VARCHAR(255) NOT NULL DEFAULT '',
    Merged TINYINT NOT NULL DEFAULT 0,
    LogLFN VARCHAR(255) NOT NULL DEFAULT '',
    RegisteredTime DATETIME NOT NULL,
    PRIMARY KEY(OutputLFN),
    INDEX(ProductionID, Datablock)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4;

SET FOREIGN_KEY_CHECKS = 1;
