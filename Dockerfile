# Outturn's production image: gunicorn, Celery worker and beat all run from it.
# Two stages: Node builds the GOV.UK Frontend assets and is left behind; the runtime image has
# Python, the app and its compiled static files, and no test tools (no axe-core, no Node).

FROM node:20-bookworm-slim AS assets
WORKDIR /build
COPY package.json package-lock.json .npmrc ./
RUN npm ci --no-audit --no-fund --loglevel=error
COPY frontend/ frontend/
RUN mkdir -p static/govuk \
 && npx sass --pkg-importer=node --style=compressed --no-source-map --quiet-deps \
      frontend/outturn.scss static/govuk/outturn.css \
 && cp -r node_modules/govuk-frontend/dist/govuk/assets static/govuk/ \
 && cp node_modules/govuk-frontend/dist/govuk/govuk-frontend.min.js static/govuk/ \
 && mkdir -p static/vendor \
 && cp node_modules/plotly.js-basic-dist-min/plotly-basic.min.js static/vendor/

FROM python:3.11-slim-bookworm AS runtime
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 UV_PYTHON_DOWNLOADS=never \
    DJANGO_SETTINGS_MODULE=config.settings

# Pango for WeasyPrint. The briefing's charts are drawn by matplotlib: no browser here.
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core fonts-liberation \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY requirements.txt ./
RUN pip install --no-cache-dir uv && uv pip install --system --no-cache --compile-bytecode -r requirements.txt

COPY . .
COPY --from=assets /build/static/govuk build/static/govuk
COPY --from=assets /build/static/vendor/plotly-basic.min.js build/static/vendor/plotly-basic.min.js
RUN SECRET_KEY=build-only python manage.py collectstatic --no-input -v 0

RUN useradd --create-home outturn && mkdir -p /app/var/media && chown -R outturn /app/var
USER outturn
EXPOSE 8000
# Requests are logged by the app as JSON lines (docs/deploy.md); gunicorn's own access log
# would repeat each one in another format.
CMD ["gunicorn", "config.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3"]
