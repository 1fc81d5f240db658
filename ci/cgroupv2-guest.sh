#!/bin/bash
# The guest half of ci/cgroupv2-check: runs inside ../shared/vm's cgroup v2 guest with
# the shared directory as cwd (berth, busybox.tar, this script), as the rootless user dev
# (in user@1000.service/app.slice) or as root. Asserts issue 14's must-show list on v2:
# OOM (137, OOMKilled under either manager), --pids-limit, --cpus in stats, --cpuset-cpus, update --memory,
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
# Every run is --network none: the guest has neither nftables (root's bridge) nor pasta or
# slirp4netns (rootless), and the limits are what this check is about.
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
# With the cgroupfs manager berth reads memory.events' oom_kill before it removes the cgroup.
# Under the systemd manager (the default here) systemd removes the scope's cgroup the moment it
# empties, before berth has reaped the container: the count is taken while it runs instead
# (memory.events watched for POLLPRI: by the monitor for run -d, by a thread of a foreground run).
out=$("$B" --cgroup-manager cgroupfs run --network none --name oom --memory 32m "$image" tail /dev/zero 2>&1); rc=$?
oom=$("$B" inspect --format '{{.State.OOMKilled}}' oom 2>&1)
if [ "$rc" = 137 ] && [ "$oom" = true ]; then pass "$who: --memory 32m (cgroupfs): exit 137, OOMKilled true"
else fail "$who: --memory 32m (cgroupfs): exit $rc (want 137), OOMKilled '$oom' (want true): $out"; fi
"$B" rm -f oom >/dev/null 2>&1
# Several rounds: a read at the exit alone lost the race with systemd about one time in three.
oom_rounds=${BERTH_OOM_ROUNDS:-3}
# One OOM round in the systemd scope, foreground or (with -d) detached: sets round to
# "status:ExitCode/OOMKilled" and round_out to a foreground run's output.
oom_round() {
    name=$1 status=exited round_out=""
    if [ "${2:-}" = -d ]; then
        "$B" run --network none -d --name "$name" --memory 32m "$image" tail /dev/zero >/dev/null 2>&1
        for _ in $(seq 1 150); do
            status=$("$B" inspect --format '{{.State.Status}}' "$name" 2>/dev/null)
            [ "$status" = exited ] && break
            sleep 0.2
        done
        rc=$("$B" inspect --format '{{.State.ExitCode}}' "$name" 2>&1)
    else
        round_out=$("$B" run --network none --name "$name" --memory 32m "$image" tail /dev/zero 2>&1); rc=$?
    fi
    round="$status:$rc/$("$B" inspect --format '{{.State.OOMKilled}}' "$name" 2>&1)"
    "$B" rm -f "$name" >/dev/null 2>&1
}
# oom_rounds_check LABEL NAME [-d]: every one of $oom_rounds rounds must be exited:137/true.
oom_rounds_check() {
    good=0; seen=""
    for _ in $(seq 1 "$oom_rounds"); do
        oom_round "$2" "${3:-}"
        seen="$seen $round"
        [ "$round" = exited:137/true ] && good=$((good + 1))
    done
    if [ "$good" = "$oom_rounds" ]; then pass "$who: --memory 32m (systemd scope, $1): exit 137 and OOMKilled true in $good of $oom_rounds runs"
    else fail "$who: --memory 32m (systemd scope, $1): status:exit/OOMKilled per run:$seen (want exited:137/true each) $round_out"; fi
}
oom_rounds_check foreground oomsd
oom_rounds_check "run -d" oomsdd -d
# A process other than the container's first one killed by the OOM killer: what systemd does to
# the scope depends on its version (Docs/cgroups.md, OOMPolicy). Recorded, not asserted.
# The trap shows whether systemd sent the scope SIGTERM (a shell as pid 1 ignores it otherwise).
out=$("$B" run --network none --name oomchild --memory 32m "$image" sh -c 'trap "echo got-SIGTERM" TERM; tail /dev/zero; sleep 2; echo first-process-survived' 2>&1); rc=$?
note "systemd $(systemctl --version | head -n 1 | cut -d' ' -f2): a child OOM-killed in the scope: exit $rc, OOMKilled $("$B" inspect --format '{{.State.OOMKilled}}' oomchild 2>&1): $(echo "$out" | tr '\n' ' ')"
"$B" rm -f oomchild >/dev/null 2>&1

