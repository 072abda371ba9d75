#!/usr/bin/env bash
# Build the drift peer's virtualenv for benchmarks/drift.py, outside mlwright's own
# dependencies (see ../shared/PEERS.md):
#
#   benchmarks/.venv-evidently   evidently 0.7.23 (needs pandas < 3), with pyarrow to read
#                                the Parquet pairs and psutil (unused by default; handy)
#
# benchmarks/drift/evidently_run.py runs inside it. Idempotent, like serving/peers.sh: a venv
# whose stamp file (.peer-requirements) matches the pinned requirements is left alone; a
# missing, partial or differently pinned venv is rebuilt from scratch. PYTHON picks the
# interpreter (python3.11 by default). The venv gets a `.gitignore` of `*`, so git ignores it
# whatever the top-level .gitignore says. Prints the installed versions at the end.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"   # benchmarks/
PYTHON="${PYTHON:-$(command -v python3.11 || command -v python3)}"

# Each step is one `pip install` line ('|' separates steps, run in order).
declare -A STEPS=(
    [evidently]="evidently==0.7.23 pandas<3 pyarrow psutil"
)

say() { printf 'drift peers: %s\n' "$*" >&2; }

# pip, quieter: this machine's pip config names local index folders that lack most packages,
# and pip warns about each one; drop those lines (pip's own exit status still counts).
pip_install() {
    local python="$1"
    shift
    "$python" -m pip install --quiet "$@" 2>&1 \
        | { grep -v 'is ignored: it is neither a file nor a directory' || true; } >&2
}

versions() {
    "$1/bin/python" -m pip list 2>/dev/null \
        | grep -iE '^(evidently|pandas|numpy|scipy|pyarrow|scikit-learn) ' | tr -s ' ' \
        | paste -sd, -
}

build() {
    local peer="$1" venv="$HERE/.venv-$1" spec="${STEPS[$1]}"
    local stamp="$venv/.peer-requirements"
    if [[ -f "$stamp" && "$(cat "$stamp")" == "$spec" ]]; then
        say "$peer: $venv is up to date ($spec)"
        say "$peer: $(versions "$venv")"
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
    "$venv/bin/python" -c "import evidently, pandas; assert int(pandas.__version__.split('.')[0]) < 3"
    printf '%s' "$spec" >"$stamp"
    say "$peer: done, $(du -sh "$venv" | cut -f1); $(versions "$venv")"
}

main() {
    local peers=("$@")
    ((${#peers[@]})) || peers=(evidently)
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
