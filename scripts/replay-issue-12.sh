#!/bin/sh
# Replay every defect of issue 12 ("Results a user can trust") against a
# built normshift and print one PASS/FAIL line per defect: the exit code,
# the message's first line, and whether anything outside the folder the
# command may write changed.
#
# Usage (from a clone, after `cargo build --release`):
#   sh scripts/replay-issue-12.sh            # uses target/release/normshift
#   NORMSHIFT=/path/to/normshift sh scripts/replay-issue-12.sh
#
# Needs no root and takes a minute or two. A full disk is stood in for by a
# file size limit (`ulimit -f`): the same write error (EFBIG instead of
# ENOSPC) reaches the same code paths. Writes only in a temporary folder,
# which it deletes. Exit code: the number of defects that FAIL (0 = all pass).

set -u
here=$(cd "$(dirname "$0")/.." && pwd)
N=${NORMSHIFT:-$here/target/release/normshift}
if [ ! -x "$N" ]; then
    echo "no normshift binary at $N: run cargo build --release first" >&2
    exit 99
fi
W=$(mktemp -d "${TMPDIR:-/tmp}/replay-issue-12.XXXXXX")
trap 'rm -rf "$W"' EXIT
cd "$W" || exit 99
fails=0
passes=0

# A small scenario: two villages, a year, two replicates, three strategies.
cat > small.toml <<'EOF'
# a small district [assumption]
name = "small"
steps = 12
seed = 3
replicates = 2
[population]
villages = 2
households_per_village = 60
[initial]
burn_in = 12
[backlash]
# source: a survey, table 3
rate = 0.05   # [assumption]
[[strategies]]
name = "baseline"
[[strategies]]
name = "champions"
[[strategies.interventions]]
kind = "male_champions"
target = { group = "men", selection = "central", share = 0.1 }
cost = { per_person = 200, per_month = 300 }
[[strategies]]
name = "quota"
[[strategies.interventions]]
kind = "quota"
target = { group = "women", selection = "elite", count = 7, per_village = true }   # seven seats a council [assumption]
cost = { per_person = 50, per_month = 800 }
EOF
mkdir -p victim results
echo "precious" > victim/keep.txt
echo "outside" > outside.txt

# Everything under $W except the folder $1 (relative; "-" for none), as
# one checksum per file and one line per folder.
snapshot() {
    if [ "$1" = "-" ]; then
        find . -path ./.replay -prune -o \( -type f -print \) | LC_ALL=C sort | xargs md5sum 2>/dev/null
        find . -path ./.replay -prune -o \( -type d -print \) | LC_ALL=C sort
    else
        find . \( -path "./$1" -o -path ./.replay \) -prune -o \( -type f -print \) | LC_ALL=C sort | xargs md5sum 2>/dev/null
        find . \( -path "./$1" -o -path ./.replay \) -prune -o \( -type d -print \) | LC_ALL=C sort
    fi
}
mkdir .replay

# expect ID "what" CODE OUT PATTERN -- command...
#   CODE: the exit code wanted; OUT: the only path the command may change
#   ("-" for none); PATTERN: an extended regex its stdout+stderr must match
#   ("" for any). Prints PASS/FAIL with the exit code and first message line.
expect() {
    id=$1 what=$2 want=$3 out=$4 pattern=$5
    shift 6
    snapshot "$out" > .replay/before
    timeout 120 "$@" > .replay/stdout 2> .replay/stderr
    code=$?
    snapshot "$out" > .replay/after
    msg=$(grep -m1 -E '^(error|warning)' .replay/stderr || head -n1 .replay/stderr)
    [ -z "$msg" ] && msg=$(tail -n1 .replay/stdout)
    msg=$(printf '%s' "$msg" | cut -c1-160)
    verdict=PASS
    why=""
    if [ "$code" != "$want" ]; then verdict=FAIL; why="exit $code, wanted $want; "; fi
    if [ -n "$pattern" ] && ! cat .replay/stdout .replay/stderr | grep -qE -- "$pattern"; then
        verdict=FAIL; why="${why}output does not match /$pattern/; "
    fi
    if ! cmp -s .replay/before .replay/after; then
        verdict=FAIL; why="${why}something outside ${out} changed; "
    fi
    report "$verdict" "$id" "$what" "exit $code: $msg" "$why"
}

