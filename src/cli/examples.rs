//! Each command's examples, in one table: `--help` shows them after the options and the man
//! pages have them as EXAMPLES. A unit test parses every example's raftctl command line, so an
//! example that stops parsing fails the build's tests.

/// One example: what it does, and the line to type.
#[derive(Debug, Clone, Copy)]
pub struct Example {
    pub what: &'static str,
    pub line: &'static str,
}

/// An [`Example`] literal (a struct expression, so that the tables below are promoted to
/// statics).
macro_rules! ex {
    ($what:expr, $line:expr $(,)?) => {
        Example {
            what: $what,
            line: $line,
        }
    };
}

/// The examples of the command at `path` (its names from the top; empty for raftctl itself).
pub fn of(path: &[&str]) -> &'static [Example] {
    match path {
        [] => &[
            ex!(
                "Boot a local 3-member cluster, write, read, watch it",
                "raftctl cluster up && raftctl put greeting hello && raftctl get greeting",
            ),
            ex!("The live dashboard", "raftctl top"),
            ex!(
                "Members elsewhere (ETCDCTL_ENDPOINTS is read too)",
                "raftctl --endpoints 10.0.0.1:7379,10.0.0.2:7379 endpoint health",
            ),
            ex!(
                "Check a real etcd member's WAL",
                "raftctl wal verify /var/lib/etcd"
            ),
        ],
        ["cluster"] => &[
            ex!("Start a local cluster", "raftctl cluster up"),
            ex!(
                "Kill member 2, then start it again",
                "raftctl cluster kill 2 && raftctl cluster start 2"
            ),
            ex!(
                "Stop everything and delete the cluster dir",
                "raftctl cluster down --purge"
            ),
        ],
        ["cluster", "up"] => &[
            ex!(
                "3 members on free ports of 127.0.0.1, in ./raftctl-cluster",
                "raftctl cluster up",
            ),
            ex!(
                "5 members on ports 7100 and up, in another dir",
                "raftctl cluster up --nodes 5 --base-port 7100 --cluster-dir /tmp/c5",
            ),
            ex!(
                "Members that take fault injection, stopped by Ctrl-C",
                "raftctl cluster up --allow-faults --foreground",
            ),
        ],
        ["cluster", "down"] => &[
            ex!("Stop every member, keep the data", "raftctl cluster down"),
            ex!(
                "Stop, and delete data, logs and cluster.json",
                "raftctl cluster down --purge"
            ),
        ],
        ["cluster", "kill"] => &[ex!(
            "Crash member 2 (SIGKILL), write, bring it back",
            "raftctl cluster kill 2 && raftctl put k v && raftctl cluster start 2",
        )],
        ["cluster", "status"] => &[ex!(
            "Every member of the local cluster (the same as `raftctl status`)",
            "raftctl cluster status",
        )],
        ["status"] => &[
            ex!("Every member of the local cluster", "raftctl status"),
            ex!(
                "One member's address is enough: every member it knows is shown",
                "raftctl --endpoints 10.0.0.1:7379 status",
            ),
            ex!(
                "Role and commit index of each, for a script",
                "raftctl -o json status | jq '.nodes[] | {id, role, commit}'",
            ),
        ],
        ["top"] => &[
            ex!("The dashboard of the local cluster", "raftctl top"),
            ex!("Poll once a second", "raftctl top --interval 1s"),
            ex!(
                "One snapshot as JSON (also what a pipe gets)",
                "raftctl top --once -o json"
            ),
        ],
        ["put"] => &[
            ex!("Write a value", "raftctl put greeting hello"),
            ex!(
                "The value from a file (stdin)",
                "raftctl put config - < config.json"
            ),
            ex!("The value from a pipe", "date | raftctl put last-run"),
        ],
        ["get"] => &[
            ex!(
                "Print the raw value (exit 1 when missing)",
                "raftctl get greeting"
            ),
            ex!("In a script", "v=$(raftctl get greeting) || echo missing"),
            ex!(
                "From the member's own state, without a ReadIndex round",
                "raftctl get --serializable greeting",
            ),
            ex!(
                "As JSON: {\"key\",\"found\",\"value\"}",
                "raftctl -o json get greeting",
            ),
        ],
        ["chaos"] => &[
            ex!(
                "One minute of every fault on a 3-member cluster it boots",
                "raftctl chaos",
            ),
            ex!(
                "Replay a schedule, keep the evidence if it fails",
                "raftctl chaos --seed 42 --duration 3m --report chaos-42",
            ),
            ex!(
                "The schedule a seed gives, without running it",
                "raftctl chaos --seed 42 --plan",
            ),
            ex!(
                "Partitions and loss against a running cluster (started with --allow-faults)",
                "raftctl chaos --endpoints 127.0.0.1:7379 --faults partition,loss -o json",
            ),
        ],
        ["bench"] => &[
            ex!(
                "64 clients for 10 seconds",
                "raftctl bench --clients 64 --duration 10s"
            ),
            ex!(
                "10,000 requests, 90% serializable reads",
                "raftctl bench --count 10000 --read-ratio 0.9 --serializable",
            ),
            ex!(
                "Throughput only, for a script",
                "raftctl -o json bench --duration 5s | jq .ops_per_sec",
            ),
        ],
        ["member"] => &[
            ex!("List the members", "raftctl member list"),
            ex!("Add a member (local: starts it too)", "raftctl member add"),
            ex!(
                "Replace member 2 by member 4 in one change",
                "raftctl member change --add 4 --remove 2"
            ),
        ],
        ["member", "list"] => &[
            ex!("The members and their roles", "raftctl member list"),
            ex!("As JSON", "raftctl -o json member list"),
        ],
        ["member", "add"] => &[
            ex!(
                "Local cluster: start the next member, wait until it caught up, promote it",
                "raftctl member add",
            ),
            ex!("A learner that stays one", "raftctl member add --learner"),
            ex!(
                "A member on another machine (then run the `raftctl node` command it prints there)",
                "raftctl --endpoints 10.0.0.1:7379 member add --id 4 --peer 10.0.0.4:7380 --api 10.0.0.4:7379",
            ),
        ],
        ["member", "remove"] => &[ex!(
            "Remove member 3 (a leader hands over first)",
            "raftctl member remove 3",
        )],
        ["member", "promote"] => &[ex!(
            "Make learner 4 a voter",
            "raftctl member add --learner && raftctl member promote 4",
        )],
        ["member", "change"] => &[
            ex!(
                "Replace member 2 by member 4 through joint consensus",
                "raftctl member change --add 4 --remove 2",
            ),
            ex!(
                "Add two members at once, one as a learner",
                "raftctl member change --add 4 --add 5:learner",
            ),
        ],
        ["leader"] | ["leader", "transfer"] => &[
            ex!("To the most caught-up follower", "raftctl leader transfer"),
            ex!("To member 3", "raftctl leader transfer --to 3"),
            ex!(
                "How long it took, for a script",
                "raftctl -o json leader transfer | jq .elapsed_ms",
            ),
        ],
        ["move-leader"] => &[ex!("Hand leadership to member 3", "raftctl move-leader 3")],
        ["endpoint"] => &[
            ex!(
                "Is every member healthy? (exit 1 if not)",
                "raftctl endpoint health --cluster"
            ),
            ex!(
                "Each endpoint's role, term and indexes",
                "raftctl endpoint status"
            ),
        ],
        ["endpoint", "status"] => &[
            ex!("The local cluster's members", "raftctl endpoint status"),
            ex!(
                "Every member the cluster knows, from one address",
                "raftctl --endpoints 10.0.0.1:7379 endpoint status --cluster",
            ),
            ex!("As JSON, etcdctl's flag", "raftctl -w json endpoint status"),
        ],
        ["endpoint", "health"] => &[
            ex!(
                "A monitoring probe: exit 1 when any member is unhealthy",
                "raftctl endpoint health --cluster --dial-timeout 500ms",
            ),
            ex!(
                "The endpoints given only",
                "raftctl --endpoints 10.0.0.1:7379,10.0.0.2:7379 endpoint health",
            ),
            ex!("As JSON", "raftctl -w json endpoint health"),
        ],
        ["node"] => &[
            ex!(
                "Member 1 of 3 on this machine (2 and 3 alike, with their own ports and dirs)",
                "raftctl node --id 1 --data-dir n1 --listen-peer 127.0.0.1:7101 --listen-api 127.0.0.1:7201 --initial-cluster 1=127.0.0.1:7101,2=127.0.0.1:7102,3=127.0.0.1:7103",
            ),
            ex!(
                "A member added with `member add --id 4 …` joins (member add prints this line)",
                "raftctl node --id 4 --data-dir n4 --listen-peer 10.0.0.4:7380 --listen-api 10.0.0.4:7379 --initial-cluster 1=10.0.0.1:7380,4=10.0.0.4:7380 --join --cluster-id 7b28881f697127cd",
            ),
        ],
        ["wal"] => &[
            ex!("Check a member's WAL", "raftctl wal verify /var/lib/etcd"),
            ex!("Its entries", "raftctl wal dump /var/lib/etcd"),
        ],
        ["wal", "dump"] => &[
            ex!(
                "Entries 100 to 200 of an etcd member",
                "raftctl wal dump /var/lib/etcd --from-index 100 --to-index 200",
            ),
            ex!(
                "Every physical record, with file, offset and CRC",
                "raftctl wal dump --raw n1"
            ),
            ex!(
                "Membership changes as JSON Lines",
                "raftctl -o json wal dump n1 --type EntryConfChange,EntryConfChangeV2",
            ),
            ex!(
                "What etcd replays after its newest snapshot",
                "raftctl wal dump --from-snap n1"
            ),
        ],
        ["wal", "verify"] => &[
            ex!(
                "An etcd member's data dir",
                "raftctl wal verify /var/lib/etcd"
            ),
            ex!(
                "Every member of the local cluster",
                "for d in raftctl-cluster/n*/; do raftctl wal verify \"$d\"; done",
            ),
            ex!(
                "The errors only, for a script",
                "raftctl -o json wal verify n1 | jq '.problems[] | select(.severity == \"error\")'",
            ),
        ],
        ["wal", "repair"] => &[
            ex!(
                "Say what would be cut, change nothing",
                "raftctl wal repair --dry-run n1"
            ),
            ex!(
                "Cut the torn tail (the segment is kept as .broken)",
                "raftctl wal repair n1"
            ),
        ],
        ["wal", "diff"] => &[ex!(
            "Where two members' logs part",
            "raftctl wal diff raftctl-cluster/n1 raftctl-cluster/n2",
        )],
        ["snap"] => &[
            ex!(
                "Every .snap of a member",
                "raftctl snap verify /var/lib/etcd"
            ),
            ex!(
                "One file, with its keys",
                "raftctl snap dump n1/member/snap/0000000000000002-0000000000000bbb.snap",
            ),
        ],
        ["snap", "verify"] => &[
            ex!(
                "Every .snap of an etcd member",
                "raftctl snap verify /var/lib/etcd"
            ),
            ex!("A member's snap dir", "raftctl snap verify n1/member/snap"),
        ],
        ["snap", "dump"] => &[ex!(
            "One file, with its keys",
            "raftctl snap dump n1/member/snap/0000000000000002-0000000000000bbb.snap",
        )],
        ["doctor"] => &[
            ex!(
                "Three etcd members after a power cut",
                "raftctl doctor /srv/etcd1 /srv/etcd2 /srv/etcd3",
            ),
            ex!(
                "A local cluster's members, for a script",
                "raftctl doctor -o json raftctl-cluster/n1 raftctl-cluster/n2 raftctl-cluster/n3",
            ),
        ],
        ["recover"] | ["recover", "force-new-cluster"] => &[
            ex!(
                "Read the plan first: what is dropped, who is removed, the new commit",
                "raftctl recover force-new-cluster --dry-run /var/lib/etcd",
            ),
            ex!(
                "Do it (the member dir is copied aside first), then start etcd normally",
                "raftctl recover force-new-cluster /var/lib/etcd",
            ),
        ],
        ["completions"] => &[
            ex!(
                "bash",
                "raftctl completions bash > ~/.local/share/bash-completion/completions/raftctl"
            ),
            ex!(
                "zsh (a dir in $fpath)",
                "raftctl completions zsh > ~/.zfunc/_raftctl"
            ),
            ex!(
                "fish",
                "raftctl completions fish > ~/.config/fish/completions/raftctl.fish"
            ),
        ],
        ["man"] => &[
            ex!("Read the page now", "raftctl man | man -l -"),
            ex!(
                "Install every page",
                "raftctl man --dir ~/.local/share/man/man1 && man raftctl-wal-dump",
            ),
        ],
        _ => &[],
    }
}

