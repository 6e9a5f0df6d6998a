//! `raftctl completions SHELL` and `raftctl man`: generated from the clap definitions, the same
//! files that are committed under completions/ and man/.

use std::io::Write;
use std::path::Path;

use anyhow::Context;
use clap::CommandFactory;

use super::Outcome;
use crate::cli::Args;

pub fn completions(shell: clap_complete::Shell, out: &mut dyn Write) -> anyhow::Result<Outcome> {
    out.write_all(&completion_script(shell))?;
    Ok(Outcome::Ok)
}

/// The completion script for `shell`.
pub fn completion_script(shell: clap_complete::Shell) -> Vec<u8> {
    let mut buf = Vec::new();
    clap_complete::generate(shell, &mut Args::command(), "raftctl", &mut buf);
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
    let mut cmd = Args::command();
    cmd.build();
    let mut pages = Vec::new();
    collect(&cmd, "raftctl", &mut pages)?;
    Ok(pages)
}

fn collect(
    cmd: &clap::Command,
    name: &str,
    pages: &mut Vec<(String, Vec<u8>)>,
) -> anyhow::Result<()> {
    let mut buf = Vec::new();
    let page_cmd = cmd.clone().name(name.to_string());
    clap_mangen::Man::new(page_cmd).render(&mut buf)?;
    pages.push((format!("{name}.1"), buf));
    for sub in cmd.get_subcommands().filter(|s| s.get_name() != "help") {
        collect(sub, &format!("{name}-{}", sub.get_name()), pages)?;
    }
    Ok(())
}
