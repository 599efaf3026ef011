//! sshd started by systemd socket activation (`ssh.socket`), through the binary: which ports
//! the listener stage of `sshlint trace` and the firewall rules use, where they point, and the
//! unit files `--format json` lists. Host roots are written in temporary directories so the
//! cases can use symlinks (masking with /dev/null, merged /usr, links out of the root), which
//! the fixtures cannot hold.

mod common;

use common::*;
use serde_json::Value;

const SSHD_PORT_22: &str = "Port 22\nUsePAM yes\n";

/// Ubuntu's vendor unit (24.04 before the generator learned `BindIPv6Only=`).
const VENDOR_SOCKET: &str = "[Unit]\nDescription=OpenBSD Secure Shell server socket\nBefore=sockets.target ssh.service\n\n[Socket]\nListenStream=22\nAccept=no\nFreeBind=yes\n\n[Install]\nWantedBy=sockets.target\nRequiredBy=ssh.service\n";

const RULES_V4_OPEN_22: &str = "*filter\n:INPUT DROP [0:0]\n-A INPUT -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT\n-A INPUT -p tcp --dport 22 -j ACCEPT\nCOMMIT\n";

/// A host with sshd_config `Port 22`, the vendor ssh.socket and a firewall that opens 22 only.
fn host(tag: &str) -> TempDir {
    let t = TempDir::with_config(tag, SSHD_PORT_22);
    t.write("usr/lib/systemd/system/ssh.socket", VENDOR_SOCKET);
    t.write("etc/iptables/rules.v4", RULES_V4_OPEN_22);
    t
}

fn enable(t: &TempDir) {
    t.symlink("etc/systemd/system/sockets.target.wants/ssh.socket", "/usr/lib/systemd/system/ssh.socket");
}

fn move_socket_to_2222(t: &TempDir) {
    t.write("etc/systemd/system/ssh.socket.d/listen.conf", "[Socket]\nListenStream=\nListenStream=2222\n");
}

fn trace_json(t: &TempDir, extra: &[&str]) -> Value {
    let root = t.path().to_string_lossy().into_owned();
    let mut args = vec!["trace", "--from", "192.0.2.7", "--format", "json", "--root", &root];
    args.extend_from_slice(extra);
    let out = run(sshlint(&args), None);
    out.assert_no_crash();
    out.json()
}

fn listener_stages(doc: &Value) -> Vec<&Value> {
    doc["stages"].as_array().expect("stages").iter().filter(|s| s["stage"] == "listener").collect()
}

fn lint(t: &TempDir, select: &str) -> Value {
    let root = t.path().to_string_lossy().into_owned();
    let out = run(sshlint(&["--format", "json", "--select", select, "--root", &root]), None);
    out.assert_no_crash();
    let doc = out.json();
    check_doc(&doc, "socket activation");
    doc
}

fn codes(doc: &Value) -> Vec<String> {
    doc["findings"].as_array().expect("findings").iter().map(|f| f["code"].as_str().unwrap_or("").to_string()).collect()
}

#[test]
fn enabled_socket_decides_the_listener_and_the_trace_points_at_listen_stream() {
    let t = host("socket-trace");
    enable(&t);
    move_socket_to_2222(&t);
    let doc = trace_json(&t, &[]);
    let stages = listener_stages(&doc);
    assert_eq!(stages.len(), 1, "{doc:#}");
    let l = stages[0];
    assert_eq!(l["port"], 2222, "{doc:#}");
    assert_eq!(l["backend"], "systemd", "{doc:#}");
    assert_eq!(l["verdict"], "open", "{doc:#}");
    assert!(l["path"].as_str().is_some_and(|p| p.ends_with("etc/systemd/system/ssh.socket.d/listen.conf")), "{l}");
    assert_eq!(l["line"], 3, "{l}");
    assert!(l["detail"].as_str().is_some_and(|d| d.contains("ssh.socket listens on port 2222")), "{l}");
    // The firewall opens 22 only: the connection to 2222 is dropped.
    assert_eq!(doc["verdict"], "dropped", "{doc:#}");

    // Asking for port 22: the firewall lets it in, but nothing listens there.
    let doc = trace_json(&t, &["--port", "22"]);
    let l = listener_stages(&doc)[0];
    assert_eq!(l["verdict"], "refused", "{doc:#}");
    assert!(l["detail"].as_str().is_some_and(|d| d.contains("ssh.socket listens on 2222")), "{l}");

    // Human form names the backend and the unit.
    let root = t.path().to_string_lossy().into_owned();
    let out = run(sshlint(&["trace", "--from", "192.0.2.7", "--root", &root]), None);
    out.assert_no_crash();
    let text = out.stdout();
    assert!(text.contains("listener  systemd"), "{text}");
    assert!(text.contains("listen.conf:3"), "{text}");

    // FW101 for 2222, SSHD107 for the ignored `Port 22`.
    let doc = lint(&t, "FW101,SSHD107");
    let found = codes(&doc);
    assert!(found.contains(&"FW101".to_string()) && found.contains(&"SSHD107".to_string()), "{doc:#}");
    let fw = doc["findings"].as_array().expect("findings").iter().find(|f| f["code"] == "FW101").expect("FW101");
    assert!(fw["message"].as_str().is_some_and(|m| m.contains("port 2222")), "{fw}");
}