# --- --pids-limit 20: the 21st process is refused -----------------------------------------
# sh and 19 sleeps make 20 (sh then becomes the 20th sleep); a shell past that cannot fork.
"$B" run --network none -d --name pids --pids-limit 20 "$image" sh -c 'for i in $(seq 1 19); do sleep 1000 & done; exec sleep 1000' >/dev/null 2>&1
sleep 3
id=$(full_id pids); dir=$(cgdir "$id")
current=$(cat "$dir/pids.current" 2>/dev/null); max=$(cat "$dir/pids.max" 2>/dev/null)
shown=$("$B" stats --no-stream --format '{{.PIDS}}' pids 2>&1)
over=$("$B" run --network none --rm --pids-limit 20 "$image" sh -c 'for i in $(seq 1 19); do sleep 30 & done; sleep 30 & echo last=$?; kill $(jobs -p)' 2>&1)
if [ "$max" = 20 ] && [ "$current" = 20 ] && [ "$shown" = 20 ] && echo "$over" | grep -q "can't fork"; then pass "$who: --pids-limit 20: 20 processes (stats shows $shown), the 21st cannot fork"
else fail "$who: --pids-limit 20: pids.max '$max', pids.current '$current', stats PIDS '$shown' (want 20 each; cgroup '$dir'); 21st: $over"; fi
"$B" rm -f -t 0 pids >/dev/null 2>&1

# --- --cpus 0.5: a busy loop near 50% in stats ---------------------------------------------
"$B" run --network none -d --name cpus --cpus 0.5 "$image" sh -c 'while :; do :; done' >/dev/null 2>&1
sleep 6
perc=$("$B" stats --no-stream --format '{{.CPUPerc}}' cpus 2>&1)
id=$(full_id cpus); dir=$(cgdir "$id")
value=${perc%\%}; value=${value%.*}
if [[ "$value" =~ ^[0-9]+$ ]] && [ "$value" -ge 35 ] && [ "$value" -le 60 ]; then pass "$who: --cpus 0.5: stats shows $perc (cpu.max $(cat "$dir/cpu.max" 2>/dev/null))"
else fail "$who: --cpus 0.5: stats CPU % '$perc' (want 35-60%; cpu.max '$(cat "$dir/cpu.max" 2>/dev/null)')"; fi
"$B" rm -f -t 0 cpus >/dev/null 2>&1

# --- --cpuset-cpus 0 pins ------------------------------------------------------------------
allowed=$("$B" run --network none --rm --cpuset-cpus 0 "$image" sh -c 'grep Cpus_allowed_list /proc/self/status' 2>&1 | grep Cpus_allowed_list)
if [ "$(echo "$allowed" | awk '{print $2}')" = 0 ]; then pass "$who: --cpuset-cpus 0: $allowed"
else fail "$who: --cpuset-cpus 0: '$allowed' (want Cpus_allowed_list: 0)"; fi

# --- update --memory takes effect live -------------------------------------------------------
"$B" run --network none -d --name upd --memory 64m "$image" sleep 1000 >/dev/null 2>&1
id=$(full_id upd); dir=$(cgdir "$id")
before=$(cat "$dir/memory.max" 2>/dev/null)
upd_out=$("$B" update --memory 48m upd 2>&1)
after=$(cat "$dir/memory.max" 2>/dev/null)
if [ "$before" = 67108864 ] && [ "$after" = 50331648 ]; then pass "$who: update --memory 48m: memory.max $before -> $after"
else fail "$who: update --memory 48m: memory.max '$before' -> '$after' (want 67108864 -> 50331648): $upd_out"; fi
"$B" rm -f -t 0 upd >/dev/null 2>&1

