# mt5bot on the offline simulator (or a terminal under Wine elsewhere: mt5.backend mt5linux, docs/linux.md).
# The MetaTrader 5 terminal itself is a Windows program and is not in this image.
#   podman build -t localhost/mt5bot .          (or docker build)
#   compose.yaml runs it with PostgreSQL.
FROM docker.io/library/debian:bookworm-slim

# Debian 12's Python 3.11, and a CJK font so the report charts are drawn in Chinese.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 python3-venv ca-certificates fonts-wqy-microhei \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --home-dir /opt/mt5bot --shell /usr/sbin/nologin mt5bot

# Extra pip options, e.g. a local package index: --build-arg PIP_ARGS="--index-url file:///wheels/simple"
ARG PIP_ARGS=""
COPY . /src
# The build tools first, then mt5bot built with them (no isolated build environment to reach the index again).
RUN python3 -m venv /opt/mt5bot/.venv \
 && /opt/mt5bot/.venv/bin/pip install --no-cache-dir $PIP_ARGS --upgrade pip "setuptools>=69" wheel \
 && /opt/mt5bot/.venv/bin/pip install --no-cache-dir $PIP_ARGS --no-build-isolation /src \
 && cp /src/config.yaml /opt/mt5bot/config.yaml \
 && rm -rf /src \
 && mkdir -p /opt/mt5bot/data /opt/mt5bot/logs \
 && chown mt5bot:mt5bot /opt/mt5bot/data /opt/mt5bot/logs

USER mt5bot
WORKDIR /opt/mt5bot
# Listen on the container's interface; the port is published on the host's 127.0.0.1 (compose.yaml).
ENV PYTHONUNBUFFERED=1 \
    MT5BOT_SERVER__HOST=0.0.0.0 \
    MT5BOT_MT5__BACKEND=simulator
EXPOSE 8080
VOLUME ["/opt/mt5bot/data", "/opt/mt5bot/logs"]
# SIGTERM: mt5bot shuts down cleanly (state saved, connections closed); give it the time (compose: 45 s).
STOPSIGNAL SIGTERM
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s \
  CMD ["/opt/mt5bot/.venv/bin/python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8080/api/v1/health', timeout=4)"]
CMD ["/opt/mt5bot/.venv/bin/mt5bot", "--config", "/opt/mt5bot/config.yaml", "serve"]
