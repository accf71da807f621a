#!/usr/bin/env bash
# How the cost of `normshift run` grows with agents, degree and months: runs
# the CLI (release, one thread, one replicate, one strategy, no plots) and
# prints markdown tables from each run's manifest.json. Takes a few minutes
# (the 10^6-agent community runs 216 months).
#
#   benches/scaling.sh            # from the repository root
#
# Environment: CARGO_TARGET_DIR (as for cargo), THREADS (default 1).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
TARGET="${CARGO_TARGET_DIR:-$root/target}"
THREADS="${THREADS:-1}"
bin="$TARGET/release/normshift"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cargo build --release --quiet --bin normshift

# run NAME SCENARIO ARGS...: one run, its manifest kept as $work/NAME.json
run() {
    local name=$1
    shift
    "$bin" run "$@" --reps 1 --threads "$THREADS" --no-plots --out "$work/$name" > /dev/null 2>&1
    cp "$work/$name/manifest.json" "$work/$name.json"
    echo "$name" >> "$work/order"
}

# Community model (default scenario, baseline): 120 burn-in months + 96.
for v in 2 20 200 2000; do
    run "community-v$v" default --strategy baseline --set "population.villages=$v"
done
# Community model at 10^5 agents: months.
for m in 24 96 384; do
    run "community-m$m" default --strategy baseline --set population.villages=200 --steps "$m"
done
# Community model at 10^5 agents: peer degree.
for d in 4 16 32; do
    run "community-d$d" default --strategy baseline --set population.villages=200 --set "network.peer_degree=$d"
done
# Threshold rule (Watts), Erdos-Renyi mean degree 10, 100 steps, no cascade
# (threshold 0.18, no initial adopter): agents.
for n in 1000 10000 100000 1000000; do
    run "threshold-n$n" reference/watts-2002 --set "population.size=$n" --set network.mean_degree=10 --set initial.adopters=0
done
# Threshold rule at 10^5 agents: degree, with one adopter (Watts' cascade
# window: cascades at degree 4, not at 16).
for d in 4 16 64; do
    run "threshold-d$d" reference/watts-2002 --set population.size=100000 --set "network.mean_degree=$d"
done

python3 - "$work" <<'PY'
import csv, json, sys, tomllib
work = sys.argv[1]
print("| run | agents | ties/agent | months (burn-in + run) | build s | simulate s | agent-months/s | ns per agent-month | ns per tie-month | peak MB |")
print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
for name in open(f"{work}/order").read().split():
    m = json.load(open(f"{work}/{name}.json"))
    row = next(csv.DictReader(open(f"{work}/{name}/runs.csv")))
    sc = tomllib.load(open(f"{work}/{name}/scenario.toml", "rb"))
    agents, ties = int(row["agents"]), int(row["ties"])
    burn, steps = sc["initial"].get("burn_in", 0), sc["steps"]
    months = burn + steps
    t = m["timing"]
    sim = t["simulate_seconds"]
    rate = agents * months / sim
    peak = (m.get("peak_memory_bytes") or 0) / 1e6
    print(f"| {name} | {agents:,} | {ties / agents:.1f} | {burn} + {steps} | {t['build_seconds']:.2f} | {sim:.2f} | "
          f"{rate:,.0f} | {1e9 / rate:.0f} | {1e9 * sim / (ties * months):.2f} | {peak:.0f} |")
PY
