# Production image of the MSCOS Community Forum: one image, one console script, many roles
# (migrate, api, worker, bot) chosen by the compose file's command.
FROM python:3.11-slim AS base

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    HF_HUB_OFFLINE=1 \
    TRANSFORMERS_OFFLINE=1 \
    PTB_TIMEDELTA=true

WORKDIR /app

# CPU build of torch, pinned, from PyTorch's CPU index: never the multi-gigabyte CUDA wheels.
RUN pip install --index-url https://download.pytorch.org/whl/cpu "torch==2.13.0"

COPY pyproject.toml README.md ./
COPY forum_service ./forum_service
COPY moderation ./moderation
COPY bot ./bot
COPY mscos_forum ./mscos_forum
COPY telegram_text ./telegram_text
# Only `mscos-forum demo` uses the fake Bot API; the bot itself never imports it.
COPY fake_telegram ./fake_telegram
COPY scripts ./scripts
RUN pip install ".[ner]" && bash scripts/install-offline-models.sh /usr/local

RUN useradd --system --uid 10001 forum && mkdir -p /data /models && chown forum /data
USER forum

# The model directory (Detoxify checkpoint + config) is mounted read-only at /models.
VOLUME ["/models", "/data"]
EXPOSE 8080
ENTRYPOINT ["mscos-forum"]
CMD ["api", "--host", "0.0.0.0", "--port", "8080"]
