#!/bin/bash
# The guest half of ci/cgroupv2-check: runs inside ../shared/vm's cgroup v2 guest with
# the shared directory as cwd (berth, busybox.tar, this script), as the rootless user dev
# (in user@1000.service/app.slice) or as root. Asserts issue 14's must-show list on v2:
# OOM (137, OOMKilled), --pids-limit, --cpus in stats, --cpuset-cpus, update --memory,
# pause/unpause, no cgroup left after rm and after kill -9 of the monitor + rm -f.
# As root it then narrows user@.service's delegation to `pids memory` with a drop-in and
# checks that a rootless --cpus is refused naming the cpu controller.
set -u

failures=0
pass() { printf 'PASS %s\n' "$*"; }
fail() { printf 'FAIL %s\n' "$*"; failures=$((failures + 1)); }
note() { printf '  %s\n' "$*"; }
who=$([ "$(id -u)" = 0 ] && echo root || echo rootless)

# The binary runs from the guest's own disk (the share is 9p), readable by dev too.
bin_dir=$(mktemp -d /tmp/berth-bin.XXXXXX)
chmod 755 "$bin_dir"
cp ./berth "$bin_dir/berth"
chmod 755 "$bin_dir/berth"
if [ -n "$(ls lib 2>/dev/null)" ]; then
    cp -r lib "$bin_dir/lib"; chmod -R a+rX "$bin_dir/lib"
    export LD_LIBRARY_PATH="$bin_dir/lib"
fi
B="$bin_dir/berth"
image=localhost/busybox:latest
echo "berth check on cgroup v2 as $who: $(uname -r), $(stat -fc %T /sys/fs/cgroup), own cgroup $(cut -d: -f3 /proc/self/cgroup)"
note "controllers here: $(cat "/sys/fs/cgroup$(cut -d: -f3 /proc/self/cgroup)/cgroup.controllers" 2>/dev/null)"

"$B" import ./busybox.tar "$image" >/dev/null || { fail "$who: import of the busybox image"; exit 1; }

# cgdir ID: the container's cgroup directory (any layout), empty when there is none.
cgdir() { find /sys/fs/cgroup -type d -name "*$1*" 2>/dev/null | head -n 1; }
# leftovers ID: every cgroup directory still named after the container.
leftovers() { find /sys/fs/cgroup -name "*$1*" 2>/dev/null; }
full_id() { "$B" inspect --format '{{.Id}}' "$1" 2>/dev/null; }

# --- --memory 32m: a growing allocation ends with 137 and OOMKilled ----------------------
# `tail /dev/zero` keeps one endless "line" in memory: it grows until the OOM killer comes.
out=$("$B" run --name oom --memory 32m "$image" tail /dev/zero 2>&1); rc=$?
oom=$("$B" inspect --format '{{.State.OOMKilled}}' oom 2>&1)
if [ "$rc" = 137 ] && [ "$oom" = true ]; then pass "$who: --memory 32m: exit 137, OOMKilled true"
else fail "$who: --memory 32m: exit $rc (want 137), OOMKilled '$oom' (want true): $out"; fi
"$B" rm -f oom >/dev/null 2>&1

# --- --pids-limit 20: the 21st process is refused -----------------------------------------
# sh and 19 sleeps make 20 (sh then becomes the 20th sleep); a shell past that cannot fork.
"$B" run -d --name pids --pids-limit 20 "$image" sh -c 'for i in $(seq 1 19); do sleep 1000 & done; exec sleep 1000' >/dev/null 2>&1
sleep 3
id=$(full_id pids); dir=$(cgdir "$id")
current=$(cat "$dir/pids.current" 2>/dev/null); max=$(cat "$dir/pids.max" 2>/dev/null)
shown=$("$B" stats --no-stream --format '{{.PIDS}}' pids 2>&1)
over=$("$B" run --rm --pids-limit 20 "$image" sh -c 'for i in $(seq 1 19); do sleep 30 & done; sleep 30 & echo last=$?; kill $(jobs -p)' 2>&1)
if [ "$max" = 20 ] && [ "$current" = 20 ] && [ "$shown" = 20 ] && echo "$over" | grep -q "can't fork"; then pass "$who: --pids-limit 20: 20 processes (stats shows $shown), the 21st cannot fork"
else fail "$who: --pids-limit 20: pids.max '$max', pids.current '$current', stats PIDS '$shown' (want 20 each; cgroup '$dir'); 21st: $over"; fi
"$B" rm -f -t 0 pids >/dev/null 2>&1

