//! Real TCP connections through real rulesets, compared with `sshlint trace`.
//!
//! Network namespaces stand for a server, clients on its link and a client behind a router:
//!
//! ```text
//!  cli   192.0.2.10, 192.0.2.200, 198.51.100.7, 2001:db8::10
//!   │ ── cl2   2001:db8::beef (a macvlan on cli's end of the veth)
//!   │ veth
//!  srv   @IFACE@:  192.0.2.1/24, 198.51.100.1/24, 2001:db8::1/64
//!   │    @IFACE2@: fe80::1, 2001:db8::1/128; route to 2001:db8:1::/64 via fe80::fe
//!   │ veth
//!  rtr   fe80::fe on both links, IPv6 forwarding
//!   │ veth
//!  rcl   2001:db8:1::7/64, default route via fe80::fe
//! ```
//!
//! For every ruleset the server namespace's tables are reset, the ruleset is loaded the way the
//! host would load it (`iptables-restore` / `ip6tables-restore` of `etc/iptables/rules.v4` /
//! `rules.v6`, ufw's own `/lib/ufw/ufw-init --datadir ROOT start`, or for a firewalld tree the
//! real firewalld daemon, see [`Firewalld`]), a listener accepts on
//! sshd's ports (both families), and the clients connect from every source address (one agent per
//! client namespace, all at once) to every candidate port. For every (source, port) the kernel's
//! outcome must equal the top-level verdict of
//!
//! ```text
//! sshlint trace --from SOURCE --port PORT --iface IFACE --via link|router --format json ROOT
//! ```
//!
//! where IFACE is the server interface the source's connections arrive on (`@IFACE@` for on-link
//! sources, `@IFACE2@` for the routed one) and `--via` is `link` or `router` to match (every IPv4
//! source is on-link): connected ⇔ `open`, refused (reset or any ICMP unreachable) ⇔ `refused`,
//! timed out ⇔ `dropped`. A `conditional` verdict accepts any outcome, but at most
//! [`MAX_CONDITIONAL`] of all verdicts may be conditional, so the test cannot pass vacuously.
//!
//! "Connected" means more than a completed handshake: as with sshd, the server sends a banner
//! line on accept, the client sends its own, and the server answers it. A ruleset that accepts
//! the SYN but not the packets after it (an `--syn` or `--ctstate NEW` accept under policy DROP
//! with no ESTABLISHED rule) completes the handshake on the client side and then leaves an SSH
//! client hanging: that counts as timed out. A reset after the handshake counts as refused
//! ("Connection reset by peer"); an ICMP error after it is a soft error and does not.
//!
//! Rulesets: the fixed corpus in `fixtures/behaviour/` (see its README; each case also records the
//! kernel's outcomes in `expected`, checked on every run, and may list in `conditional` the
//! connections sshlint must call conditional), `SSHLINT_BEHAVIOUR_CASES` (default 200)
//! iptables rulesets generated from `SSHLINT_DIFF_SEED`, and `SSHLINT_BEHAVIOUR_FIREWALLD_CASES`
//! (default 60) firewalld trees from `tools/firewalld/gen_trees.py --lab` with the same seed
//! (about one in eight with a defect that makes firewalld fall back to its stock configuration).
//! The firewalld trees run last, in one firewalld daemon; without firewalld installed they are
//! skipped with a printed reason (a failure under `SSHLINT_REQUIRE_ORACLES=1`).
//!
//! Environment:
//! - `SSHLINT_BEHAVIOUR_KERNEL_ONLY=1`: run the kernel side only (no sshlint comparison).
//! - `SSHLINT_KEEP=1`: keep the work directory: per ruleset its host root (`root/`), what
//!   `iptables-save` / `ip6tables-save` / `nft list ruleset` printed after loading it
//!   (`loaded.v4`, `loaded.v6`, `loaded.nft`), for firewalld trees how the daemon took it
//!   (`firewalld`: reload, or restart and why) and the kernel's outcomes (`kernel`).
//! - `SSHLINT_BLESS=1`: rebuild the ufw fixtures from their `ufw-commands` with the real ufw CLI
//!   and rewrite every fixture's `expected` from the kernel.
//! - `SSHLINT_REQUIRE_ORACLES=1`: a missing oracle (not root, no `ip netns`, no iptables, no
//!   python3, no ufw) fails instead of skipping.
//!
//! Only this test's own namespaces (`sshlint-bt-{srv,cli,cl2,rtr,rcl}-PID`, deleted on drop, also
//! when the test panics; leftovers of dead runs are deleted at start) and the documentation ranges
//! 192.0.2.0/24, 198.51.100.0/24 and 2001:db8::/32 are used.
//!
//! Lab facts that shape the harness (all measured here, kernel 6.x, iptables 1.8.9 nft):
//! - IPv4 neighbour entries are pinned (`nud permanent`): iptables never sees ARP. IPv6 ones are
//!   not: neighbour discovery is ICMPv6 and crosses ip6tables like any packet (raw, mangle, filter
//!   INPUT and OUTPUT), with conntrack state UNTRACKED (not NEW, ESTABLISHED, RELATED or INVALID)
//!   and hop limit 255. A connection needs the solicitation (type 135) in and the server's
//!   advertisement (type 136) out; no advertisement has to come in, as the solicitation already
//!   told the server the client's (or router's) link-layer address. So an INPUT policy DROP with
//!   no ICMPv6 accept, or an OUTPUT policy DROP that lets only ESTABLISHED,RELATED out, leaves
//!   IPv6 clients timing out.
//! - An on-link client solicits from the connection's own source address (2001:db8::10); a router
//!   solicits from its link-local address (fe80::fe), whoever the client is. So `-s 2001:db8::/32
//!   -p icmpv6 -j ACCEPT` lets on-link clients in and not routed ones, `-s fe80::/10` the other way
//!   round. The server's route to the routed network names the router's link-local address, as
//!   routes learned from router advertisements do (with a global gateway address the server would
//!   have to solicit the gateway and receive its advertisement, type 136 in). The router reaches
//!   the server's address on the router link directly (a /128 there), as on a router-facing LAN.
//! - A client resolves the server once per neighbour entry, with the source address of whichever
//!   packet asked first: two IPv6 sources of one namespace probed together would share one
//!   neighbour discovery and the outcome would depend on the order. So each IPv6 source has a
//!   namespace of its own (see [`rounds`] for several in one), and before each ruleset's probes
//!   every namespace forgets its IPv6 neighbours (`ip -6 neigh flush all`): each source starts
//!   discovery afresh, as a client does that has not talked to the server lately.
//! - Nothing of an earlier ruleset may send a packet later (a retransmitted SYN-ACK or banner, a
//!   FIN): it would resolve a neighbour and leave an entry behind in the middle of another
//!   ruleset's probes. The server agent closes connections only with a reset, and before every
//!   round aborts them all and reopens its listeners (closing a listener drops its half-open
//!   connections); the client agent resets whatever is still open at the end of each round.
//! - ICMP error rate limits are switched off in the server namespace (`icmp_ratemask=0`,
//!   `icmp_msgs_per_sec`, `ipv6/icmp/ratelimit=0`): with the defaults, the 7th REJECT within a
//!   second towards one client is not sent and the client times out instead of being refused.
//! - Over a veth pair the ICMPv6 error for a SYN arrives while `connect()` still holds the socket
//!   lock; the kernel then records it only as a soft error and the connection fails only after
//!   the SYN retransmission a second later. The client sets `IP_RECVERR` / `IPV6_RECVERR`, so
//!   the error is queued and reported at once, which is what a client on a real network sees.
//! - Client source ports are handed out sequentially from 32768, so no 4-tuple is reused within a
//!   run and no conntrack entry of an earlier ruleset can turn a SYN into anything but NEW.
//! - Recent lists (`-m recent`) survive an `iptables-restore` that replaces the ruleset in one
//!   transaction, but not a reset committed on its own: the reset runs as a separate restore.

mod common;

#[path = "support/rng.rs"]
mod rng;
use rng::Rng;

use common::{run, sshlint, tail};
use serde_json::Value;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::fs;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const DEFAULT_SEED: u64 = 0x5eed_0be4_a710;
const DEFAULT_CASES: usize = 200;
/// Generated firewalld trees per run (`SSHLINT_BEHAVIOUR_FIREWALLD_CASES`).
const FIREWALLD_CASES: usize = 60;
/// How long the client waits for connections that have neither connected nor failed.
const CONNECT_WAIT_SECS: f64 = 0.4;
/// At most this share of all verdicts may be `conditional`.
const MAX_CONDITIONAL: f64 = 0.30;
/// Stands for the server interface on the clients' link (on-link sources arrive there).
const IFACE_PLACEHOLDER: &str = "@IFACE@";
/// Stands for the server interface that faces the router (routed sources arrive there).
const IFACE2_PLACEHOLDER: &str = "@IFACE2@";
const UFW_INIT: &str = "/lib/ufw/ufw-init";

const SERVER_V4: &str = "192.0.2.1";
const SERVER_V6: &str = "2001:db8::1";
/// The server's addresses on the clients' link.
const SERVER_ADDRS: &[&str] = &["192.0.2.1/24", "198.51.100.1/24", "2001:db8::1/64"];

/// How a source reaches the server: from the server's own link, or through a router (`sshlint
/// trace --via`; IPv6 neighbour discovery differs, IPv4 is the same either way).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Via {
    Link,
    Router,
}

impl Via {
    fn arg(self) -> &'static str {
        match self {
            Via::Link => "link",
            Via::Router => "router",
        }
    }
}

/// The client namespaces (`sshlint-bt-TAG-PID`), each with an agent and a neighbour cache of its
/// own: two on the server's link, one behind the router.
const CLI: &str = "cli";
const CL2: &str = "cl2";
const RCL: &str = "rcl";

/// Every connection comes from one of these (address, path, client namespace); IPv4 ones go to
/// [`SERVER_V4`], IPv6 ones to [`SERVER_V6`] (one destination per family: `sshlint trace` has no
/// destination option). Each IPv6 source has a namespace of its own, so all can be probed at once
/// (see [`rounds`]).
const SOURCES: &[(&str, Via, &str)] = &[
    ("192.0.2.10", Via::Link, CLI),
    ("192.0.2.200", Via::Link, CLI),
    ("198.51.100.7", Via::Link, CLI),
    ("2001:db8::10", Via::Link, CLI),
    ("2001:db8::beef", Via::Link, CL2),
    ("2001:db8:1::7", Via::Router, RCL),
];
/// The routed client's network, behind the router.
const ROUTED_NET: &str = "2001:db8:1::/64";
/// The router's link-local address on both of its links: the server's route to [`ROUTED_NET`]
/// and the routed client's default route name it (as routes learned from router advertisements do).
const ROUTER_LL: &str = "fe80::fe";
/// The server's link-local address on the router link.
const SERVER_LL2: &str = "fe80::1";
/// Link-local addresses of the second on-link client and of the routed client.
const CLIENT2_LL: &str = "fe80::2";
const ROUTED_CLIENT_LL: &str = "fe80::7";
const SERVER_MAC: &str = "02:53:4c:00:00:01";
const CLIENT_MAC: &str = "02:53:4c:00:00:02";
const CLIENT2_MAC: &str = "02:53:4c:00:00:03";

fn flag(name: &str) -> bool {
    std::env::var_os(name).is_some_and(|v| v == "1")
}

// ---------------------------------------------------------------------------------------------
// Oracle availability

fn find_tool(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain(["/usr/sbin", "/sbin", "/usr/bin", "/bin"].into_iter().map(PathBuf::from))
        .map(|d| d.join(name))
        .find(|p| p.is_file())
}

/// The interpreter for the two agents: the system python first (pyenv shims need a HOME).
fn python() -> Option<PathBuf> {
    let system = Path::new("/usr/bin/python3");
    if system.is_file() { Some(system.to_path_buf()) } else { find_tool("python3") }
}

/// Why the lab cannot run here, if it cannot.
fn oracle_missing() -> Option<String> {
    let status = fs::read_to_string("/proc/self/status").unwrap_or_default();
    let uid = status.lines().find(|l| l.starts_with("Uid:")).and_then(|l| l.split_whitespace().nth(2));
    if uid != Some("0") {
        return Some("not running as root (network namespaces need CAP_SYS_ADMIN)".into());
    }
    for tool in ["ip", "iptables-restore", "ip6tables-restore", "iptables-save", "ip6tables-save"] {
        if find_tool(tool).is_none() {
            return Some(format!("`{tool}` is not installed"));
        }
    }
    if python().is_none() {
        return Some("`python3` is not installed".into());
    }
    if !Path::new(UFW_INIT).is_file() {
        return Some(format!("`{UFW_INIT}` is missing (ufw is not installed)"));
    }
    match Command::new("ip").args(["netns", "list"]).output() {
        Ok(o) if o.status.success() => None,
        _ => Some("`ip netns list` failed".into()),
    }
}

