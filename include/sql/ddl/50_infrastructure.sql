-- Per-commune infrastructure sources (plugins/dxstats/sources/infrastructure.py), each replaced per period.

-- population: population, households and area per commune and year (period_start = 1 January).
CREATE TABLE IF NOT EXISTS core.fact_population (
    period_start   DATE              NOT NULL,
    province_code  VARCHAR(2)        NOT NULL,   -- GSO code of the province whose landing folder it came from
    commune_code   VARCHAR(10)       NOT NULL,
    year           INTEGER           NOT NULL,
    population     BIGINT            NOT NULL,
    households     BIGINT            NOT NULL,
    area_km2       DOUBLE PRECISION  NOT NULL,
    batch_id       VARCHAR(36)       NOT NULL,
    source_row     BIGINT            NOT NULL,
    PRIMARY KEY (period_start, commune_code, province_code)
);

-- postal: the postal service points as registered at a half-year's end (snapshot_half = its first day).
CREATE TABLE IF NOT EXISTS core.fact_postal_point (
    snapshot_half  DATE          NOT NULL,
    province_code  VARCHAR(2)    NOT NULL,   -- GSO code of the province whose landing folder it came from
    point_code     VARCHAR(40)   NOT NULL,
    operator       VARCHAR(200)  NOT NULL,
    point_kind     VARCHAR(20)   NOT NULL,   -- buu_cuc, diem_bdvhx, dai_ly, thung_thu
    commune_code   VARCHAR(10)   NOT NULL,
    active_from    DATE          NOT NULL,
    active_to      DATE,                     -- empty while active
    batch_id       VARCHAR(36)   NOT NULL,
    source_row     BIGINT        NOT NULL,
    PRIMARY KEY (snapshot_half, point_code, province_code)
);

-- household_survey: household ICT survey per commune and half-year.
CREATE TABLE IF NOT EXISTS core.fact_household_survey (
    snapshot_half               DATE         NOT NULL,
    province_code               VARCHAR(2)   NOT NULL,   -- GSO code of the province whose landing folder it came from
    survey_period               VARCHAR(10)  NOT NULL,
    commune_code                VARCHAR(10)  NOT NULL,
    households                  BIGINT       NOT NULL,
    households_with_smartphone  BIGINT       NOT NULL,
    households_with_fibre       BIGINT       NOT NULL,
    batch_id                    VARCHAR(36)  NOT NULL,
    source_row                  BIGINT       NOT NULL,
    PRIMARY KEY (snapshot_half, commune_code, province_code)
);
