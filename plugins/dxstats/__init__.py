"""dxstats: the logic behind the digital-transformation statistics pipeline.

DAG files under ``dags/`` only wire tasks; everything they run lives here as plain
functions, so tests call them without a scheduler. Importing this package must stay
cheap: heavy libraries (pandas, great_expectations) are imported inside functions.
"""
