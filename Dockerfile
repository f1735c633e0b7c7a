# errortrack image: one image for every process of the scale-out topology (docker-compose.yml).
FROM python:3.11-slim

ENV PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    ERRORTRACK_DATA_DIR=/data

WORKDIR /app
COPY pyproject.toml README.md ./
COPY errortrack ./errortrack
COPY alerts ./alerts
COPY health ./health
COPY templates ./templates
COPY manage.py ./
RUN pip install --no-cache-dir . \
    && useradd --system --uid 10001 --home /app errortrack \
    && mkdir -p /data && chown errortrack /data

USER errortrack
EXPOSE 8000
CMD ["uvicorn", "errortrack.asgi:application", "--lifespan", "off", "--host", "0.0.0.0", "--port", "8000", "--workers", "4"]
