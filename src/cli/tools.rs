//! The tools that stand alone: `tail`, `probe`, `patterns`, and the shell completions and man page.

use std::io::Write;
use std::path::Path;

use anyhow::{Context, bail};
use clap::CommandFactory as _;

use super::Cli;
use crate::health::EndpointSpec;
use crate::tail::fields::Followed;
use crate::tail::{Selection, SourceSpec, TailOptions};

/// `sitrep completions SHELL`: the completion script, generated from the command line's definition.
pub(super) fn completions(shell: clap_complete::Shell) -> anyhow::Result<u8> {
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "sitrep", &mut script);
    print_bytes(&script)
}

/// `sitrep man`: the man page, generated from the command line's definition.
pub(super) fn man() -> anyhow::Result<u8> {
    let mut page = Vec::new();
    clap_mangen::Man::new(Cli::command())
        .render(&mut page)
        .context("rendering the man page")?;
    print_bytes(&page)
}

/// Writes generated text to stdout; generated into memory first, as the generators panic on a
/// write error and `sitrep man | head` closes the pipe early.
fn print_bytes(bytes: &[u8]) -> anyhow::Result<u8> {
    let mut out = std::io::stdout().lock();
    match out.write_all(bytes).and_then(|()| out.flush()) {
        Ok(()) => Ok(0),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(0),
        Err(e) => Err(e).context("writing to stdout"),
    }
}

pub(super) async fn probe(args: super::ProbeArgs) -> anyhow::Result<u8> {
    let super::ProbeArgs {
        url,
        count,
        headers,
        interval,
        timeout,
        expect_status,
        max_latency,
        body_contains,
        json_pointer,
    } = args;
    if count == 0 {
        anyhow::bail!("-n 0 asks for no probe: give 1 or more (default 5)");
    }
    let mut spec = EndpointSpec::new("probe", url);
    spec.interval = interval;
    spec.timeout = timeout;
    spec.connect_timeout = timeout.min(spec.connect_timeout.max(std::time::Duration::from_secs(1)));
    for h in &headers {
        spec.headers.push(crate::health::parse_header_arg(h)?);
    }
    if !expect_status.is_empty() {
        spec.expect_status = expect_status;
    }
    spec.max_latency = max_latency;
    spec.body_contains = body_contains;
    for arg in &json_pointer {
        let Some((pointer, value)) = arg.split_once('=').filter(|(p, _)| p.starts_with('/')) else {
            anyhow::bail!(
                "--json-pointer `{arg}`: write POINTER=VALUE with a JSON pointer, e.g. `/status=ok` or `/checks/db=true`"
            );
        };
        // `3`, `true`, `"ok"` are JSON; anything else is the text itself.
        let value = serde_json::from_str(value)
            .unwrap_or_else(|_| serde_json::Value::String(value.to_string()));
        spec.json_equals.push((pointer.to_string(), value));
    }
    spec.validate()?;
    let prober = crate::health::Prober::new();
    let mut out = std::io::stdout();
    let summary = crate::health::run_probe_command(&prober, &spec, count, &mut out).await?;
    Ok(if summary.all_up() { 0 } else { 1 })
}

