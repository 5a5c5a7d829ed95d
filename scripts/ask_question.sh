#!/usr/bin/env bash
# Ask the TUI one policy question, keystroke by keystroke, and print every screen on the way:
#
#   "If we double the KYC analysts and banks block 90% of payments to unlicensed platforms from
#    2023, how much outflow do we prevent, and what does it cost in waiting time?"
#
#   scripts/ask_question.sh [WIDTH] [HEIGHT] [DAYS]     (default 80 24, a 240-day baseline)
#
# The baseline is the AIFC pilot, shortened to DAYS simulated days (from 2022-07-01, so 2023 falls
# inside the run) to keep the comparison to a minute or two. Every key sent is counted; the total
# is printed at the end. Captures also go to $OUT (default /tmp/ask_question), one file per step.
set -euo pipefail

WIDTH=${1:-80}
HEIGHT=${2:-24}
DAYS=${3:-240}
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
    file=$(printf '%s/%02d_%s.txt' "$OUT" "$step" "$1")
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

cd "$WORK"
tmux new-session -d -s "$SESSION" -x "$WIDTH" -y "$HEIGHT" \
    "$ROOT/.venv/bin/sandbox tui '$SCENARIO'; sleep 600"
wait_for "palette" 60
wait_for "arrivals per day" 60
capture editor_opened

keys C-f                                  # find a parameter by name
type_text "reviewers"
wait_for "KYC › reviewers" 10
keys Enter                                # the field, its value selected
type_text "4"                             # double the analysts: 2 -> 4
wait_for "2 → 4" 20
capture analysts_doubled

keys C-f
type_text "unlicensed block"
wait_for "Banks › unlicensed block prob" 10
keys Enter
type_text "from 2023: 0.9"                # a dated value, typed in the field
wait_for "0.9 from 2023-01-01" 20
capture block_from_2023

keys C-g                                  # compare with the baseline, paired replications
sleep 4
capture comparing
wait_for "replications a side" 900
sleep 1
capture answer

keys Right                                # the same answer in words
sleep 1
capture answer_in_words

echo
echo "keys pressed for the question: $pressed (captures in $OUT)"
tmux send-keys -t "$SESSION" C-q
