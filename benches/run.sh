#!/usr/bin/env bash
# Benchmarks (figures go into the issue notes, not into tests):
#  1. lint a generated repository of 10,000 host roots (sshd_config + three drop-ins each);
#  2. `sshd -t` over a sample of the same roots (inside `unshare -m`), extrapolated;
#  3. parser throughput (cargo bench --bench parse; with the kube-proxy file of (4) it also times
#     the iptables parser);
#  4. a kube-proxy-shaped iptables-save dump of $KUBE_N services (benches/gen_kube_proxy.py; 20,000
#     services = 250,022 lines, 27 MB): sshlint on standard input and as a host root's
#     /etc/iptables/rules.v4, beside `iptables-restore --test` in a private network namespace, plus
#     peak memory from /usr/bin/time -v.
#  5. the login model: one host root with $LOGIN_N accounts, each with ~/.ssh/authorized_keys of 5
#     keys (benches/gen_logins.py): passwd, AuthorizedKeysFile expansion, the StrictModes walk and
#     the authorized_keys parser for every account.
# Needs hyperfine; (2) needs root, unshare and openssh-server; (4)'s iptables-restore needs root and
# unshare, its memory figures GNU time (apt-get install time).
# BENCH=repo,sshd,parse,kube,logins (default all) picks sections; WORK=DIR keeps generated inputs.
set -euo pipefail
cd "$(dirname "$0")/.."
N=${N:-10000}
SAMPLE=${SAMPLE:-200}
KUBE_N=${KUBE_N:-20000}
LOGIN_N=${LOGIN_N:-5000}
BENCH=${BENCH:-repo,sshd,parse,kube,logins}
WORK=${WORK:-$(mktemp -d)}
want() { case ",$BENCH," in *",$1,"*) return 0 ;; *) return 1 ;; esac; }
cargo build --release --quiet
BIN=${CARGO_TARGET_DIR:-target}/release/sshlint

if want repo || want sshd; then
  [ -d "$WORK/repo/host00000" ] || python3 benches/gen_repo.py "$WORK/repo" "$N"
fi
if want repo; then
echo "== sshlint over $N host roots ($(find "$WORK/repo" -type f | wc -l) files, $(du -sh "$WORK/repo" | cut -f1))"
hyperfine --warmup 1 --runs 5 --ignore-failure "$BIN --openssh 9.2 --format json $WORK/repo > /dev/null"
fi

if ! want sshd; then
  :
elif [ "$(id -u)" = 0 ] && command -v unshare >/dev/null && [ -x /usr/sbin/sshd ]; then
  keys=$(mktemp -d)
  ssh-keygen -q -t ed25519 -N '' -f "$keys/ssh_host_ed25519_key"
  mkdir -p /run/sshd
  script=$(mktemp)
  {
    echo 'set +e'
    for i in $(seq 0 $((SAMPLE - 1))); do
      h=$(printf "%s/repo/host%05d" "$WORK" "$i")
      cp "$keys/ssh_host_ed25519_key" "$h/etc/ssh/" && chmod 600 "$h/etc/ssh/ssh_host_ed25519_key"
      echo "mount --bind $h/etc/ssh /etc/ssh; /usr/sbin/sshd -t -f /etc/ssh/sshd_config 2>/dev/null; umount /etc/ssh"
    done
  } > "$script"
  echo "== sshd -t over $SAMPLE of those roots (multiply by $((N / SAMPLE)) for the whole repository)"
  hyperfine --warmup 1 --runs 3 "unshare -m --propagation private bash $script"
  rm -rf "$keys" "$script"
else
  echo "== sshd -t comparison skipped (needs root, unshare and openssh-server)"
fi

# ---- 4. kube-proxy-shaped iptables-save dump --------------------------------------------------
KFILE=$WORK/kube-proxy/rules.v4
KROOT=$WORK/kube-proxy/root
if want kube || want parse; then
  if [ ! -s "$KFILE" ]; then
    mkdir -p "$WORK/kube-proxy"
    python3 benches/gen_kube_proxy.py "$KUBE_N" > "$KFILE"
  fi
fi

if want parse; then
echo "== parser throughput"
SSHLINT_BENCH_IPTABLES=$KFILE cargo bench --bench parse --quiet
fi

peak_mem() {  # peak_mem LABEL CMD...: one run under GNU time -v (stdin passes through)
  local label=$1 out rc=0
  shift
  out=$(mktemp)
  /usr/bin/time -v "$@" > /dev/null 2> "$out" || rc=$?
  printf '  %-44s exit %s, %s, max RSS %s KB\n' "$label" "$rc" \
    "$(sed -n 's/^[[:space:]]*Elapsed (wall clock) time (h:mm:ss or m:ss): /wall /p' "$out")" \
    "$(sed -n 's/^[[:space:]]*Maximum resident set size (kbytes): //p' "$out")"
  rm -f "$out"
}

if want kube; then
  mkdir -p "$KROOT/etc/iptables" "$KROOT/etc/ssh"
  ln -f "$KFILE" "$KROOT/etc/iptables/rules.v4" 2>/dev/null || cp "$KFILE" "$KROOT/etc/iptables/rules.v4"
  printf 'Port 22\n' > "$KROOT/etc/ssh/sshd_config"
  echo "== kube-proxy dump: $KUBE_N services, $(wc -l < "$KFILE") lines, $(du -h "$KFILE" | cut -f1)"
  # --ignore-failure: exit 1 just means findings; while the CLI lacks iptables input it exits 2.
  rc=0; "$BIN" --format json --stdin-kind iptables - < "$KFILE" > /dev/null 2>&1 || rc=$?
  if [ "$rc" -gt 1 ]; then
    echo "  NOTE: \`sshlint --stdin-kind iptables -\` exited $rc (no iptables input support yet?): its figures below mean nothing"
  fi
  cmds=("$BIN --format json --stdin-kind iptables - < $KFILE > /dev/null"
        "$BIN --format json $KROOT > /dev/null")
  can_ipt=no
  if [ "$(id -u)" = 0 ] && command -v unshare >/dev/null && command -v iptables-restore >/dev/null; then
    can_ipt=yes
    cmds+=("unshare -n iptables-restore --test $KFILE")
  else
    echo "  (iptables-restore --test skipped: needs root, unshare and iptables)"
  fi
  hyperfine --warmup 1 --runs 5 --ignore-failure "${cmds[@]}"
  if [ -x /usr/bin/time ] && /usr/bin/time -v true 2>/dev/null; then
    echo "== peak memory (GNU time -v, one run each)"
    peak_mem "sshlint --stdin-kind iptables - < FILE" "$BIN" --format json --stdin-kind iptables - < "$KFILE"
    peak_mem "sshlint ROOT (etc/iptables/rules.v4)" "$BIN" --format json "$KROOT"
    if [ "$can_ipt" = yes ]; then
      peak_mem "unshare -n iptables-restore --test FILE" unshare -n iptables-restore --test "$KFILE"
    fi
  else
    echo "  (peak memory skipped: GNU time is not installed; apt-get install time)"
  fi
fi
echo "(work dir: $WORK)"

if want logins; then
  [ -d "$WORK/logins/etc" ] || python3 benches/gen_logins.py "$WORK/logins" "$LOGIN_N"
  echo "== sshlint over one host root with $LOGIN_N accounts holding keys"
  hyperfine --warmup 1 --runs 10 --ignore-failure "$BIN --openssh 9.2 --format json --root $WORK/logins > /dev/null"
fi
