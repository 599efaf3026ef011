#!/usr/bin/env bash
# Build fixtures/ufw/<case>/ host roots with the real ufw CLI, then record what ufw's own
# boot loader (/lib/ufw/ufw-init) builds from each of them (expected.iptables-save and
# expected.ip6tables-save).
#
#   sudo tools/make_ufw_fixtures.sh           # rebuild every case (trees + expected dumps)
#   sudo tools/make_ufw_fixtures.sh CASE...   # rebuild only these cases
#   sudo tools/make_ufw_fixtures.sh --expected-only [CASE...]
#                                             # keep the trees, redo only the expected dumps
#
# How it stays off the host:
#  * ufw 0.36 has two options that `ufw --help` does not list: --rootdir=DIR (where ufw-init,
#    /usr/share/ufw and the translations live; read-only use) and --datadir=DIR (DIR/etc/ufw,
#    DIR/etc/default/ufw and the lock file DIR/lib/ufw/ufw.lock). /usr/sbin/ufw parses them and
#    passes both on to ufw-init when, and only when, both are given. We give both:
#    `ufw --rootdir=/ --datadir=SCRATCH ...`.
#  * Every ufw and ufw-init run happens in `unshare -n -m`: a private, empty network namespace
#    (the CLI adds and deletes a "ufw-caps-test" chain to probe for -m recent, and `ufw enable`
#    loads the ruleset; sysctl -p of IPT_SYSCTL only reaches that namespace's net.* values) and a
#    private mount namespace in which /etc/ufw, /etc/default/ufw, /lib/ufw, /usr/share/ufw and
#    the ufw python package are bind-mounted read-only, so a mistake cannot edit the host's files.
#  * All scratch files live in fixtures/ufw/.work and are removed at the end; nothing is written
#    outside fixtures/ufw. PYTHONDONTWRITEBYTECODE=1 keeps python from writing .pyc files.
#
# Seed files are the packaged pristine ones, exactly as ufw's postinst installs them: rules and
# ufw.conf/before.init/after.init from /usr/share/ufw, conffiles (/etc/default/ufw,
# /etc/ufw/sysctl.conf, applications.d/*) from /etc after checking their md5 against dpkg's record.
set -euo pipefail
export LC_ALL=C PYTHONDONTWRITEBYTECODE=1
PATH=/usr/sbin:/usr/bin:/sbin:/bin

ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT=$ROOT/fixtures/ufw
WORK=$OUT/.work

ALL_CASES="defaults allow-ssh allow-openssh-app deny-ssh reject-ssh limit-ssh limit-then-deny
allow-from-lan allow-iface app-iface-comment port-2222 ipv6-off disabled default-reject
default-allow multiport route-rule log-rule insert-deny-first"

# The ufw commands behind each case ("ufw" here means `ufw --rootdir=/ --datadir=SCRATCH`).
# Keep fixtures/ufw/README.md in step with this function.
case_commands() {
    case $1 in
    defaults) ;;
    allow-ssh) ufw allow 22/tcp ;;
    allow-openssh-app) ufw allow OpenSSH ;;
    deny-ssh) ufw deny 22/tcp ;;
    reject-ssh) ufw reject 22/tcp ;;
    limit-ssh) ufw limit 22/tcp ;;
    limit-then-deny)
        ufw limit 22/tcp
        ufw deny from 10.0.0.0/8 to any port 22 ;;
    allow-from-lan) ufw allow from 192.0.2.0/24 to any port 22 proto tcp ;;
    allow-iface) ufw allow in on eth0 to any port 22 proto tcp ;;
    app-iface-comment) ufw allow in on eth0 from 192.168.1.0/24 to any app OpenSSH comment 'admin lan' ;;
    port-2222) ufw allow 2222/tcp ;;
    ipv6-off)
        sed -i 's/^IPV6=.*/IPV6=no/' "$D/etc/default/ufw"   # no ufw command sets IPV6
        ufw allow 22/tcp ;;
    disabled) ufw allow 22/tcp ;;
    default-reject) ufw default reject incoming ;;
    default-allow) ufw default allow incoming ;;
    multiport) ufw allow 22,2222/tcp ;;
    route-rule) ufw route allow in on eth1 out on eth0 to 10.0.0.5 port 22 proto tcp ;;
    log-rule) ufw allow log 22/tcp ;;
    insert-deny-first)
        ufw allow 22/tcp
        ufw insert 1 deny from 198.51.100.7 ;;
    *) echo "unknown case $1" >&2; return 1 ;;
    esac
}