# report PASS|FAIL ID "what" "result" "why"
report() {
    if [ "$1" = PASS ]; then passes=$((passes + 1)); else fails=$((fails + 1)); fi
    if [ -n "$5" ]; then
        printf '%s %s %s -- %s [%s]\n' "$1" "$2" "$3" "$4" "$5"
    else
        printf '%s %s %s -- %s\n' "$1" "$2" "$3" "$4"
    fi
}

# A scenario file `$1.toml`: small.toml with sed expression $2 applied.
variant() {
    sed "$2" small.toml > "$1.toml"
}

echo "== Security"
variant trav 's|^name = "small"|name = "../../victim"|'
expect S1 'name = "../../victim": run refused' 2 - 'name' -- "$N" run trav.toml --no-plots
variant abs "s|^name = \"small\"|name = \"$W/victim\"|"
expect S2 'an absolute path as name: run refused' 2 - 'name' -- "$N" run abs.toml --no-plots
expect S3 '--set name=../../victim refused' 2 - 'name' -- "$N" run small.toml --set name=../../victim --no-plots
expect S4 'sweep with a traversal name refused' 2 - 'name' -- "$N" sweep trav.toml --vary backlash.rate=0:0.1:2
expect S5 'sensitivity with a traversal name refused' 2 - 'name' -- "$N" sensitivity trav.toml --vary backlash.rate=0:0.1 --samples 2
expect S6 'a shard of a sweep with --set name=/abs refused' 2 - 'name' -- "$N" sweep small.toml --set "name=$W/victim" --vary backlash.rate=0:0.1:2 --shard 0/2
variant slash 's|^name = "champions"|name = "../champions"|'
expect S7 'a strategy name with / (GIF outside) refused' 2 - 'strategies.1.name' -- "$N" run slash.toml

echo "== Data loss and misleading folders"
"$N" sweep small.toml --vary backlash.rate=0:0.1:2 --out done-sweep > /dev/null 2>&1
expect D1 'run --out <a finished sweep> refused' 2 - 'another job' -- "$N" run small.toml --no-plots --out done-sweep
"$N" sweep small.toml --vary backlash.rate=0:0.1:2 --shard 0/2 --out shard0 > /dev/null 2>&1
"$N" sweep small.toml --vary backlash.rate=0:0.1:2 --shard 1/2 --out shard1 > /dev/null 2>&1
expect D2 'merge --out <an input shard> refused' 2 - 'shard folders' -- "$N" merge shard0 shard1 --out shard0
"$N" sensitivity small.toml --vary backlash.rate=0:0.1 --samples 2 --out sens > /dev/null 2>&1
expect D3 'compare into a sensitivity folder refused' 2 - 'another job' -- "$N" compare small.toml --no-plots --out sens
"$N" run small.toml --no-plots --out killed --seed 1 > /dev/null 2>&1
snapshot - > .replay/k-before
"$N" run small.toml --set steps=20000 --reps 4 --no-plots --out killed --seed 2 > /dev/null 2>&1 &
pid=$!
sleep 2
kill -KILL $pid 2> /dev/null
wait $pid 2> /dev/null
# The staging folder of the killed process is all that is new, and the
# next run beside it removes it.
snapshot - | grep -v '\.killed\.staging-' > .replay/k-after
if cmp -s .replay/k-before .replay/k-after && [ -z "$(find killed -name '*.tmp*')" ]; then
    report PASS D4 'a run killed midway leaves the folder as it was (no mixed files, no .tmp)' 'exit 137 (SIGKILL): killed/ byte-identical' ''
else
    report FAIL D4 'a run killed midway leaves the folder as it was' 'killed/ changed' 'folder differs'
fi
"$N" run small.toml --no-plots --out beside > /dev/null 2>&1
if ls -a | grep -q '\.killed\.staging-'; then
    report FAIL D5 'the killed run'"'"'s staging folder is removed by a later run' 'still there' 'stale staging folder'
