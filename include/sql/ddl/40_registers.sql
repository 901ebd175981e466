-- The province's registers, one snapshot per half-year (snapshot_half = the half-year's first day),
-- each replaced whole when its register is loaded again (plugins/dxstats/sources/registers.py).

-- ke_hoach_bcd: each department / district / commune People's Committee, with its DX plan and committee.
CREATE TABLE IF NOT EXISTS core.fact_dx_readiness (
    snapshot_half         DATE          NOT NULL,
    province_code         VARCHAR(2)    NOT NULL,   -- GSO code of the province whose landing folder it came from
    agency_code           VARCHAR(40)   NOT NULL,
    agency_name           VARCHAR(300)  NOT NULL,
    agency_kind           VARCHAR(10)   NOT NULL,   -- as the register states it; marts count by core.dim_agency
    has_dx_plan           BOOLEAN       NOT NULL,   -- a 5-year (2021-2025) digital-transformation plan
    plan_number           VARCHAR(100),
    plan_issued_on        DATE,
    has_dx_committee      BOOLEAN       NOT NULL,   -- a digital-transformation steering committee
    committee_decision    VARCHAR(100),
    committee_decided_on  DATE,
    batch_id              VARCHAR(36)   NOT NULL,
    source_row            BIGINT        NOT NULL,
    PRIMARY KEY (snapshot_half, agency_code, province_code)
);

-- van_ban_chi_dao: directive documents on digital transformation.
CREATE TABLE IF NOT EXISTS core.fact_directive (
    snapshot_half    DATE           NOT NULL,
    province_code    VARCHAR(2)     NOT NULL,   -- GSO code of the province whose landing folder it came from
    document_number  VARCHAR(60)    NOT NULL,
    issued_on        DATE           NOT NULL,
    issuer           VARCHAR(300)   NOT NULL,
    summary          VARCHAR(2000),
    batch_id         VARCHAR(36)    NOT NULL,
    source_row       BIGINT         NOT NULL,
    PRIMARY KEY (snapshot_half, document_number, province_code)
);

-- chi_tieu: the province's yearly targets for the online-service rates (%).
CREATE TABLE IF NOT EXISTS core.fact_target (
    snapshot_half  DATE          NOT NULL,
    province_code  VARCHAR(2)    NOT NULL,   -- GSO code of the province whose landing folder it came from
    year           INTEGER       NOT NULL,
    indicator      VARCHAR(60)   NOT NULL,
    scope          VARCHAR(10)   NOT NULL,   -- province, so_nganh, huyen, xa
    target_pct     DOUBLE PRECISION NOT NULL,
    batch_id       VARCHAR(36)   NOT NULL,
    source_row     BIGINT        NOT NULL,
    PRIMARY KEY (snapshot_half, year, indicator, scope, province_code)
);