sshd_port() { case $1 in port-2222) echo 2222 ;; *) echo 22 ;; esac; }
enabled() { [ "$1" != disabled ]; }

die() { echo "make_ufw_fixtures: $*" >&2; exit 1; }

# ---- inner mode: runs inside `unshare -n -m`, builds one scratch tree --------------------------
if [ "${1:-}" = --inner-build ]; then
    CASE=$2 D=$3
    for p in /etc/ufw /etc/default/ufw /lib/ufw /usr/share/ufw /usr/lib/python3/dist-packages/ufw; do
        mount --bind "$p" "$p"
        mount -o remount,bind,ro "$p"
    done
    ufw() { echo "+ ufw $*"; /usr/sbin/ufw --rootdir=/ --datadir="$D" "$@"; }
    case_commands "$CASE"
    if enabled "$CASE"; then ufw --force enable; fi
    exit 0
fi

# ---- outer mode ---------------------------------------------------------------------------------
[ "$(id -u)" = 0 ] || die "must run as root (ufw refuses otherwise, and unshare needs CAP_SYS_ADMIN)"
command -v unshare >/dev/null || die "needs unshare (util-linux)"
[ -x /usr/sbin/ufw ] && [ -x /lib/ufw/ufw-init ] || die "needs ufw installed"
command -v iptables-save >/dev/null && command -v ip6tables-save >/dev/null || die "needs iptables"
unshare -n -m --propagation private true || die "unshare -n -m does not work here"

EXPECTED_ONLY=no
if [ "${1:-}" = --expected-only ]; then EXPECTED_ONLY=yes; shift; fi
CASES=${*:-$ALL_CASES}
for c in $CASES; do
    case " $(echo $ALL_CASES) " in *" $c "*) ;; *) die "unknown case '$c' (known: $(echo $ALL_CASES))" ;; esac
done

# pristine conffiles: compare with dpkg's md5 (a locally edited one would leak into the fixtures)
check_conffile() {
    local f=$1 want have
    want=$(dpkg-query -W -f='${Conffiles}\n' ufw openssh-server | awk -v f="$f" '$1 == f { print $2 }')
    [ -n "$want" ] || die "$f is not a dpkg conffile of ufw or openssh-server"
    have=$(md5sum < "$f" | cut -d' ' -f1)
    [ "$want" = "$have" ] || die "$f differs from the packaged version (md5 $have, dpkg says $want)"
}