# --- --cpus 0.5: a busy loop near 50% in stats ---------------------------------------------
"$B" run -d --name cpus --cpus 0.5 "$image" sh -c 'while :; do :; done' >/dev/null 2>&1
sleep 6
perc=$("$B" stats --no-stream --format '{{.CPUPerc}}' cpus 2>&1)
id=$(full_id cpus); dir=$(cgdir "$id")
value=${perc%\%}; value=${value%.*}
if [[ "$value" =~ ^[0-9]+$ ]] && [ "$value" -ge 35 ] && [ "$value" -le 60 ]; then pass "$who: --cpus 0.5: stats shows $perc (cpu.max $(cat "$dir/cpu.max" 2>/dev/null))"
else fail "$who: --cpus 0.5: stats CPU % '$perc' (want 35-60%; cpu.max '$(cat "$dir/cpu.max" 2>/dev/null)')"; fi
"$B" rm -f -t 0 cpus >/dev/null 2>&1

# --- --cpuset-cpus 0 pins ------------------------------------------------------------------
allowed=$("$B" run --rm --cpuset-cpus 0 "$image" sh -c 'grep Cpus_allowed_list /proc/self/status' 2>&1 | grep Cpus_allowed_list)
if [ "$(echo "$allowed" | awk '{print $2}')" = 0 ]; then pass "$who: --cpuset-cpus 0: $allowed"
else fail "$who: --cpuset-cpus 0: '$allowed' (want Cpus_allowed_list: 0)"; fi

# --- update --memory takes effect live -------------------------------------------------------
"$B" run -d --name upd --memory 64m "$image" sleep 1000 >/dev/null 2>&1
id=$(full_id upd); dir=$(cgdir "$id")
before=$(cat "$dir/memory.max" 2>/dev/null)
upd_out=$("$B" update --memory 48m upd 2>&1)
after=$(cat "$dir/memory.max" 2>/dev/null)
if [ "$before" = 67108864 ] && [ "$after" = 50331648 ]; then pass "$who: update --memory 48m: memory.max $before -> $after"
else fail "$who: update --memory 48m: memory.max '$before' -> '$after' (want 67108864 -> 50331648): $upd_out"; fi
"$B" rm -f -t 0 upd >/dev/null 2>&1

# --- pause freezes, unpause resumes ----------------------------------------------------------
"$B" run -d --name counter "$image" sh -c 'i=0; while :; do i=$((i+1)); echo $i; sleep 0.2; done' >/dev/null 2>&1
sleep 2
lines() { "$B" logs counter 2>/dev/null | wc -l; }
pause_out=$("$B" pause counter 2>&1); pause_rc=$?
state=$("$B" inspect --format '{{.State.Status}}' counter 2>&1)
n1=$(lines); sleep 2; n2=$(lines)
unpause_out=$("$B" unpause counter 2>&1); unpause_rc=$?
sleep 2; n3=$(lines)
if [ "$pause_rc" = 0 ] && [ "$unpause_rc" = 0 ] && [ "$state" = paused ] && [ "$n1" = "$n2" ] && [ "$n3" -gt "$n2" ]; then
    pass "$who: pause stops the counter at $n1 lines (status $state), unpause resumes it ($n3)"
else fail "$who: pause/unpause: rc $pause_rc/$unpause_rc, status '$state', lines $n1 $n2 $n3: $pause_out $unpause_out"; fi
"$B" rm -f -t 0 counter >/dev/null 2>&1