# --- pause freezes, unpause resumes ----------------------------------------------------------
"$B" run --network none -d --name counter "$image" sh -c 'i=0; while :; do i=$((i+1)); echo $i; sleep 0.2; done' >/dev/null 2>&1
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
"$B" run --network none -d --name gone "$image" sleep 1000 >/dev/null 2>&1
id=$(full_id gone); had=$(cgdir "$id")
"$B" rm -f -t 0 gone >/dev/null 2>&1
left=$(leftovers "$id")
if [ -n "$had" ] && [ -z "$left" ]; then pass "$who: rm -f removes the cgroup ($had)"
else fail "$who: rm -f: cgroup before '$had', left after: '$left'"; fi

"$B" run --network none -d --name orphan "$image" sleep 1000 >/dev/null 2>&1
id=$(full_id orphan); had=$(cgdir "$id")
monitor=$("$B" inspect --format '{{.State.ConmonPid}}' orphan 2>/dev/null)
[ -n "$monitor" ] && [ "$monitor" != 0 ] && kill -9 "$monitor"
sleep 1
"$B" rm -f -t 0 orphan >/dev/null 2>&1
left=$(leftovers "$id")
if [ -n "$had" ] && [ -n "$monitor" ] && [ "$monitor" != 0 ] && [ -z "$left" ]; then pass "$who: kill -9 of the monitor ($monitor), rm -f: no cgroup left"
else fail "$who: kill -9 monitor '$monitor' + rm -f: cgroup before '$had', left after: '$left'"; fi

# --- the systemd cgroup manager (the default here: systemd runs the guest, cgroup v2) --------------
# A transient scope per container (StartTransientUnit over D-Bus), its limits enforced, the
# monitor in a scope of its own (not while the caller is a systemd service, as podman's conmon),
# and the scope gone after rm.
export XDG_RUNTIME_DIR=${XDG_RUNTIME_DIR:-/run/user/$(id -u)}
if [ "$who" = root ]; then sc() { systemctl "$@"; }; slice_path=/machine.slice; else
    sc() { systemctl --user "$@"; }; slice_path=/user.slice/user-$(id -u).slice/user@$(id -u).service/berth.slice; fi
manager=$("$B" create --network none --name mgr "$image" true 2>/dev/null >/dev/null; "$B" inspect --format '{{.HostConfig.CgroupManager}}' mgr 2>&1)
"$B" rm -f mgr >/dev/null 2>&1
if [ "$manager" = systemd ]; then pass "$who: the default cgroup manager is systemd"; else fail "$who: default cgroup manager '$manager' (want systemd)"; fi
sd_out=$(env -u INVOCATION_ID "$B" run --network none -d --name sd --memory 64m --pids-limit 30 --cpus 0.5 "$image" sleep 1000 2>&1); sd_rc=$?
id=$(full_id sd); unit=berth-$id.scope
active=$(sc is-active "$unit" 2>&1)
group=$(sc show -p ControlGroup --value "$unit" 2>&1)
dir=/sys/fs/cgroup$group
mem=$(cat "$dir/memory.max" 2>/dev/null); pids=$(cat "$dir/pids.max" 2>/dev/null); cpu=$(cat "$dir/cpu.max" 2>/dev/null)
unit_mem=$(sc show -p MemoryMax --value "$unit" 2>&1); unit_tasks=$(sc show -p TasksMax --value "$unit" 2>&1)
ctr_pid=$("$B" inspect --format '{{.State.Pid}}' sd 2>/dev/null)
ctr_cg=$(cut -d: -f3 "/proc/$ctr_pid/cgroup" 2>/dev/null)
if [ "$sd_rc" = 0 ] && [ "$active" = active ] && [ "$group" = "$slice_path/$unit" ] && [ "$ctr_cg" = "$group" ] \
   && [ "$mem" = 67108864 ] && [ "$pids" = 30 ] && [ "$cpu" = "50000 100000" ] && [ "$unit_mem" = 67108864 ] && [ "$unit_tasks" = 30 ]; then
    pass "$who: --cgroup-manager systemd: $unit active in $group, memory.max $mem pids.max $pids cpu.max '$cpu' (unit MemoryMax $unit_mem TasksMax $unit_tasks)"