// ---------------------------------------------------------------------------------------------
// The agents: one python process in each namespace, speaking one line per request

/// The server side: `listen P…` aborts every connection it holds, closes its listeners and
/// makes exactly these ports listen again (0.0.0.0 and `::` with IPV6_V6ONLY), then answers `ok
/// P…`. Like sshd, it sends a banner line as soon as it accepts a connection; when the client's
/// first line arrives it answers `ok`. Connections are closed only with a reset (SO_LINGER 0):
/// when the client's reset arrives, or at the next `listen`. So nothing of an earlier round is
/// left to send later (a FIN, a retransmitted banner or SYN-ACK: closing a listener drops its
/// half-open connections), which could resolve a neighbour in the middle of a later round.
const SERVER_AGENT: &str = r#"
import os, resource, selectors, socket, struct, sys
_, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
LINGER0 = struct.pack("ii", 1, 0)
sel = selectors.DefaultSelector()
listening = {}
conns = set()
def open_port(p):
    socks = []
    for fam, addr in ((socket.AF_INET, "0.0.0.0"), (socket.AF_INET6, "::")):
        s = socket.socket(fam, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if fam == socket.AF_INET6:
            s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
        s.bind((addr, p))
        s.listen(1024)
        s.setblocking(False)
        sel.register(s, selectors.EVENT_READ, "listener")
        socks.append(s)
    return socks
def close(c):
    sel.unregister(c)
    conns.discard(c)
    c.close()
def set_ports(ports):
    for c in list(conns):
        close(c)
    for p in list(listening):
        for s in listening.pop(p):
            sel.unregister(s)
            s.close()
    for p in sorted(ports):
        listening[p] = open_port(p)
os.set_blocking(0, False)
sel.register(0, selectors.EVENT_READ, "stdin")
buf = b""
while True:
    for key, _ in sel.select(1.0):
        if key.data == "stdin":
            chunk = os.read(0, 65536)
            if not chunk:
                sys.exit(0)
            buf += chunk
            while b"\n" in buf:
                line, buf = buf.split(b"\n", 1)
                try:
                    set_ports({int(w) for w in line.decode().split()[1:]})
                    print("ok", *sorted(listening), flush=True)
                except (OSError, ValueError) as e:
                    print("error", e, flush=True)
        elif key.data == "listener":
            while True:
                try:
                    c, _ = key.fileobj.accept()
                except OSError:
                    break
                c.setblocking(False)
                c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, LINGER0)
                try:
                    c.send(b"SSH-2.0-sshlint-lab\r\n")
                except OSError:
                    c.close()
                    continue
                sel.register(c, selectors.EVENT_READ, "conn")
                conns.add(c)
        else:
            c = key.fileobj
            try:
                data = c.recv(4096)
            except BlockingIOError:
                continue
            except OSError:
                data = b""
            if b"\n" in data:
                try:
                    c.send(b"ok\r\n")
                except OSError:
                    pass
            elif not data:
                close(c)
"#;

/// The client side: one JSON request per line, `{"timeout": S, "probes": [[src, dst, port], …]}`.
/// It opens every connection at once (non-blocking, bound to the source address and a fresh
/// source port) and, like an SSH client, sends its banner line once connected; it waits at most
/// S seconds and answers a JSON list of `[outcome, detail]`:
/// - `connected`: the server's banner and its answer to the client's line arrived, so packets
///   flow both ways after the handshake;
/// - `refused`: the SYN was answered with a reset or an ICMP error (detail: the errno and `rst`
///   or the ICMP type/code from the socket's error queue), or the connection was reset later;
/// - `timeout`: no answer to the SYN, or connected but the exchange never completed (detail says
///   which, with any ICMP error that arrived after the handshake: those are soft errors).
const CLIENT_AGENT: &str = r#"
import errno, json, select, socket, struct, sys, time
LINGER0 = struct.pack("ii", 1, 0)
IP_RECVERR, IPV6_RECVERR = 11, 25
IN, OUT = select.POLLIN | select.POLLERR | select.POLLHUP, select.POLLOUT | select.POLLERR | select.POLLHUP
next_port = {}
def name(e):
    return errno.errorcode.get(e, str(e))
def bind(s, src, v6):
    for _ in range(1000):
        p = next_port.get(src, 32768)
        next_port[src] = p + 1 if p < 60999 else 32768
        try:
            s.bind((src, p, 0, 0) if v6 else (src, p))
            return
        except OSError as e:
            if e.errno != errno.EADDRINUSE:
                raise
    raise OSError(errno.EADDRINUSE, "no free source port")
def icmp_of(s):
    """The last ICMP error queued on the socket, draining the queue."""
    found = None
    while True:
        try:
            _, anc, _, _ = s.recvmsg(1, 512, socket.MSG_ERRQUEUE)
        except OSError:
            return found
        for _, _, data in anc:
            ee_errno, origin, typ, code = struct.unpack_from("IBBB", data)
            kind = {2: "icmp", 3: "icmp6"}.get(origin, "origin%d" % origin)
            found = (ee_errno, "%s %d/%d" % (kind, typ, code))
class Conn:
    def __init__(self, i, s):
        self.i, self.s, self.talking, self.buf, self.soft = i, s, False, b"", None
    def start_talking(self, poll):
        self.talking = True
        try:
            self.s.send(b"SSH-2.0-sshlint-client\r\n")
        except OSError as e:
            if e.errno in (errno.ECONNRESET, errno.EPIPE):
                return ["refused", "%s (reset after the handshake)" % name(e.errno)]
            self.soft = name(e.errno)
        poll.modify(self.s, IN)
        return None
    def step(self, poll):
        s = self.s
        if not self.talking:
            try:
                s.getpeername()
            except OSError:
                err = s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
                icmp = icmp_of(s)
                if err in (errno.ECONNRESET, errno.EPIPE):
                    return ["refused", "%s (reset after the handshake)" % name(err)]
                if err:
                    return ["refused", "%s (%s)" % (name(err), icmp[1] if icmp else "rst")]
                if icmp:
                    return ["refused", "%s (%s)" % (name(icmp[0]), icmp[1])]
                return None
            return self.start_talking(poll)
        icmp = icmp_of(s)
        if icmp:
            self.soft = "%s (%s)" % (name(icmp[0]), icmp[1])
            s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
        try:
            data = s.recv(4096)
        except BlockingIOError:
            return None
        except OSError as e:
            if e.errno in (errno.ECONNRESET, errno.EPIPE):
                return ["refused", "%s (reset after the handshake)" % name(e.errno)]
            # With IP_RECVERR an ICMP error on an established socket is reported as a hard
            # error; without it (any real client) it is soft and the connection goes on.
            self.soft = self.soft or name(e.errno)
            return None
        self.buf += data
        if b"\nok\r\n" in self.buf:
            return ["connected", "-"]
        if not data:
            return ["refused", "closed before answering"]
        return None
    def timeout(self):
        if not self.talking:
            return ["timeout", "no answer to SYN"]
        what = "server banner" if self.buf else "nothing"
        soft = ", soft error " + self.soft if self.soft else ""
        return ["timeout", "connected, got %s%s" % (what, soft)]
for line in sys.stdin:
    req = json.loads(line)
    deadline = time.monotonic() + req["timeout"]
    probes = req["probes"]
    res = [None] * len(probes)
    conns = {}
    poll = select.poll()
    def done(c, r):
        res[c.i] = r
        del conns[c.s.fileno()]
        poll.unregister(c.s)
        c.s.close()
    for i, (src, dst, port) in enumerate(probes):
        v6 = ":" in dst
        s = socket.socket(socket.AF_INET6 if v6 else socket.AF_INET, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, LINGER0)
        if v6:
            s.setsockopt(socket.IPPROTO_IPV6, IPV6_RECVERR, 1)
        else:
            s.setsockopt(socket.IPPROTO_IP, IP_RECVERR, 1)
        s.setblocking(False)
        try:
            bind(s, src, v6)
            rc = s.connect_ex((dst, port))
        except OSError as e:
            rc = e.errno
        if rc not in (0, errno.EINPROGRESS):
            res[i] = ["refused", "%s (connect)" % name(rc)]
            s.close()
            continue
        c = Conn(i, s)
        conns[s.fileno()] = c
        poll.register(s, OUT)
        if rc == 0:
            r = c.start_talking(poll)
            if r:
                done(c, r)
    while conns:
        left = deadline - time.monotonic()
        if left <= 0:
            break
        for fd, _ in poll.poll(left * 1000):
            c = conns.get(fd)
            if c is None:
                continue
            r = c.step(poll)
            if r:
                done(c, r)
    for c in list(conns.values()):
        done(c, c.timeout())
    print(json.dumps(res), flush=True)
"#;

struct Agent {
    what: String,
    child: Child,
    stdin: Option<ChildStdin>,
    lines: mpsc::Receiver<String>,
    stderr: Option<std::thread::JoinHandle<Vec<u8>>>,
}

impl Agent {
    fn spawn(ns: &str, python: &Path, script: &str, what: &str) -> Result<Agent, String> {
        let mut child = Command::new("ip")
            .args(["netns", "exec", ns])
            .arg(python)
            .args(["-u", "-c", script])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| format!("{what}: cannot spawn: {e}"))?;
        let stdout = child.stdout.take().ok_or("stdout is piped")?;
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let stderr = child.stderr.take().map(common::drain);
        Ok(Agent { what: what.to_string(), stdin: child.stdin.take(), child, lines, stderr })
    }

    fn ask(&mut self, request: &str, timeout: Duration) -> Result<String, String> {
        self.send(request)?;
        self.answer(timeout)
    }

    fn send(&mut self, request: &str) -> Result<(), String> {
        let sent = match self.stdin.as_mut() {
            Some(w) => writeln!(w, "{request}").and_then(|()| w.flush()).map_err(|e| e.to_string()),
            None => Err("stdin closed".to_string()),
        };
        sent.map_err(|e| self.failed(&e))
    }

    fn answer(&mut self, timeout: Duration) -> Result<String, String> {
        self.lines.recv_timeout(timeout).map_err(|e| self.failed(&format!("no answer: {e}")))
    }

    fn failed(&mut self, e: &str) -> String {
        let stderr = self.stop();
        format!("{}: {e}\nagent stderr:\n{}", self.what, tail(&stderr))
    }

    /// Close stdin, give the agent a moment to exit, kill it otherwise; its stderr.
    fn stop(&mut self) -> String {
        drop(self.stdin.take());
        let start = Instant::now();
        while matches!(self.child.try_wait(), Ok(None)) && start.elapsed() < Duration::from_secs(2) {
            std::thread::sleep(Duration::from_millis(10));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
        self.stderr
            .take()
            .and_then(|h| h.join().ok())
            .map(|b| String::from_utf8_lossy(&b).into_owned())
            .unwrap_or_default()
    }
}

impl Drop for Agent {
    fn drop(&mut self) {
        self.stop();
    }
}

// ---------------------------------------------------------------------------------------------
// The lab: two namespaces, a veth pair, the agents

fn ip(args: &[&str]) -> Result<(), String> {
    let out = Command::new("ip").args(args).output().map_err(|e| format!("ip {}: {e}", args.join(" ")))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!("`ip {}` failed ({}): {}", args.join(" "), out.status, String::from_utf8_lossy(&out.stderr).trim()))
    }
}

/// Delete `sshlint-bt-*-PID` namespaces whose process is gone (a run killed by a signal).
fn remove_stale_namespaces() {
    let Ok(out) = Command::new("ip").args(["netns", "list"]).output() else { return };
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        let Some(name) = line.split_whitespace().next() else { continue };
        let Some(rest) = name.strip_prefix("sshlint-bt-") else { continue };
        let Some((_, pid)) = rest.rsplit_once('-') else { continue };
        if pid.parse::<u32>().is_ok() && !Path::new("/proc").join(pid).exists() {
            let _ = ip(&["netns", "del", name]);
        }
    }
}

