# Front-end assets (ECharts for the shared-insight pages) from the npm registry, pinned by the lock file.
FROM node:20-slim AS assets
WORKDIR /assets
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund

FROM python:3.12-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
RUN apt-get update && apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY pyproject.toml README.md ./
COPY insights_api ./insights_api
COPY analytics ./analytics
COPY query_engine ./query_engine
COPY access_control ./access_control
COPY tenancy ./tenancy
COPY manage.py ./
COPY --from=assets /assets/node_modules/echarts/dist/echarts.min.js ./analytics/static/analytics/vendor/echarts.min.js
COPY --from=assets /assets/node_modules/echarts/LICENSE ./analytics/static/analytics/vendor/echarts.LICENSE
# No chDB by default: the image talks to a ClickHouse server (CLICKHOUSE_URL). EXTRAS=embedded
# installs it for a standalone container.
ARG EXTRAS=""
RUN if [ -n "$EXTRAS" ]; then pip install ".[$EXTRAS]"; else pip install .; fi && useradd --create-home --uid 1000 app && mkdir -p /app/var && chown app /app/var
USER app
EXPOSE 8000
ENV HOST=0.0.0.0 PORT=8000 WEB_THREADS=4
CMD ["gunicorn", "-c", "python:insights_api.gunicorn_conf"]