else fail "$who: systemd scope: run rc $sd_rc ($sd_out), is-active '$active', ControlGroup '$group' (want $slice_path/$unit), container in '$ctr_cg', memory.max '$mem' pids.max '$pids' cpu.max '$cpu', MemoryMax '$unit_mem' TasksMax '$unit_tasks'"; fi
note "$(sc status --no-pager "$unit" 2>&1 | head -n 8)"
monitor=$("$B" inspect --format '{{.State.ConmonPid}}' sd 2>/dev/null)
mon_cg=$(cut -d: -f3 "/proc/$monitor/cgroup" 2>/dev/null)
if [ "$mon_cg" = "$slice_path/berth-conmon-$id.scope" ] && [ "$(sc is-active "berth-conmon-$id.scope" 2>&1)" = active ]; then pass "$who: the monitor runs in its own scope $mon_cg"
else fail "$who: monitor $monitor in '$mon_cg' (want $slice_path/berth-conmon-$id.scope)"; fi
# update on the scope also sets the unit's properties (runtime): a daemon-reload rewrites a unit's
# cgroup files from its properties and would otherwise put the start's 64m back.
upd_out=$("$B" update --memory 48m sd 2>&1); upd_rc=$?
sc daemon-reload
sleep 0.5
mem_after=$(cat "$dir/memory.max" 2>/dev/null); unit_mem_after=$(sc show -p MemoryMax --value "$unit" 2>&1)
if [ "$upd_rc" = 0 ] && [ "$mem_after" = 50331648 ] && [ "$unit_mem_after" = 50331648 ]; then
    pass "$who: update --memory 48m on the scope survives daemon-reload (memory.max $mem_after, unit MemoryMax $unit_mem_after)"
else fail "$who: update --memory 48m then daemon-reload: rc $upd_rc ($upd_out), memory.max '$mem_after', unit MemoryMax '$unit_mem_after' (want 50331648 each)"; fi
"$B" rm -f -t 0 sd >/dev/null 2>&1
gone=no
for _ in $(seq 1 50); do
    if ! sc is-active --quiet "$unit" && ! sc is-active --quiet "berth-conmon-$id.scope" && [ ! -d "$dir" ]; then gone=yes; break; fi
    sleep 0.2
done
status_rc=0; sc status --no-pager "$unit" >/dev/null 2>&1 || status_rc=$?
if [ "$gone" = yes ] && [ "$status_rc" = 4 ]; then pass "$who: rm -f: $unit and the monitor's scope are gone (systemctl status: no such unit)"
else fail "$who: after rm -f: scope still there (is-active '$(sc is-active "$unit" 2>&1)', status rc $status_rc, dir $([ -d "$dir" ] && echo left || echo gone))"; fi

# Under a systemd service ($INVOCATION_ID set) the monitor stays in the caller's unit.
caller_cg=$(cut -d: -f3 /proc/self/cgroup)
"$B" run --network none -d --name insvc "$image" sleep 1000 >/dev/null 2>&1
monitor=$("$B" inspect --format '{{.State.ConmonPid}}' insvc 2>/dev/null)
mon_cg=$(cut -d: -f3 "/proc/$monitor/cgroup" 2>/dev/null)
if [ -n "${INVOCATION_ID:-}" ]; then
    if [ "$mon_cg" = "$caller_cg" ]; then pass "$who: inside a service (INVOCATION_ID) the monitor stays in $caller_cg"
    else fail "$who: inside a service the monitor is in '$mon_cg' (want the caller's $caller_cg)"; fi
fi
"$B" rm -f -t 0 insvc >/dev/null 2>&1