else
    report PASS D5 'the killed run'"'"'s staging folder is removed by a later run beside it' 'exit 0: .killed.staging-PID gone' ''
fi
"$N" compare small.toml --reps 5 --out stale > /dev/null 2>&1
expect D6 'compare --no-plots after a plotted compare: no stale report.html' 0 stale '' -- "$N" compare small.toml --reps 4 --no-plots --out stale
if [ -e stale/report.html ] || [ -e stale/figures ]; then
    report FAIL D6b 'no stale report.html or figures survive' 'stale files found' 'stale report'
else
    report PASS D6b 'no stale report.html or figures survive' 'report.html and figures/ gone with the old results' ''
fi
"$N" compare small.toml --reps 5 --out stale2 > /dev/null 2>&1
expect D7 'run --strategy baseline,quota after compare: no earlier figures left' 0 stale2 '' -- "$N" run small.toml --strategy baseline,quota --out stale2
if ls stale2/figures 2> /dev/null | grep -qE '^(comparison|cost)\.png$|village_champions\.gif'; then
    report FAIL D7b 'earlier comparison.png, cost.png, village_champions.gif gone' 'stale figures found' 'stale figures'
else
    report PASS D7b 'earlier comparison.png, cost.png, village_champions.gif gone' 'figures/ holds only this run'"'"'s' ''
fi
# A full disk, stood in for by a file size limit: the write error names the
# file, the run leaves nothing (exit 1), the sweep's manifest says failed.
expect D8 'run on a "full disk" (ulimit -f): error names the file, nothing left' 1 - 'cannot write full/[a-z_]+\.csv.*nothing was written to full' -- sh -c "trap '' XFSZ; ulimit -f 40 && exec '$N' run small.toml --no-plots --out full"
expect D9 'sweep on a "full disk" (ulimit -f): error names runs.csv' 1 fullsweep 'runs\.csv' -- sh -c "trap '' XFSZ; ulimit -f 40 && exec '$N' sweep small.toml --vary backlash.rate=0:0.1:100 --out fullsweep"
if grep -q '"status": "failed"' fullsweep/manifest.json 2> /dev/null; then
    report PASS D9b 'the sweep'"'"'s manifest says failed after the write error' 'manifest.json: status failed' ''
else
    report FAIL D9b 'the sweep'"'"'s manifest says failed after the write error' "$(grep status fullsweep/manifest.json 2>&1)" 'status'
fi
touch a_file
expect D10 'unwritable --out under a file: exit 2 before running' 2 - 'a_file' -- "$N" run small.toml --out a_file/out
expect D11 'unwritable --out /proc/...: exit 2 before running' 2 - '/proc' -- "$N" run small.toml --out /proc/normshift
expect D12 'unwritable --out /dev/null: exit 2 before running' 2 - '/dev/null' -- "$N" compare small.toml --out /dev/null