/// The namespaces, links and agents (the picture is in the module doc).
struct Lab {
    pid: u32,
    srv: String,
    rtr: String,
    /// The server's interface on the clients' link ([`IFACE_PLACEHOLDER`]) and its peer.
    srv_if: String,
    cli_if: String,
    /// The second on-link client's macvlan on top of `cli_if`.
    cl2_if: String,
    /// The server's interface on the router link ([`IFACE2_PLACEHOLDER`]) and its peer.
    srv_if2: String,
    rtr_srv_if: String,
    /// The router's interface on the routed client's link and its peer.
    rtr_cli_if: String,
    rcl_if: String,
    namespaces: Vec<String>,
    server: Option<Agent>,
    /// One per client namespace, by tag.
    clients: Vec<(&'static str, Agent)>,
    listening: Vec<u16>,
    /// The firewalld daemon in the server namespace, while firewalld trees are being loaded.
    firewalld: Option<Firewalld>,
}

impl Lab {
    fn new(python: &Path) -> Result<Lab, String> {
        remove_stale_namespaces();
        let pid = std::process::id();
        let mut lab = Lab {
            pid,
            srv: format!("sshlint-bt-srv-{pid}"),
            rtr: format!("sshlint-bt-rtr-{pid}"),
            // ≤ 15 characters: pids have at most 7 digits.
            srv_if: format!("vbs{pid}"),
            cli_if: format!("vbc{pid}"),
            cl2_if: format!("vmc{pid}"),
            srv_if2: format!("vbr{pid}"),
            rtr_srv_if: format!("vrs{pid}"),
            rtr_cli_if: format!("vrc{pid}"),
            rcl_if: format!("vcr{pid}"),
            namespaces: Vec::new(),
            server: None,
            clients: Vec::new(),
            listening: Vec::new(),
            firewalld: None,
        };
        lab.setup(python)?; // on error, `lab` is dropped and deletes what it created
        Ok(lab)
    }

    /// The namespace of a client tag.
    fn ns(&self, tag: &str) -> String {
        format!("sshlint-bt-{tag}-{}", self.pid)
    }

    fn setup(&mut self, python: &Path) -> Result<(), String> {
        let (srv, rtr) = (self.srv.clone(), self.rtr.clone());
        let (cli, cl2, rcl) = (self.ns(CLI), self.ns(CL2), self.ns(RCL));
        for ns in [&srv, &cli, &cl2, &rtr, &rcl] {
            let _ = ip(&["netns", "del", ns]);
            ip(&["netns", "add", ns])?;
            self.namespaces.push(ns.clone());
            ip(&["-n", ns, "link", "set", "lo", "up"])?;
        }

        // The clients' link: a veth pair, and a macvlan on the client end moved into the second
        // client's namespace. Only IPv4 neighbours are pinned: ARP is not filtered by iptables,
        // IPv6 neighbour discovery is, and the IPv6 probes exercise it.
        let (srv_if, cli_if, cl2_if) = (self.srv_if.as_str(), self.cli_if.as_str(), self.cl2_if.as_str());
        ip(&[
            "-n", &srv, "link", "add", srv_if, "address", SERVER_MAC, "type", "veth", "peer", "name", cli_if,
            "address", CLIENT_MAC, "netns", &cli,
        ])?;
        ip(&["-n", &srv, "link", "set", srv_if, "up"])?;
        ip(&["-n", &cli, "link", "set", cli_if, "up"])?;
        let mac2 = CLIENT2_MAC;
        ip(&["-n", &cli, "link", "add", cl2_if, "link", cli_if, "address", mac2, "type", "macvlan", "mode", "bridge"])?;
        ip(&["-n", &cli, "link", "set", cl2_if, "netns", &cl2])?;
        ip(&["-n", &cl2, "link", "set", cl2_if, "addrgenmode", "none"])?;
        ip(&["-n", &cl2, "link", "set", cl2_if, "up"])?;
        ip(&["-n", &cl2, "addr", "add", &format!("{CLIENT2_LL}/64"), "dev", cl2_if, "nodad"])?;
        for a in SERVER_ADDRS {
            ip(&["-n", &srv, "addr", "add", a, "dev", srv_if, "nodad"])?;
        }
        for a in SERVER_ADDRS.iter().filter(|a| !a.contains(':')) {
            let addr = a.split('/').next().unwrap_or(a);
            ip(&["-n", &cli, "neigh", "replace", addr, "lladdr", SERVER_MAC, "dev", cli_if, "nud", "permanent"])?;
        }

        // The router link (server - router) and the routed client's link (router - routed
        // client): link-local addresses set by hand, without DAD.
        let (srv_if2, rtr_srv_if) = (self.srv_if2.as_str(), self.rtr_srv_if.as_str());
        let (rtr_cli_if, rcl_if) = (self.rtr_cli_if.as_str(), self.rcl_if.as_str());
        for (ns, dev, peer_ns, peer) in [(&srv, srv_if2, &rtr, rtr_srv_if), (&rcl, rcl_if, &rtr, rtr_cli_if)] {
            ip(&["-n", ns, "link", "add", dev, "type", "veth", "peer", "name", peer, "netns", peer_ns])?;
            for (ns, dev) in [(ns, dev), (peer_ns, peer)] {
                ip(&["-n", ns, "link", "set", dev, "addrgenmode", "none"])?;
                ip(&["-n", ns, "link", "set", dev, "up"])?;
            }
        }
        let server_host = format!("{SERVER_V6}/128");
        for (ns, dev, addr) in [
            (&srv, srv_if2, format!("{SERVER_LL2}/64")),
            // The server's address on the router link too, as on a router-facing LAN: the
            // router solicits it, and the server answers from it. A /128 adds no prefix route.
            (&srv, srv_if2, server_host.clone()),
            (&rtr, rtr_srv_if, format!("{ROUTER_LL}/64")),
            (&rtr, rtr_cli_if, format!("{ROUTER_LL}/64")),
            (&rcl, rcl_if, format!("{ROUTED_CLIENT_LL}/64")),
        ] {
            ip(&["-n", ns, "addr", "add", &addr, "dev", dev, "nodad"])?;
        }
        ip(&["-n", &srv, "-6", "route", "add", ROUTED_NET, "via", ROUTER_LL, "dev", srv_if2])?;
        ip(&["-n", &rtr, "-6", "route", "add", &server_host, "dev", rtr_srv_if])?;
        ip(&["-n", &rtr, "-6", "route", "add", ROUTED_NET, "dev", rtr_cli_if])?;
        ip(&["-n", &rcl, "-6", "route", "add", "default", "via", ROUTER_LL, "dev", rcl_if])?;
        ip(&["netns", "exec", &rtr, "sh", "-c", "echo 1 > /proc/sys/net/ipv6/conf/all/forwarding"])?;

        // The sources, each on its client's interface.
        for &(s, via, tag) in SOURCES {
            let (ns, dev) = match tag {
                CLI => (&cli, cli_if),
                CL2 => (&cl2, cl2_if),
                _ => (&rcl, rcl_if),
            };
            let v6 = s.contains(':');
            assert!(v6 || tag == CLI, "IPv4 source {s}: only the client namespace `{CLI}` has IPv4 (ARP pins)");
            let prefix = if v6 { 64 } else { 24 };
            ip(&["-n", ns, "addr", "add", &format!("{s}/{prefix}"), "dev", dev, "nodad"])?;
            if !v6 {
                ip(&["-n", &srv, "neigh", "replace", s, "lladdr", CLIENT_MAC, "dev", srv_if, "nud", "permanent"])?;
            }
            assert!((via == Via::Router) == (tag == RCL), "source {s}: only `{RCL}` is behind the router");
        }

        let sysctls = "set -e\n\
             echo 0 > /proc/sys/net/ipv4/icmp_ratemask\n\
             echo 1000000 > /proc/sys/net/ipv4/icmp_msgs_per_sec\n\
             echo 1000000 > /proc/sys/net/ipv4/icmp_msgs_burst\n\
             echo 0 > /proc/sys/net/ipv6/icmp/ratelimit\n";
        ip(&["netns", "exec", &srv, "sh", "-c", sysctls])?;
        self.server = Some(Agent::spawn(&srv, python, SERVER_AGENT, "server agent")?);
        for tag in [CLI, CL2, RCL] {
            let agent = Agent::spawn(&self.ns(tag), python, CLIENT_AGENT, &format!("client agent {tag}"))?;
            self.clients.push((tag, agent));
        }
        self.listen(&[22])
    }

    /// Abort the server's connections and make exactly `ports` listen, afresh.
    fn listen(&mut self, ports: &[u16]) -> Result<(), String> {
        let mut want = ports.to_vec();
        want.sort_unstable();
        want.dedup();
        let list: Vec<String> = want.iter().map(u16::to_string).collect();
        let server = self.server.as_mut().ok_or("no server agent")?;
        let answer = server.ask(&format!("listen {}", list.join(" ")), Duration::from_secs(10))?;
        if answer != format!("ok {}", list.join(" ")) {
            return Err(format!("server agent: `listen {}` answered `{answer}`", list.join(" ")));
        }
        self.listening = want;
        Ok(())
    }

    /// Every namespace forgets its IPv6 neighbours (all but permanent entries; there are none).
    fn flush_neighbours(&self) -> Result<(), String> {
        let script: String = self.namespaces.iter().map(|ns| format!("ip -n '{ns}' -6 neigh flush all\n")).collect();
        let out = Command::new("sh").args(["-ec", &script]).output().map_err(|e| format!("sh: {e}"))?;
        if out.status.success() {
            Ok(())
        } else {
            Err(format!("flushing the neighbours failed ({}): {}", out.status, String::from_utf8_lossy(&out.stderr)))
        }
    }

    fn agent(&mut self, tag: &str) -> Result<&mut Agent, String> {
        self.clients.iter_mut().find(|(t, _)| *t == tag).map(|(_, a)| a).ok_or_else(|| format!("no client agent {tag}"))
    }

    /// Reset every table of both families, check they are empty, load the ruleset. A firewalld
    /// tree goes to the firewalld daemon of [`Lab::firewalld`], started on first use.
    fn load(&mut self, rs: &Ruleset, root: &Path, work: &Path, dump_to: Option<&Path>) -> Result<(), String> {
        let reset = work.join("reset.rules");
        let mut script = format!(
            "set -e\niptables-restore < '{r}'\nip6tables-restore < '{r}'\n\
             for t in iptables-save ip6tables-save; do\n\
               if $t | grep -qE '^(-A|:[^ ]+ -)'; then echo \"$t: tables not empty after the reset\" >&2; exit 97; fi\n\
             done\n",
            r = reset.display()
        );
        let shown = root.display();
        match rs.backend {
            Backend::Iptables => {
                let _ = write!(
                    script,
                    "iptables-restore < '{shown}/etc/iptables/rules.v4'\n\
                     ip6tables-restore < '{shown}/etc/iptables/rules.v6'\n"
                );
            }
            Backend::Ufw => {
                // ufw-init prints nothing when it succeeds ("Firewall already started" would
                // mean the reset missed its chains).
                let _ = write!(
                    script,
                    "if ! out=$({UFW_INIT} --datadir '{shown}' start 2>&1); then\n\
                       echo \"ufw-init failed: $out\" >&2; exit 98\n\
                     fi\n\
                     if [ -n \"$out\" ]; then echo \"ufw-init: $out\" >&2; exit 98; fi\n"
                );
            }
            Backend::Firewalld => {}
        }
        let mut cmd = Command::new("ip");
        cmd.args(["netns", "exec", &self.srv, "sh", "-c", &script]);
        let out = run(cmd, None);
        if !out.status.success() {
            return Err(format!("loading failed ({}):\n{}{}", out.status, out.stdout(), out.stderr()));
        }
        if rs.backend == Backend::Firewalld {
            if self.firewalld.is_none() {
                self.firewalld = Some(Firewalld::start(&self.srv, &work.join("firewalld"))?);
            }
            let fwd = self.firewalld.as_mut().ok_or("no firewalld")?;
            let how = fwd.load(&root.join("etc/firewalld"))?;
            if let Some(dir) = dump_to {
                let first: String = how.lines().next().unwrap_or("").chars().take(300).collect();
                let _ = fs::write(dir.join("firewalld"), format!("{first}\n"));
            }
        } else {
            // Its table would stay behind and filter the next ruleset's connections.
            self.firewalld = None;
        }
        if let Some(dir) = dump_to {
            let d = dir.display();
            let dump = format!(
                "iptables-save > '{d}/loaded.v4'\nip6tables-save > '{d}/loaded.v6'\nnft list ruleset > '{d}/loaded.nft'\n"
            );
            let mut cmd = Command::new("ip");
            cmd.args(["netns", "exec", &self.srv, "sh", "-c", &dump]);
            run(cmd, None);
        }
        Ok(())
    }

