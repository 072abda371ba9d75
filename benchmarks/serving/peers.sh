#!/usr/bin/env bash
# Build the serving peers' virtualenvs for benchmarks/serving.py, one per peer, outside
# mlwright's own dependencies (see ../shared/PEERS.md):
#
#   benchmarks/.venv-mlflow    mlflow 3.17.*   (`mlflow models serve --env-manager local`)
#   benchmarks/.venv-bentoml   bentoml 1.4.39  (`bentoml serve benchmarks.serving.bento_service:Svc`)
#
# Both get the same LightGBM / scikit-learn / pandas / NumPy / cloudpickle as each other (and as
# mlwright's .venv at the time of writing), so that the one pickled model that
# benchmarks/serving/make_model.py trains in the MLflow venv loads unchanged in the BentoML one.
#
# Idempotent: a venv whose stamp file (.peer-requirements) matches the pinned requirements is
# left alone; a missing, partial or differently pinned venv is rebuilt from scratch. Pass peer
# names to build only some (`benchmarks/serving/peers.sh bentoml`); PYTHON picks the
# interpreter. Each venv gets a `.gitignore` of `*` (what `python -m venv` writes itself from
# Python 3.13 on), so git ignores it whatever the top-level .gitignore says.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"   # benchmarks/
PYTHON="${PYTHON:-$(command -v python3.11 || command -v python3)}"

# The model's runtime: the same versions in every peer venv (the model is a pickle).
COMMON="lightgbm==4.7.0 scikit-learn==1.9.1 pandas==3.1.1 numpy==2.4.6 cloudpickle==3.1.3 pyarrow"
MLFLOW="mlflow==3.17.*"
BENTOML="bentoml==1.4.39"

# Each step is one `pip install` line; a peer's steps run in order ('|' separates steps).
declare -A STEPS=(
    [mlflow]="$MLFLOW $COMMON"
    [bentoml]="$BENTOML $COMMON"
)

say() { printf 'serving peers: %s\n' "$*" >&2; }

# pip, quieter: this machine's pip config names local index folders that lack most packages,
# and pip warns about each one; drop those lines (pip's own exit status still counts).
pip_install() {
    local python="$1"
    shift
    "$python" -m pip install --quiet "$@" 2>&1 \
        | { grep -v 'is ignored: it is neither a file nor a directory' || true; } >&2
}

build() {
    local peer="$1" venv="$HERE/.venv-$1" spec="${STEPS[$1]}"
    local stamp="$venv/.peer-requirements"
    if [[ -f "$stamp" && "$(cat "$stamp")" == "$spec" ]]; then
        say "$peer: $venv is up to date ($spec)"
        return
    fi
    say "$peer: creating $venv with $PYTHON"
    rm -rf "$venv"
    "$PYTHON" -m venv "$venv"
    printf '*\n' >"$venv/.gitignore"
    pip_install "$venv/bin/python" --upgrade pip
    local step
    IFS='|' read -ra steps <<<"$spec"
    for step in "${steps[@]}"; do
        say "$peer: pip install $step"
        # shellcheck disable=SC2086  # a step is a list of requirements
        pip_install "$venv/bin/python" $step
    done
    printf '%s' "$spec" >"$stamp"
    say "$peer: done, $(du -sh "$venv" | cut -f1); $("$venv/bin/python" -m pip list 2>/dev/null \
        | grep -iE '^(mlflow|bentoml|lightgbm|scikit-learn|pandas|numpy) ' | tr -s ' ' | paste -sd, -)"
}

main() {
    local peers=("$@")
    ((${#peers[@]})) || peers=(mlflow bentoml)
    local peer
    for peer in "${peers[@]}"; do
        if [[ -z "${STEPS[$peer]+x}" ]]; then
            say "unknown peer '$peer'; known peers are: ${!STEPS[*]}"
            exit 2
        fi
        build "$peer"
    done
}

main "$@"