echo "== Inputs that pass check and fail later"
variant nl 's|^name = "champions"|name = "cham\\npions"|'
expect I1 'a strategy name with a newline: check refuses' 2 - 'newline' -- "$N" check nl.toml
variant quote 's|^name = "champions"|name = "champions + protection \\"B\\""|'
expect I2 'a quote or comma in a name: check refuses (tables go through csv)' 2 - 'strategies.1.name' -- "$N" check quote.toml
head -c 10000000 /dev/zero | tr '\0' x > longname.txt
printf 'name = "%s"\nsteps = 12\n' "$(cat longname.txt)" > long.toml
rm longname.txt
expect I3 'a 10 MB name: refused at once, no huge temporary file' 2 - '10000000 characters' -- "$N" run long.toml
variant space 's|^name = "champions"|name = "two words"|'
expect I4 'the names rule in the message is the rule applied' 2 - 'a space at character 4; a name has 1 to 64 characters, each an ASCII letter' -- "$N" check space.toml
variant bigseed 's|^seed = 3|seed = 9223372036854775808|'
expect I5 'seed = 9223372036854775808: check and run both accept it' 0 results/small '' -- sh -c "'$N' check bigseed.toml > /dev/null && exec '$N' run bigseed.toml --no-plots"
variant bigcost 's|per_person = 50,|per_person = 18446744073709551615,|'
expect I6 'a cost of 2^64-1: check refuses it, located, with the limit' 2 - 'bigcost\.toml:[0-9]+:[0-9]+: `strategies\.2\.interventions\.0\.cost(\.per_person)?`: .*allowed: 0 to 1000000000000' -- "$N" check bigcost.toml
variant gk 's|^households_per_village = 60|households_per_village = 60\ngatekeepers_per_village = 4294967295|'
expect I7 'gatekeepers_per_village = 4294967295: refused at once' 2 - 'gatekeepers_per_village' -- "$N" check gk.toml
sed 's|^steps = 12|steps = 96|' small.toml | sed 's|^kind = "quota"|kind = "quota"\nend = 200|' > end.toml
expect I8 'end = 200 in a 96-month scenario: check refuses' 2 - 'month 200 is beyond the run' -- "$N" check end.toml
variant nobase 's|^name = "baseline"|name = "nothing"|'
expect I9 'no baseline: check says compare needs one; compare refuses' 0 - 'no strategy named `baseline`' -- "$N" check nobase.toml
expect I9b 'no baseline: compare refuses with exit 2' 2 - 'baseline' -- "$N" compare nobase.toml --no-plots --out nb
"$N" sweep small.toml --vary 'backlash.rate=[0.02,0.08]' --out seeds > /dev/null 2>&1
row=$(awk -F, 'NR > 1 && $4 == "1" && $3 == "quota" { print; exit }' seeds/runs.csv)
rate=$(echo "$row" | cut -d, -f6)
seed=$(echo "$row" | cut -d, -f5)
expect I10 "a sweep row re-run alone: run --run-seed $seed" 0 one '' -- "$N" run small.toml --set "backlash.rate=$rate" --strategy quota --run-seed "$seed" --no-plots --out one
mine=$(awk -F, 'NR == 2' one/runs.csv 2> /dev/null | cut -d, -f4-)
theirs=$(echo "$row" | cut -d, -f5,7-)
if [ -n "$mine" ] && [ "$mine" = "$theirs" ]; then
    report PASS I10b 'the re-run gives the sweep row'"'"'s numbers exactly' "seed $seed, every column equal" ''
else
    report FAIL I10b 'the re-run gives the sweep row'"'"'s numbers exactly' 'rows differ' "$mine vs $theirs"
fi

echo "== Aborts and unbounded resources"
expect A1 'sweep --design lhs --samples 4294967295: refused' 2 - 'at most' -- "$N" sweep small.toml --design lhs --samples 4294967295 --vary backlash.rate=0:0.2
expect A2 'sweep --design sobol --samples 4294967295: refused' 2 - 'at most' -- "$N" sweep small.toml --design sobol --samples 4294967295 --vary backlash.rate=0:0.2
printf 'name = "zero"\nsteps = 12\n[network]\nkind = "file"\nnodes = "/dev/zero"\nedges = "e.csv"\n' > zero.toml
printf 'source,target\n' > e.csv
expect A3 'nodes = "/dev/zero": refused' 2 - 'network.nodes' -- "$N" check zero.toml
expect A4 '--threads 10000: refused' 2 - 'threads' -- "$N" run small.toml --threads 10000
expect A5 '--vary backlash.rate=0:0.2:100000000: refused at once' 2 - 'at most' -- "$N" sweep small.toml --vary backlash.rate=0:0.2:100000000
expect A6 'sensitivity --reps 4294967295: refused' 2 - 'at most' -- "$N" sensitivity small.toml --vary backlash.rate=0:0.2 --samples 8 --reps 4294967295
"$N" sweep small.toml --vary backlash.rate=0:0.1:2 --set steps=20000 --out term > /dev/null 2>&1 &
pid=$!
sleep 2
t0=$(date +%s)
kill -TERM $pid
wait $pid
code=$?
t=$(( $(date +%s) - t0 ))
if [ "$code" = 130 ] && [ "$t" -le 2 ] && grep -q '"status": "interrupted"' term/manifest.json; then
    report PASS A7 'SIGTERM stops a sweep within about two seconds' "exit $code after ${t} s, manifest interrupted" ''