# --cgroup-manager cgroupfs still writes the same place itself, with no unit.
out=$("$B" --cgroup-manager cgroupfs run --network none --rm --memory 32m "$image" cat /proc/self/cgroup 2>&1); rc=$?
if [ "$rc" = 0 ] && echo "$out" | grep -q '^0::/$'; then pass "$who: --cgroup-manager cgroupfs: runs in its own cgroup namespace root ($out)"
else fail "$who: --cgroup-manager cgroupfs: rc $rc: $out"; fi

# --- systemd runs `berth run --rm` as a Type=simple service; systemctl stop stops the container ---
if [ "$who" = root ]; then unit_dir=/etc/systemd/system; else unit_dir=$HOME/.config/systemd/user; fi
mkdir -p "$unit_dir"
cat >"$unit_dir/berth-check.service" <<UNIT
[Unit]
Description=berth run under systemd (ci/cgroupv2-check)
[Service]
Type=simple
${LD_LIBRARY_PATH:+Environment=LD_LIBRARY_PATH=$LD_LIBRARY_PATH}
ExecStart=$B run --network none --rm --name unitctr $image sh -c 'trap "exit 0" TERM; while :; do sleep 0.2; done'
TimeoutStopSec=30
UNIT
sc daemon-reload
sc start berth-check.service
running=no
for _ in $(seq 1 100); do
    [ "$("$B" inspect --format '{{.State.Running}}' unitctr 2>/dev/null)" = true ] && { running=yes; break; }
    sleep 0.2
done
id=$(full_id unitctr)
ctr_pid=$("$B" inspect --format '{{.State.Pid}}' unitctr 2>/dev/null)
ctr_cg=$(cut -d: -f3 "/proc/$ctr_pid/cgroup" 2>/dev/null)
main_pid=$(sc show -p MainPID --value berth-check.service 2>/dev/null)
main_cg=$(cut -d: -f3 "/proc/$main_pid/cgroup" 2>/dev/null)
if [ "$running" = yes ] && [ "$ctr_cg" = "$slice_path/berth-$id.scope" ] && echo "$main_cg" | grep -q '/berth-check.service$'; then
    pass "$who: a Type=simple unit runs berth run --rm ($main_cg); the container has its own scope $ctr_cg"
else fail "$who: unit: running '$running', container cgroup '$ctr_cg' (want $slice_path/berth-$id.scope), berth in '$main_cg'"; fi
sc stop berth-check.service
stop_state=$(sc is-active berth-check.service 2>&1)
left=$("$B" ps -a --format '{{.Names}}' 2>/dev/null | grep -c '^unitctr$')
if [ "$stop_state" != active ] && [ "$left" = 0 ] && ! kill -0 "$ctr_pid" 2>/dev/null && [ -z "$(leftovers "$id")" ]; then
    pass "$who: systemctl stop stopped the container (unit $stop_state, container removed, no cgroup left)"
else fail "$who: systemctl stop: unit '$stop_state', containers named unitctr left $left, process $(kill -0 "$ctr_pid" 2>/dev/null && echo alive || echo gone), cgroups left '$(leftovers "$id")'"; fi
rm -f "$unit_dir/berth-check.service"; sc daemon-reload