#[test]
fn disabled_socket_leaves_sshd_config_in_charge() {
    let t = host("socket-disabled");
    move_socket_to_2222(&t);
    let doc = trace_json(&t, &[]);
    let l = listener_stages(&doc)[0];
    assert_eq!((l["port"].as_u64(), l["backend"].as_str()), (Some(22), Some("sshd")), "{doc:#}");
    assert_eq!(doc["verdict"], "open", "{doc:#}");
    assert!(lint(&t, "FW101,SSHD107")["findings"].as_array().expect("findings").is_empty());
}

#[test]
fn masked_units_and_drop_ins_are_links_to_dev_null() {
    // The unit masked in /etc: sshd_config decides even though the socket is enabled.
    let t = host("socket-masked");
    enable(&t);
    move_socket_to_2222(&t);
    t.symlink("etc/systemd/system/ssh.socket", "/dev/null");
    let l = listener_stages(&trace_json(&t, &[]))[0].clone();
    assert_eq!((l["port"].as_u64(), l["backend"].as_str()), (Some(22), Some("sshd")), "{l}");

    // A drop-in in /run masked by a same-named /dev/null link in /etc.
    let t = host("socket-dropin-masked");
    enable(&t);
    t.write("run/systemd/system/ssh.socket.d/listen.conf", "[Socket]\nListenStream=\nListenStream=2222\n");
    t.symlink("etc/systemd/system/ssh.socket.d/listen.conf", "/dev/null");
    let l = listener_stages(&trace_json(&t, &[]))[0].clone();
    assert_eq!((l["port"].as_u64(), l["backend"].as_str()), (Some(22), Some("systemd")), "{l}");
    assert!(l["path"].as_str().is_some_and(|p| p.ends_with("usr/lib/systemd/system/ssh.socket")), "{l}");
}

#[test]
fn generator_copies_sshd_config_ports_into_the_socket() {
    let t = TempDir::with_config("socket-generator", "Port 2222\n");
    t.write("usr/lib/systemd/system/ssh.socket", VENDOR_SOCKET);
    t.write("usr/lib/systemd/system-generators/sshd-socket-generator", "#!/bin/sh\n");
    enable(&t);
    // A stale drop-in from an earlier boot is replaced by what the generator writes now.
    t.write("run/systemd/generator/ssh.socket.d/addresses.conf", "[Socket]\nListenStream=\nListenStream=2200\n");
    let doc = trace_json(&t, &[]);
    let stages = listener_stages(&doc);
    let ports: Vec<u64> = stages.iter().filter_map(|s| s["port"].as_u64()).collect();
    assert_eq!(ports, [2222], "{doc:#}");
    let l = stages[0];
    assert_eq!(l["backend"], "systemd", "{l}");
    assert!(l["path"].as_str().is_some_and(|p| p.ends_with("etc/ssh/sshd_config")), "{l}");
    assert_eq!(l["line"], 1, "{l}");
    assert!(l["detail"].as_str().is_some_and(|d| d.contains("sshd-socket-generator")), "{l}");

    // Masking the generator in /etc puts the vendor unit's port back.
    t.symlink("etc/systemd/system-generators/sshd-socket-generator", "/dev/null");
    let l = listener_stages(&trace_json(&t, &[]))[0].clone();
    assert_eq!(l["port"], 2200, "{l}");
}

