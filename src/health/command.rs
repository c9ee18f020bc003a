//! `sitrep probe URL [--count N] [--header K:V]`: probe a few times, print each result and a summary.

use std::io::{self, Write};
use std::time::Duration;

use super::outcome::{Health, ProbeResult};
use super::probe::Prober;
use super::spec::EndpointSpec;
use super::state::EndpointHealth;
use super::task::Backoff;

/// Body text shown on a failed probe's line, in characters.
const LINE_BODY: usize = 60;

/// What a `sitrep probe` run saw.
#[derive(Debug, Clone)]
pub struct ProbeSummary {
    /// Probes made.
    pub probes: u32,
    /// How many were up.
    pub up: u32,
    /// Status codes seen and how often, in order of first sight.
    pub statuses: Vec<(u16, u32)>,
    /// The statistics of the run.
    pub health: EndpointHealth,
}

impl ProbeSummary {
    /// Every probe was up (the command's exit status).
    pub fn all_up(&self) -> bool {
        self.probes > 0 && self.up == self.probes
    }
}

/// Probes `spec` `count` times (at least once) at its interval, backing off when throttled, printing a
/// line per probe and a summary to `out`.
pub async fn run_probe_command<W: Write>(
    prober: &Prober,
    spec: &EndpointSpec,
    count: u32,
    out: &mut W,
) -> io::Result<ProbeSummary> {
    let count = count.max(1);
    writeln!(
        out,
        "probing {} (timeout {}, every {})",
        display_url(&spec.url),
        crate::core::duration::glance(spec.timeout),
        crate::core::duration::glance(spec.interval)
    )?;
    let mut summary = ProbeSummary {
        probes: 0,
        up: 0,
        statuses: Vec::new(),
        health: EndpointHealth::new(spec.threshold),
    };
    let mut backoff = Backoff::default();
    for i in 1..=count {
        let started = tokio::time::Instant::now();
        let r = prober.probe(0, spec).await;
        writeln!(out, "{}", result_line(i, &r))?;
        summary.probes += 1;
        if r.health == Health::Up {
            summary.up += 1;
        }
        if let Some(s) = r.status {
            match summary.statuses.iter_mut().find(|(st, _)| *st == s) {
                Some((_, n)) => *n += 1,
                None => summary.statuses.push((s, 1)),
            }
        }
        summary.health.record(&r);
        if i < count {
            let delay = backoff.next_delay(spec.interval, &r);
            if delay > spec.interval {
                writeln!(
                    out,
                    "   backing off {} as the server asked",
                    fmt_secs(delay)
                )?;
            }
            tokio::time::sleep_until(started + delay).await;
        }
    }
    write_summary(out, &summary)?;
    Ok(summary)
}

/// One probe as a line: `#2  ✖ down        503     8 ms  unexpected status 503 · {"error":"db"}`.
pub fn result_line(n: u32, r: &ProbeResult) -> String {
    let status = r
        .status
        .map_or_else(|| "---".to_string(), |s| s.to_string());
    let mut line = format!(
        "#{n:<3} {} {:<9} {status:>3} {:>7}  {}",
        r.health.symbol(),
        r.health.label(),
        fmt_latency(r.latency),
        r.outcome
    );
    if r.health != Health::Up {
        let body: String = r.body_head.split_whitespace().collect::<Vec<_>>().join(" ");
        if !body.is_empty() {
            let cut: String = body.chars().take(LINE_BODY).collect();
            let more = if cut.len() < body.len() { "…" } else { "" };
            line.push_str(&format!(" · {cut}{more}"));
        }
    }
    line
}

fn write_summary<W: Write>(out: &mut W, s: &ProbeSummary) -> io::Result<()> {
    let rate = s.health.success_rate().unwrap_or(0.0) * 100.0;
    writeln!(
        out,
        "{} probe{} · {} up · {} not up · success {rate:.0}%",
        s.probes,
        if s.probes == 1 { "" } else { "s" },
        s.up,
        s.probes - s.up
    )?;
    if let Some(p) = s.health.percentiles() {
        writeln!(
            out,
            "latency p50 {} · p95 {} · p99 {} · max {}",
            fmt_latency(p.p50),
            fmt_latency(p.p95),
            fmt_latency(p.p99),
            fmt_latency(p.max)
        )?;
    }
    if !s.statuses.is_empty() {
        let list: Vec<String> = s
            .statuses
            .iter()
            .map(|(st, n)| format!("{st}×{n}"))
            .collect();
        writeln!(out, "status {}", list.join(" · "))?;
    }
    if let Some((_, rl)) = s.health.rate_limit() {
        let mut parts = Vec::new();
        match (rl.remaining, rl.limit) {
            (Some(r), Some(l)) => parts.push(format!("{r}/{l} left")),
            (Some(r), None) => parts.push(format!("{r} left")),
            (None, Some(l)) => parts.push(format!("limit {l}")),
            (None, None) => {}
        }
        if let Some(reset) = rl.reset {
            parts.push(format!("resets in {}", fmt_secs(reset)));
        }
        if let Some(wait) = rl.retry_after {
            parts.push(format!("retry after {}", fmt_secs(wait)));
        }
        writeln!(out, "rate limit {}", parts.join(", "))?;
    }
    let diffs = s.health.differences();
    if !diffs.is_empty() {
        writeln!(out, "last good vs last bad:")?;
        for d in diffs.iter().filter(|d| d.what != "body") {
            let side = |v: &Option<String>| v.clone().unwrap_or_else(|| "(none)".into());
            writeln!(
                out,
                "  {:<24} {}  →  {}",
                d.what,
                side(&d.good),
                side(&d.bad)
            )?;
        }
    }
    Ok(())
}

/// The URL without any password in it, safe for a terminal.
fn display_url(url: &str) -> String {
    match reqwest::Url::parse(url) {
        Ok(mut u) if u.password().is_some() => {
            let _ = u.set_password(Some("redacted"));
            super::sanitize::sanitize_line(u.as_str())
        }
        _ => super::sanitize::sanitize_line(url),
    }
}

/// Latency for a column: `12 ms`, `1.53 s`.
pub fn fmt_latency(d: Duration) -> String {
    if d < Duration::from_secs(1) {
        format!("{} ms", d.as_millis())
    } else {
        format!("{:.2} s", d.as_secs_f64())
    }
}

fn fmt_secs(d: Duration) -> String {
    crate::core::duration::glance(Duration::from_secs(d.as_secs().max(1))).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn password_in_url_is_not_printed() {
        assert_eq!(
            display_url("http://bob:hunter2@h/x"),
            "http://bob:redacted@h/x"
        );
        assert_eq!(display_url("http://h/x?a=1"), "http://h/x?a=1");
    }

    #[test]
    fn latency_is_shown_in_ms_below_a_second() {
        assert_eq!(fmt_latency(Duration::from_micros(12_400)), "12 ms");
        assert_eq!(fmt_latency(Duration::from_millis(1530)), "1.53 s");
    }
}
