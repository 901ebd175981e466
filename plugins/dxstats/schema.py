"""``python -m dxstats.schema``: create or update the warehouse's schemas, tables and views.

Why a module of its own: the ``airflow-init`` service of ``docker-compose.yaml`` runs it once,
outside any DAG, so a fresh PostgreSQL warehouse is ready before the first task starts; tasks
and operators reach the same DDL through :meth:`dxstats.warehouse.Warehouse.create_schema`.
The warehouse is the configured one (:func:`dxstats.settings.warehouse_url`), and running it
again changes nothing.
"""

from __future__ import annotations


def main() -> int:
    """Apply the warehouse DDL to the configured warehouse; 0 on success."""
    # Imported here so that importing this module stays cheap (no SQLAlchemy, no engine).
    import logging

    from dxstats.settings import safe_url
    from dxstats.warehouse import Warehouse

    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    wh = Warehouse()
    try:
        wh.create_schema()
    finally:
        wh.close()
    logging.getLogger("dxstats.schema").info("warehouse schema is up to date: %s", safe_url(wh.url))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
