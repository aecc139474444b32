# One image for every role (see docker-compose.yml): `nobody worker` on the GPU, `nobody serve`, `nobody bot`.
# Models are NOT baked in: `nobody models prepare` runs at first start into the shared /models volume (the one-shot
# `models` service: fetch and verify, then build the derived files that are missing), because several weights
# carry non-commercial licences that a pushed image would redistribute.
FROM nvidia/cuda:12.4.1-cudnn-runtime-ubuntu22.04

ENV DEBIAN_FRONTEND=noninteractive \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PATH=/venv/bin:$PATH \
    NOBODY_MODEL_DIR=/models

# Python 3.11 from deadsnakes (jammy itself only has a 3.11 release candidate).
RUN apt-get update \
 && apt-get install -y --no-install-recommends software-properties-common gpg-agent \
 && add-apt-repository -y ppa:deadsnakes/ppa \
 && apt-get install -y --no-install-recommends python3.11 python3.11-venv ca-certificates \
 && apt-get purge -y software-properties-common gpg-agent && apt-get autoremove -y \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY pyproject.toml README.md ./
COPY nobody nobody
COPY models models
COPY inference inference
COPY bot bot

# torch's Linux wheel on PyPI is the CUDA build. onnxruntime and onnxruntime-gpu share one import package, so
# the CPU runtime (a base dependency) is removed and the GPU one reinstalled over the gap it leaves. Editable
# (-e): the code runs from /app, data files included (inference/service/openapi.yaml is not in a built wheel).
RUN python3.11 -m venv /venv \
 && pip install --upgrade pip \
 && pip install -e '.[gpu]' \
 && pip uninstall -y onnxruntime onnxruntime-gpu \
 && pip install 'onnxruntime-gpu>=1.18'

RUN useradd --create-home --uid 10001 nobody-svc && mkdir /models && chown nobody-svc /models
USER nobody-svc
VOLUME ["/models"]

CMD ["nobody", "worker"]
