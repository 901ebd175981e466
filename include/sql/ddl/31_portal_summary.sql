-- portal_summary: filing counts per agency and month from systems outside the shared portal
-- (plugins/dxstats/sources/portal_summary.py). summary_month is the month's first day; a month's
-- load replaces exactly its rows. procedure_code NULL: the agency's total over its procedures.
-- The load keeps (agency_code, procedure_code) unique within a month.
-- On PostgreSQL the table is partitioned by month, and each month by province (plugins/dxstats/partitions.py).
CREATE TABLE IF NOT EXISTS core.fact_portal_summary (
    summary_month          DATE         NOT NULL,
    province_code          VARCHAR(2)   NOT NULL,   -- GSO code of the province whose landing folder it came from
    report_period          VARCHAR(10)  NOT NULL,
    agency_code            VARCHAR(40)  NOT NULL,
    procedure_code         VARCHAR(20),
    carried_over           BIGINT       NOT NULL,
    received_online        BIGINT       NOT NULL,
    received_in_person     BIGINT       NOT NULL,
    received_by_post       BIGINT       NOT NULL,
    resolved_early         BIGINT       NOT NULL,
    resolved_on_time       BIGINT       NOT NULL,
    resolved_late          BIGINT       NOT NULL,
    pending_in_time        BIGINT       NOT NULL,
    pending_late           BIGINT       NOT NULL,
    returned_or_withdrawn  BIGINT       NOT NULL,
    fee_filings            BIGINT       NOT NULL,
    paid_online            BIGINT       NOT NULL,
    digitised              BIGINT       NOT NULL,
    batch_id               VARCHAR(36)  NOT NULL,
    source_row             BIGINT       NOT NULL
) /*postgresql: PARTITION BY LIST (summary_month)*/;
