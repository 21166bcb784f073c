# One image for the web, worker and beat processes of docker-compose.yml.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    VAR_DIR=/var/lib/portal \
    STATIC_ROOT=/app/staticfiles

RUN useradd --system --uid 10001 --home /app portal \
    && mkdir -p /var/lib/portal && chown portal /var/lib/portal

WORKDIR /app
COPY pyproject.toml README.md ./
COPY portal portal
COPY agencies agencies
COPY strategies strategies
COPY referrals referrals
RUN pip install .
COPY . .
# collectstatic needs settings that load; the key is thrown away with this layer.
RUN SECRET_KEY=collectstatic-only python manage.py collectstatic --noinput

USER portal
EXPOSE 8000
CMD ["gunicorn", "portal.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
