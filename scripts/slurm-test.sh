#!/usr/bin/env bash
# A real Slurm test of `normshift sweep --shard auto`, `normshift
# sensitivity --shard auto`, `normshift compare --shard auto` (over priors),
# `normshift merge`, and `normshift calibrate --shard auto` / `--merge`.
#
# It starts a throwaway single-node Slurm cluster on this machine (munged,
# slurmctld and slurmd, all on 127.0.0.1, all state in a temporary folder),
# submits a small sweep as a 4-task job array plus a merge job that depends on
# it (afterok), the same for a small sensitivity analysis and a small
# comparison over priors, waits for them, and checks that the merged
# runs.csv and points.csv, the merged samples.csv and sensitivity.csv, and
# the merged comparison's files are byte-identical to the same jobs run
# here without shards. Then it runs a small calibration round by round: per
# round a 4-task job array (`--shard auto`) and a merge job (`--merge`,
# afterok), until the merge marks it complete, and checks its outputs
# against the same calibration run here in one process.
# Every daemon it started is stopped on exit, whatever happened.
#
# Run from anywhere (it changes to the repository root):
#
#     bash scripts/slurm-test.sh
#
# Needs root on Debian 12 (or Slurm and MUNGE already installed): missing
# packages are installed with apt-get. CI runs it from .ci/run.
#
# Settings (environment):
#   NORMSHIFT_BIN        use this binary instead of building with `cargo build --release`
#   SLURM_TEST_TIMEOUT   seconds to wait for the jobs (default 240)
#   SLURM_TEST_PORT      slurmctld port; slurmd uses the next one (default 16817)
#   SLURM_TEST_KEEP=1    keep the temporary folder (configs, logs, results)
#
# What makes Slurm work in a container (tested on Debian 12, Slurm 22.05, in a
# gVisor sandbox without usable cgroups):
#   - no cgroup plugin anywhere: ProctrackType=proctrack/linuxproc,
#     TaskPlugin=task/none, JobAcctGatherType=jobacct_gather/none, no
#     accounting storage; so no cgroup.conf is needed on 22.05;
#   - SlurmdParameters=config_overrides: the node is taken as configured, so a
#     container whose detected sockets/cores differ from CPUs= is not drained;
#   - SelectTypeParameters=CR_CPU: CPUs (not whole cores, not memory) are the
#     consumable resource, so 1-CPU array tasks run side by side;
#   - munged runs as root on a private socket and key in the temporary folder
#     (AuthInfo=socket=...), so a system munged or key is neither needed nor
#     touched; munged insists that every folder above its socket is
#     executable by all, hence the chmod 755 of the temporary folder;
#   - SlurmctldHost=<host>(127.0.0.1) and NodeAddr=127.0.0.1: no name lookup
#     and no traffic off the loopback; non-default ports avoid a system Slurm;
#   - SchedulerParameters=kill_invalid_depend (and --kill-on-invalid-dep):
#     the merge job is cancelled, not left pending, if a shard fails.

set -euo pipefail
cd "$(dirname "$0")/.."

TIMEOUT=${SLURM_TEST_TIMEOUT:-240}
PORT=${SLURM_TEST_PORT:-16817}
SHARDS=4
passed=0
failed=0
WORK=""
STARTED_MUNGED=0
STARTED_SLURM=0
JOBS=()

say() { echo "slurm-test: $*" >&2; }
pass() { passed=$((passed + 1)); echo "ok: $*"; }
check_fail() { failed=$((failed + 1)); echo "FAIL: $*" >&2; }
# A failure after which nothing else can be checked.
die() {
    check_fail "$*"
    exit 1
}

