#!/usr/bin/env bash
# Drive the TUI in tmux as a user would and print what the screen shows at each step.
#
#   scripts/drive_tui.sh [WIDTH] [HEIGHT] [SCENARIO]      (default 80 24, a 60-day baseline)
#
# Walks the five-minute session: edit a lever (with a typo first), compare it with the baseline,
# run it on the dashboard, open a person's timeline, save the what-if, and visit every screen.
# Captures go to stdout and to $OUT (default /tmp/drive_tui), one file per step.
set -euo pipefail

WIDTH=${1:-80}
HEIGHT=${2:-24}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT=${OUT:-/tmp/drive_tui}
SESSION=drive_tui_$$
WORK=$(mktemp -d)
mkdir -p "$OUT"

if [[ -n ${3:-} ]]; then
    SCENARIO=$(realpath "$3")
else  # the baseline as a stand-alone 60-day file, so the comparison takes seconds
    SCENARIO=$WORK/baseline_60d.yaml
    "$ROOT/.venv/bin/python" - "$ROOT/configs/aifc_pilot_2022.yaml" "$SCENARIO" <<'PY'
import sys
from pathlib import Path
from sim import load_scenario
from sim.loader import dump_yaml
scenario = load_scenario(sys.argv[1], ["run.days=60", "name=baseline_60d"])
Path(sys.argv[2]).write_text(dump_yaml(scenario), encoding="utf-8")
PY
fi

cleanup() { tmux kill-session -t "$SESSION" 2>/dev/null || true; rm -rf "$WORK"; }
trap cleanup EXIT

step=0
capture() {  # capture NAME: print the screen and keep a copy
    step=$((step + 1))
    local file
    file=$(printf '%s/%02d_%s.txt' "$OUT" "$step" "$1")
    tmux capture-pane -p -t "$SESSION" > "$file"
    printf '\n===== %02d %s (%sx%s) =====\n' "$step" "$1" "$WIDTH" "$HEIGHT"
    cat "$file"
}
keys() { for k in "$@"; do tmux send-keys -t "$SESSION" -- "$k"; sleep 0.3; done; }
wait_for() {  # wait_for TEXT SECONDS
    local deadline=$((SECONDS + $2))
    until tmux capture-pane -p -t "$SESSION" | grep -qF -- "$1"; do
        if ((SECONDS > deadline)); then echo "!! timed out waiting for: $1" >&2; return 1; fi
        sleep 0.5
    done
}

cd "$WORK"
tmux new-session -d -s "$SESSION" -x "$WIDTH" -y "$HEIGHT" \
    "$ROOT/.venv/bin/sandbox tui '$SCENARIO'; sleep 600"
wait_for "palette" 30
capture editor_opened

keys Down Down Enter                       # KYC section, first field
for _ in $(seq 9); do keys Down; done      # down to "reviewers"
keys C-e BSpace BSpace BSpace lots
sleep 1
capture invalid_value_typed

keys C-e BSpace BSpace BSpace BSpace 100
sleep 1
capture fixed_value

keys C-g                                   # compare with the baseline
wait_for "replications a side" 240
capture compare_table
keys Right
capture compare_summary
keys Right
sleep 1
capture compare_charts

keys C-r                                   # run the what-if on the dashboard
wait_for "finished" 120
capture dashboard_finished
keys Right
capture dashboard_funnel

keys 5                                     # people, then one person's timeline
sleep 3
keys / p a s s e d Enter
sleep 4
keys Enter
sleep 2
capture person_timeline

keys 2 C-s                                 # save the what-if
sleep 1
keys C-u f e w e r - r e v i e w e r s Enter
sleep 1
capture saved
ls -l "$WORK/whatifs" && cat "$WORK"/whatifs/*.yaml

keys Escape 1                              # leave the field first: digits type into it
sleep 2
capture scenarios
keys 6
sleep 1
capture help
keys C-p
sleep 1
keys e x p o r t
sleep 1
capture palette_export
keys Escape C-q
echo
echo "captures in $OUT"
