//! `raftctl completions SHELL` and `raftctl man`: generated from the clap definitions, the same
//! files that are committed under completions/ and man/. A man page is clap_mangen's sections
//! (NAME, SYNOPSIS, DESCRIPTION, OPTIONS, SUBCOMMANDS) followed by raftctl's own EXAMPLES
//! (the table `--help` shows), ENVIRONMENT and EXIT STATUS.

use std::io::Write;
use std::path::Path;

use anyhow::Context;
use clap_mangen::roff::{Roff, bold, roman};

use super::Outcome;
use crate::cli::{examples, net};

pub fn completions(shell: clap_complete::Shell, out: &mut dyn Write) -> anyhow::Result<Outcome> {
    out.write_all(&completion_script(shell))?;
    Ok(Outcome::Ok)
}

/// The completion script for `shell`.
pub fn completion_script(shell: clap_complete::Shell) -> Vec<u8> {
    let mut buf = Vec::new();
    clap_complete::generate(
        shell,
        &mut crate::cli::completion_command(),
        "raftctl",
        &mut buf,
    );
    buf
}

pub fn man(dir: Option<&Path>, out: &mut dyn Write) -> anyhow::Result<Outcome> {
    match dir {
        None => out.write_all(&man_pages()?.remove(0).1)?,
        Some(dir) => {
            std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
            for (name, page) in man_pages()? {
                let p = dir.join(&name);
                std::fs::write(&p, page).with_context(|| format!("writing {}", p.display()))?;
            }
        }
    }
    Ok(Outcome::Ok)
}

/// Every man page: raftctl.1 first, then one per command and subcommand.
pub fn man_pages() -> anyhow::Result<Vec<(String, Vec<u8>)>> {
    // Without clap's `help` subcommand: it has no page of its own to refer to.
    let mut cmd = crate::cli::command().disable_help_subcommand(true);
    cmd.build();
    let mut pages = Vec::new();
    collect(&cmd, &mut Vec::new(), &mut pages)?;
    Ok(pages)
}

fn collect(
    cmd: &clap::Command,
    path: &mut Vec<String>,
    pages: &mut Vec<(String, Vec<u8>)>,
) -> anyhow::Result<()> {
    let name = std::iter::once("raftctl")
        .chain(path.iter().map(String::as_str))
        .collect::<Vec<_>>()
        .join("-");
    let p: Vec<&str> = path.iter().map(String::as_str).collect();
    pages.push((format!("{name}.1"), page(cmd, &name, &p)?));
    for sub in cmd.get_subcommands().filter(|s| s.get_name() != "help") {
        path.push(sub.get_name().to_string());
        collect(sub, path, pages)?;
        path.pop();
    }
    Ok(())
}

fn page(cmd: &clap::Command, name: &str, path: &[&str]) -> anyhow::Result<Vec<u8>> {
    let man = clap_mangen::Man::new(cmd.clone().name(name.to_string()));
    let mut buf = Vec::new();
    man.render_title(&mut buf)?;
    man.render_name_section(&mut buf)?;
    man.render_synopsis_section(&mut buf)?;
    man.render_description_section(&mut buf)?;
    if cmd.get_arguments().any(|a| !a.is_hide_set()) {
        man.render_options_section(&mut buf)?;
    }
    if cmd.get_subcommands().any(|s| !s.is_hide_set()) {
        man.render_subcommands_section(&mut buf)?;
    }
    let mut roff = Roff::default();
    examples_section(&mut roff, path);
    environment_section(&mut roff, cmd, path);
    exit_status_section(&mut roff, path);
    roff.to_writer(&mut buf)?;
    man.render_version_section(&mut buf)?;
    Ok(one_preamble(&buf))
}

/// The page with roff's two-line preamble (which each section rendered apart starts with)
/// only at its top.
fn one_preamble(page: &[u8]) -> Vec<u8> {
    const PREAMBLE: &str = ".ie \\n(.g .ds Aq \\(aq\n.el .ds Aq '\n";
    let text = String::from_utf8_lossy(page);
    let rest = text
        .strip_prefix(PREAMBLE)
        .unwrap_or(&text)
        .replace(PREAMBLE, "");
    format!("{PREAMBLE}{rest}").into_bytes()
}

fn examples_section(roff: &mut Roff, path: &[&str]) {
    let list = examples::of(path);
    if list.is_empty() {
        return;
    }
    roff.control("SH", ["EXAMPLES"]);
    for e in list {
        roff.control("PP", []);
        roff.text([roman(e.what)]);
        roff.control("PP", []);
        roff.control("RS", ["4"]);
        roff.control("nf", []);
        roff.text([bold(e.line)]);
        roff.control("fi", []);
        roff.control("RE", []);
    }
}

