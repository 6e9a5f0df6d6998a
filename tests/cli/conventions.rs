//! Issue 8, item 26 and "Conventions an etcd operator expects": help with examples, the cluster
//! options only where they mean something, every positional described, man pages with
//! EXAMPLES/ENVIRONMENT/EXIT STATUS, `--cluster-dir` (and the old `--cluster DIR` refused with
//! a hint), ETCDCTL_ENDPOINTS, `-w simple|table|json|fields`, errors as JSON under `-o json`,
//! and `endpoint status|health` / `move-leader` against a real cluster.

use std::time::{Duration, Instant};

use crate::harness::{TestCluster, free_ports, wait_until};
use crate::util::{raftctl, raftctl_env, testdata};

const CLUSTER_FLAGS: [&str; 4] = [
    "--endpoints",
    "--cluster-dir",
    "--dial-timeout",
    "--command-timeout",
];

fn help(path: &[&str]) -> String {
    let mut args: Vec<&str> = path.to_vec();
    args.push("--help");
    let r = raftctl(&args);
    assert_eq!(r.code, 0, "{path:?}: {}", r.stderr);
    r.stdout
}

fn etcd_dir() -> String {
    testdata("etcd/a-single-node/data").display().to_string()
}

/// "global network flags listed among the WAL flags and on node, wal, snap, completions, man,
/// where they mean nothing".
#[test]
fn r8_cluster_options_only_on_commands_that_talk_to_a_cluster() {
    for path in [
        &["wal", "dump"][..],
        &["wal", "verify"],
        &["wal", "repair"],
        &["wal", "diff"],
        &["snap", "dump"],
        &["snap", "verify"],
        &["node"],
        &["completions"],
        &["man"],
    ] {
        let h = help(path);
        for flag in CLUSTER_FLAGS {
            assert!(!h.contains(flag), "{path:?} --help shows {flag}:\n{h}");
        }
    }
    for path in [
        &["status"][..],
        &["top"],
        &["put"],
        &["get"],
        &["del"],
        &["bench"],
        &["member", "add"],
        &["leader", "transfer"],
        &["move-leader"],
        &["endpoint", "health"],
        &["endpoint", "status"],
        &["cluster", "status"],
    ] {
        let h = help(path);
        let (_, options) = h
            .split_once("Cluster options:")
            .unwrap_or_else(|| panic!("{path:?}: no Cluster options heading:\n{h}"));
        for flag in CLUSTER_FLAGS {
            assert!(options.contains(flag), "{path:?} lacks {flag}:\n{h}");
        }
    }
    // The global -o comes after a command's own options, not among them.
    let h = help(&["wal", "dump"]);
    let (decode, output) = (h.find("--decode").unwrap(), h.find("--output").unwrap());
    assert!(decode < output, "{h}");
    // Processes of the local cluster: the directory only.
    let h = help(&["cluster", "stop"]);
    assert!(h.contains("--cluster-dir"), "{h}");
    assert!(
        !h.contains("--endpoints") && !h.contains("--dial-timeout"),
        "{h}"
    );

    // Before the command or after it, a flag a command does not take is a usage error.
    let d = etcd_dir();
    let r = raftctl(["--endpoints", "127.0.0.1:1", "wal", "verify", &d]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.starts_with(
            "error: `raftctl wal verify` does not talk to a cluster: it does not take --endpoints"
        ),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr.contains("Usage: raftctl wal verify"),
        "{}",
        r.stderr
    );
    let r = raftctl(["wal", "verify", &d, "--dial-timeout", "1s"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    let r = raftctl(["--endpoints", "127.0.0.1:1", "cluster", "stop", "1"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.contains("it does not take --endpoints"),
        "{}",
        r.stderr
    );
    // The environment is not the command line: wal commands run with RAFTCTL_ENDPOINTS set.
    let r = raftctl_env(
        ["wal", "verify", &d],
        &[
            ("RAFTCTL_ENDPOINTS", "127.0.0.1:1"),
            ("RAFTCTL_DIAL_TIMEOUT", "1s"),
        ],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
}

/// "--cluster as a boolean 'every member' where etcdctl has it … the cluster dir flag needs
/// another name: --cluster-dir, keeping env RAFTCTL_CLUSTER … make the old spelling fail with
/// a clear hint".
#[test]
fn r8_cluster_dir_and_the_old_cluster_spelling() {
    let hint = "--cluster is etcdctl's 'every member'";
    for args in [
        &["--cluster", "/tmp/somewhere", "status"][..],
        &["status", "--cluster", "/tmp/somewhere"],
        &["member", "list", "--cluster"],
        &["cluster", "down", "--cluster", "/tmp/somewhere"],
    ] {
        let r = raftctl(args);
        assert_eq!(r.code, 2, "{args:?}: {}", r.stderr);
        let first = r.stderr.lines().next().unwrap_or_default();
        assert!(
            first.contains(hint) && first.contains("--cluster-dir DIR"),
            "{args:?}: {}",
            r.stderr
        );
    }
    // Where the directory comes from: after the command, before it, RAFTCTL_CLUSTER, default.
    let none = |r: &crate::util::Run, dir: &str| {
        assert_eq!(r.code, 1, "{}", r.stderr);
        assert!(
            r.stderr
                .contains(&format!("no cluster in {dir} (no cluster.json)")),
            "{dir}: {}",
            r.stderr
        );
    };
    none(
        &raftctl(["--cluster-dir", "/nonexistent/a", "status"]),
        "/nonexistent/a",
    );
    none(
        &raftctl(["status", "--cluster-dir", "/nonexistent/b"]),
        "/nonexistent/b",
    );
    none(
        &raftctl([
            "--cluster-dir",
            "/nonexistent/a",
            "status",
            "--cluster-dir",
            "/nonexistent/b",
        ]),
        "/nonexistent/b",
    );
    none(
        &raftctl_env(["get", "k"], &[("RAFTCTL_CLUSTER", "/nonexistent/c")]),
        "/nonexistent/c",
    );
    none(
        &raftctl_env(
            ["--cluster-dir", "/nonexistent/d", "get", "k"],
            &[("RAFTCTL_CLUSTER", "/nonexistent/c")],
        ),
        "/nonexistent/d",
    );
    // `endpoint status|health` take --cluster as the boolean: the command runs (and finds no
    // cluster here).
    for sub in ["status", "health"] {
        let r = raftctl([
            "endpoint",
            sub,
            "--cluster",
            "--cluster-dir",
            "/nonexistent/e",
        ]);
        none(&r, "/nonexistent/e");
    }
}

/// "ETCDCTL_ENDPOINTS understood when RAFTCTL_ENDPOINTS and --endpoints are absent".
#[test]
fn r8_etcdctl_endpoints_is_read_last() {
    let [a, b, c] = free_ports(3)[..] else {
        unreachable!()
    };
    let (a, b, c) = (
        format!("127.0.0.1:{a}"),
        format!("127.0.0.1:{b}"),
        format!("127.0.0.1:{c}"),
    );
    let asked = |r: &crate::util::Run, ep: &str| {
        assert_eq!(r.code, 1, "{}", r.stderr);
        assert!(r.stderr.contains(ep), "expected {ep} asked: {}", r.stderr);
        assert!(!r.stderr.contains("no cluster in"), "{}", r.stderr);
    };
    let r = raftctl_env(["get", "k"], &[("ETCDCTL_ENDPOINTS", &a)]);
    asked(&r, &a);
    let r = raftctl_env(
        ["get", "k"],
        &[("ETCDCTL_ENDPOINTS", &a), ("RAFTCTL_ENDPOINTS", &b)],
    );
    asked(&r, &b);
    assert!(!r.stderr.contains(&a), "{}", r.stderr);
    let r = raftctl_env(
        ["--endpoints", &c, "get", "k"],
        &[("ETCDCTL_ENDPOINTS", &a), ("RAFTCTL_ENDPOINTS", &b)],
    );
    asked(&r, &c);
    assert!(
        !r.stderr.contains(&a) && !r.stderr.contains(&b),
        "{}",
        r.stderr
    );
    assert!(help(&["get"]).contains("ETCDCTL_ENDPOINTS"));
    // Commands of the local cluster's processes do not read either variable: they go by the
    // cluster dir.
    let r = raftctl_env(
        ["cluster", "kill", "1", "--cluster-dir", "/nonexistent/f"],
        &[("ETCDCTL_ENDPOINTS", &a), ("RAFTCTL_ENDPOINTS", &b)],
    );
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.stderr.contains("no cluster in /nonexistent/f"),
        "{}",
        r.stderr
    );
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("c").display().to_string();
    let r = raftctl_env(
        ["cluster", "up", "--nodes", "1", "--cluster-dir", &dir],
        &[("ETCDCTL_ENDPOINTS", &a)],
    );
    let down = raftctl(["cluster", "down", "--purge", "--cluster-dir", &dir]);
    assert_eq!(
        r.code, 0,
        "cluster up with ETCDCTL_ENDPOINTS set: {}",
        r.stderr
    );
    assert_eq!(down.code, 0, "{}", down.stderr);
}

/// "positionals have no description; <URL,…> placeholder vs HOST:PORT text".
#[test]
fn r8_positionals_described_and_one_address_placeholder() {
    for (path, positional) in [
        (&["put"][..], "<KEY>"),
        (&["put"], "[VALUE]"),
        (&["get"], "<KEY>"),
        (&["del"], "<KEY>"),
        (&["cluster", "stop"], "<ID>"),
        (&["cluster", "kill"], "<ID>"),
        (&["member", "remove"], "<ID>"),
        (&["member", "promote"], "<ID>"),
        (&["move-leader"], "<ID>"),
        (&["wal", "verify"], "<PATH>"),
        (&["completions"], "<SHELL>"),
    ] {
        let h = help(path);
        let (_, args) = h.split_once("Arguments:").expect("Arguments:");
        let line = args
            .lines()
            .skip_while(|l| !l.trim_start().starts_with(positional))
            .take(2)
            .collect::<Vec<_>>()
            .join(" ");
        let text = line.trim().trim_start_matches(positional).trim();
        assert!(
            text.len() > 3,
            "{path:?} {positional} has no description:\n{h}"
        );
    }
    for path in [&["status"][..], &["node"], &["member", "add"]] {
        let h = help(path);
        assert!(!h.contains("URL,") && !h.contains("ADDR"), "{path:?}:\n{h}");
    }
    assert!(help(&["status"]).contains("--endpoints <HOST:PORT,…>"));
    assert!(help(&["node"]).contains("--initial-cluster <ID=HOST:PORT,…>"));
}

/// "no examples anywhere".
#[test]
fn r8_help_has_examples() {
    for path in [
        &[][..],
        &["cluster", "up"],
        &["status"],
        &["get"],
        &["put"],
        &["member", "add"],
        &["endpoint", "health"],
        &["node"],
        &["wal", "dump"],
        &["wal", "verify"],
        &["completions"],
    ] {
        let h = help(path);
        let (_, ex) = h
            .split_once("Examples:")
            .unwrap_or_else(|| panic!("{path:?}: no examples:\n{h}"));
        assert!(ex.contains("  raftctl "), "{path:?}:\n{h}");
    }
    // -h shows them too.
    let r = raftctl(["wal", "dump", "-h"]);
    assert!(r.stdout.contains("Examples:\n  #"), "{}", r.stdout);
}

fn man_page(name: &str) -> String {
    let tmp = tempfile::tempdir().unwrap();
    let r = raftctl(["man", "--dir", &tmp.path().display().to_string()]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    std::fs::read_to_string(tmp.path().join(name)).unwrap()
}

/// "Man pages: no EXAMPLES, ENVIRONMENT or EXIT STATUS section; the NAME line repeats the
/// name".
#[test]
fn r8_man_pages_have_examples_environment_and_exit_status() {
    let tmp = tempfile::tempdir().unwrap();
    let r = raftctl(["man", "--dir", &tmp.path().display().to_string()]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let mut n = 0;
    for de in std::fs::read_dir(tmp.path()).unwrap() {
        let p = de.unwrap().path();
        let page = std::fs::read_to_string(&p).unwrap();
        let file = p.file_name().unwrap().to_string_lossy().into_owned();
        n += 1;
        assert!(page.contains(".SH \"EXIT STATUS\""), "{file}");
        let name_line = page
            .lines()
            .skip_while(|l| *l != ".SH NAME")
            .nth(1)
            .unwrap_or_default();
        let (name, what) = name_line.split_once(" \\- ").expect("NAME line");
        assert!(
            !what.to_lowercase().starts_with("raftctl"),
            "{file}: NAME repeats the name: {name_line}"
        );
        assert_eq!(name.replace("\\-", "-"), file.trim_end_matches(".1"));
        assert_eq!(page.matches(".ds Aq").count(), 2, "{file}: one preamble");
    }
    assert!(n > 30);
    // Every page a SUBCOMMANDS section refers to exists (clap's `help` has none).
    for de in std::fs::read_dir(tmp.path()).unwrap() {
        let page = std::fs::read_to_string(de.unwrap().path()).unwrap();
        for l in page.lines().filter(|l| l.ends_with("(1)")) {
            let f = format!("{}.1", l.trim_end_matches("(1)").replace("\\-", "-"));
            assert!(tmp.path().join(&f).exists(), "{l}: no {f}");
        }
    }
    let top = man_page("raftctl.1");
    for s in [
        ".SH EXAMPLES",
        ".SH ENVIRONMENT",
        "RAFTCTL_ENDPOINTS",
        "RAFTCTL_CLUSTER",
        "RAFTCTL_DIAL_TIMEOUT",
        "RAFTCTL_COMMAND_TIMEOUT",
        "ETCDCTL_ENDPOINTS",
        "NO_COLOR",
        "COLUMNS",
        "\\fB130\\fR",
    ] {
        assert!(top.contains(s), "raftctl.1 lacks {s}");
    }
    let get = man_page("raftctl-get.1");
    assert!(get.contains(".SH EXAMPLES") && get.contains("RAFTCTL_ENDPOINTS"));
    assert!(!get.contains("COLUMNS") && !get.contains("\\fB130\\fR"));
    let dump = man_page("raftctl-wal-dump.1");
    assert!(dump.contains(".SH EXAMPLES") && dump.contains("COLUMNS"));
    assert!(!dump.contains("RAFTCTL_ENDPOINTS") && !dump.contains("CLUSTER OPTIONS"));
    assert!(man_page("raftctl-top.1").contains("\\fB130\\fR"));
}

/// "-w simple|table|json|fields as etcdctl names them besides -o".
#[test]
fn r8_write_out_formats() {
    let d = etcd_dir();
    let table = raftctl(["-o", "table", "wal", "verify", &d]);
    let simple = raftctl(["-w", "simple", "wal", "verify", &d]);
    assert_eq!(table.code, 0);
    assert_eq!(simple.code, 0);
    assert_eq!(
        simple.stdout, table.stdout,
        "simple is raftctl's (borderless) table"
    );
    let fields = raftctl(["-w", "fields", "wal", "verify", &d]);
    assert_eq!(fields.code, 0, "{}", fields.stderr);
    let json = raftctl(["-w", "json", "wal", "verify", &d]).json();
    for l in fields.stdout.lines().filter(|l| !l.is_empty()) {
        let (k, v) = l
            .split_once(" : ")
            .unwrap_or_else(|| panic!("not a field line: {l}"));
        assert!(k.starts_with('"') && k.ends_with('"'), "{l}");
        let _: serde_json::Value = serde_json::from_str(v).unwrap_or_else(|e| panic!("{l}: {e}"));
    }
    assert!(
        fields
            .stdout
            .starts_with("\"ok\" : true\n\"segments\" : 1\n"),
        "{}",
        fields.stdout
    );
    assert!(
        fields
            .stdout
            .contains(&format!("\"last_index\" : {}\n", json["last_index"]))
    );
    assert!(
        fields.stdout.contains("\"hard_state.commit\" : 3028\n"),
        "{}",
        fields.stdout
    );
    // A stream: one block per record, a blank line between.
    let r = raftctl(["-w", "fields", "wal", "dump", &d, "--to-index", "2"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let blocks: Vec<&str> = r.stdout.split("\n\n").collect();
    let lines = raftctl(["-o", "json", "wal", "dump", &d, "--to-index", "2"]).json_lines();
    assert_eq!(blocks.len(), lines.len(), "{}", r.stdout);
    assert!(
        blocks[0].starts_with("\"record\" : \"metadata\""),
        "{}",
        r.stdout
    );
    let r = raftctl(["-w", "yaml", "wal", "verify", &d]);
    assert_eq!(r.code, 2);
}

/// "errors under -o json as a JSON object on stderr: {"error":"<the one-line message>","exit":N}".
#[test]
fn r8_errors_as_json_under_output_json() {
    let check = |args: &[&str], exit: u64, says: &str| {
        let r = raftctl(args);
        assert_eq!(r.code as u64, exit, "{args:?}: {}", r.stderr);
        assert_eq!(r.stdout, "", "{args:?}");
        assert_eq!(r.stderr.lines().count(), 1, "{args:?}: {}", r.stderr);
        let j: serde_json::Value = serde_json::from_str(&r.stderr)
            .unwrap_or_else(|e| panic!("{args:?}: not JSON ({e}): {}", r.stderr));
        assert_eq!(j["exit"], exit, "{args:?}");
        let msg = j["error"].as_str().unwrap();
        assert!(msg.contains(says), "{args:?}: {msg}");
        assert_eq!(j.as_object().unwrap().len(), 2, "{j}");
    };
    check(
        &["-o", "json", "wal", "dump", "/nonexistent/raftctl-test"],
        1,
        "/nonexistent/raftctl-test",
    );
    check(&["-w", "json", "wal", "dump"], 2, "<PATH>");
    check(&["--output=json", "wal", "verify", "--bogus"], 2, "--bogus");
    check(
        &["-o", "json", "--cluster", "x", "status"],
        2,
        "--cluster-dir DIR",
    );
    check(
        &["-o", "json", "--cluster-dir", "/nonexistent/q", "status"],
        1,
        "no cluster in /nonexistent/q",
    );
    check(
        &["-o", "json", "top", "--interval", "1ms", "--once"],
        2,
        "--interval 1ms",
    );
    // The tables keep the plain line.
    let r = raftctl(["wal", "dump", "/nonexistent/raftctl-test"]);
    assert!(
        r.stderr.starts_with("raftctl: /nonexistent/raftctl-test"),
        "{}",
        r.stderr
    );
}

/// `endpoint health` and `endpoint status` (etcdctl's, for monitoring) and `move-leader`
/// against a real cluster.
#[test]
fn r8_endpoint_health_status_and_move_leader() {
    let mut c = TestCluster::start(3, &[]);
    let leader = c.wait_for_leader();
    wait_until("every member's API address in the membership", || {
        let s = c.status(1)?;
        (s.members.len() == 3 && s.members.iter().all(|m| !m.api.is_empty())).then_some(())
    });
    let all: Vec<String> = c.members.iter().map(|m| m.api.clone()).collect();
    let all = all.join(",");
    let one = c.member(1).api.clone();

    let start = Instant::now();
    let r = raftctl(["--endpoints", &all, "endpoint", "health"]);
    let took = start.elapsed();
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert_eq!(r.stdout.lines().count(), 3, "{}", r.stdout);
    for m in &c.members {
        assert!(
            r.stdout.contains(&format!(
                "{} is healthy: node {}, leader {leader}",
                m.api, m.id
            )),
            "{}",
            r.stdout
        );
    }
    assert!(
        took < Duration::from_secs(1),
        "endpoint health took {took:?}"
    );

    // One endpoint: itself; with --cluster, every member it knows.
    let r = raftctl(["--endpoints", &one, "-o", "json", "endpoint", "health"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(r.json()["endpoints"].as_array().unwrap().len(), 1);
    let r = raftctl([
        "-o",
        "json",
        "endpoint",
        "health",
        "--cluster",
        "--endpoints",
        &one,
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let j = r.json();
    assert_eq!(j["healthy"], true);
    assert_eq!(j["endpoints"].as_array().unwrap().len(), 3, "{j}");
    let r = raftctl(["--endpoints", &one, "-o", "json", "endpoint", "status"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(
        r.json()["nodes"].as_array().unwrap().len(),
        1,
        "{}",
        r.stdout
    );
    let r = raftctl([
        "--endpoints",
        &one,
        "-o",
        "json",
        "endpoint",
        "status",
        "--cluster",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(
        r.json()["nodes"].as_array().unwrap().len(),
        3,
        "{}",
        r.stdout
    );
    let status = raftctl(["--endpoints", &one, "-o", "json", "status"]);
    assert_eq!(status.json()["nodes"].as_array().unwrap().len(), 3);
    // etcdctl's fields: one block per member.
    let r = raftctl([
        "--endpoints",
        &one,
        "-w",
        "fields",
        "endpoint",
        "status",
        "--cluster",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(r.stdout.matches("\"role\" : ").count(), 3, "{}", r.stdout);
    assert_eq!(r.stdout.matches("\n\n").count(), 2, "{}", r.stdout);
    assert!(r.stdout.starts_with("\"id\" : "), "{}", r.stdout);

    // move-leader = leader transfer --to.
    let to = c
        .members
        .iter()
        .map(|m| m.id)
        .find(|&id| id != leader)
        .unwrap();
    let r = raftctl([
        "--endpoints",
        &all,
        "-o",
        "json",
        "move-leader",
        &to.to_string(),
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let j = r.json();
    assert_eq!(
        (j["from"].as_u64(), j["to"].as_u64()),
        (Some(leader), Some(to)),
        "{j}"
    );
    assert_eq!(c.wait_for_leader(), to);
    let r = raftctl(["--endpoints", &all, "move-leader", "99"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(r.stderr.contains("unknown node id 99"), "{}", r.stderr);

    // A member down: its line says so, the others stay healthy, exit 1, within a second.
    let victim = c.members.iter().map(|m| m.id).find(|&id| id != to).unwrap();
    c.kill(victim);
    let dead = c.member(victim).api.clone();
    let live = c.member(to).api.clone();
    let start = Instant::now();
    let r = raftctl(["--endpoints", &live, "endpoint", "health", "--cluster"]);
    let took = start.elapsed();
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stdout.contains(&format!("{dead} is unhealthy: ")),
        "{}",
        r.stdout
    );
    assert_eq!(r.stdout.matches(" is healthy: ").count(), 2, "{}", r.stdout);
    assert_eq!(r.stderr, "raftctl: unhealthy: 1 of 3 endpoint(s)\n");
    assert!(
        took < Duration::from_secs(1),
        "endpoint health took {took:?}"
    );
    let r = raftctl(["--endpoints", &dead, "-o", "json", "endpoint", "health"]);
    assert_eq!(r.code, 1);
    let j = r.json();
    assert_eq!(j["healthy"], false);
    assert_eq!(j["endpoints"][0]["health"], false);
    assert!(
        j["endpoints"][0]["error"].as_str().unwrap().contains(&dead),
        "{j}"
    );
    c.spawn(victim);
    c.wait_for_leader();
    c.stop_and_check();
}
