-- One row per filing. export_month is the export (and reception) month the row was loaded for:
-- a month's load replaces exactly its rows. Times are local (Asia/Ho_Chi_Minh). On PostgreSQL the table is
-- partitioned by month, and each month by province (plugins/dxstats/partitions.py).
CREATE TABLE IF NOT EXISTS core.fact_filing (
    filing_id       VARCHAR(60)  /*postgresql: COLLATE "C"*/ NOT NULL,  -- sorted byte by byte on PostgreSQL (a faster key)
    export_month    DATE         NOT NULL,
    province_code   VARCHAR(2)   NOT NULL,   -- GSO code of the province whose landing folder it came from
    procedure_code  VARCHAR(20)  NOT NULL,
    service_level   VARCHAR(12)  NOT NULL,
    agency_code     VARCHAR(40)  NOT NULL,
    unit_code       VARCHAR(10)  NOT NULL,
    channel         SMALLINT     NOT NULL,
    received_at     TIMESTAMP    NOT NULL,
    due_at          TIMESTAMP    NOT NULL,
    finished_at     TIMESTAMP,
    status          SMALLINT     NOT NULL,
    has_fee         BOOLEAN      NOT NULL,
    paid_online     BOOLEAN      NOT NULL,
    digitised       BOOLEAN      NOT NULL,
    e_result        BOOLEAN      NOT NULL,
    synced          BOOLEAN      NOT NULL,
    batch_id        VARCHAR(36)  NOT NULL,   -- audit.batches: the file it came from ...
    source_row      BIGINT       NOT NULL,   -- ... and its row there (header = row 1)
    PRIMARY KEY (filing_id, export_month, province_code)   -- a filing counts once: the load checks it
) /*postgresql: PARTITION BY LIST (export_month)*/;