/// The variables a command reads: the cluster options' (for those that take them), NO_COLOR
/// where there is colour, COLUMNS where tables fit the terminal.
fn environment(cmd: &clap::Command, path: &[&str]) -> Vec<(&'static str, &'static str)> {
    let mut takes_all = false;
    let mut takes_dir = false;
    let mut leaves = Vec::new();
    leaf_paths(cmd, &mut path.to_vec(), &mut leaves);
    for l in &leaves {
        match net::takes(l) {
            net::Takes::All => takes_all = true,
            net::Takes::ClusterDir => takes_dir = true,
            net::Takes::Nothing => {}
        }
    }
    let mut vars = Vec::new();
    if takes_all {
        vars.push((
            "RAFTCTL_ENDPOINTS",
            "The members' API addresses, HOST:PORT,… (as --endpoints).",
        ));
        vars.push((
            "ETCDCTL_ENDPOINTS",
            "Read as the endpoints when neither --endpoints nor RAFTCTL_ENDPOINTS is given.",
        ));
    }
    if takes_all || takes_dir {
        vars.push((
            "RAFTCTL_CLUSTER",
            "The local cluster's directory (as --cluster-dir; default raftctl-cluster).",
        ));
    }
    if takes_all {
        vars.push(("RAFTCTL_DIAL_TIMEOUT", "As --dial-timeout (default 2s)."));
        vars.push((
            "RAFTCTL_COMMAND_TIMEOUT",
            "As --command-timeout (default 10s).",
        ));
    }
    let any = |f: &dyn Fn(&[&str]) -> bool| leaves.iter().any(|l| f(l));
    if any(&|l| matches!(l, ["top"] | ["node"])) {
        vars.push((
            "NO_COLOR",
            "When set, no colour: top's dashboard and a member's log on a terminal.",
        ));
    }
    if any(&|l| matches!(l, ["wal", _] | ["snap", _])) {
        vars.push((
            "COLUMNS",
            "The width tables fit when stdout is not a terminal (a terminal's own width wins); \
             unset, piped output has whole lines.",
        ));
    }
    vars
}

fn leaf_paths<'a>(cmd: &'a clap::Command, path: &mut Vec<&'a str>, out: &mut Vec<Vec<&'a str>>) {
    let subs: Vec<&clap::Command> = cmd
        .get_subcommands()
        .filter(|s| s.get_name() != "help")
        .collect();
    if subs.is_empty() {
        out.push(path.clone());
    }
    for s in subs {
        path.push(s.get_name());
        leaf_paths(s, path, out);
        path.pop();
    }
}

fn environment_section(roff: &mut Roff, cmd: &clap::Command, path: &[&str]) {
    let vars = environment(cmd, path);
    if vars.is_empty() {
        return;
    }
    roff.control("SH", ["ENVIRONMENT"]);
    for (name, what) in vars {
        roff.control("TP", []);
        roff.text([bold(name)]);
        roff.text([roman(what)]);
    }
}

/// What exit status 1 means for the command at `path`.
fn failure(path: &[&str]) -> &'static str {
    match path {
        [] => {
            "The operation failed or found a problem: a corrupt WAL, an unreachable member, a \
               missing key, an unhealthy endpoint."
        }
        ["wal", "verify"] => "The WAL has an error (a torn tail is one); warnings alone exit 0.",
        ["wal", "dump"] => {
            "The WAL does not read cleanly to its end (after printing what it could)."
        }
        ["wal", "diff"] => {
            "Committed entries differ, a side does not read to its end, or the two \
                            are of different clusters."
        }
        ["wal", "repair"] => {
            "Nothing was cut: the damage is not a torn tail, or the path is not a WAL."
        }
        ["snap", _] => "A .snap file has a problem, or none could be read.",
        ["get"] => "The key does not exist, or no member answered.",
        ["status"] | ["cluster", "status"] | ["endpoint", "status"] => {
            "No leader is reachable (the table still shows every member that answered)."
        }
        ["endpoint", "health"] => {
            "An endpoint is unhealthy: it did not answer within \
                                   --dial-timeout, or it knows no leader."
        }
        ["bench"] => "A request failed.",
        ["node"] => "The member stopped on an error (its data dir is refused, a port is taken).",
        ["completions"] | ["man"] => "A file could not be written.",
        _ => "The operation failed: no member answered, the cluster refused it, or it timed out.",
    }
}

fn exit_status_section(roff: &mut Roff, path: &[&str]) {
    roff.control("SH", ["EXIT STATUS"]);
    let mut codes: Vec<(&str, &str)> = vec![
        ("0", "Success."),
        ("1", failure(path)),
        (
            "2",
            "A usage error: a flag, argument or value that cannot be right.",
        ),
    ];
    if matches!(path, [] | ["top"]) {
        codes.push(("130", "top was stopped by Ctrl-C (SIGINT)."));
    }
    for (code, what) in codes {
        roff.control("TP", []);
        roff.text([bold(code)]);
        roff.text([roman(what)]);
    }
}
