#!/usr/bin/env bash
# Benchmarks (figures go into the issue notes, not into tests):
#  1. lint a generated repository of 10,000 host roots (sshd_config + three drop-ins each);
#  2. `sshd -t` over a sample of the same roots (inside `unshare -m`), extrapolated;
#  3. parser throughput (cargo bench --bench parse).
# Needs hyperfine; (2) needs root, unshare and openssh-server.
set -euo pipefail
cd "$(dirname "$0")/.."
N=${N:-10000}
SAMPLE=${SAMPLE:-200}
WORK=${WORK:-$(mktemp -d)}
cargo build --release --quiet
BIN=target/release/sshlint
[ -d "$WORK/repo/host00000" ] || python3 benches/gen_repo.py "$WORK/repo" "$N"
echo "== sshlint over $N host roots ($(find "$WORK/repo" -type f | wc -l) files, $(du -sh "$WORK/repo" | cut -f1))"
hyperfine --warmup 1 --runs 5 --ignore-failure "$BIN --openssh 9.2 --format json $WORK/repo > /dev/null"

if [ "$(id -u)" = 0 ] && command -v unshare >/dev/null && [ -x /usr/sbin/sshd ]; then
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

echo "== parser throughput"
cargo bench --bench parse --quiet
echo "(work dir: $WORK)"
