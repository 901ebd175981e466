# The image every Airflow service of docker-compose.yaml runs: the official Airflow image for
# the version requirements.txt pins, plus the pipeline's own pinned dependencies.
# The DAGs, the dxstats package, SQL, suites and data are mounted at run time, not baked in.
FROM apache/airflow:3.3.2-python3.11

COPY requirements.txt /requirements.txt

# The base image expects packages to be installed as its `airflow` user, never as root.
# requirements.txt pins apache-airflow itself to the version above, so pip cannot swap the
# image's Airflow for another one while resolving.
USER airflow
RUN pip install --no-cache-dir -r /requirements.txt
