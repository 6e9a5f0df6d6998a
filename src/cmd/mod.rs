//! Runs a parsed command: the only module that combines the others, and the place where
//! errors get their context (the file, node or peer they concern).

mod bench;
mod chaos;
mod cluster;
mod endpoint;
mod etcd;
mod generate;
mod kv;
mod leader;
mod member;
mod node;
mod recover;
mod snap;
mod target;
mod wal;

use std::io::Write;

use crate::cli::{Args, Command};

/// How a command that ran to its end went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Done; nothing wrong.
    Ok,
    /// Done, and it found a problem (already reported in the output): exit 1.
    ProblemFound,
    /// Stopped by Ctrl-C: exit 130, the shell's convention (128 + SIGINT).
    Interrupted,
}

/// A mistake in how raftctl was called that clap cannot see (exit 2).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct UsageError(pub String);

/// `raftctl doctor DIR…`.
fn doctor(
    dirs: &[std::path::PathBuf],
    format: crate::output::Format,
    out: &mut dyn Write,
) -> anyhow::Result<Outcome> {
    for d in dirs {
        if !d.is_dir() {
            anyhow::bail!("{}: not a directory", d.display());
        }
    }
    let report = crate::doctor::examine(dirs);
    let fit = crate::output::Fit {
        width: crate::output::width(),
        base: None,
    };
    crate::output::render_fit(&report, format, out, &fit)?;
    Ok(if report.ok {
        Outcome::Ok
    } else {
        Outcome::ProblemFound
    })
}

pub fn run(args: Args, out: &mut dyn Write) -> anyhow::Result<Outcome> {
    let format = args.output;
    let (dial, command) = (args.net.dial_timeout.0, args.net.command_timeout.0);
    if dial.is_zero() || command.is_zero() {
        return Err(
            UsageError("--dial-timeout and --command-timeout must be above 0".into()).into(),
        );
    }
    target::set_timeouts(target::Timeouts { dial, command });
    if let Some(urls) = &args.net.etcd {
        return etcd::run(args.command, urls, &args.net, format, out);
    }
    if let Some(ca) = &args.net.cacert {
        let identity = args.net.cert.as_ref().zip(args.net.key.as_ref());
        crate::api::client::set_tls(crate::api::client::ClientTls::load(ca, identity)?);
    }
    // raftctl's node ids are decimal: said before looking for the cluster.
    let id = match &args.command {
        Command::Member(crate::cli::MemberCommand::Remove { id })
        | Command::Member(crate::cli::MemberCommand::Promote { id })
        | Command::MoveLeader { id } => Some(id),
        Command::Leader(crate::cli::LeaderCommand::Transfer { to }) => to.as_ref(),
        _ => None,
    };
    if let Some(id) = id {
        id.decimal().map_err(UsageError)?;
    }
    let eps = &args.net.endpoints;
    let dir = args.net.dir.cluster_dir.as_path();
    let target = || target::Target::resolve(eps, dir);
    match args.command {
        Command::Node(a) => node::run(*a),
        Command::Cluster(c) => cluster::run(c, eps, dir, format, out),
        Command::Member(c) => member::run(c, &target()?, format, out),
        Command::Leader(c) => leader::run(c, &target()?, format, out),
        Command::MoveLeader { id } => leader::run(
            crate::cli::LeaderCommand::Transfer { to: Some(id) },
            &target()?,
            format,
            out,
        ),
        Command::Endpoint(c) => endpoint::run(c, &target()?, format, out),
        Command::Status => kv::status(&target()?, format, out),
        Command::Top(a) => {
            check_interval(a.interval.0)?;
            let t = target()?;
            if a.once || !crate::top::interactive() {
                return kv::status(&t, format, out);
            }
            Ok(
                match crate::top::run(
                    crate::top::Source::Raftctl {
                        endpoints: t.endpoints,
                        manifest: t.manifest,
                    },
                    a.interval.0,
                )? {
                    crate::top::Exit::Quit => Outcome::Ok,
                    crate::top::Exit::Interrupted => Outcome::Interrupted,
                },
            )
        }
        Command::Put { key, value } => kv::put(&target()?, &key, value, format, out),
        Command::Get(a) => kv::get(&target()?, &a, format, out),
        Command::Del(a) => kv::del(&target()?, &a, format, out),
        Command::Bench(a) => {
            let settings = bench::Settings::new(&a)?;
            bench::run(&target()?.endpoints, settings, format, out)
        }
        Command::Chaos(a) => chaos::run(*a, eps, format, out),
        Command::Wal(c) => wal::run(c, format, out),
        Command::Snap(c) => snap::run(c, format, out),
        Command::Doctor { dirs } => doctor(&dirs, format, out),
        Command::Recover(c) => recover::run(c, format, out),
        Command::Completions { shell } => generate::completions(shell, out),
        Command::Man { dir } => generate::man(dir.as_deref(), out),
    }
}

/// `top --interval`: each round asks every member, so much less than
/// [`crate::top::MIN_INTERVAL`] only burns a core.
fn check_interval(interval: std::time::Duration) -> anyhow::Result<()> {
    if interval < crate::top::MIN_INTERVAL {
        return Err(UsageError(format!(
            "--interval {}: too short, every round asks each node (use {} or more)",
            crate::cli::HumanDuration(interval),
            crate::cli::HumanDuration(crate::top::MIN_INTERVAL)
        ))
        .into());
    }
    Ok(())
}