else
    report FAIL A7 'SIGTERM stops a sweep within about two seconds' "exit $code after ${t} s" 'slow or wrong status'
fi
"$N" sweep small.toml --vary backlash.rate=0:0.1:2 --set steps=20000 --out twice > /dev/null 2> .replay/twice &
pid=$!
sleep 2
kill -INT $pid
kill -INT $pid
wait $pid
code=$?
if grep -q 'stopped at once' .replay/twice; then
    path='the second signal forced the exit'
else
    path='the first signal had already stopped it, before the second came'
fi
if [ "$code" = 130 ] && grep -q '"status": "interrupted"' twice/manifest.json; then
    report PASS A8 'a second Ctrl-C exits at once, manifest interrupted' "exit $code, manifest interrupted ($path)" ''
else
    report FAIL A8 'a second Ctrl-C exits at once, manifest interrupted' "exit $code" "$(grep status twice/manifest.json)"
fi

echo "== One story told two ways"
expect H1 'compare default --reps 5 (point values): harm verdicts' 0 harm '' -- "$N" compare default --no-uncertainty --reps 5 --out harm
term=$(grep '^Harm (!)' .replay/stdout | sed 's/.*part: //; s/\.$//; s/^none$//' | tr -d ' ' | tr ',' '\n' | grep . | LC_ALL=C sort | tr '\n' ' ')
csvh=$(awk -F, 'NR > 1 && $10 == "harm" { print $1 }' harm/comparison.csv | LC_ALL=C sort -u | tr '\n' ' ')
if [ "$term" = "$csvh" ] && [ -e harm/figures/risk.png ] && grep -q 'risk' harm/report.html; then
    report PASS H1b 'terminal, comparison.csv and report agree on harm; per-woman risk plotted' "harm: [${term}] in both; figures/risk.png" ''
else
    report FAIL H1b 'terminal, comparison.csv and report agree on harm' "terminal [$term] csv [$csvh]" 'disagree'
fi
expect H2 'compare --reps 1: a warning, no interval, no verdict' 0 one-rep 'fewer than 5 replicates|too few' -- "$N" compare small.toml --reps 1 --no-plots --out one-rep
if grep -qE '\[[-+0-9.]+,[-+0-9.]+\]' .replay/stdout || awk -F, 'NR > 1 && ($10 == "harm" || $10 == "exposure")' one-rep/comparison.csv | grep -q .; then
    report FAIL H2b 'no interval or verdict at 1 replicate' 'interval or verdict printed' ''
else
    report PASS H2b 'no interval or verdict at 1 replicate' 'table without intervals; verdict column too_few_replicates' ''
fi
expect H3 'compare --budget: multipliers saved in manifest.json and scenario.toml' 0 budget 'reach x' -- "$N" compare small.toml --budget 10000 --no-plots --out budget
"$N" compare budget/scenario.toml --no-plots --out again > /dev/null 2>&1
if grep -q '"budget"' budget/manifest.json && cmp -s budget/runs.csv again/runs.csv; then
    report PASS H3b 're-running the saved scenario.toml gives the same runs' 'runs.csv byte-identical' ''
else
    report FAIL H3b 're-running the saved scenario.toml gives the same runs' 'differs' ''
fi
if grep -q '# source: a survey, table 3' budget/scenario.toml && grep -q '\[assumption\]' budget/scenario.toml; then
    report PASS H4 'the saved scenario.toml keeps the user'"'"'s [source]/[assumption] comments' 'comments kept' ''
else
    report FAIL H4 'the saved scenario.toml keeps the user'"'"'s comments' 'comments lost' ''
fi
if grep 'seven seats a council' budget/scenario.toml | grep -q 'the file said'; then
    report PASS H5 'a comment beside a rescaled value notes what the file had' "$(grep 'seven seats' budget/scenario.toml | sed 's/.*# //' | cut -c1-120)" ''
else
    report FAIL H5 'a comment beside a rescaled value notes what the file had' 'comment unchanged' ''
fi