#[test]
fn files_lists_the_unit_files_read() {
    let t = host("socket-files");
    enable(&t);
    move_socket_to_2222(&t);
    t.write("lib/systemd/system/ssh.socket.d/vendor.conf", "[Socket]\nFreeBind=yes\n");
    let doc = lint(&t, "SSHD107");
    let units: Vec<&str> = doc["files"]
        .as_array()
        .expect("files")
        .iter()
        .filter(|f| f["kind"] == "systemd-unit")
        .filter_map(|f| f["path"].as_str())
        .collect();
    assert_eq!(units.len(), 3, "{doc:#}");
    assert!(units[0].ends_with("usr/lib/systemd/system/ssh.socket"), "{units:?}");
    // Drop-ins in file-name order, whatever their directory.
    assert!(units[1].ends_with("etc/systemd/system/ssh.socket.d/listen.conf"), "{units:?}");
    assert!(units[2].ends_with("lib/systemd/system/ssh.socket.d/vendor.conf"), "{units:?}");
}

#[test]
fn merged_usr_reads_each_unit_once() {
    let t = TempDir::with_config("socket-merged-usr", SSHD_PORT_22);
    t.write("usr/lib/systemd/system/ssh.socket", VENDOR_SOCKET);
    t.write("usr/lib/systemd/system/ssh.socket.d/a.conf", "[Socket]\nListenStream=2222\n");
    t.symlink("lib", "usr/lib");
    enable(&t);
    let doc = lint(&t, "SSHD107");
    let n = doc["files"].as_array().expect("files").iter().filter(|f| f["kind"] == "systemd-unit").count();
    assert_eq!(n, 2, "{doc:#}");
}

#[test]
fn links_out_of_the_root_and_odd_files_are_harmless() {
    let t = host("socket-odd");
    enable(&t);
    t.symlink("etc/systemd/system/ssh.socket", "/../../../../../etc/passwd");
    t.write("etc/systemd/system/ssh.socket.d/bin.conf", b"\xff\xfe[Socket\x00]\nListenStream=\\\n\xff:22\n".as_slice());
    t.mkdir("etc/systemd/system/ssh.socket.d/dir.conf");
    t.mkfifo("etc/systemd/system/ssh.socket.d/fifo.conf");
    t.symlink("etc/systemd/system/ssh.socket.d/loop.conf", "loop.conf");
    let doc = lint(&t, "SSHD008,SSHD107,FW101");
    assert!(codes(&doc).contains(&"SSHD008".to_string()), "{doc:#}");
    let root = t.path().to_string_lossy().into_owned();
    let out = run(sshlint(&["trace", "--from", "192.0.2.7", "--root", &root]), None);
    out.assert_no_crash();
}

#[test]
fn a_reset_with_nothing_after_it_means_nothing_listens() {
    let t = host("socket-empty");
    enable(&t);
    t.write("etc/systemd/system/ssh.socket.d/zz.conf", "[Socket]\nListenStream=\n");
    let doc = lint(&t, "SSHD008");
    let f = &doc["findings"][0];
    assert_eq!(f["severity"], "error", "{doc:#}");
    assert!(f["message"].as_str().is_some_and(|m| m.contains("no `ListenStream=` left")), "{f}");
    let doc = trace_json(&t, &["--port", "22"]);
    let l = listener_stages(&doc)[0];
    assert_eq!(l["verdict"], "refused", "{doc:#}");
    assert_eq!(doc["verdict"], "refused", "{doc:#}");
}

#[test]
fn ipv6_only_socket_listens_on_ipv6_only() {
    let t = TempDir::with_config("socket-v6only", SSHD_PORT_22);
    t.write("usr/lib/systemd/system/ssh.socket", "[Socket]\nListenStream=[::]:22\nBindIPv6Only=ipv6-only\n");
    enable(&t);
    let doc = trace_json(&t, &[]);
    let l = listener_stages(&doc)[0];
    assert_eq!(l["verdict"], "refused", "{doc:#}");
    assert!(l["detail"].as_str().is_some_and(|d| d.contains("IPv4")), "{l}");
}
