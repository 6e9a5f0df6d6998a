//! Member processes: started detached (own process group, output to a log file in the
//! cluster dir), found again by pid, stopped with SIGTERM (SIGKILL after a grace period).

use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::manifest::{Manifest, MemberEntry};

/// The command line of member `m` of cluster `c`.
pub fn node_command(exe: &Path, c: &Manifest, m: &MemberEntry) -> Command {
    let mut cmd = Command::new(exe);
    cmd.arg("node")
        .args(["--id", &m.id.to_string()])
        .arg("--data-dir")
        .arg(&m.data_dir)
        .args([
            "--listen-peer",
            &m.peer,
            "--listen-api",
            &m.api,
            "--initial-cluster",
            &c.initial_cluster(),
        ])
        .args(&c.node_flags);
    if let Some(t) = &c.tls {
        let own = t.member(m.id);
        let ca = t.ca();
        for (flag, path) in [
            ("--peer-cert", &own.cert),
            ("--peer-key", &own.key),
            ("--peer-ca", &ca),
            ("--api-cert", &own.cert),
            ("--api-key", &own.key),
            ("--api-ca", &ca),
        ] {
            cmd.arg(flag).arg(path);
        }
    }
    if m.joined {
        cmd.args(["--join", "--cluster-id", &c.cluster_id]);
    }
    cmd
}

/// Starts member `m` detached (it outlives this process); returns the child, whose exit
/// this process can see while it waits for the member to come up.
pub fn spawn(exe: &Path, c: &Manifest, m: &MemberEntry) -> std::io::Result<Child> {
    if let Some(t) = &c.tls {
        t.ensure_member(m).map_err(std::io::Error::other)?;
    }
    let log = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&m.log)?;
    let mut cmd = node_command(exe, c, m);
    if let Some(ns) = c.netns_of(m.id) {
        join_netns(&mut cmd, &ns)?;
    }
    cmd.stdin(Stdio::null())
        .stdout(log.try_clone()?)
        .stderr(log)
        .process_group(0);
    cmd.spawn()
}

