# StatMusePicks image: the package in a virtualenv, the bundled data, a non-root user.
# Build: docker build -t statmusepicks:latest .   Run the stack: docker compose -f deploy/compose.yaml up -d

# --- build: compile nothing into the runtime image, only the finished virtualenv travels ---
FROM python:3.11-slim AS build
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
WORKDIR /src
COPY pyproject.toml README.md ./
COPY src ./src
RUN pip install --upgrade pip && pip install .

# --- runtime ---
FROM python:3.11-slim AS runtime
# libgomp1: XGBoost's OpenMP runtime, absent from the slim base.
RUN apt-get update \
    && apt-get install -y --no-install-recommends libgomp1 \
    && rm -rf /var/lib/apt/lists/*
RUN groupadd --system --gid 10001 smp \
    && useradd --system --uid 10001 --gid smp --home-dir /app --shell /usr/sbin/nologin smp
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    VAR_DIR=/app/var \
    BUNDLED_DATA_DIR=/app/data/bundled \
    LOG_JSON=true
COPY --from=build /opt/venv /opt/venv
WORKDIR /app
COPY data/bundled ./data/bundled
COPY deploy/docker-entrypoint.sh /usr/local/bin/docker-entrypoint.sh
# Named volumes take these owners on first mount: the app's files and the MLflow store.
RUN mkdir -p /app/var /mlflow && chown smp:smp /app/var /mlflow
USER smp
EXPOSE 8000
# Slim images have no curl; the interpreter is there anyway. 120 s start period: a first start
# trains the quick model set before serving.
HEALTHCHECK --interval=15s --timeout=5s --start-period=120s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/health', timeout=4)"]
ENTRYPOINT ["docker-entrypoint.sh"]
CMD ["statmusepicks", "serve", "--host", "0.0.0.0", "--port", "8000", "--workers", "2"]
