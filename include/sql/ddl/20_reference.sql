-- Reference dimensions, each version valid over [valid_from, valid_to); valid_to NULL = still valid.
CREATE TABLE IF NOT EXISTS core.dim_unit (
    unit_code     VARCHAR(10)  NOT NULL,
    unit_name     VARCHAR(200) NOT NULL,
    unit_level    VARCHAR(10)  NOT NULL,   -- province, district, commune
    unit_type     VARCHAR(50),
    parent_code   VARCHAR(10),
    valid_from    DATE         NOT NULL,
    valid_to      DATE,
    verified      BOOLEAN      NOT NULL,   -- false: from a source not checked against the official act
    PRIMARY KEY (unit_code, valid_from)
);

CREATE TABLE IF NOT EXISTS core.dim_agency (
    agency_code   VARCHAR(40)  NOT NULL,
    agency_name   VARCHAR(300) NOT NULL,
    agency_kind   VARCHAR(10)  NOT NULL,   -- so_nganh, huyen, xa, nganh_doc (police, tax, social insurance)
    unit_code     VARCHAR(10)  NOT NULL,
    valid_from    DATE         NOT NULL,
    valid_to      DATE,
    PRIMARY KEY (agency_code, valid_from)
);

CREATE TABLE IF NOT EXISTS core.dim_procedure (
    procedure_code  VARCHAR(20)  NOT NULL,
    procedure_name  VARCHAR(500) NOT NULL,
    field           VARCHAR(200),
    service_level   VARCHAR(12)  NOT NULL,  -- toan_trinh, mot_phan, khong
    has_fee         BOOLEAN      NOT NULL,
    handled_at      VARCHAR(10)  NOT NULL,  -- tinh, huyen, xa
    agency_code     VARCHAR(40),            -- the responsible department or agency, for tinh procedures
    valid_from      DATE         NOT NULL,
    valid_to        DATE,
    PRIMARY KEY (procedure_code, valid_from)
);

-- The district-level units in force on each half-year's last day: the marts' district rows (none after the
-- 1 July 2025 reorganisation, when communes came directly under the province).
CREATE OR REPLACE VIEW core.half_year_districts AS
SELECT h.half_year, u.unit_code AS district_code, u.unit_name AS district_name
FROM core.half_years AS h
JOIN core.dim_unit AS u
  ON u.unit_level = 'district' AND u.valid_from <= h.last_day AND (u.valid_to IS NULL OR h.last_day < u.valid_to);