# --- no cgroup left after rm, and after kill -9 of the monitor + rm -f -------------------------
"$B" run -d --name gone "$image" sleep 1000 >/dev/null 2>&1
id=$(full_id gone); had=$(cgdir "$id")
"$B" rm -f -t 0 gone >/dev/null 2>&1
left=$(leftovers "$id")
if [ -n "$had" ] && [ -z "$left" ]; then pass "$who: rm -f removes the cgroup ($had)"
else fail "$who: rm -f: cgroup before '$had', left after: '$left'"; fi

"$B" run -d --name orphan "$image" sleep 1000 >/dev/null 2>&1
id=$(full_id orphan); had=$(cgdir "$id")
monitor=$("$B" inspect --format '{{.State.ConmonPid}}' orphan 2>/dev/null)
[ -n "$monitor" ] && [ "$monitor" != 0 ] && kill -9 "$monitor"
sleep 1
"$B" rm -f -t 0 orphan >/dev/null 2>&1
left=$(leftovers "$id")
if [ -n "$had" ] && [ -n "$monitor" ] && [ "$monitor" != 0 ] && [ -z "$left" ]; then pass "$who: kill -9 of the monitor ($monitor), rm -f: no cgroup left"
else fail "$who: kill -9 monitor '$monitor' + rm -f: cgroup before '$had', left after: '$left'"; fi

# --- root only: a user@.service that delegates only `pids memory` ---------------------------------
if [ "$who" = root ]; then
    mkdir -p /etc/systemd/system/user@.service.d
    # An empty Delegate= drops the guest's own list (delegate.conf); then systemd's default.
    printf '[Service]\nDelegate=\nDelegate=pids memory\n' >/etc/systemd/system/user@.service.d/zz-berth-check.conf
    systemctl daemon-reload
    systemctl restart user@1000.service
    user_env=(XDG_RUNTIME_DIR=/run/user/1000 DBUS_SESSION_BUS_ADDRESS=unix:path=/run/user/1000/bus)
    runuser -u dev -- env "${user_env[@]}" systemctl --user is-system-running --wait >/dev/null 2>&1
    as_dev() { runuser -u dev -- env "${user_env[@]}" systemd-run --user --quiet --pipe --wait --collect -p Delegate=yes \
                   ${LD_LIBRARY_PATH:+-E LD_LIBRARY_PATH=$LD_LIBRARY_PATH} -- "$@"; }
    delegated=$(cat /sys/fs/cgroup/user.slice/user-1000.slice/user@1000.service/cgroup.controllers 2>/dev/null)
    note "user@1000.service now has: $delegated"
    cp ./busybox.tar "$bin_dir/busybox.tar"; chmod 644 "$bin_dir/busybox.tar"
    as_dev "$B" import "$bin_dir/busybox.tar" "$image" >/dev/null 2>&1
    out=$(as_dev "$B" run --rm --cpus 0.5 "$image" true 2>&1); rc=$?
    if [ "$rc" = 125 ] && echo "$out" | grep -qw cpu && [ "$(as_dev "$B" ps -aq 2>/dev/null | wc -l)" = 0 ]; then
        pass "rootless, only pids memory delegated: --cpus refused (125): $out"
    else fail "rootless, only pids memory delegated: --cpus gave $rc (want 125 naming cpu, nothing created): $out"; fi
    out=$(as_dev "$B" run --rm --memory 32m "$image" echo memory-ok 2>&1); rc=$?
    if [ "$rc" = 0 ] && echo "$out" | grep -qx memory-ok; then pass "rootless, only pids memory delegated: --memory still works"
    else fail "rootless, only pids memory delegated: --memory 32m gave $rc: $out"; fi
    rm -f /etc/systemd/system/user@.service.d/zz-berth-check.conf
fi