echo "== Network files"
net() { # net NAME NODES EDGES: a scenario NAME.toml reading those files
    printf 'name = "%s"\nsteps = 3\n[initial]\nburn_in = 1\n[network]\nkind = "file"\nnodes = "%s"\nedges = "%s"\n[[strategies]]\nname = "baseline"\n' "$1" "$2" "$3" > "$1.toml"
}
printf 'id,gender\na,woman\nb,man\nc,woman\n' > n.csv
printf 'source,target\na,a\na,b\n' > loop.csv; net loop n.csv loop.csv
expect N1 'a self-loop: refused' 2 - 'loop|itself' -- "$N" check loop.toml
printf 'source,target\na,b\na,b\nb,c\n' > dup.csv; net dup n.csv dup.csv
expect N2 'duplicate ties: merged, with a warning' 0 - 'warning' -- "$N" check dup.toml
printf 'source,target\na,b\n' > iso.csv; net iso n.csv iso.csv
expect N3 'an isolated person: reported' 0 - 'warning.*(no ties|isolated)' -- "$N" check iso.toml
printf 'source,target,weight\na,b,1e308\nb,c,1\n' > heavy.csv; net heavy n.csv heavy.csv
expect N4 'an edge weight of 1e308: refused' 2 - 'weight' -- "$N" check heavy.toml
printf 'id,gender,gender\na,woman,woman\nb,man,man\n' > rep.csv; net rep rep.csv iso.csv
expect N5 'a repeated column: refused' 2 - 'gender' -- "$N" check rep.toml
printf 'id,gender,role\na,woman,member\nb,man,member\nc,woman,member\n' > roles.csv
printf 'source,target,layer\na,b,leader\nb,c,peer\n' > lead.csv; net lead roles.csv lead.csv
expect N6 'leader ties from people who are not leaders: refused' 2 - 'leader' -- "$N" check lead.toml
mkdir -p folder; net dir folder iso.csv
expect N7 'a folder as nodes: a clear message' 2 - 'is a folder' -- "$N" check dir.toml
net empty '' iso.csv
expect N8 'an empty path as nodes: a clear message' 2 - 'path is empty' -- "$N" check empty.toml

echo "== Left over from the first round (issue 12 follow-up)"
mkfifo fifo 2> /dev/null && {
    net fifonet fifo iso.csv
    expect G1 'a FIFO as the scenario: refused, no hang' 2 - 'not a regular file' -- "$N" check fifo
    expect G2 'a FIFO as network nodes: refused, no hang' 2 - 'not a regular file' -- "$N" check fifonet.toml
}
"$N" run small.toml --no-plots --out plotres > /dev/null 2>&1
expect G3 'plot --out <another results folder>: refused' 2 - 'holds the results' -- "$N" plot plotres --out done-sweep --formats png --no-report
expect G4 'plot --out <the folder drawn> --force: refused' 2 - 'being drawn' -- "$N" plot plotres --out plotres --force --formats png --no-report
expect G5 'plot --out <a folder of other files>: refused' 2 - 'more than figures' -- "$N" plot plotres --out victim --formats png --no-report
big=$(head -c 100000 /dev/zero | tr '\0' x)
expect G6 '--set name=<100 KB>: the value is not echoed whole' 2 - 'characters in all' -- "$N" check small.toml --set "name=$big"
if [ "$(wc -c < .replay/stderr)" -lt 1000 ]; then
    report PASS G6b 'the message stays short' "$(wc -c < .replay/stderr) bytes" ''
else
    report FAIL G6b 'the message stays short' "$(wc -c < .replay/stderr) bytes" ''
fi
{ cat small.toml; printf '[context]\nprogramme_end = 40\n'; } > pe.toml
expect G7 'context.programme_end beyond steps: refused as docs/MODEL.md says' 2 - 'programme_end' -- "$N" check pe.toml
variant cost 's|per_month = 800|per_month = 1e300|'
expect G8 'a cost of 1e300: refused, located, with the limit' 2 - 'cost.*1e300 is out of range; allowed: 0 to 1000000000000' -- "$N" check cost.toml

echo
echo "$passes PASS, $fails FAIL"
exit "$fails"
