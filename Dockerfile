# Outturn's production image: gunicorn, Celery worker and beat all run from it.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 UV_PYTHON_DOWNLOADS=never \
    DJANGO_SETTINGS_MODULE=config.settings

# Pango for WeasyPrint, Chromium for kaleido's chart export, Node to build GOV.UK Frontend.
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core fonts-liberation \
      chromium nodejs npm make \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY requirements.txt ./
RUN pip install --no-cache-dir uv && uv pip install --system --no-cache -r requirements.txt

COPY package.json package-lock.json .npmrc ./
RUN npm ci --no-audit --no-fund --loglevel=error
COPY . .
RUN mkdir -p build/static/govuk build/static/vendor \
 && npx sass --pkg-importer=node --style=compressed --no-source-map --quiet-deps \
      frontend/outturn.scss build/static/govuk/outturn.css \
 && cp -r node_modules/govuk-frontend/dist/govuk/assets build/static/govuk/ \
 && cp node_modules/govuk-frontend/dist/govuk/govuk-frontend.min.js build/static/govuk/ \
 && cp "$(python -c 'import plotly, pathlib; print(pathlib.Path(plotly.__file__).parent / "package_data" / "plotly.min.js")')" build/static/vendor/ \
 && SECRET_KEY=build-only python manage.py collectstatic --no-input -v 0 \
 && rm -rf node_modules

RUN useradd --create-home outturn && mkdir -p /app/var/media && chown -R outturn /app/var
USER outturn
EXPOSE 8000
CMD ["gunicorn", "config.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
