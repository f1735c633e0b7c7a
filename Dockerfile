# errortrack image: one image for every process of the scale-out topology (docker-compose.yml picks
# the process with `command:`; errortrack/topology.py names them). The default is the web process.
FROM python:3.11-slim

# PYTHONPATH: every process imports the project from /app (where manage.py and templates/ are),
# not a mix of /app and the site-packages copy `pip install .` also makes.
ENV PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONPATH=/app \
    ERRORTRACK_DATA_DIR=/data

WORKDIR /app
# The runtime lock file first (exact versions, checked against their hashes), so this layer is
# rebuilt only when the lock changes, not on every code change.
COPY requirements/base.txt requirements/base.txt
RUN pip install --no-cache-dir --require-hashes -r requirements/base.txt
# The whole context (.dockerignore keeps out .venv, node_modules, data, caches): manage.py and
# templates/ live at the project root, outside the packages pyproject.toml lists. `--no-deps`:
# every dependency came from the lock above (`pip check` fails the build if one is missing).
COPY . .
RUN pip install --no-cache-dir --no-deps . \
    && pip check \
    && rm -rf build ./*.egg-info \
    && useradd --system --uid 10001 --home-dir /app --no-create-home errortrack \
    && mkdir -p /data && chown errortrack /data

USER errortrack
EXPOSE 8000
CMD ["uvicorn", "errortrack.asgi:application", "--lifespan", "off", "--no-access-log", "--host", "0.0.0.0", "--port", "8000", "--workers", "4"]