pub(super) async fn tail(
    sources: &[String],
    filter: Option<&str>,
    field: Option<(&str, &str)>,
    silent_after: std::time::Duration,
) -> anyhow::Result<u8> {
    let filter = match filter {
        Some(f) => Some(
            regex::Regex::new(f)
                .map_err(|e| anyhow::anyhow!("--filter `{f}` is not a valid regex: {e}"))?,
        ),
        None => None,
    };
    let specs = sources
        .iter()
        .map(|s| SourceSpec::parse(s))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|why| anyhow::anyhow!("{why}"))?;
    // A path that is a folder or a device is never followed (`tail -F` gives up on it too); when
    // nothing else is left there is nothing to wait for.
    let mut specs = specs;
    specs.retain(|spec| {
        let SourceSpec::File(path) = spec else {
            return true;
        };
        match std::fs::metadata(path) {
            Ok(meta) if !meta.is_file() && !crate::tail::is_fifo_meta(&meta) => {
                eprintln!(
                    "sitrep: {}: {}",
                    crate::tail::sanitize(path.as_os_str().as_encoded_bytes()),
                    crate::tail::not_a_file(&meta, path)
                );
                false
            }
            _ => true,
        }
    });
    if specs.is_empty() {
        anyhow::bail!("no source left to follow");
    }
    // Ctrl-C, SIGTERM or SIGHUP (`timeout`, a closed terminal, a service stopped), or whoever
    // reads the output is gone (`sitrep tail F | head -1`): stop at once, not when F next grows,
    // and end the command sources' processes on the way out.
    use tokio::signal::unix::{SignalKind, signal};
    let mut term = signal(SignalKind::terminate())?;
    let mut hup = signal(SignalKind::hangup())?;
    let cancel = async move {
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = term.recv() => {}
            _ = hup.recv() => {}
            () = stdout_closed() => {}
        }
    };
    let mut out = std::io::stdout();
    let mut diag = std::io::stderr();
    let field = field.map(|(key, value)| Followed::new(key, value));
    let select = Selection {
        filter: filter.as_ref(),
        field: field.as_ref(),
    };
    let result = crate::tail::follow_to_writer(
        specs,
        select,
        // Like `tail -F`, but with more history: the last 200 lines of each file.
        TailOptions {
            initial_lines: 200,
            silent_after,
            ..TailOptions::default()
        },
        &mut out,
        &mut diag,
        cancel,
    )
    .await;
    match result {
        // The reader left while a line was being written: done, as `tail` is.
        Err(crate::tail::FollowError::Write(e)) if e.kind() == std::io::ErrorKind::BrokenPipe => {
            Ok(0)
        }
        Err(e) => Err(e.into()),
        Ok(_) => Ok(0),
    }
}

/// Resolves once standard output is a pipe whose reader has closed it (checked every 200 ms).
async fn stdout_closed() {
    use rustix::event::{PollFd, PollFlags, poll};
    loop {
        let stdout = std::io::stdout();
        let mut fds = [PollFd::new(&stdout, PollFlags::OUT)];
        let zero = rustix::event::Timespec {
            tv_sec: 0,
            tv_nsec: 0,
        };
        if poll(&mut fds, Some(&zero)).is_ok()
            && fds[0]
                .revents()
                .intersects(PollFlags::ERR | PollFlags::HUP)
        {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
}

pub(super) fn patterns(input: &Path, format: &str, assign: bool) -> anyhow::Result<u8> {
    use crate::patterns::{Miner, PatternsError};
    if !matches!(format, "table" | "json") {
        bail!("unknown format `{format}`: use table or json");
    }
    let reader: Box<dyn std::io::BufRead + Send> = if input == Path::new("-") {
        Box::new(std::io::BufReader::with_capacity(1 << 16, std::io::stdin()))
    } else {
        let file = std::fs::File::open(input)
            .with_context(|| format!("cannot open {}", input.display()))?;
        Box::new(std::io::BufReader::with_capacity(1 << 20, file))
    };
    let mut miner = Miner::default();
    let stdout = std::io::stdout();
    let result = if assign {
        let mut out = std::io::BufWriter::with_capacity(1 << 16, stdout.lock());
        crate::patterns::assign_stream(&mut miner, reader, &mut out).map(|_| ())
    } else {
        crate::patterns::mine(&mut miner, reader).and_then(|_| {
            let text = if format == "json" {
                crate::patterns::render_json(&miner)?
            } else {
                crate::patterns::render_table(&miner, None)
            };
            let mut out = stdout.lock();
            out.write_all(text.as_bytes()).map_err(PatternsError::Write)
        })
    };
    match result {
        // A reader that stopped listening (`| head`) is not an error.
        Err(PatternsError::Write(e)) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(0),
        Err(e) => Err(e.into()),
        Ok(()) => Ok(0),
    }
}
