#!/usr/bin/env bash
# Build the peers' virtualenvs for benchmarks/automl.py, one per peer, outside mlwright's own
# dependencies (see PEERS.md for what was seen to install on this machine):
#
#   benchmarks/.venv-flaml       flaml[automl] 2.7.0
#   benchmarks/.venv-autogluon   torch 2.13.0 (CPU build, from local disk) then
#                                autogluon.tabular[all] 1.6.3 (~3.4 GB)
#
# Idempotent: a venv whose stamp file (.peer-requirements) matches the pinned requirements is
# left alone; a missing, partial or differently pinned venv is rebuilt from scratch. Pass peer
# names to build only some (`benchmarks/peers.sh flaml`); PYTHON picks the interpreter.
#
# torch goes in first, on its own: autogluon.tabular[all] wants torch, and if pip resolves it
# together with everything else it pulls a multi-GB CUDA build instead of the local CPU wheel.
# It stays pinned in the second step too, so that pip cannot swap it.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
PYTHON="${PYTHON:-$(command -v python3.11 || command -v python3)}"

TORCH="torch==2.13.0"
FLAML="flaml[automl]==2.7.0"
AUTOGLUON="autogluon.tabular[all]==1.6.3"

# Each step is one `pip install` line; a peer's steps run in order.
declare -A STEPS=(
    [flaml]="$FLAML pyarrow"
    [autogluon]="$TORCH|$TORCH $AUTOGLUON pyarrow"
)

say() { printf 'peers: %s\n' "$*" >&2; }

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
    "$venv/bin/python" -m pip install --quiet --upgrade pip
    local step
    IFS='|' read -ra steps <<<"$spec"
    for step in "${steps[@]}"; do
        say "$peer: pip install $step"
        # shellcheck disable=SC2086  # a step is a list of requirements
        "$venv/bin/python" -m pip install $step
    done
    printf '%s' "$spec" >"$stamp"
    say "$peer: done, $(du -sh "$venv" | cut -f1)"
}

main() {
    local peers=("$@")
    ((${#peers[@]})) || peers=(flaml autogluon)
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
