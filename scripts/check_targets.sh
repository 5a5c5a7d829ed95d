#!/bin/sh
# Every library scenario with a target file against its published targets (docs/calibration.md).
# The tests check the two bases (aifc_pilot_2022, tm_2026); this checks the rest too. Extra
# arguments go to `sandbox targets` (e.g. -r 3). Exit status: the worst of the runs.
status=0
for scenario in aifc_pilot_2022 aifc_cooperation_2023 kz_miners_sale_rule kz_dual_licensing_2026 \
    kz_cryptocity kz_2022_2026 tm_2026; do
    .venv/bin/sandbox targets "configs/$scenario.yaml" "$@" || status=$?
done
exit $status
