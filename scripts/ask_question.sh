#!/usr/bin/env bash
# Ask the TUI one policy question, keystroke by keystroke, and print every screen on the way:
#
#   "If we double the KYC analysts and banks block 90% of payments to unlicensed platforms from
#    2023, how much outflow do we prevent, and what does it cost in waiting time?"
#
#   scripts/ask_question.sh [DAYS] [SIZE...]     (default: a 240-day baseline, at 80x24 and 120x40)
#
# The baseline is the AIFC pilot, shortened to DAYS simulated days (from 2022-07-01, so 2023 falls
# inside the run) to keep each comparison to a minute or two. The walk is done once per terminal
# size. Every key sent is counted (typed text one key per character); the total is printed for each
# size. Captures also go to $OUT (default /tmp/ask_question), one file per step.
set -euo pipefail

DAYS=${1:-240}
shift || true
SIZES=("$@")
[[ $# -eq 0 ]] && SIZES=(80x24 120x40)
ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT=${OUT:-/tmp/ask_question}
SESSION=${SESSION:-ask_question_$$}
WORK=$(mktemp -d)
mkdir -p "$OUT"

SCENARIO=$WORK/aifc_pilot_${DAYS}d.yaml
"$ROOT/.venv/bin/python" - "$ROOT/configs/aifc_pilot_2022.yaml" "$SCENARIO" "$DAYS" <<'PY'
import sys
from pathlib import Path
from sim import load_scenario
from sim.loader import dump_yaml
days = sys.argv[3]
scenario = load_scenario(sys.argv[1], [f"run.days={days}", f"name=aifc_pilot_{days}d"])
Path(sys.argv[2]).write_text(dump_yaml(scenario), encoding="utf-8")
PY

cleanup() { tmux kill-session -t "$SESSION" 2>/dev/null || true; rm -rf "$WORK"; }
trap cleanup EXIT

step=0
pressed=0
capture() {  # capture NAME: print the screen and keep a copy
    step=$((step + 1))
    local file
    file=$(printf '%s/%sx%s_%02d_%s.txt' "$OUT" "$WIDTH" "$HEIGHT" "$step" "$1")
    tmux capture-pane -p -t "$SESSION" > "$file"
    printf '\n===== %02d %s (%sx%s, %d keys so far) =====\n' "$step" "$1" "$WIDTH" "$HEIGHT" "$pressed"
    cat "$file"
}
keys() {  # named keys (Enter, C-g, Tab…): one keystroke each
    for k in "$@"; do tmux send-keys -t "$SESSION" -- "$k"; pressed=$((pressed + 1)); sleep 0.4; done
}
type_text() {  # literal text: one keystroke per character
    tmux send-keys -t "$SESSION" -l -- "$1"; pressed=$((pressed + ${#1})); sleep 0.6
}
wait_for() {  # wait_for TEXT SECONDS
    local deadline=$((SECONDS + $2))
    until tmux capture-pane -p -t "$SESSION" | grep -qF -- "$1"; do
        if ((SECONDS > deadline)); then echo "!! timed out waiting for: $1" >&2; return 1; fi
        sleep 0.5
    done
}

walk() {  # walk WIDTH HEIGHT: ask the question at one terminal size
    WIDTH=$1
    HEIGHT=$2
    step=0
    pressed=0
    rm -rf "$WORK/whatifs" "$WORK/runs"
    tmux new-session -d -s "$SESSION" -x "$WIDTH" -y "$HEIGHT" \
        "cd '$WORK' && '$ROOT/.venv/bin/sandbox' tui '$SCENARIO'; sleep 600"
    wait_for "palette" 60
    wait_for "arrivals per day" 60
    capture editor_opened

    keys C-f                                  # find a parameter by name
    type_text "reviewers"
    wait_for "KYC › reviewers" 10
    keys Enter                                # the field, its value selected
    sleep 1.5                                 # (the find box closes, the field takes the focus)
    type_text "100"                           # double the analysts: 50 -> 100
    wait_for "50 → 100" 20
    capture analysts_doubled

    keys C-f
    type_text "block p"
    wait_for "Banks › unlicensed block prob" 10
    keys Enter
    sleep 1.5
    type_text "from 2023: 0.9"                # a dated value, typed in the field
    wait_for "0.9 from 2023-01-01" 20
    capture block_from_2023

    keys C-g                                  # compare with the baseline, paired replications
    sleep 5
    capture comparing
    wait_for "replications a side" 900
    sleep 2
    capture answer

    if ((WIDTH < 120)); then                  # narrow: the answer in words is the next tab
        keys Right
        sleep 1
        capture answer_in_words
    fi

    echo
    echo "keys pressed for the question at ${WIDTH}x${HEIGHT}: $pressed (captures in $OUT)"
    tmux kill-session -t "$SESSION" 2>/dev/null || true
}

for size in "${SIZES[@]}"; do
    walk "${size%x*}" "${size#*x}"
done