    /// One connection per probe, in rounds (see [`rounds`]); the client namespaces run a round
    /// at the same time, as they share no neighbour entry. Before every round the server aborts
    /// what earlier rounds left (nothing of theirs may send a packet later) and every namespace
    /// forgets its IPv6 neighbours, so each IPv6 source starts neighbour discovery afresh, as a
    /// client does that has not talked to the server lately.
    fn probe(&mut self, probes: &[Probe]) -> Result<Vec<Kernel>, String> {
        let schedule = rounds(probes);
        let mut results: Vec<Option<Kernel>> = probes.iter().map(|_| None).collect();
        let last = schedule.iter().map(|&(_, r)| r).max().unwrap_or(0);
        for round in 0..=last {
            let ports = self.listening.clone();
            self.listen(&ports)?;
            self.flush_neighbours()?;
            let mut asked: Vec<(&str, Vec<usize>)> = Vec::new();
            for tag in [CLI, CL2, RCL] {
                let batch: Vec<usize> = (0..probes.len()).filter(|&i| schedule[i] == (tag, round)).collect();
                if batch.is_empty() {
                    continue;
                }
                let list: Vec<Value> = batch
                    .iter()
                    .map(|&i| &probes[i])
                    .map(|p| serde_json::json!([p.src, if p.v6 { SERVER_V6 } else { SERVER_V4 }, p.port]))
                    .collect();
                let request = serde_json::json!({ "timeout": CONNECT_WAIT_SECS, "probes": list }).to_string();
                self.agent(tag)?.send(&request)?;
                asked.push((tag, batch));
            }
            for (tag, batch) in asked {
                let answer = self.agent(tag)?.answer(Duration::from_secs(20))?;
                let parsed: Vec<(String, String)> = serde_json::from_str(&answer)
                    .map_err(|e| format!("client agent {tag} answered `{answer}`: {e}"))?;
                if parsed.len() != batch.len() {
                    return Err(format!(
                        "client agent {tag} answered {} results for {} probes",
                        parsed.len(),
                        batch.len()
                    ));
                }
                for (i, (outcome, detail)) in batch.into_iter().zip(parsed) {
                    results[i] = Some(Kernel { outcome, detail });
                }
            }
        }
        results.into_iter().enumerate().map(|(i, k)| k.ok_or_else(|| format!("probe {i} was not run"))).collect()
    }
}

/// Which client namespace runs each probe, and in which round: IPv4 probes all in the first
/// round, each IPv6 source of a namespace in a round of its own. A client resolves the server
/// once per neighbour entry, with the source address of whichever packet asked first, so two
/// IPv6 sources of one namespace in one round would share one neighbour discovery, and which
/// source it carried would depend on the order. (Today every IPv6 source has a namespace of its
/// own, so there is one round.)
fn rounds(probes: &[Probe]) -> Vec<(&'static str, usize)> {
    let mut v6: Vec<(&str, &str)> = Vec::new();
    probes
        .iter()
        .map(|p| {
            if !p.v6 {
                return (p.client, 0);
            }
            if !v6.contains(&(p.client, p.src)) {
                v6.push((p.client, p.src));
            }
            let round = v6.iter().filter(|(c, _)| *c == p.client).position(|&(_, s)| s == p.src).unwrap_or(0);
            (p.client, round)
        })
        .collect()
}

impl Drop for Lab {
    fn drop(&mut self) {
        drop(self.firewalld.take());
        drop(self.server.take());
        self.clients.clear();
        for ns in self.namespaces.drain(..).rev() {
            if let Err(e) = ip(&["netns", "del", &ns]) {
                eprintln!("behaviour_firewall: cleanup: {e}");
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// firewalld in the server namespace

const FIREWALLD: &str = "/usr/sbin/firewalld";
const FIREWALLD_STOCK: &str = "/usr/lib/firewalld";

/// Why firewalld trees cannot be loaded here, if they cannot.
fn firewalld_missing() -> Option<String> {
    for tool in [FIREWALLD, "/usr/bin/firewall-cmd", "/usr/bin/dbus-daemon", "/usr/sbin/nft"] {
        if !Path::new(tool).is_file() {
            return Some(format!("`{tool}` is missing (firewalld, dbus or nftables is not installed)"));
        }
    }
    if !Path::new(FIREWALLD_STOCK).join("zones").is_dir() {
        return Some(format!("{FIREWALLD_STOCK}/zones is missing"));
    }
    None
}

/// firewalld 1.3 running in the server namespace, on a private system bus of its own (a
/// `dbus-daemon` with an allow-all policy and no polkit, so `firewall-cmd` as root is allowed).
/// It is started once with `--system-config DIR/cur`, where `cur` is a symlink; each tree is
/// loaded by pointing the link at the tree's `etc/firewalld` and `firewall-cmd --reload`, which
/// resolves the path afresh (0.2–0.4 s, against 0.3–0.6 s for a start). A reload that fails, or
/// leaves the state other than `running`, does not give what a boot with that tree gives (the
/// stock fallback): the daemon is then killed and started again, after deleting its table (a new
/// firewalld deletes `inet firewalld` only if it created it itself, and would otherwise merge its
/// rules into the stale chains). Facts from `docs/research/firewalld-1.3.3.md`, section 3.
struct Firewalld {
    srv: String,
    dir: PathBuf,
    bus_address: String,
    bus: Child,
    daemon: Option<Child>,
    /// Daemon starts, for the log file names.
    starts: usize,
}

impl Firewalld {
    fn start(srv: &str, dir: &Path) -> Result<Firewalld, String> {
        fs::create_dir_all(dir).map_err(|e| format!("mkdir {}: {e}", dir.display()))?;
        let socket = dir.join("bus.sock");
        let config = dir.join("dbus.conf");
        let policy: String = ["method_call", "signal", "method_return", "error"]
            .iter()
            .map(|t| format!("    <allow send_type=\"{t}\"/>\n    <allow receive_type=\"{t}\"/>\n"))
            .collect();
        let text = format!(
            "<!DOCTYPE busconfig PUBLIC \"-//freedesktop//DTD D-BUS Bus Configuration 1.0//EN\"\n \
             \"http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd\">\n<busconfig>\n  <type>system</type>\n  \
             <listen>unix:path={}</listen>\n  <auth>EXTERNAL</auth>\n  <policy context=\"default\">\n    \
             <allow user=\"*\"/>\n    <allow own=\"*\"/>\n{policy}  </policy>\n</busconfig>\n",
            socket.display()
        );
        fs::write(&config, text).map_err(|e| format!("write {}: {e}", config.display()))?;
        let log = fs::File::create(dir.join("dbus.log")).map_err(|e| format!("dbus.log: {e}"))?;
        let bus = Command::new("dbus-daemon")
            .arg(format!("--config-file={}", config.display()))
            .args(["--nofork", "--nopidfile"])
            .stdin(Stdio::null())
            .stdout(log.try_clone().map_err(|e| e.to_string())?)
            .stderr(log)
            .spawn()
            .map_err(|e| format!("dbus-daemon: {e}"))?;
        let fwd = Firewalld {
            srv: srv.to_string(),
            dir: dir.to_path_buf(),
            bus_address: format!("unix:path={}", socket.display()),
            bus,
            daemon: None,
            starts: 0,
        };
        let deadline = Instant::now() + Duration::from_secs(10);
        while !socket.exists() {
            if Instant::now() > deadline {
                return Err(format!("dbus-daemon did not create {} (see dbus.log)", socket.display()));
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        Ok(fwd)
    }

    fn cmd(&self, args: &[&str]) -> (bool, String) {
        match Command::new("firewall-cmd").args(args).env("DBUS_SYSTEM_BUS_ADDRESS", &self.bus_address).output() {
            Ok(o) => (
                o.status.success(),
                format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr)).trim().into(),
            ),
            Err(e) => (false, format!("firewall-cmd: {e}")),
        }
    }

    fn state(&self) -> String {
        self.cmd(&["--state"]).1
    }

    /// Start the daemon on `cur` and wait until it answers `running`, or `failed` (it fell back
    /// to its stock configuration, as at boot).
    fn spawn(&mut self) -> Result<(), String> {
        self.starts += 1;
        let log = fs::File::create(self.dir.join(format!("firewalld-{}.log", self.starts)))
            .map_err(|e| format!("firewalld log: {e}"))?;
        let child = Command::new("ip")
            .args(["netns", "exec", &self.srv, FIREWALLD, "--nofork", "--nopid", "--log-target=console"])
            .arg(format!("--system-config={}", self.dir.join("cur").display()))
            .arg(format!("--default-config={FIREWALLD_STOCK}"))
            .env("DBUS_SYSTEM_BUS_ADDRESS", &self.bus_address)
            .stdin(Stdio::null())
            .stdout(log.try_clone().map_err(|e| e.to_string())?)
            .stderr(log)
            .spawn()
            .map_err(|e| format!("firewalld: {e}"))?;
        self.daemon = Some(child);
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let state = self.state();
            if state == "running" || state == "failed" {
                return Ok(());
            }
            if let Some(Ok(Some(status))) = self.daemon.as_mut().map(Child::try_wait) {
                return Err(format!(
                    "firewalld exited ({status}) before answering; see its log in {}",
                    self.dir.display()
                ));
            }
            if Instant::now() > deadline {
                return Err(format!("firewalld did not come up in 30 s (state `{state}`)"));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn kill(&mut self) {
        if let Some(mut child) = self.daemon.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
        let _ = Command::new("ip")
            .args(["netns", "exec", &self.srv, "nft", "delete", "table", "inet", "firewalld"])
            .output();
    }

    /// Make the daemon run `tree` as it would after a boot with it; say how it got there.
    fn load(&mut self, tree: &Path) -> Result<String, String> {
        let link = self.dir.join("cur");
        let tmp = self.dir.join("cur.new");
        let _ = fs::remove_file(&tmp);
        std::os::unix::fs::symlink(tree, &tmp).map_err(|e| format!("symlink: {e}"))?;
        fs::rename(&tmp, &link).map_err(|e| format!("rename {}: {e}", link.display()))?;
        if self.daemon.is_some() {
            let (ok, out) = self.cmd(&["--reload"]);
            let state = self.state();
            if ok && state == "running" {
                return Ok("reload".to_string());
            }
            self.kill();
            self.spawn()?;
            return Ok(format!("restart (reload: `{out}`, state `{state}`), then `{}`", self.state()));
        }
        self.spawn()?;
        Ok(format!("start, then `{}`", self.state()))
    }
}

/// Stops the daemon (its table goes with it) and the bus.
impl Drop for Firewalld {
    fn drop(&mut self) {
        self.kill();
        let _ = self.bus.kill();
        let _ = self.bus.wait();
    }
}

// ---------------------------------------------------------------------------------------------
// Rulesets

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Backend {
    Iptables,
    Ufw,
    /// `etc/firewalld`: the system configuration of firewalld 1.3 running in the server
    /// namespace (see [`Firewalld`]).
    Firewalld,
}

struct Ruleset {
    name: String,
    /// The fixture directory, for corpus cases.
    fixture: Option<PathBuf>,
    backend: Backend,
    /// Files of the host root (relative path, contents with [`IFACE_PLACEHOLDER`] and
    /// [`IFACE2_PLACEHOLDER`]).
    files: Vec<(PathBuf, Vec<u8>)>,
    /// Ports the client connects to.
    ports: Vec<u16>,
    /// Ports sshd listens on (its `Port` lines).
    listen: Vec<u16>,
    /// Generated with a state-dependent match (recent, limit, …) somewhere.
    stateful: bool,
    /// (source, port) patterns (`*` for any) where sshlint must answer `conditional`: the
    /// fixture's `conditional` file.
    must_be_conditional: Vec<(String, String)>,
}

struct Probe {
    src: &'static str,
    port: u16,
    v6: bool,
    via: Via,
    /// The client namespace's tag.
    client: &'static str,
}

impl Ruleset {
    fn must_be_conditional(&self, p: &Probe) -> bool {
        let port = p.port.to_string();
        self.must_be_conditional.iter().any(|(s, n)| (s == "*" || s == p.src) && (n == "*" || *n == port))
    }

    fn probes(&self) -> Vec<Probe> {
        SOURCES
            .iter()
            .flat_map(|&(src, via, client)| {
                self.ports.iter().map(move |&port| Probe { src, port, v6: src.contains(':'), via, client })
            })
            .collect()
    }

    /// Write the host root with the interface names filled in.
    fn materialize(&self, root: &Path, ifaces: &Ifaces) {
        for (rel, bytes) in &self.files {
            let path = root.join(rel);
            if let Some(parent) = path.parent() {
                fs::create_dir_all(parent).unwrap_or_else(|e| panic!("mkdir {}: {e}", parent.display()));
            }
            let bytes = match std::str::from_utf8(bytes) {
                Ok(text) => text
                    .replace(IFACE_PLACEHOLDER, &ifaces.link)
                    .replace(IFACE2_PLACEHOLDER, &ifaces.router)
                    .into_bytes(),
                Err(_) => bytes.clone(),
            };
            fs::write(&path, bytes).unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
        }
    }
}

/// The server's interface names: where on-link and where routed connections arrive.
struct Ifaces {
    link: String,
    router: String,
}

impl Ifaces {
    fn of(&self, via: Via) -> &str {
        match via {
            Via::Link => &self.link,
            Via::Router => &self.router,
        }
    }
}

fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/behaviour")
}

fn read_tree(dir: &Path, rel: &Path, out: &mut Vec<(PathBuf, Vec<u8>)>) {
    let mut entries: Vec<_> = fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("read {}: {e}", dir.display()))
        .filter_map(Result::ok)
        .map(|e| e.path())
        .collect();
    entries.sort();
    for p in entries {
        let name = rel.join(p.file_name().unwrap_or_default());
        if p.is_dir() {
            read_tree(&p, &name, out);
        } else {
            out.push((name, fs::read(&p).unwrap_or_else(|e| panic!("read {}: {e}", p.display()))));
        }
    }
}

fn numbers(text: &str) -> Vec<u16> {
    text.lines()
        .map(|l| l.split('#').next().unwrap_or(""))
        .flat_map(str::split_whitespace)
        .map(|w| w.parse().unwrap_or_else(|_| panic!("not a port number: {w:?}")))
        .collect()
}

/// `Port N` lines of an sshd_config (the fixtures keep them simple).
fn sshd_ports(config: &str) -> Vec<u16> {
    config
        .lines()
        .filter_map(|l| {
            let mut w = l.split_whitespace();
            (w.next()?.eq_ignore_ascii_case("port")).then(|| w.next()?.parse().ok())?
        })
        .collect()
}

fn load_fixture(dir: &Path) -> Ruleset {
    let name = dir.file_name().unwrap_or_default().to_string_lossy().into_owned();
    let etc = dir.join("etc");
    let backend = if etc.join("ufw/ufw.conf").is_file() {
        Backend::Ufw
    } else if etc.join("firewalld/firewalld.conf").is_file() {
        Backend::Firewalld
    } else if etc.join("iptables/rules.v4").is_file() && etc.join("iptables/rules.v6").is_file() {
        Backend::Iptables
    } else {
        panic!(
            "{}: none of etc/ufw/ufw.conf, etc/firewalld/firewalld.conf, etc/iptables/rules.v4 + rules.v6 \
             (run SSHLINT_BLESS=1?)",
            dir.display()
        )
    };
    let mut files = Vec::new();
    read_tree(&etc, Path::new("etc"), &mut files);
    let config = fs::read_to_string(etc.join("ssh/sshd_config"))
        .unwrap_or_else(|e| panic!("{}: etc/ssh/sshd_config: {e}", dir.display()));
    let listen = sshd_ports(&config);
    assert!(!listen.is_empty(), "{}: sshd_config has no Port line", dir.display());
    let ports = match fs::read_to_string(dir.join("ports")) {
        Ok(text) => numbers(&text),
        Err(_) => listen.clone(),
    };
    let must_be_conditional = fs::read_to_string(dir.join("conditional"))
        .unwrap_or_default()
        .lines()
        .map(|l| l.split('#').next().unwrap_or(""))
        .filter_map(|l| {
            let mut w = l.split_whitespace();
            Some((w.next()?.to_string(), w.next()?.to_string()))
        })
        .collect::<Vec<_>>();
    Ruleset {
        name,
        fixture: Some(dir.to_path_buf()),
        backend,
        files,
        ports,
        listen,
        stateful: !must_be_conditional.is_empty(),
        must_be_conditional,
    }
}

fn fixture_dirs() -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = fs::read_dir(fixtures_dir())
        .map(|rd| rd.filter_map(Result::ok).map(|e| e.path()).filter(|p| p.is_dir()).collect())
        .unwrap_or_default();
    dirs.sort();
    dirs
}

// --- the fixtures' recorded kernel outcomes ----------------------------------------------------

fn expected_text(rs: &Ruleset, kernel: &[Kernel]) -> String {
    let mut t = String::from(
        "# Kernel outcome per connection (source port outcome detail), recorded by\n\
         # SSHLINT_BLESS=1 cargo test --test behaviour_firewall; checked on every run.\n",
    );
    for (p, k) in rs.probes().iter().zip(kernel) {
        let detail = if k.outcome == "connected" { "-" } else { k.detail.as_str() };
        let _ = writeln!(t, "{} {} {} {detail}", p.src, p.port, k.outcome);
    }
    t
}

// --- ufw trees, rebuilt with the real ufw CLI (SSHLINT_BLESS=1) ---------------------------------

/// The md5 dpkg recorded for one of ufw's conffiles.
fn dpkg_conffile_md5(path: &str) -> Option<String> {
    let out = Command::new("dpkg-query").args(["-W", "-f=${Conffiles}\n", "ufw"]).output().ok()?;
    String::from_utf8_lossy(&out.stdout).lines().find_map(|l| {
        let mut w = l.split_whitespace();
        (w.next()? == path).then(|| w.next().map(str::to_string))?
    })
}

fn md5(path: &str) -> String {
    let out = Command::new("md5sum").arg(path).output().unwrap_or_else(|e| panic!("md5sum: {e}"));
    String::from_utf8_lossy(&out.stdout).split_whitespace().next().unwrap_or("").to_string()
}

/// Seed a pristine tree as ufw's package installs it, run the fixture's `ufw-commands` with the
/// real CLI (`ufw --rootdir=/ --datadir=TREE`) and `ufw --force enable`, all inside `unshare -n
/// -m` with the host's ufw files bind-mounted read-only, then copy the result into the fixture.
fn rebuild_ufw_fixture(dir: &Path, scratch: &Path) {
    let commands = fs::read_to_string(dir.join("ufw-commands")).unwrap_or_default();
    let tree = scratch.join(dir.file_name().unwrap_or_default());
    let _ = fs::remove_dir_all(&tree);
    for d in ["etc/ufw/applications.d", "etc/default", "lib/ufw"] {
        fs::create_dir_all(tree.join(d)).unwrap_or_else(|e| panic!("mkdir: {e}"));
    }
    for conffile in ["/etc/default/ufw", "/etc/ufw/sysctl.conf"] {
        let want = dpkg_conffile_md5(conffile);
        assert_eq!(want.as_deref(), Some(md5(conffile).as_str()), "{conffile} differs from the packaged version");
        fs::copy(conffile, tree.join(&conffile[1..])).unwrap_or_else(|e| panic!("copy {conffile}: {e}"));
    }
    for f in ["before.rules", "before6.rules", "after.rules", "after6.rules", "user.rules", "user6.rules"] {
        fs::copy(Path::new("/usr/share/ufw/iptables").join(f), tree.join("etc/ufw").join(f))
            .unwrap_or_else(|e| panic!("copy /usr/share/ufw/iptables/{f}: {e}"));
    }
    fs::copy("/usr/share/ufw/ufw.conf", tree.join("etc/ufw/ufw.conf")).unwrap_or_else(|e| panic!("copy ufw.conf: {e}"));
    let mut script = String::from(
        "set -e\nfor p in /etc/ufw /etc/default/ufw /lib/ufw /usr/share/ufw; do\n\
         mount --bind \"$p\" \"$p\"; mount -o remount,bind,ro \"$p\"; done\n",
    );
    for line in commands.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#')) {
        if let Some(rest) = line.strip_prefix("set ") {
            // `set FILE KEY=VALUE`: no ufw command sets it (IPV6=…)
            let (file, assignment) = rest.split_once(' ').expect("set FILE KEY=VALUE");
            let key = assignment.split('=').next().unwrap_or("");
            let path = tree.join(file);
            let text = fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            assert!(text.lines().any(|l| l.starts_with(&format!("{key}="))), "{}: no {key}= line", path.display());
            let new: Vec<String> = text
                .lines()
                .map(|l| if l.starts_with(&format!("{key}=")) { assignment.to_string() } else { l.to_string() })
                .collect();
            fs::write(&path, new.join("\n") + "\n").unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        } else {
            let _ = writeln!(script, "ufw --rootdir=/ --datadir=\"$1\" {line}");
        }
    }
    script.push_str("ufw --rootdir=/ --datadir=\"$1\" --force enable\n");
    let out = Command::new("unshare")
        .args(["-n", "-m", "--propagation", "private", "sh", "-c", &script, "sh"])
        .arg(&tree)
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .output()
        .expect("run unshare");
    assert!(
        out.status.success(),
        "{}: ufw failed:\n{}{}",
        dir.display(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    for f in ["ufw/ufw.conf", "ufw/before.rules", "ufw/before6.rules", "ufw/after.rules", "ufw/after6.rules"]
        .into_iter()
        .chain(["ufw/user.rules", "ufw/user6.rules", "default/ufw"])
    {
        let to = dir.join("etc").join(f);
        fs::create_dir_all(to.parent().unwrap_or(dir)).unwrap_or_else(|e| panic!("mkdir: {e}"));
        fs::copy(tree.join("etc").join(f), &to).unwrap_or_else(|e| panic!("copy {f}: {e}"));
    }
    let conf = fs::read_to_string(dir.join("etc/ufw/ufw.conf")).unwrap_or_default();
    assert!(conf.lines().any(|l| l == "ENABLED=yes"), "{}: `ufw enable` did not set ENABLED=yes", dir.display());
}

// ---------------------------------------------------------------------------------------------
// The generator

const V4_SOURCES: &[&str] = &[
    "192.0.2.0/24",
    "192.0.2.0/25",
    "192.0.2.128/25",
    "192.0.2.10",
    "198.51.100.7/32",
    "198.51.100.0/24",
    "203.0.113.0/24",
    "0.0.0.0/0",
];
const V6_SOURCES: &[&str] =
    &["2001:db8::/32", "2001:db8::10", "2001:db8::/120", "2001:db8::be00/120", "2001:db8:1::/48", "::/0"];
const V4_DESTS: &[&str] = &["192.0.2.1", "192.0.2.0/24", "198.51.100.1", "203.0.113.1", "127.0.0.1"];
const V6_DESTS: &[&str] = &["2001:db8::1", "2001:db8::/64", "2001:db8:1::1", "::1"];
const IFACES: &[&str] =
    &["-i @IFACE@", "-i lo", "-i eth9", "! -i lo", "! -i @IFACE@", "-i vb+", "-i eth+", "-i @IFACE2@", "! -i @IFACE2@"];
/// ICMPv6 types for the neighbour-discovery rules, by number and by every name ip6tables knows.
const ICMPV6_TYPES: &[&str] = &[
    "135",
    "neighbour-solicitation",
    "neighbor-solicitation",
    "136",
    "neighbour-advertisement",
    "neighbor-advertisement",
    "128",
    "echo-request",
    "134",
    "router-advertisement",
];
const CHAINS: &[&str] = &["ssh-guard", "admin-in", "blocklist", "log-drop"];

struct Gen {
    ports: [u16; 3],
    /// Rules may use state-dependent matches.
    stateful: bool,
    /// Rules may match on the destination address.
    dst: bool,
    serial: usize,
    used_state: bool,
}

impl Gen {
    fn port(&mut self, rng: &mut Rng) -> u16 {
        self.ports[rng.below(3)]
    }

    /// A `--dport`/`--sport` value: mostly a candidate port, sometimes a name, a range or a port
    /// nobody listens on.
    fn port_spec(&mut self, rng: &mut Rng) -> String {
        match rng.below(10) {
            0..=4 => self.port(rng).to_string(),
            5 => "ssh".to_string(),
            6 => {
                let p = self.port(rng);
                let lo = p.saturating_sub(rng.below(50) as u16).max(1);
                let hi = p.saturating_add(rng.below(50) as u16);
                format!("{lo}:{hi}")
            }
            7 => rng.pick(&[":1024", "1024:", "2000:3000", "1:21", "23:2221"]).to_string(),
            _ => rng.pick(&["80", "443", "8080", "53"]).to_string(),
        }
    }

    fn multiport(&mut self, rng: &mut Rng) -> String {
        let n = 1 + rng.below(3);
        let mut items: Vec<String> = Vec::new();
        for _ in 0..n {
            let item = match rng.below(4) {
                0 | 1 => self.port(rng).to_string(),
                2 => rng.pick(&["80", "443", "8000:9000"]).to_string(),
                _ => rng.pick(&["2000:2300", "1:1024", "ssh"]).to_string(),
            };
            if !items.contains(&item) {
                items.push(item);
            }
        }
        let neg = if rng.percent(15) { "! " } else { "" };
        let opt = rng.pick(&["--dports", "--dports", "--ports"]);
        format!("-m multiport {neg}{opt} {}", items.join(","))
    }

    fn address(&mut self, rng: &mut Rng, v6: bool, out: &mut Vec<String>) {
        if rng.percent(25) {
            let a = rng.pick(if v6 { V6_SOURCES } else { V4_SOURCES });
            // iptables-nft refuses `! -s 0.0.0.0/0` at commit (RULE_APPEND: Invalid argument)
            let neg = if rng.percent(25) && !a.ends_with("/0") { "! " } else { "" };
            out.push(format!("{neg}-s {a}"));
        }
        if self.dst && rng.percent(30) {
            let neg = if rng.percent(25) { "! " } else { "" };
            let a = rng.pick(if v6 { V6_DESTS } else { V4_DESTS });
            out.push(format!("{neg}-d {a}"));
        }
    }

    /// Matches for one rule; the flag says whether the rule is `-p tcp`.
    fn matches(&mut self, rng: &mut Rng, v6: bool, filter: bool) -> (Vec<String>, bool) {
        let mut m = Vec::new();
        if rng.percent(12) {
            m.push(rng.pick(IFACES).to_string());
        }
        self.address(rng, v6, &mut m);
        let roll = rng.below(100);
        let tcp = roll < 62;
        if tcp {
            m.push("-p tcp".to_string());
            let mut opts = Vec::new();
            let mut mp = None;
            if rng.percent(70) {
                if rng.percent(15) {
                    mp = Some(self.multiport(rng));
                } else {
                    let neg = if rng.percent(12) { "! " } else { "" };
                    opts.push(format!("{neg}--dport {}", self.port_spec(rng)));
                }
            }
            if rng.percent(12) {
                opts.push(
                    rng.pick(&["--syn", "! --syn", "--tcp-flags FIN,SYN,RST,ACK SYN", "--tcp-flags SYN,ACK ACK"])
                        .to_string(),
                );
            }
            if rng.percent(5) {
                opts.push(rng.pick(&["--sport 1024:65535", "--sport 1:1023", "! --sport 1:1023"]).to_string());
            }
            if !opts.is_empty() {
                if rng.percent(60) {
                    m.push("-m tcp".to_string());
                }
                m.extend(opts);
            }
            m.extend(mp);
        } else if roll < 70 {
            m.push("-p udp".to_string());
            if rng.percent(60) {
                m.push(format!("-m udp --dport {}", rng.pick(&["22", "53", "2222"])));
            }
        } else if roll < 76 {
            m.push(
                if v6 { "-p ipv6-icmp -m icmp6 --icmpv6-type 128" } else { "-p icmp -m icmp --icmp-type 8" }
                    .to_string(),
            );
        }
        if rng.percent(8) {
            let r = if v6 {
                rng.pick(&[
                    "--src-range 2001:db8::1-2001:db8::ff",
                    "! --src-range 2001:db8::1-2001:db8::ff",
                    "--src-range 2001:db8::1000-2001:db8::ffff",
                ])
            } else {
                rng.pick(&[
                    "--src-range 192.0.2.1-192.0.2.100",
                    "! --src-range 192.0.2.1-192.0.2.100",
                    "--src-range 198.51.100.0-198.51.100.10",
                ])
            };
            m.push(format!("-m iprange {r}"));
            if self.dst && rng.percent(30) {
                m.push(
                    if v6 { "--dst-range 2001:db8::1-2001:db8::1" } else { "--dst-range 192.0.2.1-192.0.2.1" }
                        .to_string(),
                );
            }
        }
        if filter && rng.percent(15) {
            m.push(
                rng.pick(&[
                    "-m conntrack --ctstate NEW",
                    "-m conntrack --ctstate ESTABLISHED",
                    "-m conntrack --ctstate RELATED,ESTABLISHED",
                    "-m conntrack --ctstate INVALID",
                    "-m conntrack ! --ctstate INVALID",
                    "-m conntrack --ctstate NEW,ESTABLISHED",
                    "-m state --state NEW",
                    "-m state --state ESTABLISHED,RELATED",
                ])
                .to_string(),
            );
        }
        if rng.percent(6) {
            let t = if v6 {
                rng.pick(&["--dst-type LOCAL", "! --dst-type LOCAL", "--dst-type MULTICAST", "--dst-type UNICAST"])
            } else {
                rng.pick(&[
                    "--dst-type LOCAL",
                    "! --dst-type LOCAL",
                    "--dst-type BROADCAST",
                    "--dst-type UNICAST",
                    "--src-type LOCAL",
                ])
            };
            m.push(format!("-m addrtype {t}"));
        }
        if rng.percent(8) {
            self.serial += 1;
            m.push(if rng.percent(50) {
                format!("-m comment --comment \"generated rule {}\"", self.serial)
            } else {
                format!("-m comment --comment gen-{}", self.serial)
            });
        }
        if filter && self.stateful && rng.percent(15) {
            self.serial += 1;
            self.used_state = true;
            let n = self.serial;
            m.push(match rng.below(9) {
                0 => format!("-m recent --rcheck --seconds 60 --name GEN{n}"),
                1 => "-m recent --set --name GEN".to_string(),
                2 => "-m recent --update --seconds 30 --hitcount 3 --name GEN".to_string(),
                3 => "-m limit --limit 1/min --limit-burst 1".to_string(),
                4 => format!(
                    "-m hashlimit --hashlimit-upto 1/min --hashlimit-burst 1 --hashlimit-mode srcip \
                     --hashlimit-name gen{n}"
                ),
                5 => "-m connlimit --connlimit-above 1".to_string(),
                6 => "-m statistic --mode random --probability 0.5".to_string(),
                7 => "-m mark --mark 0x1/0xff".to_string(),
                _ => "-m connmark --mark 0x1".to_string(),
            });
        }
        (m, tcp)
    }

    fn reject(rng: &mut Rng, v6: bool, tcp: bool) -> String {
        if tcp && rng.percent(35) {
            return "-j REJECT --reject-with tcp-reset".to_string();
        }
        let with = if v6 {
            rng.pick(&[
                "",
                "icmp6-port-unreachable",
                "icmp6-adm-prohibited",
                "icmp6-no-route",
                "icmp6-addr-unreachable",
                "adm-prohibited",
            ])
        } else {
            rng.pick(&[
                "",
                "icmp-port-unreachable",
                "icmp-host-prohibited",
                "icmp-admin-prohibited",
                "icmp-net-unreachable",
                "icmp-host-unreachable",
                "icmp-net-prohibited",
                "icmp-proto-unreachable",
            ])
        };
        if with.is_empty() { "-j REJECT".to_string() } else { format!("-j REJECT --reject-with {with}") }
    }

    fn filter_target(rng: &mut Rng, v6: bool, tcp: bool, later: &[&str]) -> Option<String> {
        Some(match rng.below(100) {
            0..=24 => "-j ACCEPT".to_string(),
            25..=44 => "-j DROP".to_string(),
            45..=64 => Gen::reject(rng, v6, tcp),
            65..=71 => "-j RETURN".to_string(),
            72..=77 => rng.pick(&["-j LOG --log-prefix \"generated \"", "-j LOG --log-level 4"]).to_string(),
            78..=94 if !later.is_empty() => {
                format!("{} {}", if rng.percent(30) { "-g" } else { "-j" }, later[rng.below(later.len())])
            }
            78..=94 => "-j ACCEPT".to_string(),
            _ => return None,
        })
    }

    fn family(&mut self, rng: &mut Rng, v6: bool) -> String {
        let mut t = String::new();
        if rng.percent(40) {
            let tool = if v6 { "ip6tables-save" } else { "iptables-save" };
            let _ = writeln!(t, "# Generated by {tool} v1.8.9 (nf_tables)");
        }
        if rng.percent(10) {
            t.push_str("*raw\n:PREROUTING ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n");
            for _ in 0..1 + rng.below(2) {
                let mut m = Vec::new();
                self.address(rng, v6, &mut m);
                if v6 && rng.percent(20) {
                    m.push(format!("-p {}", rng.pick(&["ipv6-icmp", "icmpv6 --icmpv6-type 135"])));
                } else if rng.percent(50) {
                    m.push(format!("-p tcp -m tcp --dport {}", self.port_spec(rng)));
                }
                let target = rng.pick(&["-j DROP", "-j DROP", "-j ACCEPT"]);
                let line = ["-A PREROUTING".to_string()].into_iter().chain(m).chain([target.to_string()]);
                let _ = writeln!(t, "{}", line.collect::<Vec<_>>().join(" "));
            }
            t.push_str("COMMIT\n");
        }
        if rng.percent(10) {
            t.push_str(
                "*mangle\n:PREROUTING ACCEPT [0:0]\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n\
                 :OUTPUT ACCEPT [0:0]\n:POSTROUTING ACCEPT [0:0]\n",
            );
            for _ in 0..1 + rng.below(3) {
                let chain = rng.pick(&["PREROUTING", "INPUT"]);
                let (m, _) = self.matches(rng, v6, false);
                let target = rng.pick(&["-j DROP", "-j ACCEPT", "-j RETURN"]);
                let line = [format!("-A {chain}")].into_iter().chain(m).chain([target.to_string()]).collect::<Vec<_>>();
                let _ = writeln!(t, "{}", line.join(" "));
            }
            t.push_str("COMMIT\n");
        }
        if rng.percent(15) {
            t.push_str(
                "*nat\n:PREROUTING ACCEPT [0:0]\n:INPUT ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n\
                 :POSTROUTING ACCEPT [0:0]\n",
            );
            for _ in 0..1 + rng.below(2) {
                let from = rng.below(3);
                let to = (from + 1 + rng.below(2)) % 3;
                let mut m = Vec::new();
                self.address(rng, v6, &mut m);
                let _ = writeln!(
                    t,
                    "-A PREROUTING {}-p tcp -m tcp --dport {} -j REDIRECT --to-ports {}",
                    m.iter().map(|s| format!("{s} ")).collect::<String>(),
                    self.ports[from],
                    self.ports[to]
                );
            }
            t.push_str("COMMIT\n");
        }
        t.push_str("*filter\n");
        let policy = if rng.percent(45) { "ACCEPT" } else { "DROP" };
        // Sometimes OUTPUT is closed too: sshd's replies and REJECT's answers need their own way out.
        let output = rng.percent(20);
        let _ = writeln!(
            t,
            ":INPUT {policy} [0:0]\n:FORWARD DROP [0:0]\n:OUTPUT {} [0:0]",
            if output { "DROP" } else { "ACCEPT" }
        );
        let chains = &CHAINS[..rng.below(CHAINS.len())];
        for c in chains {
            let _ = writeln!(t, ":{c} - [0:0]");
        }
        // INPUT first, then each user chain; a chain only jumps to chains after it (no loops).
        for k in 0..=chains.len() {
            let chain = if k == 0 { "INPUT" } else { chains[k - 1] };
            let later = &chains[k..];
            let mut lines: Vec<String> = Vec::new();
            for _ in 0..rng.below(13) {
                let (m, tcp) = self.matches(rng, v6, true);
                let target = Gen::filter_target(rng, v6, tcp, later);
                lines.push([format!("-A {chain}")].into_iter().chain(m).chain(target).collect::<Vec<_>>().join(" "));
            }
            // Without these, a DROP policy would nearly always drop neighbour discovery.
            if k == 0 && v6 && rng.percent(60) {
                for _ in 0..1 + rng.below(2) {
                    let at = rng.below(lines.len() + 1);
                    lines.insert(at, format!("-A INPUT {}", Gen::nd_rule(rng, false)));
                }
            }
            for line in lines {
                let _ = writeln!(t, "{line}");
            }
        }
        let mut lines: Vec<String> = Vec::new();
        if output {
            for _ in 0..rng.below(5) {
                lines.push(format!("-A OUTPUT {}", self.output_rule(rng, v6)));
            }
        }
        // A closed OUTPUT needs the neighbour advertisement let out; an open one may drop it.
        if v6 && rng.percent(if output { 55 } else { 8 }) {
            for _ in 0..1 + rng.below(2) {
                let at = rng.below(lines.len() + 1);
                lines.insert(at, format!("-A OUTPUT {}", Gen::nd_rule(rng, true)));
            }
        }
        for line in lines {
            let _ = writeln!(t, "{line}");
        }
        t.push_str("COMMIT\n");
        t
    }

    /// A rule about IPv6 neighbour discovery (or near it) for INPUT or OUTPUT: ICMPv6 spelled any
    /// way ip6tables accepts, with or without a type (number or name), a hop limit, a link-local
    /// or global address, or a conntrack state (neighbour discovery is UNTRACKED); or a conntrack
    /// state alone.
    fn nd_rule(rng: &mut Rng, output: bool) -> String {
        let mut m: Vec<String> = Vec::new();
        let addr = if output { "-d" } else { "-s" };
        if rng.percent(30) {
            let a = rng.pick(&["fe80::/10", "fe80::/10", "2001:db8::/32", "2001:db8::/64", "2001:db8:1::/48"]);
            let neg = if rng.percent(15) { "! " } else { "" };
            m.push(format!("{neg}{addr} {a}"));
        }
        if !output && rng.percent(8) {
            m.push("-d ff02::/16".to_string());
        }
        if rng.percent(85) {
            m.push(format!("-p {}", rng.pick(&["ipv6-icmp", "icmpv6", "58"])));
            if rng.percent(70) {
                let module = if rng.percent(40) { "-m icmp6 " } else { "" };
                let neg = if rng.percent(10) { "! " } else { "" };
                m.push(format!("{module}{neg}--icmpv6-type {}", rng.pick(ICMPV6_TYPES)));
            }
            if rng.percent(25) {
                m.push(
                    rng.pick(&["-m hl --hl-eq 255", "-m hl --hl-eq 255", "-m hl --hl-lt 255", "-m hl --hl-lt 64"])
                        .to_string(),
                );
            }
            if rng.percent(15) {
                m.push(
                    rng.pick(&[
                        "-m conntrack --ctstate UNTRACKED",
                        "-m conntrack --ctstate INVALID",
                        "-m conntrack --ctstate NEW",
                        "-m conntrack --ctstate RELATED,ESTABLISHED",
                    ])
                    .to_string(),
                );
            }
        } else {
            m.push(
                rng.pick(&[
                    "-m conntrack --ctstate UNTRACKED",
                    "-m conntrack --ctstate INVALID",
                    "-m conntrack ! --ctstate INVALID",
                    "-m state --state UNTRACKED",
                ])
                .to_string(),
            );
        }
        let target = if rng.percent(if output { 70 } else { 65 }) { "-j ACCEPT" } else { "-j DROP" };
        m.push(target.to_string());
        m.join(" ")
    }

    /// One rule for a closed OUTPUT chain: accepts of sshd's replies by state, port, flags or
    /// client address, of REJECT answers (RELATED, RST, ICMP), and drops.
    fn output_rule(&mut self, rng: &mut Rng, v6: bool) -> String {
        let client = rng.pick(if v6 { V6_SOURCES } else { V4_SOURCES });
        let port = self.ports[rng.below(3)];
        let icmp = if v6 { "ipv6-icmp" } else { "icmp" };
        match rng.below(10) {
            0 => "-m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT".to_string(),
            1 => "-p tcp -m state --state NEW,ESTABLISHED -j ACCEPT".to_string(),
            2 => format!("-p tcp -m tcp --sport {port} -j ACCEPT"),
            3 => format!("-p tcp -m tcp --sport {port} --tcp-flags SYN,ACK SYN,ACK -j ACCEPT"),
            4 => format!("-d {client} -j ACCEPT"),
            // iptables-nft refuses `! -d 0.0.0.0/0` at commit, as it does `! -s`.
            5 if !client.ends_with("/0") => format!("! -d {client} -p tcp -m tcp --sport {port} -j ACCEPT"),
            5 => format!("-d {client} -p tcp -m tcp --sport {port} -j ACCEPT"),
            6 => "-p tcp -m tcp --tcp-flags RST RST -j ACCEPT".to_string(),
            7 => format!("-p {icmp} -j ACCEPT"),
            8 => format!("-d {client} -j DROP"),
            _ => format!(
                "-p tcp -m multiport --sports {port},{} -m conntrack --ctstate ESTABLISHED -j ACCEPT",
                self.ports[0]
            ),
        }
    }
}

fn generate(rng: &mut Rng, index: usize) -> Ruleset {
    let extra = loop {
        let p = 1024 + rng.below(64000) as u16;
        if p != 2222 {
            break p;
        }
    };
    let mut g =
        Gen { ports: [22, 2222, extra], stateful: rng.percent(20), dst: rng.percent(10), serial: 0, used_state: false };
    let v4 = g.family(rng, false);
    let v6 = g.family(rng, true);
    let config = format!("# generated ruleset {index}\nPort 22\nPort 2222\nPort {extra}\n");
    Ruleset {
        name: format!("generated-{index:03}"),
        fixture: None,
        backend: Backend::Iptables,
        files: vec![
            (PathBuf::from("etc/ssh/sshd_config"), config.into_bytes()),
            (PathBuf::from("etc/iptables/rules.v4"), v4.into_bytes()),
            (PathBuf::from("etc/iptables/rules.v6"), v6.into_bytes()),
        ],
        ports: g.ports.to_vec(),
        listen: g.ports.to_vec(),
        stateful: g.used_state,
        must_be_conditional: Vec::new(),
    }
}

/// The ports of every generated firewalld tree: sshd listens on all three (2201 is the port of
/// the generator's own `mysvc` service, 2222 that of its `ssh.xml` override).
const FIREWALLD_PORTS: [u16; 3] = [22, 2222, 2201];

/// `n` firewalld system-config trees from `tools/firewalld/gen_trees.py --lab` (zones bound to
/// the lab's sources and interface placeholders, rich rules, service overrides, policies, and
/// about one tree in eight with a defect that makes firewalld fall back to its stock setup).
fn generate_firewalld(python: &Path, seed: u64, n: usize, scratch: &Path) -> Vec<Ruleset> {
    if n == 0 {
        return Vec::new();
    }
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tools/firewalld/gen_trees.py");
    let out = Command::new(python)
        .arg(&script)
        .args([seed.to_string(), n.to_string()])
        .arg(scratch)
        .arg("--lab")
        .output()
        .unwrap_or_else(|e| panic!("{}: {e}", script.display()));
    assert!(out.status.success(), "gen_trees.py failed: {}", String::from_utf8_lossy(&out.stderr));
    let ports: Vec<String> = FIREWALLD_PORTS.iter().map(|p| format!("Port {p}\n")).collect();
    (0..n)
        .map(|i| {
            let tree = scratch.join(format!("t{i:04}"));
            let mut files = vec![(PathBuf::from("etc/ssh/sshd_config"), ports.concat().into_bytes())];
            read_tree(&tree, Path::new("etc/firewalld"), &mut files);
            let stateful = files.iter().any(|(_, b)| String::from_utf8_lossy(b).contains("<limit"));
            Ruleset {
                name: format!("firewalld-gen-{i:03}"),
                fixture: None,
                backend: Backend::Firewalld,
                files,
                ports: FIREWALLD_PORTS.to_vec(),
                listen: FIREWALLD_PORTS.to_vec(),
                stateful,
                must_be_conditional: Vec::new(),
            }
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// sshlint's side

struct Kernel {
    outcome: String,
    detail: String,
}

enum Trace {
    Verdict { verdict: String, why: String },
    Failed(String),
}

/// The stage that explains a verdict: the first one with the same verdict.
fn deciding_stage(doc: &Value, verdict: &str) -> String {
    let stages = doc["stages"].as_array().cloned().unwrap_or_default();
    let stage = stages.iter().find(|s| s["verdict"] == verdict).or_else(|| stages.first());
    let Some(s) = stage else { return "(no stages)".to_string() };
    let text = |k: &str| s[k].as_str().map(str::to_string).unwrap_or_else(|| s[k].to_string());
    format!(
        "{}[{} {}] {}:{} {}",
        text("stage"),
        text("backend"),
        text("family"),
        text("path"),
        text("line"),
        text("detail")
    )
}

fn trace(root: &Path, src: &str, port: u16, iface: &str, via: Via) -> Trace {
    let root_arg = root.to_string_lossy().into_owned();
    let port_arg = port.to_string();
    let args = ["trace", "--from", src, "--port", &port_arg, "--iface", iface, "--via", via.arg()];
    let out = run(sshlint(&[&args[..], &["--format", "json", &root_arg]].concat()), None);
    let code = out.code();
    let doc: Value = match serde_json::from_slice(&out.stdout) {
        Ok(v) => v,
        Err(e) => {
            return Trace::Failed(format!(
                "exit {code:?}, stdout is not JSON ({e}): {} {}",
                tail(out.stdout().trim()),
                tail(out.stderr().trim())
            ));
        }
    };
    let Some(verdict) = doc["verdict"].as_str().map(str::to_string) else {
        return Trace::Failed(format!("exit {code:?}, no `verdict` in {doc}"));
    };
    if !["open", "refused", "dropped", "conditional"].contains(&verdict.as_str()) {
        return Trace::Failed(format!("unknown verdict `{verdict}`"));
    }
    let want = if verdict == "open" { 0 } else { 1 };
    if code != Some(want) {
        return Trace::Failed(format!("verdict `{verdict}` but exit code {code:?} (want {want})"));
    }
    let why = deciding_stage(&doc, &verdict);
    Trace::Verdict { verdict, why }
}

fn agrees(kernel: &str, verdict: &str) -> bool {
    matches!((kernel, verdict), ("connected", "open") | ("refused", "refused") | ("timeout", "dropped"))
}

// ---------------------------------------------------------------------------------------------
// The work directory

struct WorkDir {
    path: PathBuf,
    keep: bool,
}

impl Drop for WorkDir {
    fn drop(&mut self) {
        if self.keep {
            println!("behaviour_firewall: kept {}", self.path.display());
        } else {
            let _ = fs::remove_dir_all(&self.path);
        }
    }
}

const RESET: &str = "*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\nCOMMIT\n\
    *nat\n:PREROUTING ACCEPT [0:0]\n:INPUT ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n:POSTROUTING ACCEPT [0:0]\nCOMMIT\n\
    *mangle\n:PREROUTING ACCEPT [0:0]\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n\
    :POSTROUTING ACCEPT [0:0]\nCOMMIT\n\
    *raw\n:PREROUTING ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\nCOMMIT\n\
    *security\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\nCOMMIT\n";

fn numbered(text: &str) -> String {
    text.lines().enumerate().map(|(i, l)| format!("{:>4} | {l}\n", i + 1)).collect()
}

// ---------------------------------------------------------------------------------------------
// The test

struct Job {
    ruleset: usize,
    probe: usize,
    root: PathBuf,
    src: &'static str,
    port: u16,
    via: Via,
}

#[test]
fn kernel_outcomes_match_sshlint_trace() {
    if let Some(reason) = oracle_missing() {
        assert!(!flag("SSHLINT_REQUIRE_ORACLES"), "oracle required: {reason}");
        println!("skipping behaviour_firewall: {reason}");
        return;
    }
    let started = Instant::now();
    let kernel_only = flag("SSHLINT_BEHAVIOUR_KERNEL_ONLY");
    let bless = flag("SSHLINT_BLESS");
    let seed = std::env::var("SSHLINT_DIFF_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or(DEFAULT_SEED);
    let cases: usize =
        std::env::var("SSHLINT_BEHAVIOUR_CASES").ok().and_then(|s| s.parse().ok()).unwrap_or(DEFAULT_CASES);
    println!(
        "behaviour_firewall: seed {seed}, {cases} generated rulesets (SSHLINT_DIFF_SEED, SSHLINT_BEHAVIOUR_CASES){}",
        if kernel_only { "; kernel side only (SSHLINT_BEHAVIOUR_KERNEL_ONLY=1)" } else { "" }
    );
    let work = WorkDir {
        path: std::env::temp_dir().join(format!("sshlint-behaviour-{}", std::process::id())),
        keep: flag("SSHLINT_KEEP"),
    };
    let _ = fs::remove_dir_all(&work.path);
    fs::create_dir_all(&work.path).expect("create the work directory");
    fs::write(work.path.join("reset.rules"), RESET).expect("write reset.rules");

    let dirs = fixture_dirs();
    if bless {
        for d in dirs.iter().filter(|d| d.join("ufw-commands").is_file()) {
            rebuild_ufw_fixture(d, &work.path.join("ufw-build"));
        }
    }
    let mut rulesets: Vec<Ruleset> = dirs.iter().map(|d| load_fixture(d)).collect();
    let python = python().expect("python3 (checked above)");
    let fwd_cases: usize =
        std::env::var("SSHLINT_BEHAVIOUR_FIREWALLD_CASES").ok().and_then(|s| s.parse().ok()).unwrap_or(FIREWALLD_CASES);
    let mut rng = Rng::new(seed);
    let generated_fwd = match firewalld_missing() {
        Some(reason) => {
            assert!(!flag("SSHLINT_REQUIRE_ORACLES"), "oracle required: {reason}");
            println!("behaviour_firewall: skipping the firewalld trees: {reason}");
            rulesets.retain(|r| r.backend != Backend::Firewalld);
            Vec::new()
        }
        None => generate_firewalld(&python, seed, fwd_cases, &work.path.join("firewalld-gen")),
    };
    let corpus = rulesets.len();
    assert!(corpus >= 20, "fixtures/behaviour has only {corpus} cases");
    rulesets.extend((0..cases).map(|i| generate(&mut rng, i)));
    rulesets.extend(generated_fwd);
    // firewalld ones last: the daemon keeps running from the first to the last of them.
    rulesets.sort_by_key(|r| r.backend == Backend::Firewalld);
    println!(
        "behaviour_firewall: {} firewalld trees ({} generated, SSHLINT_BEHAVIOUR_FIREWALLD_CASES)",
        rulesets.iter().filter(|r| r.backend == Backend::Firewalld).count(),
        fwd_cases
    );

    let mut lab = match Lab::new(&python) {
        Ok(lab) => lab,
        Err(e) => {
            assert!(!flag("SSHLINT_REQUIRE_ORACLES"), "oracle required: cannot set up the network namespaces: {e}");
            println!("skipping behaviour_firewall: cannot set up the network namespaces: {e}");
            return;
        }
    };
    let ifaces = Ifaces { link: lab.srv_if.clone(), router: lab.srv_if2.clone() };
    println!(
        "behaviour_firewall: namespaces {}, server interfaces {} (on-link) and {} (routed)",
        lab.namespaces.join(" "),
        ifaces.link,
        ifaces.router
    );

    let mut kernel: Vec<Vec<Kernel>> = Vec::new();
    let mut roots: Vec<PathBuf> = Vec::new();
    let results: Mutex<BTreeMap<(usize, usize), Trace>> = Mutex::new(BTreeMap::new());
    let mut kernel_secs = 0.0;
    std::thread::scope(|scope| {
        let (tx, rx) = mpsc::channel::<Job>();
        let rx = Arc::new(Mutex::new(rx));
        if !kernel_only {
            let workers = std::thread::available_parallelism().map_or(2, |n| n.get());
            for _ in 0..workers {
                let rx = Arc::clone(&rx);
                let results = &results;
                let ifaces = &ifaces;
                scope.spawn(move || {
                    loop {
                        let job = match rx.lock() {
                            Ok(r) => r.recv(),
                            Err(_) => return,
                        };
                        let Ok(job) = job else { return };
                        let t = trace(&job.root, job.src, job.port, ifaces.of(job.via), job.via);
                        if let Ok(mut r) = results.lock() {
                            r.insert((job.ruleset, job.probe), t);
                        }
                    }
                });
            }
        }
        for (i, rs) in rulesets.iter().enumerate() {
            let dir = work.path.join(format!("{i:03}-{}", rs.name));
            let root = dir.join("root");
            rs.materialize(&root, &ifaces);
            let t = Instant::now();
            let loaded = lab
                .listen(&rs.listen)
                .and_then(|()| lab.load(rs, &root, &work.path, work.keep.then_some(dir.as_path())));
            if let Err(e) = loaded {
                let files: String = rs
                    .files
                    .iter()
                    .filter(|(p, _)| !p.ends_with("sshd_config"))
                    .map(|(p, b)| format!("-- {}\n{}", p.display(), numbered(&String::from_utf8_lossy(b))))
                    .collect();
                panic!("{} (seed {seed}): {e}\n{files}", rs.name);
            }
            let probes = rs.probes();
            let outcomes = lab.probe(&probes).unwrap_or_else(|e| panic!("{}: {e}", rs.name));
            kernel_secs += t.elapsed().as_secs_f64();
            if work.keep {
                let _ = fs::write(dir.join("kernel"), expected_text(rs, &outcomes));
            }
            if !kernel_only {
                for (j, p) in probes.iter().enumerate() {
                    let job = Job { ruleset: i, probe: j, root: root.clone(), src: p.src, port: p.port, via: p.via };
                    tx.send(job).expect("workers are running");
                }
            }
            kernel.push(outcomes);
            roots.push(root);
        }
        drop(tx);
    });
    drop(lab); // delete the namespaces before reporting
    let total_secs = started.elapsed().as_secs_f64();

    // --- the kernel's own record for the fixtures
    let mut failures: Vec<String> = Vec::new();
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    let mut details: BTreeMap<String, usize> = BTreeMap::new();
    let mut by_path: BTreeMap<(&str, &str), BTreeMap<String, usize>> = BTreeMap::new();
    for (rs, ks) in rulesets.iter().zip(&kernel) {
        for (p, k) in rs.probes().iter().zip(ks).filter(|_| rs.fixture.is_none()) {
            let path = (if p.v6 { "ipv6" } else { "ipv4" }, p.via.arg());
            *by_path.entry(path).or_default().entry(k.outcome.clone()).or_default() += 1;
        }
        for k in ks {
            *counts.entry(k.outcome.clone()).or_default() += 1;
            if k.outcome == "refused" {
                *details.entry(k.detail.clone()).or_default() += 1;
            }
        }
        let Some(dir) = &rs.fixture else { continue };
        let text = expected_text(rs, ks);
        let path = dir.join("expected");
        if bless {
            fs::write(&path, &text).unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
            continue;
        }
        let recorded = fs::read_to_string(&path).unwrap_or_default();
        if recorded != text {
            let old: Vec<&str> = recorded.lines().filter(|l| !l.starts_with('#')).collect();
            let new: Vec<&str> = text.lines().filter(|l| !l.starts_with('#')).collect();
            let mut diff = String::new();
            for l in old.iter().filter(|l| !new.contains(l)) {
                let _ = writeln!(diff, "  - {l}");
            }
            for l in new.iter().filter(|l| !old.contains(l)) {
                let _ = writeln!(diff, "  + {l}");
            }
            failures.push(format!(
                "{}: the kernel's outcomes differ from {} (SSHLINT_BLESS=1 records them):\n{diff}",
                rs.name,
                path.display()
            ));
        }
    }
    let probes_total: usize = kernel.iter().map(Vec::len).sum();
    println!(
        "behaviour_firewall: {} rulesets ({corpus} fixtures + {cases} generated, {} with state-dependent matches), \
         {probes_total} connections: {}",
        rulesets.len(),
        rulesets.iter().filter(|r| r.stateful).count(),
        counts.iter().map(|(k, n)| format!("{n} {k}")).collect::<Vec<_>>().join(", ")
    );
    for ((family, via), counts) in &by_path {
        println!(
            "behaviour_firewall: generated, {family} --via {via}: {}",
            counts.iter().map(|(k, n)| format!("{n} {k}")).collect::<Vec<_>>().join(", ")
        );
    }
    println!(
        "behaviour_firewall: refusals by kind: {}",
        details.iter().map(|(k, n)| format!("{k}: {n}")).collect::<Vec<_>>().join(", ")
    );

    // --- sshlint against the kernel
    let results = results.into_inner().unwrap_or_default();
    let mut verdicts: BTreeMap<String, usize> = BTreeMap::new();
    let mut table: Vec<String> = Vec::new();
    let mut bad_rulesets: Vec<usize> = Vec::new();
    let (mut compared, mut conditional, mut errors, mut unsupported) = (0usize, 0usize, 0usize, 0usize);
    if !kernel_only {
        for (i, (rs, ks)) in rulesets.iter().zip(&kernel).enumerate() {
            for (j, (p, k)) in rs.probes().iter().zip(ks).enumerate() {
                let fam = if p.v6 { "ipv6" } else { "ipv4" };
                let row = |sshlint: &str, why: &str| {
                    format!(
                        "{:<26} {fam} {:<14} {:>5}  kernel {:<9} {:<28} sshlint {:<11} {why}",
                        rs.name, p.src, p.port, k.outcome, k.detail, sshlint
                    )
                };
                match results.get(&(i, j)) {
                    Some(Trace::Verdict { verdict, why }) => {
                        compared += 1;
                        *verdicts.entry(verdict.clone()).or_default() += 1;
                        if verdict == "conditional" {
                            conditional += 1;
                        } else if rs.must_be_conditional(p) {
                            table.push(row(verdict, &format!("(must be conditional) {why}")));
                            bad_rulesets.push(i);
                        } else if !agrees(&k.outcome, verdict) {
                            table.push(row(verdict, why));
                            bad_rulesets.push(i);
                        }
                    }
                    Some(Trace::Failed(e)) => {
                        errors += 1;
                        if e.contains("unexpected argument") || e.contains("unrecognized subcommand") {
                            unsupported += 1;
                        }
                        table.push(row("ERROR", e));
                        bad_rulesets.push(i);
                    }
                    None => {
                        errors += 1;
                        table.push(row("MISSING", "no result"));
                    }
                }
            }
        }
        println!(
            "behaviour_firewall: sshlint verdicts: {}; {} mismatches, {errors} errors",
            verdicts.iter().map(|(k, n)| format!("{n} {k}")).collect::<Vec<_>>().join(", "),
            table.len() - errors
        );
    }
    println!(
        "behaviour_firewall: {total_secs:.1} s in all, {kernel_secs:.1} s loading and connecting ({:.0} ms per ruleset)",
        1000.0 * kernel_secs / rulesets.len().max(1) as f64
    );

    if !table.is_empty() {
        let mut report = format!(
            "{} connections where sshlint and the kernel disagree (seed {seed}; rerun with SSHLINT_DIFF_SEED={seed} \
             SSHLINT_BEHAVIOUR_CASES={cases} SSHLINT_KEEP=1 to keep every ruleset's host root under \
             {}/sshlint-behaviour-PID):\n",
            table.len(),
            std::env::temp_dir().display()
        );
        if unsupported == errors && errors == table.len() && errors > 0 {
            report.push_str(
                "(sshlint does not know `trace --port/--iface/--via` yet: set SSHLINT_BEHAVIOUR_KERNEL_ONLY=1 to check \
                 only the kernel side)\n",
            );
        }
        for line in table.iter().take(80) {
            let _ = writeln!(report, "  {line}");
        }
        if table.len() > 80 {
            let _ = writeln!(report, "  … and {} more", table.len() - 80);
        }
        bad_rulesets.dedup();
        for &i in bad_rulesets.iter().take(3) {
            let rs = &rulesets[i];
            let where_ =
                rs.fixture.as_ref().map_or_else(|| roots[i].display().to_string(), |d| d.display().to_string());
            let _ = writeln!(report, "== {} ({where_}, interfaces {} and {})", rs.name, ifaces.link, ifaces.router);
            if rs.backend != Backend::Ufw {
                let shown = |p: &Path| p.starts_with("etc/iptables") || p.starts_with("etc/firewalld");
                for (p, b) in rs.files.iter().filter(|(p, _)| shown(p)) {
                    let _ = write!(report, "-- {}\n{}", p.display(), numbered(&String::from_utf8_lossy(b)));
                }
            }
        }
        failures.push(report);
    }
    if !kernel_only && compared > 0 {
        let share = conditional as f64 / compared as f64;
        println!("behaviour_firewall: {conditional} of {compared} verdicts conditional ({:.1} %)", 100.0 * share);
        if share > MAX_CONDITIONAL {
            failures.push(format!(
                "{conditional} of {compared} verdicts are `conditional` ({:.1} % > {:.0} %): the comparison is too weak",
                100.0 * share,
                100.0 * MAX_CONDITIONAL
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
