#!/bin/sh
# Times generation + verification + simulation of large schedules with
# pp-sched. The acceptance target is p=64, m=512, v=4 (interleaved-1f1b) in
# under 1 s. Usage: bench/schedule/run.sh [path/to/pp-sched]
# Results are recorded in docs/Schedules.md.
set -eu
PP_SCHED=${1:-build/bin/pp-sched}
run() {
  # --time-phases reports each phase; /usr/bin/time the whole process
  # (start-up, option parsing, the summary print included).
  /usr/bin/time -f "  process wall time %e s, max RSS %M KB" \
    "$PP_SCHED" --quiet --time-phases "$@" >/dev/null
}
echo "== interleaved-1f1b p=64 m=512 v=4 (target < 1 s)"
for i in 1 2 3; do run -p 64 -m 512 --schedule interleaved-1f1b --virtual-stages 4; done
for k in 1f1b zb-h1 zb-h2 zb-v; do
  echo "== $k p=64 m=512"
  run -p 64 -m 512 --schedule "$k"
done
echo "== auto p=64 m=512 (8 candidates generated, verified and simulated)"
run -p 64 -m 512 --schedule auto
# Scaling: time per action should stay flat as p and m grow (near-linear
# generation, verification and simulation), up to pp's size limits.
for k in zb-h1 zb-h2 zb-v; do
  for n in 100 200 400 1000; do
    echo "== $k p=m=$n"
    run -p "$n" -m "$n" --schedule "$k"
  done
done
echo "== auto p=1000 m=4"
run -p 1000 -m 4 --schedule auto
echo "== 1f1b p=64 m=65536 (at the limit of 2^22 units)"
run -p 64 -m 65536 --schedule 1f1b
echo "== search p=16 m=64 (target < 2 s)"
run -p 16 -m 64 --schedule search