/// Makes `cmd` run in the network namespace `name` (`/run/netns/<name>`, as `ip netns`
/// makes them): the child joins it with setns(2) between fork and exec, so the pid that
/// `spawn` returns is the command's own (no `ip netns exec` in between, whose pid would
/// briefly be another program's), and the parent stays where it is.
pub fn join_netns(cmd: &mut Command, name: &str) -> std::io::Result<()> {
    let path = Path::new("/run/netns").join(name);
    let ns = std::fs::File::open(&path)
        .map_err(|e| std::io::Error::new(e.kind(), format!("{}: {e}", path.display())))?;
    // SAFETY: the closure runs in the child between fork and exec and only calls setns(2),
    // which is async-signal-safe; `ns` is moved in, so its descriptor is open until the
    // command is dropped (it is close-on-exec: the member does not inherit it).
    unsafe {
        cmd.pre_exec(move || {
            if libc::setns(std::os::fd::AsRawFd::as_raw_fd(&ns), libc::CLONE_NEWNET) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    Ok(())
}

/// Whether a child started by this process has exited (then it says how).
pub fn exited(child: &mut Child) -> Option<String> {
    match child.try_wait() {
        Ok(Some(status)) => Some(status.to_string()),
        Ok(None) => None,
        Err(e) => Some(e.to_string()),
    }
}

/// Whether `pid` is a live `raftctl node` process for member `id` (not a reused pid).
pub fn is_member_process(pid: u32, id: u64, data_dir: &Path) -> bool {
    let Ok(cmdline) = std::fs::read(format!("/proc/{pid}/cmdline")) else {
        return false;
    };
    if let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        // A zombie (exited, not yet reaped) is not running.
        if zombie(&stat) {
            return false;
        }
    }
    let args: Vec<&[u8]> = cmdline.split(|b| *b == 0).collect();
    let has = |a: &[u8]| args.contains(&a);
    let pair = |k: &[u8], v: &[u8]| args.windows(2).any(|w| w[0] == k && w[1] == v);
    // A reused pid, or member `id` of another cluster, is not ours.
    has(b"node")
        && pair(b"--id", id.to_string().as_bytes())
        && pair(b"--data-dir", data_dir.as_os_str().as_encoded_bytes())
}

pub fn alive(m: &MemberEntry) -> bool {
    m.pid
        .is_some_and(|p| is_member_process(p, m.id, &m.data_dir))
}

fn signal(pid: u32, sig: i32) {
    // SAFETY: kill(2) on a pid we started, checked to still be that member's process.
    unsafe {
        libc::kill(pid as libc::pid_t, sig);
    }
}

/// SIGKILL at once.
pub fn kill(m: &MemberEntry) {
    if let Some(pid) = m.pid.filter(|_| alive(m)) {
        signal(pid, libc::SIGKILL);
        wait_gone(m, Duration::from_secs(5));
    }
}

/// SIGSTOP (a pause: the member keeps its sockets and state, and answers nothing). True when
/// it was running.
pub fn pause(m: &MemberEntry) -> bool {
    match m.pid.filter(|_| alive(m)) {
        Some(pid) => {
            signal(pid, libc::SIGSTOP);
            true
        }
        None => false,
    }
}

/// SIGCONT: ends a pause (nothing happens to a member that is not paused).
pub fn resume(m: &MemberEntry) {
    if let Some(pid) = m.pid.filter(|_| alive(m)) {
        signal(pid, libc::SIGCONT);
    }
}

/// Collects the exit of `pid` if it is a child of this process that has exited, so that no
/// zombie is left behind (a member this process started and killed).
pub fn reap(pid: u32) {
    let mut status = 0;
    // SAFETY: waitpid(2) with WNOHANG on one pid: it never blocks, and only reaps that pid.
    unsafe {
        libc::waitpid(pid as libc::pid_t, &mut status, libc::WNOHANG);
    }
}

/// SIGTERM, then SIGKILL if it has not exited within `grace`. True when it had to be killed.
pub fn stop(m: &MemberEntry, grace: Duration) -> bool {
    let Some(pid) = m.pid.filter(|_| alive(m)) else {
        return false;
    };
    signal(pid, libc::SIGTERM);
    if wait_gone(m, grace) {
        return false;
    }
    signal(pid, libc::SIGKILL);
    wait_gone(m, Duration::from_secs(5));
    true
}

/// Waits until the member's process has gone: no longer there, or a zombie. Not "no longer
/// our member" by its command line: a process being torn down loses its memory (and so its
/// `/proc/PID/cmdline`) before it closes its files, and a restart in that window finds the
/// member's ports still taken ("Address already in use").
fn wait_gone(m: &MemberEntry, within: Duration) -> bool {
    let Some(pid) = m.pid else {
        return true;
    };
    let start = Instant::now();
    while start.elapsed() < within {
        if !running(pid) {
            return true;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    !running(pid)
}

/// Whether process `pid` exists and is not a zombie (one that exited has closed its files).
fn running(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|stat| !zombie(&stat))
}

/// Whether a `/proc/PID/stat` line is a zombie's (the state follows the command's `)`).
fn zombie(stat: &str) -> bool {
    stat.rsplit(')')
        .next()
        .is_some_and(|rest| rest.trim_start().starts_with('Z'))
}

/// The last `n` lines of a member's log (to say why it died).
pub fn log_tail(m: &MemberEntry, n: usize) -> String {
    let s = std::fs::read_to_string(&m.log).unwrap_or_default();
    let lines: Vec<&str> = s.lines().collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zombies_are_told_by_the_state_after_the_command() {
        assert!(zombie("4242 (raftctl) Z 1 4242"));
        assert!(!zombie("4242 (raftctl) S 1 4242"));
        assert!(
            !zombie("4242 (a) Z (b) R 1"),
            "the last ')' ends the command"
        );
        assert!(running(std::process::id()));
    }
}