# --- cgrest: devices (an eBPF program on v2), --cgroup-conf, real-time CPU, build's limits ---------
cgrest_checks() {
    local out rc id dir script
    script='mkdir -p /tmp; mknod /tmp/null c 1 3 && echo x > /tmp/null && echo null-written; mknod /tmp/loop b 7 0 && head -c1 /tmp/loop >/dev/null; echo loop=$?'
    out=$("$B" run --rm --cap-add mknod --device-cgroup-rule 'c 1:3 rwm' "$image" sh -c "$script" 2>&1); rc=$?
    if [ "$who" = rootless ]; then
        if [ "$rc" = 0 ]; then pass "$who: --device-cgroup-rule accepted (no device cgroup rootless, as podman)"
        else fail "$who: --device-cgroup-rule gave $rc: $out"; fi
    elif grep -qw loop /proc/devices; then
        if echo "$out" | grep -qx null-written && echo "$out" | grep -qx loop=1; then pass "$who: device program: /dev/null's numbers work, the loop device is denied"
        else fail "$who: device program, default list + c 1:3 rwm: $out"; fi
        out=$("$B" run --rm --cap-add mknod --device-cgroup-rule 'b 7:* r' "$image" sh -c "$script" 2>&1)
        if echo "$out" | grep -qx loop=0; then pass "$who: device program: b 7:* r lets the loop device be read"
        else fail "$who: device program with b 7:* r: $out"; fi
    else note "no loop driver in the guest: the device program's denial is not checked"; fi

    id=$("$B" run -d --cgroup-conf memory.high=50m "$image" sleep 100 2>&1); rc=$?
    dir=$(cgdir "$id")
    if [ "$rc" = 0 ] && [ "$(cat "$dir/memory.high" 2>/dev/null)" = 52428800 ]; then pass "$who: --cgroup-conf memory.high=50m written"
    else fail "$who: --cgroup-conf memory.high=50m: rc $rc, $dir/memory.high is '$(cat "$dir/memory.high" 2>/dev/null)': $id"; fi
    "$B" rm -f -t 0 "$id" >/dev/null 2>&1
    out=$("$B" run --rm --cgroup-conf cgroup.procs=1 "$image" true 2>&1); rc=$?
    if [ "$rc" = 125 ]; then pass "$who: --cgroup-conf of a file berth manages refused"; else fail "$who: --cgroup-conf cgroup.procs gave $rc: $out"; fi
    out=$("$B" run --rm --cpu-rt-runtime 1000 "$image" true 2>&1); rc=$?
    if [ "$rc" = 125 ] && echo "$out" | grep -q "not supported on cgroup v2"; then pass "$who: --cpu-rt-runtime refused on v2"
    else fail "$who: --cpu-rt-runtime on v2 gave $rc: $out"; fi

    mkdir -p "$bin_dir/ctx"
    printf 'FROM %s\nRUN x=$(head -c 100000000 /dev/zero | tr "\\0" a); echo survived\n' "$image" >"$bin_dir/ctx/Containerfile"
    out=$("$B" build --memory 32m -t cgrest-hungry "$bin_dir/ctx" 2>&1); rc=$?
    if [ "$rc" != 0 ] && echo "$out" | grep -q "OOM killer"; then pass "$who: build --memory 32m: the RUN past it fails, saying OOM"
    else fail "$who: build --memory 32m gave $rc: $out"; fi
    printf 'FROM %s\nRUN grep Cpus_allowed_list /proc/self/status\n' "$image" >"$bin_dir/ctx/Containerfile"
    out=$("$B" build --cpuset-cpus 0 -t cgrest-pinned "$bin_dir/ctx" 2>&1); rc=$?
    if [ "$rc" = 0 ] && echo "$out" | grep -q "Cpus_allowed_list:.0$"; then pass "$who: build --cpuset-cpus 0 pins the RUN"
    else fail "$who: build --cpuset-cpus 0 gave $rc: $out"; fi
}
cgrest_checks

rm -rf "$bin_dir"
echo "$who: $failures failure(s)"
[ "$failures" = 0 ]
