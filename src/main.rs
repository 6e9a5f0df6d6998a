//! The edge: parse, run, and turn the result into an exit code (0 ok, 1 failure or problem
//! found, 2 usage, 130 stopped by Ctrl-C). Errors are printed once, here, as one line
//! (`raftctl: <message>`, or under `-o json` `{"error":"<message>","exit":N}`); a closed stdout
//! pipe exits 0 quietly.

use std::io::{self, BufWriter, Write};
use std::process::ExitCode;

use raftctl::cmd::{self, Outcome, UsageError};
use raftctl::output::{self, Format};

fn main() -> ExitCode {
    let args = match raftctl::cli::parse() {
        Ok(a) => a,
        Err(e) => {
            if !e.use_stderr() {
                // --help, --version.
                let _ = e.print();
                return ExitCode::SUCCESS;
            }
            let format = format_in(std::env::args_os().skip(1));
            match output::error_report(&clap_message(&e), 2, format) {
                Some(report) => eprint!("{report}"),
                None => {
                    let _ = e.print();
                }
            }
            return ExitCode::from(2);
        }
    };
    let format = args.output;
    let mut out = BufWriter::with_capacity(1 << 16, stdout());
    let result = cmd::run(args, &mut out).and_then(|o| {
        out.flush()?;
        Ok(o)
    });
    match result {
        Ok(Outcome::Ok) => ExitCode::SUCCESS,
        Ok(Outcome::ProblemFound) => ExitCode::from(1),
        Ok(Outcome::Interrupted) => ExitCode::from(130),
        Err(e) if is_broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            let code = if e.downcast_ref::<UsageError>().is_some() {
                2
            } else {
                1
            };
            let message = format!("{e:#}");
            match output::error_report(&message, code, format) {
                Some(report) => eprint!("{report}"),
                None => eprintln!("raftctl: {message}"),
            }
            ExitCode::from(code)
        }
    }
}

/// Standard output for our own buffer to write to: a duplicate of fd 1 as a plain file.
/// `Stdout` is line-buffered underneath, so each write our buffer hands it is searched for
/// its last newline (memrchr): a third of `wal dump -o json`'s instructions on a WAL of large
/// entries (scripts/bench-wal). When fd 1 cannot be duplicated (it is closed), `Stdout`
/// itself, which takes a closed stdout as a sink.
fn stdout() -> Box<dyn Write> {
    use std::os::fd::AsFd;
    match io::stdout().as_fd().try_clone_to_owned() {
        Ok(fd) => Box::new(std::fs::File::from(fd)),
        Err(_) => Box::new(io::stdout().lock()),
    }
}

/// clap's error as one line: its first paragraph (a missing argument's name is on a line of
/// its own), without the `error: ` it starts with.
fn clap_message(e: &clap::Error) -> String {
    let text = e.render().to_string();
    let lines: Vec<&str> = text
        .lines()
        .take_while(|l| !l.trim().is_empty())
        .map(str::trim)
        .collect();
    let one = lines.join(" ");
    one.strip_prefix("error: ").unwrap_or(&one).to_string()
}

/// The output format asked for on a command line clap refused (the last `-o`/`-w` that names
/// one; the table when none does), so that a usage error under `-o json` is JSON too.
fn format_in(args: impl Iterator<Item = std::ffi::OsString>) -> Format {
    use clap::ValueEnum;
    let args: Vec<String> = args.map(|a| a.to_string_lossy().into_owned()).collect();
    let mut format = Format::Table;
    let mut i = 0;
    while i < args.len() {
        let a = args[i].as_str();
        if a == "--" {
            break;
        }
        let value = match a {
            "-o" | "-w" | "--output" | "--write-out" => args.get(i + 1).map(String::as_str),
            _ => ["--output=", "--write-out=", "-o", "-w"]
                .iter()
                .find_map(|p| a.strip_prefix(p))
                .map(|v| v.trim_start_matches('=')),
        };
        if let Some(f) = value.and_then(|v| Format::from_str(v, true).ok()) {
            format = f;
        }
        i += 1;
    }
    format
}

fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<io::Error>()
            .is_some_and(|io| io.kind() == io::ErrorKind::BrokenPipe)
    })
}
