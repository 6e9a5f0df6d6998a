//! `raftctl leader transfer [--to ID]`.

use std::io::Write;
use std::time::Instant;

use anyhow::bail;

use super::Outcome;
use super::target::{self, Target};
use crate::cli::LeaderCommand;
use crate::output::cluster::TransferReport;
use crate::output::{self, Format};

pub fn run(
    c: LeaderCommand,
    t: &Target,
    format: Format,
    out: &mut dyn Write,
) -> anyhow::Result<Outcome> {
    let LeaderCommand::Transfer { to } = c;
    let to = to
        .map(|t| t.decimal())
        .transpose()
        .map_err(super::UsageError)?;
    let rt = target::runtime()?;
    let (leader, endpoint) = rt.block_on(target::leader(&t.endpoints))?;
    if let Some(id) = to {
        target::known_member(&leader, id)?;
        if leader.learners.contains(&id) {
            bail!("cannot transfer leadership to node {id}: it is a learner");
        }
    }
    let start = Instant::now();
    let label = target::node_label(leader.id, &endpoint);
    let r = rt.block_on(target::client(&endpoint, label).transfer(to))?;
    let report = TransferReport {
        from: r.from,
        to: r.to,
        moved: r.from != r.to,
        elapsed_ms: start.elapsed().as_secs_f64() * 1000.0,
    };
    output::render(&report, format, out)?;
    Ok(Outcome::Ok)
}