# --- rootless: `systemd-run --user --wait berth run --rm` ends with berth ----------------------------
# The first rootless command of a store starts its pause process; under the systemd manager berth
# moves it to a scope of its own (berth.slice/berth-pause-PID.scope, as podman does), so the unit
# that started it ends when berth does, not when its stop times out. A store of its own here, so
# that this unit's command is the one starting the pause process.
if [ "$who" = rootless ]; then
    ps_dir=$(mktemp -d /tmp/berth-pausecheck.XXXXXX); chmod 755 "$ps_dir"
    cp ./busybox.tar "$ps_dir/busybox.tar"
    PB="$B --root $ps_dir/root --runroot $ps_dir/run"
    start=$(date +%s)
    out=$(timeout 60 systemd-run --user --quiet --pipe --wait --collect -p TimeoutStopSec=30 \
              ${LD_LIBRARY_PATH:+-E LD_LIBRARY_PATH=$LD_LIBRARY_PATH} -- \
              sh -c "$PB import $ps_dir/busybox.tar $image >/dev/null && $PB run --network none --rm $image echo unit-ok" 2>&1); rc=$?
    took=$(( $(date +%s) - start ))
    pause_pid=$(cut -d' ' -f1 "$ps_dir/run/pause.pid" 2>/dev/null)
    pause_cg=$(cut -d: -f3 "/proc/$pause_pid/cgroup" 2>/dev/null)
    if [ "$rc" = 0 ] && echo "$out" | grep -q unit-ok && [ "$took" -lt 20 ] && [ "$pause_cg" = "$slice_path/berth-pause-$pause_pid.scope" ]; then
        pass "$who: systemd-run --user --wait berth run --rm ended with berth in ${took}s; the pause process is in $pause_cg"
    else fail "$who: systemd-run --user --wait berth run --rm: rc $rc after ${took}s (want 0, < 20 s), pause process $pause_pid in '$pause_cg' (want $slice_path/berth-pause-$pause_pid.scope): $out"; fi
    [ -n "$pause_pid" ] && kill -9 "$pause_pid" 2>/dev/null
    rm -rf "$ps_dir" 2>/dev/null
fi

# --- root only: a user@.service that delegates only `pids memory` ---------------------------------
if [ "$who" = root ]; then
    mkdir -p /etc/systemd/system/user@.service.d
    # An empty Delegate= drops the guest's own list (delegate.conf); then systemd's default.
    printf '[Service]\nDelegate=\nDelegate=pids memory\n' >/etc/systemd/system/user@.service.d/zz-berth-check.conf
    systemctl daemon-reload
    systemctl restart user@1000.service
    user_env=(XDG_RUNTIME_DIR=/run/user/1000 DBUS_SESSION_BUS_ADDRESS=unix:path=/run/user/1000/bus)
    runuser -u dev -- env "${user_env[@]}" systemctl --user is-system-running --wait >/dev/null 2>&1
    # Judged by berth's own exit code (printed by the shell). The rootless pause process berth starts
    # goes to a scope of its own, so each unit ends with its command.
    as_dev() { runuser -u dev -- env "${user_env[@]}" systemd-run --user --quiet --pipe --wait --collect -p Delegate=yes \
                   ${LD_LIBRARY_PATH:+-E LD_LIBRARY_PATH=$LD_LIBRARY_PATH} -- "$@"; }
    delegated=$(cat /sys/fs/cgroup/user.slice/user-1000.slice/user@1000.service/cgroup.controllers 2>/dev/null)
    note "user@1000.service now has: $delegated"
    cp ./busybox.tar "$bin_dir/busybox.tar"; chmod 644 "$bin_dir/busybox.tar"
    as_dev "$B" import "$bin_dir/busybox.tar" "$image" >/dev/null 2>&1
    out=$(as_dev sh -c "$B run --network none --rm --cpus 0.5 $image true 2>&1; echo rc=\$?" 2>&1)
    rc=$(echo "$out" | sed -n 's/^rc=//p')
    if [ "$rc" = 125 ] && echo "$out" | grep -qw cpu && [ "$(as_dev "$B" ps -aq 2>/dev/null | wc -l)" = 0 ]; then
        pass "rootless, only pids memory delegated: --cpus refused (125): $out"
    else fail "rootless, only pids memory delegated: --cpus gave $rc (want 125 naming cpu, nothing created): $out"; fi
    out=$(as_dev sh -c "$B run --network none --rm --memory 32m $image echo memory-ok 2>&1; echo rc=\$?" 2>&1)
    rc=$(echo "$out" | sed -n 's/^rc=//p')
    if [ "$rc" = 0 ] && echo "$out" | grep -qx memory-ok; then pass "rootless, only pids memory delegated: --memory still works"
    else fail "rootless, only pids memory delegated: --memory 32m gave $rc: $out"; fi
    rm -f /etc/systemd/system/user@.service.d/zz-berth-check.conf
fi

