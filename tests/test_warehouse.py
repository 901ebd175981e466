"""The one place that knows the engines apart: which SQL applies where."""

from __future__ import annotations


def test_engine_variants_apply_to_their_engine_only(warehouse):
    names = [p.name for p in warehouse._ddl_files()]
    assert names[0] == "00_schemas.sql"
    assert "filing_indicators.sql" in names
    tuning = "31_portal_tuning.postgresql.sql"
    if warehouse.dialect == "postgresql":
        assert tuning in names
        persistence = warehouse.frame(
            "SELECT relpersistence FROM pg_class WHERE relname = 'portal_filing_keys'")["relpersistence"][0]
        assert persistence == "u"  # unlogged, as the PostgreSQL-only file says
    else:
        assert tuning not in names