dump_logs() {
    [[ -n $WORK && -d $WORK ]] || return 0
    local f
    for f in "$WORK"/log/*; do
        [[ -f $f ]] || continue
        echo "----- ${f#"$WORK"/} (last 40 lines) -----" >&2
        tail -n 40 "$f" >&2 || true
    done
    if [[ -n ${SLURM_CONF:-} ]]; then
        echo "----- sinfo -R -----" >&2
        timeout 10 sinfo -R >&2 2>&1 || true
    fi
}

# Wait (at most $2 seconds) for the process with pid $1 to exit.
wait_gone() {
    local pid=$1 end=$((SECONDS + $2))
    while kill -0 "$pid" 2>/dev/null && ((SECONDS < end)); do sleep 0.2; done
    ! kill -0 "$pid" 2>/dev/null
}

# The pid in a daemon's pid file (empty if none).
pid_of() {
    local pid
    pid=$(cat "$1" 2>/dev/null || true)
    [[ $pid =~ ^[0-9]+$ ]] && echo "$pid"
    return 0
}

# Stop a daemon we started, by its pid: give it $2 seconds to stop by itself,
# then TERM, then KILL.
stop_pid() {
    local pid=$1
    [[ -n $pid ]] || return 0
    wait_gone "$pid" "$2" && return 0
    kill -TERM "$pid" 2>/dev/null || true
    wait_gone "$pid" 10 || { kill -KILL "$pid" 2>/dev/null || true; wait_gone "$pid" 5 || true; }
}

cleanup() {
    local rc=$?
    trap - EXIT
    set +e
    if ((rc != 0 && failed == 0)); then
        failed=1
        echo "FAIL: stopped with exit status $rc" >&2
    fi
    ((rc != 0)) && dump_logs
    if ((STARTED_SLURM)); then
        # Cancel our jobs first so that no job step outlives slurmd.
        if ((${#JOBS[@]})); then
            timeout 10 scancel "${JOBS[@]}" 2>/dev/null
            local end=$((SECONDS + 15))
            while ((SECONDS < end)) && [[ -n $(timeout 10 squeue -h -o %i 2>/dev/null) ]]; do sleep 0.5; done
        fi
        local slurmd_pid slurmctld_pid
        slurmd_pid=$(pid_of "$WORK/run/slurmd.pid")
        slurmctld_pid=$(pid_of "$WORK/run/slurmctld.pid")
        timeout 15 scontrol shutdown >/dev/null 2>&1
        stop_pid "$slurmd_pid" 15
        stop_pid "$slurmctld_pid" 15
    fi
    if ((STARTED_MUNGED)); then
        local munged_pid
        munged_pid=$(pid_of "$WORK/munge/munged.pid")
        munged --stop --socket="$WORK/munge/munge.socket" >/dev/null 2>&1
        stop_pid "$munged_pid" 5
    fi
    if [[ -n $WORK && -d $WORK ]]; then
        if [[ ${SLURM_TEST_KEEP:-0} == 1 ]]; then
            say "kept $WORK"
        else
            rm -rf "$WORK"
        fi
    fi
    echo "slurm: $passed passed, $failed failed"
    ((failed == 0)) || exit 1
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

t_start=$SECONDS

# ---------------------------------------------------------------- install
need=(slurmctld slurmd sbatch squeue scontrol sinfo scancel munged munge)
missing=()
for c in "${need[@]}"; do command -v "$c" >/dev/null || missing+=("$c"); done
if ((${#missing[@]})); then
    say "missing ${missing[*]}: installing slurm-wlm and munge with apt-get"
    command -v apt-get >/dev/null || die "no apt-get: install Slurm (slurmctld, slurmd, client) and MUNGE by hand"
    [[ $(id -u) == 0 ]] || die "installing Slurm needs root (or install slurm-wlm and munge first)"
    export DEBIAN_FRONTEND=noninteractive
    apt=(apt-get -qq -o DPkg::Lock::Timeout=300) # wait for another apt-get, if any
    "${apt[@]}" update </dev/null >/dev/null || die "apt-get update failed"
    "${apt[@]}" install -y --no-install-recommends slurm-wlm munge </dev/null >/dev/null ||
        die "apt-get install slurm-wlm munge failed"
    for c in "${need[@]}"; do command -v "$c" >/dev/null || die "$c still missing after installing slurm-wlm and munge"; done
fi
[[ $(id -u) == 0 ]] || die "this test runs Slurm's daemons as root (SlurmUser=root); run it as root"
say "$(slurmctld -V 2>/dev/null || echo 'slurm ?'), $(munged -V 2>&1 | head -n1)"

# ---------------------------------------------------------------- binary
if [[ -n ${NORMSHIFT_BIN:-} ]]; then
    BIN=$NORMSHIFT_BIN
else
    # Always ask cargo: a no-op when the release binary is fresh, and a stale
    # binary would test old code.
    command -v cargo >/dev/null || die "no cargo to build normshift; set NORMSHIFT_BIN"
    say "cargo build --release"
    cargo build --release --quiet </dev/null || die "cargo build --release failed"
    target=${CARGO_TARGET_DIR:-target}
    BIN=$(cd "$target/release" && pwd)/normshift
fi
[[ -x $BIN ]] || die "no normshift binary at $BIN"
BIN=$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")
"$BIN" sweep --help >/dev/null 2>&1 || die "$BIN has no working 'sweep' subcommand"

# A small sweep: 4 points x 2 strategies x 2 replicates = 16 runs.
# shellcheck disable=SC2054 # the commas are in values
SWEEP=(sweep default
    --set steps=12 --set initial.burn_in=24
    --set population.villages=3 --set population.households_per_village=80
    --vary backlash.rate=0.02:0.2:4 --reps 2 --strategies baseline,male_champions)
RUNS=16
# A small sensitivity analysis: 8 samples x 4 matrices = 32 evaluations.
# shellcheck disable=SC2054
SENS=(sensitivity default
    --set steps=12 --set initial.burn_in=24
    --set population.villages=2 --set population.households_per_village=60
    --vary backlash.rate=0.02:0.2 --vary rule.women.theta_mean=1.8:2.4 --samples 8 --reps 1)

# A small comparison over priors: 8 draws x 1 replicate (+2 at the point
# values), 2 strategies.
# shellcheck disable=SC2054
CMP=(compare uncertain-example
    --set steps=12 --set initial.burn_in=24
    --set population.villages=2 --set population.households_per_village=60
    --draws 8 --reps 1 --strategies baseline,male_champions --no-plots)
CMP_FILES=(runs.csv timeseries.csv point.csv draws.csv comparison.csv discovery.csv acceptability.csv scenario.toml)
CAL_FILES=(posterior.csv generations.csv parameters.csv ppc.csv ppc_draws.csv scenario.toml attempts.csv)

WORK=$(mktemp -d "${TMPDIR:-/tmp}/normshift-slurm.XXXXXX")
chmod 755 "$WORK" # munged refuses a socket below a folder not executable by all
mkdir -p "$WORK"/{munge,run,spool/ctld,spool/d,log}

# ---------------------------------------------------------------- reference
say "reference: the sweep without shards"
"$BIN" "${SWEEP[@]}" --threads 2 --out "$WORK/whole" >"$WORK/log/whole.out" 2>&1 ||
    die "the unsharded sweep failed (see log/whole.out)"
[[ $(wc -l <"$WORK/whole/runs.csv") == $((RUNS + 1)) ]] || die "the unsharded sweep wrote $(($(wc -l <"$WORK/whole/runs.csv") - 1)) runs, expected $RUNS"
say "reference: the sensitivity analysis without shards"
"$BIN" "${SENS[@]}" --threads 2 --out "$WORK/sens-whole" >"$WORK/log/sens-whole.out" 2>&1 ||
    die "the unsharded sensitivity analysis failed (see log/sens-whole.out)"

say "reference: the comparison over priors without shards"
"$BIN" "${CMP[@]}" --threads 2 --out "$WORK/cmp-whole" >"$WORK/log/cmp-whole.out" 2>&1 ||
    die "the unsharded comparison over priors failed (see log/cmp-whole.out)"

# A small calibration: one village of 80 households, two years, two
# thresholds fitted to two statistics; 30 particles, 3 generations.
cat >"$WORK/cal.toml" <<'EOF'
name = "calib-small"
steps = 24
seed = 5
replicates = 2

[population]
villages = 1
households_per_village = 80

[initial]
burn_in = 36

[rule.women]
theta_mean = 2.1

[rule.men]
theta_mean = 1.2

[uncertain]
rule.women.theta_mean = { dist = "uniform", lo = 0.5, hi = 2.5, source = "test" }
rule.men.theta_mean = { dist = "uniform", lo = 0.6, hi = 2.0, source = "test" }

[[strategies]]
name = "baseline"
EOF
cat >"$WORK/cal-targets.toml" <<'EOF'
[[targets]]
name = "women taking part, second year"
metric = "participation"
strategy = "baseline"
window = [12, 23]
value = 0.32
sd = 0.05
source = "simulated at women's threshold 1.0, men's 1.2"

[[targets]]
name = "men supporting, second year"
metric = "men_support"
strategy = "baseline"
window = [12, 23]
value = 0.10
sd = 0.03
source = "simulated at women's threshold 1.0, men's 1.2"
EOF
CAL=(calibrate "$WORK/cal.toml" --targets "$WORK/cal-targets.toml" --particles 30 --generations 3 --ppc 10 --no-plots)
say "reference: the calibration in one process"
"$BIN" "${CAL[@]}" --threads 2 --out "$WORK/cal-whole" >"$WORK/log/cal-whole.out" 2>&1 ||
    die "the unsharded calibration failed (see log/cal-whole.out)"

# ---------------------------------------------------------------- munge
t_daemons=$SECONDS
if command -v mungekey >/dev/null; then
    mungekey --create --keyfile="$WORK/munge/munge.key" --force >/dev/null 2>&1 || die "mungekey failed"
else
    dd if=/dev/urandom of="$WORK/munge/munge.key" bs=1 count=1024 status=none
fi
chown root:root "$WORK/munge/munge.key"
chmod 600 "$WORK/munge/munge.key"
STARTED_MUNGED=1
munged --socket="$WORK/munge/munge.socket" --key-file="$WORK/munge/munge.key" \
    --pid-file="$WORK/munge/munged.pid" --log-file="$WORK/log/munged.log" \
    --seed-file="$WORK/munge/munged.seed" </dev/null || die "munged did not start (see log/munged.log)"
munge -n --socket="$WORK/munge/munge.socket" | unmunge --socket="$WORK/munge/munge.socket" >/dev/null 2>&1 ||
    die "munge credentials do not round-trip through munged"

# ---------------------------------------------------------------- slurm
NODE=$(hostname -s 2>/dev/null || hostname)
CPUS=$(nproc)
export SLURM_CONF=$WORK/slurm.conf
cat >"$SLURM_CONF" <<EOF
# Written by scripts/slurm-test.sh: a single-node cluster on 127.0.0.1.
ClusterName=normshift-test
SlurmctldHost=$NODE(127.0.0.1)
SlurmctldPort=$PORT
SlurmdPort=$((PORT + 1))
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$WORK/munge/munge.socket
MpiDefault=none
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
SchedulerType=sched/backfill
SchedulerParameters=kill_invalid_depend
SlurmdParameters=config_overrides
ReturnToService=2
MinJobAge=900
MailProg=/bin/true
StateSaveLocation=$WORK/spool/ctld
SlurmdSpoolDir=$WORK/spool/d
SlurmctldPidFile=$WORK/run/slurmctld.pid
SlurmdPidFile=$WORK/run/slurmd.pid
SlurmctldLogFile=$WORK/log/slurmctld.log
SlurmdLogFile=$WORK/log/slurmd.log
NodeName=$NODE NodeAddr=127.0.0.1 CPUs=$CPUS State=UNKNOWN
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP
EOF
STARTED_SLURM=1
slurmctld -f "$SLURM_CONF" </dev/null || die "slurmctld did not start (see log/slurmctld.log)"
slurmd -f "$SLURM_CONF" -N "$NODE" </dev/null || die "slurmd did not start (see log/slurmd.log)"

say "waiting for node $NODE to be idle"
end=$((SECONDS + 60))
state=""
while ((SECONDS < end)); do
    state=$(timeout 10 sinfo -h -n "$NODE" -o %t 2>/dev/null | head -n1 || true)
    [[ $state == idle ]] && break
    sleep 1
done
[[ $state == idle ]] || die "node $NODE not idle after 60 s (state '${state:-none}')"
pass "single-node cluster up: $NODE idle with $CPUS CPUs (in $((SECONDS - t_daemons)) s)"

# ---------------------------------------------------------------- jobs
# submit NAME PREFIX MERGED ARGS...: a job array of $SHARDS tasks, each running
# `normshift ARGS... --shard auto` (which reads SLURM_ARRAY_TASK_ID/COUNT/MIN)
# into $WORK/PREFIX-<task>, and a job that merges those folders into
# $WORK/MERGED once every task has succeeded (afterok). Sets ARRAY_ID and
# MERGE_ID.
submit() {
    local name=$1 prefix=$2 merged=$3
    shift 3
    {
        echo '#!/bin/bash'
        echo "#SBATCH --job-name=normshift-$name"
        echo "#SBATCH --array=0-$((SHARDS - 1))"
        echo "#SBATCH --cpus-per-task=1"
        echo "#SBATCH --output=$WORK/log/$name-%A_%a.out"
        echo 'set -euo pipefail'
        printf 'exec %q' "$BIN"
        printf ' %q' "$@"
        # shellcheck disable=SC2016 # expanded by the job, not here
        printf ' --threads "$SLURM_CPUS_PER_TASK" --shard auto --out %q/%s-"$SLURM_ARRAY_TASK_ID"\n' "$WORK" "$prefix"
    } >"$WORK/$name.sbatch"
    ARRAY_ID=$(sbatch --parsable --chdir="$WORK" "$WORK/$name.sbatch" </dev/null) || die "sbatch of the $name job array failed"
    ARRAY_ID=${ARRAY_ID%%;*}
    JOBS+=("$ARRAY_ID")
    local dirs=() i cmd
    for ((i = 0; i < SHARDS; i++)); do dirs+=("$WORK/$prefix-$i"); done
    cmd=$(printf '%q ' "$BIN" merge "${dirs[@]}" --out "$WORK/$merged")
    MERGE_ID=$(sbatch --parsable --job-name="normshift-$name-merge" --chdir="$WORK" \
        --dependency="afterok:$ARRAY_ID" --kill-on-invalid-dep=yes \
        --output="$WORK/log/$name-merge-%j.out" --wrap="$cmd" </dev/null) || die "sbatch of the $name merge job failed"
    MERGE_ID=${MERGE_ID%%;*}
    JOBS+=("$MERGE_ID")
    say "submitted $name array job $ARRAY_ID (tasks 0-$((SHARDS - 1))) and merge job $MERGE_ID (afterok:$ARRAY_ID)"
}
submit sweep shard merged "${SWEEP[@]}"
array=$ARRAY_ID merge=$MERGE_ID
submit sensitivity sens-shard sens-merged "${SENS[@]}"
sens_array=$ARRAY_ID sens_merge=$MERGE_ID
submit compare cmp-shard cmp-merged "${CMP[@]}"
cmp_array=$ARRAY_ID cmp_merge=$MERGE_ID

# States of every task of job $1, one a line ("<task> <state> <exit code>").
job_states() {
    timeout 10 scontrol -o show job "$1" 2>/dev/null | while read -r line; do
        local task state code
        task=$(grep -o 'ArrayTaskId=[^ ]*' <<<"$line" | cut -d= -f2 || true)
        state=$(grep -o 'JobState=[^ ]*' <<<"$line" | cut -d= -f2)
        code=$(grep -o ' ExitCode=[^ ]*' <<<"$line" | cut -d= -f2)
        echo "${task:--} $state $code"
    done
}
terminal='^(COMPLETED|FAILED|CANCELLED|TIMEOUT|NODE_FAIL|OUT_OF_MEMORY|BOOT_FAIL|DEADLINE|PREEMPTED)$'
# Wait until every task of job $1 has ended; print the final states.
wait_job() {
    local id=$1 states
    while ((SECONDS < deadline)); do
        states=$(job_states "$id")
        if [[ -n $states ]] && ! awk -v re="$terminal" '$2 !~ re { bad = 1 } END { exit !bad }' <<<"$states"; then
            echo "$states"
            return 0
        fi
        sleep 1
    done
    echo "$states"
    return 1
}

deadline=$((SECONDS + TIMEOUT))
t_jobs=$SECONDS
if ! array_states=$(wait_job "$array"); then
    die "job array $array not finished after $TIMEOUT s: $(tr '\n' ';' <<<"$array_states")"
fi
ntasks=$(wc -l <<<"$array_states")
ncompleted=$(awk '$2 == "COMPLETED" && $3 == "0:0"' <<<"$array_states" | wc -l)
if ((ntasks == SHARDS && ncompleted == SHARDS)); then
    pass "job array $array: $SHARDS tasks COMPLETED with exit 0"
else
    check_fail "job array $array: $ncompleted of $SHARDS tasks completed with exit 0: $(tr '\n' ';' <<<"$array_states")"
fi

# Each task ran its own shard, as --shard auto read it from Slurm.
shard_ok=1
for ((i = 0; i < SHARDS; i++)); do
    m="$WORK/shard-$i/manifest.json"
    if [[ ! -f $m ]]; then
        shard_ok=0
        check_fail "shard-$i has no manifest.json: task $i did not run its shard"
    elif ! grep -q "\"shard\": \"$i/$SHARDS\"" "$m" || ! grep -q '"status": "complete"' "$m"; then
        shard_ok=0
        check_fail "shard-$i/manifest.json is not a complete shard $i/$SHARDS: $(grep -E '"(shard|status)"' "$m" | tr -d '\n ')"
    fi
done
((shard_ok)) && pass "every task ran its own shard i/$SHARDS (--shard auto) to completion"

if ! merge_states=$(wait_job "$merge"); then
    die "merge job $merge not finished after $TIMEOUT s: $merge_states"
fi
if [[ $merge_states == "- COMPLETED 0:0" ]]; then
    pass "merge job $merge ran after the array (afterok) and COMPLETED"
else
    die "merge job $merge: $merge_states (see log/sweep-merge-$merge.out)"
fi
say "jobs took $((SECONDS - t_jobs)) s"

# ---------------------------------------------------------------- results
rows=$(($(wc -l <"$WORK/merged/runs.csv") - 1))
if ((rows == RUNS)); then pass "merged runs.csv holds all $RUNS runs"; else check_fail "merged runs.csv holds $rows runs, expected $RUNS"; fi
for f in runs.csv points.csv; do
    if cmp -s "$WORK/whole/$f" "$WORK/merged/$f"; then
        pass "merged $f is byte-identical to the unsharded sweep's"
    else
        check_fail "merged $f differs from the unsharded sweep's:"
        diff "$WORK/whole/$f" "$WORK/merged/$f" | head -n 10 >&2 || true
    fi
done

# ---------------------------------------------------------------- sensitivity
if ! sens_states=$(wait_job "$sens_array"); then
    die "sensitivity job array $sens_array not finished after $TIMEOUT s: $(tr '\n' ';' <<<"$sens_states")"
fi
ndone=$(awk '$2 == "COMPLETED" && $3 == "0:0"' <<<"$sens_states" | wc -l)
if ((ndone == SHARDS)); then
    pass "sensitivity job array $sens_array: $SHARDS tasks COMPLETED with exit 0"
else
    check_fail "sensitivity job array $sens_array: $ndone of $SHARDS tasks completed with exit 0: $(tr '\n' ';' <<<"$sens_states")"
fi
if ! sens_merge_states=$(wait_job "$sens_merge"); then
    die "sensitivity merge job $sens_merge not finished after $TIMEOUT s: $sens_merge_states"
fi
[[ $sens_merge_states == "- COMPLETED 0:0" ]] ||
    die "sensitivity merge job $sens_merge: $sens_merge_states (see log/sensitivity-merge-$sens_merge.out)"
for f in samples.csv sensitivity.csv; do
    if cmp -s "$WORK/sens-whole/$f" "$WORK/sens-merged/$f"; then
        pass "merged sensitivity $f is byte-identical to the unsharded analysis's"
    else
        check_fail "merged sensitivity $f differs from the unsharded analysis's:"
        diff "$WORK/sens-whole/$f" "$WORK/sens-merged/$f" | head -n 10 >&2 || true
    fi
done

# ---------------------------------------------------------------- compare
if ! cmp_states=$(wait_job "$cmp_array"); then
    die "compare job array $cmp_array not finished after $TIMEOUT s: $(tr '\n' ';' <<<"$cmp_states")"
fi
ndone=$(awk '$2 == "COMPLETED" && $3 == "0:0"' <<<"$cmp_states" | wc -l)
if ((ndone == SHARDS)); then
    pass "compare job array $cmp_array: $SHARDS tasks COMPLETED with exit 0"
else
    check_fail "compare job array $cmp_array: $ndone of $SHARDS tasks completed with exit 0: $(tr '\n' ';' <<<"$cmp_states")"
fi
if ! cmp_merge_states=$(wait_job "$cmp_merge"); then
    die "compare merge job $cmp_merge not finished after $TIMEOUT s: $cmp_merge_states"
fi
[[ $cmp_merge_states == "- COMPLETED 0:0" ]] ||
    die "compare merge job $cmp_merge: $cmp_merge_states (see log/compare-merge-$cmp_merge.out)"
for f in "${CMP_FILES[@]}"; do
    if cmp -s "$WORK/cmp-whole/$f" "$WORK/cmp-merged/$f"; then
        pass "merged comparison $f is byte-identical to the unsharded comparison's"
    else
        check_fail "merged comparison $f differs from the unsharded comparison's:"
        diff "$WORK/cmp-whole/$f" "$WORK/cmp-merged/$f" | head -n 10 >&2 || true
    fi
done

# ---------------------------------------------------------------- calibrate
# Round by round: a job array evaluates the round the calibration needs
# next (each task its chunk, --shard auto, all in one --out), then a merge
# job (afterok) takes it in and either finishes or marks the manifest
# `waiting` for the next round.
{
    echo '#!/bin/bash'
    echo "#SBATCH --job-name=normshift-calibrate"
    echo "#SBATCH --cpus-per-task=1"
    echo 'set -euo pipefail'
    printf 'exec %q' "$BIN"
    printf ' %q' "${CAL[@]}"
    # shellcheck disable=SC2016 # expanded by the job, not here
    printf ' --threads "$SLURM_CPUS_PER_TASK" --shard auto --out %q\n' "$WORK/cal-sharded"
} >"$WORK/calibrate.sbatch"
cal_merge_cmd=$(printf '%q ' "$BIN" "${CAL[@]}" --merge --out "$WORK/cal-sharded")
cal_status=""
cal_rounds=0
deadline=$((SECONDS + TIMEOUT))
while ((cal_rounds < 12)); do
    cal_rounds=$((cal_rounds + 1))
    ARRAY_ID=$(sbatch --parsable --chdir="$WORK" --array="0-$((SHARDS - 1))" \
        --output="$WORK/log/calibrate-%A_%a.out" "$WORK/calibrate.sbatch" </dev/null) ||
        die "sbatch of calibration round $cal_rounds failed"
    ARRAY_ID=${ARRAY_ID%%;*}
    JOBS+=("$ARRAY_ID")
    MERGE_ID=$(sbatch --parsable --job-name=normshift-calibrate-merge --chdir="$WORK" \
        --dependency="afterok:$ARRAY_ID" --kill-on-invalid-dep=yes \
        --output="$WORK/log/calibrate-merge-%j.out" --wrap="$cal_merge_cmd" </dev/null) ||
        die "sbatch of calibration merge $cal_rounds failed"
    MERGE_ID=${MERGE_ID%%;*}
    JOBS+=("$MERGE_ID")
    if ! states=$(wait_job "$ARRAY_ID"); then
        die "calibration round $cal_rounds (array $ARRAY_ID) not finished in time: $(tr '\n' ';' <<<"$states")"
    fi
    ndone=$(awk '$2 == "COMPLETED" && $3 == "0:0"' <<<"$states" | wc -l)
    ((ndone == SHARDS)) || die "calibration round $cal_rounds: $ndone of $SHARDS tasks completed: $(tr '\n' ';' <<<"$states")"
    if ! states=$(wait_job "$MERGE_ID"); then
        die "calibration merge $MERGE_ID not finished in time: $states"
    fi
    [[ $states == "- COMPLETED 0:0" ]] || die "calibration merge $MERGE_ID: $states (see log/calibrate-merge-$MERGE_ID.out)"
    cal_status=$(sed -n 's/.*"status": "\([a-z]*\)".*/\1/p' "$WORK/cal-sharded/manifest.json")
    [[ $cal_status == complete ]] && break
    [[ $cal_status == waiting ]] || die "calibration after round $cal_rounds: manifest status '$cal_status'"
done
if [[ $cal_status == complete ]]; then
    pass "calibration complete after $cal_rounds rounds (a $SHARDS-task array and a merge job each)"
else
    die "calibration not complete after $cal_rounds rounds (status '$cal_status')"
fi
for f in "${CAL_FILES[@]}"; do
    if cmp -s "$WORK/cal-whole/$f" "$WORK/cal-sharded/$f"; then
        pass "sharded calibration $f is byte-identical to the one-process calibration's"
    else
        check_fail "sharded calibration $f differs from the one-process calibration's:"
        diff "$WORK/cal-whole/$f" "$WORK/cal-sharded/$f" | head -n 10 >&2 || true
    fi
done

say "done in $((SECONDS - t_start)) s"
((failed == 0))
