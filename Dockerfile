# The Kota Pintar image: the pipeline with Dagster's webserver and daemon, and the production
# instance settings (deploy/dagster.yaml: PostgreSQL from DAGSTER_PG_*). One image for every
# role; deploy/compose.yaml (or the Helm chart) chooses the command.
#
#   docker build -t kotapintar .
#   docker compose -f deploy/compose.yaml up -d
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# The project as an ordinary (non-editable) install: the catalog, the sample files and the SQL
# travel as package data. Every dependency ships wheels for linux/amd64 and arm64
# (psycopg2-binary brings its own libpq), so no compiler or apt packages are needed.
COPY pyproject.toml README.md /tmp/src/
COPY sources /tmp/src/sources
COPY quality /tmp/src/quality
COPY warehouse /tmp/src/warehouse
COPY portal /tmp/src/portal
COPY assets /tmp/src/assets
COPY pipelines /tmp/src/pipelines
RUN pip install /tmp/src && rm -rf /tmp/src

# State lives in volumes: the landing folder and work database (data/), the analyst file
# (warehouse/), and Dagster's compute logs ($DAGSTER_HOME/storage). The folders are made here,
# owned by the unprivileged user, so fresh named volumes start writable.
ENV DAGSTER_HOME=/opt/dagster/home \
    KOTAPINTAR_DATA_DIR=/var/lib/kotapintar/data \
    KOTAPINTAR_WAREHOUSE=/var/lib/kotapintar/warehouse/kotapintar.duckdb
RUN useradd --system --uid 10001 --user-group --home-dir /var/lib/kotapintar kotapintar \
    && mkdir -p "$DAGSTER_HOME/storage" /var/lib/kotapintar/data /var/lib/kotapintar/warehouse \
    && chown -R kotapintar:kotapintar "$DAGSTER_HOME/storage" /var/lib/kotapintar
COPY deploy/dagster.yaml /opt/dagster/home/dagster.yaml
COPY deploy/workspace.yaml /opt/dagster/workspace.yaml

USER kotapintar
WORKDIR /var/lib/kotapintar
EXPOSE 3000
# The webserver by default; the daemon runs `dagster-daemon run -w /opt/dagster/workspace.yaml`.
CMD ["dagster-webserver", "-h", "0.0.0.0", "-p", "3000", "-w", "/opt/dagster/workspace.yaml"]