seed() {  # seed DIR: a pristine /etc/ufw + /etc/default/ufw as installed by the package
    local d=$1 f
    mkdir -p "$d/etc/ufw/applications.d" "$d/etc/default" "$d/lib/ufw"
    check_conffile /etc/default/ufw
    cp /etc/default/ufw "$d/etc/default/ufw"
    check_conffile /etc/ufw/sysctl.conf
    cp /etc/ufw/sysctl.conf "$d/etc/ufw/sysctl.conf"
    for f in /etc/ufw/applications.d/*; do
        check_conffile "$f"
        cp "$f" "$d/etc/ufw/applications.d/"
    done
    for f in before.rules before6.rules after.rules after6.rules user.rules user6.rules; do
        install -m 640 "/usr/share/ufw/iptables/$f" "$d/etc/ufw/$f"
    done
    install -m 640 /usr/share/ufw/before.init /usr/share/ufw/after.init "$d/etc/ufw/"
    install -m 644 /usr/share/ufw/ufw.conf "$d/etc/ufw/ufw.conf"
}

# Strip the timestamp comments and zero the counters.
normalise() { sed -E -e '/^# (Generated by|Completed on) /d' -e 's/\[[0-9]+:[0-9]+\]/[0:0]/g'; }

build_tree() {
    local c=$1 d=$WORK/build/$1 log
    rm -rf "$d"; seed "$d"
    log=$WORK/build/$c.log
    if ! unshare -n -m --propagation private "$ROOT/tools/make_ufw_fixtures.sh" --inner-build "$c" "$d" > "$log" 2>&1; then
        cat "$log" >&2; die "ufw failed for case $c"
    fi
    sed 's/^/    /' "$log"
    rm -f "$d/lib/ufw/ufw.lock"; rmdir "$d/lib/ufw" "$d/lib"
    # ufw must not have left anything but etc/ behind
    [ "$(ls -A "$d")" = etc ] || die "unexpected files in scratch tree for $c: $(ls -A "$d")"
    if enabled "$c"; then
        grep -q '^ENABLED=yes$' "$d/etc/ufw/ufw.conf" || die "$c: ufw enable did not set ENABLED=yes"
    else
        grep -q '^ENABLED=no$' "$d/etc/ufw/ufw.conf" || die "$c: expected ENABLED=no"
    fi
    mkdir -p "$d/etc/ssh"
    printf '# sshlint fixture "%s": sshd listens on this port\nPort %s\n' "$c" "$(sshd_port "$c")" \
        > "$d/etc/ssh/sshd_config"
    mkdir -p "$OUT/$c"
    rm -rf "$OUT/$c/etc"
    cp -a "$d/etc" "$OUT/$c/etc"
}

# Task 2: load the tree with ufw's own boot loader in an empty network namespace and dump it.
expected_dumps() {
    local c=$1 copy=$WORK/oracle/$1 raw=$WORK/oracle/$1.out rc=0
    rm -f "$OUT/$c/expected.iptables-save" "$OUT/$c/expected.ip6tables-save"
    enabled "$c" || return 0
    rm -rf "$copy"; mkdir -p "$copy"; cp -a "$OUT/$c/etc" "$copy/etc"
    unshare -n sh -c '/lib/ufw/ufw-init --datadir "$1" start && iptables-save && echo ==== && ip6tables-save' \
        sh "$copy" > "$raw" 2>&1 || rc=$?
    [ "$rc" = 0 ] || { cat "$raw" >&2; die "$c: ufw-init start failed (exit $rc)"; }
    diff -r "$OUT/$c/etc" "$copy/etc" > /dev/null || die "$c: ufw-init wrote into the tree copy"
    grep -qx '====' "$raw" || die "$c: no separator in output"
    sed -n '1,/^====$/p' "$raw" | sed '$d' | normalise > "$OUT/$c/expected.iptables-save"
    sed -n '/^====$/,$p' "$raw" | sed '1d' | normalise > "$OUT/$c/expected.ip6tables-save"
    # anything ufw-init printed before the dump (it prints nothing on success)
    if ! head -n1 "$OUT/$c/expected.iptables-save" | grep -q '^\*'; then
        die "$c: ufw-init printed something before the dump: $(head -n3 "$OUT/$c/expected.iptables-save")"
    fi
}

mkdir -p "$WORK/build" "$WORK/oracle"
for c in $CASES; do
    if [ "$EXPECTED_ONLY" = no ]; then
        echo "== $c"
        build_tree "$c"
    fi
    [ -d "$OUT/$c/etc" ] || die "$c: no tree (run without --expected-only first)"
    expected_dumps "$c"   # regenerates expected.iptables-save / expected.ip6tables-save
done
rm -rf "$WORK"
echo "done: $(echo $CASES | wc -w) case(s) under ${OUT#"$ROOT"/}"
