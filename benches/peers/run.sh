#!/usr/bin/env bash
# Side-by-side: Watts' threshold model (10,000 agents, Erdos-Renyi mean
# degree 8, relative threshold 0.18, one initial adopter, 50 synchronous
# steps) in Mesa 3 and in normshift, on this machine, in this run.
#
#   benches/peers/run.sh            # from the repository root
#
# Environment: MESA_REPS (default 3), REPS (Rust replicates, default 200),
# PEERS_VENV (virtual environment, default benches/peers/.venv; created
# with `python3 -m venv` and `pip install mesa networkx` on first use),
# CARGO_TARGET_DIR (as for cargo). Needs python3 (3.10+), cargo and a
# network connection the first time (PyPI).
#
# Rows (every row times only the 50 steps, one thread):
#   Mesa              benches/peers/watts_mesa.py: idiomatic Mesa 3
#   normshift run     the CLI: `normshift run reference/watts-2002 --set
#                     network.mean_degree=8 --steps 50`, simulate_seconds
#                     from manifest.json (steps plus each month's outcomes)
#   counted step      threshold::threshold_step_counted, the step `run` uses
#   full step         threshold::threshold_step, every agent reads every tie
#   bare CSR loop     a hand-written loop over bools: the limit of a full pass
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
cd "$root"
MESA_REPS="${MESA_REPS:-3}"
REPS="${REPS:-200}"
VENV="${PEERS_VENV:-$here/.venv}"
TARGET="${CARGO_TARGET_DIR:-$root/target}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

if [ ! -x "$VENV/bin/python" ]; then
    echo "creating $VENV (python3 -m venv; pip install mesa networkx)" >&2
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install --quiet --upgrade pip
    "$VENV/bin/pip" install --quiet "mesa>=3,<4" networkx
fi

echo "building normshift (release)" >&2
cargo build --release --quiet --bin normshift
cargo bench --quiet --bench peers --no-run 2>/dev/null

echo "Mesa: $MESA_REPS runs" >&2
"$VENV/bin/python" "$here/watts_mesa.py" "$MESA_REPS" > "$work/mesa.txt"

echo "normshift library and bare loop: $REPS runs" >&2
cargo bench --quiet --bench peers -- "$REPS" > "$work/rust.txt"

echo "normshift run (CLI): $REPS runs" >&2
"$TARGET/release/normshift" run reference/watts-2002 --set network.mean_degree=8 --steps 50 \
    --reps "$REPS" --threads 1 --no-plots --out "$work/cli" > /dev/null 2>&1

"$VENV/bin/python" - "$work" <<'PY'
import json, platform, subprocess, sys
work = sys.argv[1]
def kv(path):
    out = {}
    for line in open(path):
        if "=" in line:
            k, v = line.strip().split("=", 1)
            out[k] = v
    return out
mesa, rust = kv(f"{work}/mesa.txt"), kv(f"{work}/rust.txt")
m = json.load(open(f"{work}/cli/manifest.json"))
agents, steps = 10_000, 50
cli_per_run = m["timing"]["simulate_seconds"] / m["runs"]
rows = [
    (f"Mesa {mesa['mesa_version']} (idiomatic)", float(mesa["mesa_seconds_per_run"]), float(mesa["ties_per_agent"])),
    ("normshift run (CLI)", cli_per_run, float(rust["ties_per_agent"])),
    ("normshift counted step", float(rust["counted_seconds_per_run"]), float(rust["ties_per_agent"])),
    ("normshift full step", float(rust["full_seconds_per_run"]), float(rust["ties_per_agent"])),
    ("bare CSR loop", float(rust["bare_seconds_per_run"]), float(rust["ties_per_agent"])),
]
mesa_t, bare_t = rows[0][1], rows[-1][1]
try:
    cpu = next(l.split(":", 1)[1].strip() for l in subprocess.run(["lscpu"], capture_output=True, text=True).stdout.splitlines() if l.startswith("Model name"))
except Exception:
    cpu = platform.processor() or "unknown CPU"
print(f"Watts threshold model: {agents} agents, mean degree 8, threshold 0.18, 1 adopter, {steps} steps, 1 thread")
print(f"machine: {cpu}; Mesa runs: {mesa['reps']}, normshift runs: {rust['reps']} (library) and {m['runs']} (CLI)")
print(f"mean final adopters: Mesa {mesa['mean_final_adopters']}, normshift {rust['mean_final_adopters']} (cascades are rare at degree 8)")
print()
print(f"| {'engine':<32} | {'ms per run':>10} | {'agent-steps/s':>14} | {'edges/s':>14} | {'x Mesa':>8} | {'/ bare':>7} |")
print(f"|{'-'*34}|{'-'*12}|{'-'*16}|{'-'*16}|{'-'*10}|{'-'*9}|")
for name, t, deg in rows:
    a = agents * steps / t
    print(f"| {name:<32} | {t*1e3:>10.3f} | {a:>14,.0f} | {a*deg:>14,.0f} | {mesa_t/t:>8.1f} | {bare_t/t:>7.2f} |")
print()
print("edges/s counts every tie once per step (what a full pass reads); the counted step reads only")
print("the ties of agents that changed, so its edges/s is an equivalent rate, not ties read.")
PY
