-- telecom: each operator's coverage per commune and month (plugins/dxstats/sources/telecom.py).
-- On PostgreSQL the table is partitioned by month, and each month by province (plugins/dxstats/partitions.py).
CREATE TABLE IF NOT EXISTS core.fact_telecom_coverage (
    export_month        DATE              NOT NULL,
    province_code       VARCHAR(2)        NOT NULL,   -- GSO code of the province whose landing folder it came from
    operator            VARCHAR(40)       NOT NULL,   -- from the layout that read the file
    commune_code        VARCHAR(10)       NOT NULL,
    bts_2g              INTEGER           NOT NULL,
    bts_3g              INTEGER           NOT NULL,
    bts_4g              INTEGER           NOT NULL,
    bts_5g              INTEGER,
    coverage_3g_pct     DOUBLE PRECISION  NOT NULL,   -- of the commune's populated area
    coverage_4g_pct     DOUBLE PRECISION  NOT NULL,
    coverage_5g_pct     DOUBLE PRECISION,
    has_fibre           BOOLEAN           NOT NULL,
    ftth_subscribers    BIGINT            NOT NULL,
    mobile_subscribers  BIGINT            NOT NULL,
    batch_id            VARCHAR(36)       NOT NULL,
    source_row          BIGINT            NOT NULL,
    PRIMARY KEY (export_month, operator, commune_code, province_code)
) /*postgresql: PARTITION BY LIST (export_month)*/;