/// The `--help` text of `path`'s examples, or `None` when it has none.
pub fn help_text(path: &[&str]) -> Option<String> {
    let list = of(path);
    if list.is_empty() {
        return None;
    }
    let mut s = String::from("Examples:\n");
    for (i, e) in list.iter().enumerate() {
        if i > 0 {
            s.push('\n');
        }
        s.push_str(&format!("  # {}\n  {}\n", e.what, e.line));
    }
    Some(s.trim_end().to_string())
}

/// The raftctl command lines in an example line, as arguments (without `raftctl`): the words
/// after each `raftctl` up to the shell's next operator, quotes removed.
pub fn invocations(line: &str) -> Vec<Vec<String>> {
    let mut words = Vec::new();
    let mut cur = String::new();
    let mut quote: Option<char> = None;
    for c in line.chars() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), c) => cur.push(c),
            (None, '\'' | '"') => quote = Some(c),
            (None, c) if c.is_whitespace() => {
                if !cur.is_empty() {
                    words.push(std::mem::take(&mut cur));
                }
            }
            (None, c) => cur.push(c),
        }
    }
    if !cur.is_empty() {
        words.push(cur);
    }
    let ops = ["|", "||", "&&", ";", "<", ">", "2>", "done"];
    let mut out = Vec::new();
    let mut i = 0;
    while i < words.len() {
        let w = words[i].trim_start_matches("v=$(");
        if w == "raftctl" {
            let mut args = Vec::new();
            i += 1;
            while i < words.len() && !ops.contains(&words[i].as_str()) {
                let a = words[i].trim_end_matches(';').trim_end_matches(')');
                args.push(a.to_string());
                let ends = words[i].ends_with(';') || words[i].ends_with(')');
                i += 1;
                if ends {
                    break;
                }
            }
            out.push(args);
        } else {
            i += 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn paths(cmd: &clap::Command, path: &mut Vec<String>, all: &mut Vec<Vec<String>>) {
        all.push(path.clone());
        for sc in cmd.get_subcommands().filter(|s| s.get_name() != "help") {
            path.push(sc.get_name().to_string());
            paths(sc, path, all);
            path.pop();
        }
    }

    /// Item 26 of issue 8 ("no examples anywhere"): every example parses as written, and every
    /// command with a use that is not obvious has some.
    #[test]
    fn every_example_parses() {
        let mut all = Vec::new();
        paths(&crate::cli::command(), &mut Vec::new(), &mut all);
        let mut with_examples = 0;
        for p in &all {
            let p: Vec<&str> = p.iter().map(String::as_str).collect();
            for e in of(&p) {
                let inv = invocations(e.line);
                assert!(!inv.is_empty(), "{p:?}: no raftctl in {:?}", e.line);
                for args in inv {
                    let argv = std::iter::once("raftctl".to_string()).chain(args.clone());
                    if let Err(err) = crate::cli::parse_from(argv) {
                        panic!(
                            "{p:?}: example `raftctl {}` does not parse: {err}",
                            args.join(" ")
                        );
                    }
                }
                assert!(
                    e.line.contains(&p.join(" ")),
                    "{p:?}: {:?} is not about it",
                    e.line
                );
            }
            if !of(&p).is_empty() {
                with_examples += 1;
            }
        }
        for needs in [
            &[][..],
            &["cluster", "up"],
            &["status"],
            &["put"],
            &["get"],
            &["bench"],
            &["member", "add"],
            &["member", "change"],
            &["leader", "transfer"],
            &["endpoint", "health"],
            &["endpoint", "status"],
            &["node"],
            &["wal", "dump"],
            &["wal", "verify"],
            &["wal", "repair"],
            &["completions"],
            &["man"],
        ] {
            assert!(!of(needs).is_empty(), "{needs:?} has no examples");
        }
        assert!(with_examples > 20);
    }

    #[test]
    fn invocations_split_shell_lines() {
        assert_eq!(
            invocations("v=$(raftctl get greeting) || echo missing"),
            vec![vec!["get".to_string(), "greeting".into()]]
        );
        assert_eq!(
            invocations("for d in x/n*/; do raftctl wal verify \"$d\"; done"),
            vec![vec!["wal".to_string(), "verify".into(), "$d".into()]]
        );
        assert_eq!(
            invocations("raftctl -o json status | jq '.nodes[] | {id}'"),
            vec![vec!["-o".to_string(), "json".into(), "status".into()]]
        );
        assert_eq!(invocations("raftctl a && raftctl b c").len(), 2);
    }
}