# --- cgrest: devices (an eBPF program on v2), --cgroup-conf, real-time CPU, build's limits ---------
cgrest_checks() {
    local out rc id dir script
    script='mkdir -p /tmp; mknod /tmp/null c 1 3 && echo x > /tmp/null && echo null-written; mknod /tmp/loop b 7 0 && head -c1 /tmp/loop >/dev/null; echo loop=$?'
    out=$("$B" run --network none --rm --cap-add mknod --device-cgroup-rule 'c 1:3 rwm' "$image" sh -c "$script" 2>&1); rc=$?
    if [ "$who" = rootless ]; then
        if [ "$rc" = 0 ]; then pass "$who: --device-cgroup-rule accepted (no device cgroup rootless, as podman)"
        else fail "$who: --device-cgroup-rule gave $rc: $out"; fi
    elif grep -qw loop /proc/devices; then
        if echo "$out" | grep -qx null-written && echo "$out" | grep -qx loop=1; then pass "$who: device program: /dev/null's numbers work, the loop device is denied"
        else fail "$who: device program, default list + c 1:3 rwm: $out"; fi
        out=$("$B" run --network none --rm --cap-add mknod --device-cgroup-rule 'b 7:* r' "$image" sh -c "$script" 2>&1)
        if echo "$out" | grep -qx loop=0; then pass "$who: device program: b 7:* r lets the loop device be read"
        else fail "$who: device program with b 7:* r: $out"; fi
    else note "no loop driver in the guest: the device program's denial is not checked"; fi

    id=$("$B" run --network none -d --cgroup-conf memory.high=50m "$image" sleep 100 2>&1); rc=$?
    dir=$(cgdir "$id")
    if [ "$rc" = 0 ] && [ "$(cat "$dir/memory.high" 2>/dev/null)" = 52428800 ]; then pass "$who: --cgroup-conf memory.high=50m written"
    else fail "$who: --cgroup-conf memory.high=50m: rc $rc, $dir/memory.high is '$(cat "$dir/memory.high" 2>/dev/null)': $id"; fi
    "$B" rm -f -t 0 "$id" >/dev/null 2>&1
    out=$("$B" run --network none --rm --cgroup-conf cgroup.procs=1 "$image" true 2>&1); rc=$?
    if [ "$rc" = 125 ]; then pass "$who: --cgroup-conf of a file berth manages refused"; else fail "$who: --cgroup-conf cgroup.procs gave $rc: $out"; fi
    out=$("$B" run --network none --rm --cpu-rt-runtime 1000 "$image" true 2>&1); rc=$?
    if [ "$rc" = 125 ] && echo "$out" | grep -q "not supported on cgroup v2"; then pass "$who: --cpu-rt-runtime refused on v2"
    else fail "$who: --cpu-rt-runtime on v2 gave $rc: $out"; fi

    mkdir -p "$bin_dir/ctx"
    printf 'FROM %s\nRUN x=$(head -c 100000000 /dev/zero | tr "\\0" a); echo survived\n' "$image" >"$bin_dir/ctx/Containerfile"
    out=$("$B" build --network none --memory 32m -t cgrest-hungry "$bin_dir/ctx" 2>&1); rc=$?
    if [ "$rc" != 0 ] && echo "$out" | grep -q "OOM killer"; then pass "$who: build --memory 32m: the RUN past it fails, saying OOM"
    else fail "$who: build --memory 32m gave $rc: $out"; fi
    printf 'FROM %s\nRUN grep Cpus_allowed_list /proc/self/status\n' "$image" >"$bin_dir/ctx/Containerfile"
    out=$("$B" build --network none --cpuset-cpus 0 -t cgrest-pinned "$bin_dir/ctx" 2>&1); rc=$?
    if [ "$rc" = 0 ] && echo "$out" | grep -q "Cpus_allowed_list:.0$"; then pass "$who: build --cpuset-cpus 0 pins the RUN"
    else fail "$who: build --cpuset-cpus 0 gave $rc: $out"; fi
}
cgrest_checks

rm -rf "$bin_dir"
echo "$who: $failures failure(s)"
[ "$failures" = 0 ]
