# Beatthread: the Discord bot (`beatthread run`) and, with another command, the local
# NemoVideo-compatible backend. docker-compose.yml builds and runs this image.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# A fixed numeric id, so orchestrators that check "runAsNonRoot" can verify it.
RUN groupadd --system --gid 10001 beatthread \
    && useradd --system --uid 10001 --gid beatthread --home-dir /home/beatthread \
        --create-home --shell /usr/sbin/nologin beatthread

# Runtime dependencies only (no dev extra); the wheels bring asyncpg and an ffmpeg binary.
# The build packs migrations/ into the package, so the source tree is not kept.
COPY pyproject.toml setup.py README.md /src/
COPY bot /src/bot
COPY migrations /src/migrations
RUN pip install /src && rm -rf /src

# DATA_DIR holds the SQLite file when DATABASE_URL is unset; a volume, so it outlives the
# container. On PostgreSQL nothing is written there.
RUN mkdir /data && chown beatthread:beatthread /data
VOLUME ["/data"]

# Inside a container the side server must listen on every interface for the published port
# to reach it; docker-compose.yml publishes it on the host's loopback only.
# numba (librosa's JIT, the local studio) caches compiled code; site-packages is read-only for
# the non-root user, so the cache lives in /tmp.
ENV DATA_DIR=/data \
    OPS_HOST=0.0.0.0 \
    OPS_PORT=8080 \
    NUMBA_CACHE_DIR=/tmp/numba-cache
EXPOSE 8080

USER 10001:10001
WORKDIR /home/beatthread

# /healthz answers 503 (urllib raises) until the gateway, the database and the backend are
# all reachable; the start period covers migrations and the first gateway connection.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % (os.environ.get('OPS_PORT') or '8080'), timeout=4)"]

# `run` applies the database migrations itself before connecting to Discord. Exec form:
# SIGTERM reaches beatthread directly and starts its graceful shutdown.
ENTRYPOINT ["beatthread"]
CMD ["run"]
