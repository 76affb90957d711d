//! What one measured window of reads comes to, and the Markdown table that shows it.

use std::time::Duration;

use crate::load::stats::{CpuUse, Summary};

use super::client::Tally;

/// One page read over some connections for one window.
#[derive(Debug)]
pub struct Window {
    pub database: &'static str,
    pub audit_rows: i64,
    pub connections: usize,
    /// How many patients the connections share; none for the pages without a patient.
    pub patients: Option<usize>,
    pub page: &'static str,
    pub succeeded: usize,
    pub failed: u64,
    pub elapsed: Duration,
    pub latency: Summary,
    pub cpu: CpuUse,
    pub peak_mb: f64,
}

impl Window {
    /// Answered reads per second.
    pub fn per_second(&self) -> f64 {
        per_second(self.succeeded, self.elapsed)
    }

    /// Answered reads per second of the application's CPU time.
    pub fn per_app_cpu_second(&self) -> f64 {
        self.per_second() / self.cpu.app
    }
}

/// The answered reads, the failures and the answered reads' latencies of a tally.
pub fn counts(tally: &Tally) -> (usize, u64, Summary) {
    let latencies = tally
        .latencies_us
        .iter()
        .map(|us| Duration::from_micros(u64::from(*us)))
        .collect();
    (
        tally.latencies_us.len(),
        tally.failed,
        Summary::of(latencies),
    )
}

pub fn per_second(count: usize, elapsed: Duration) -> f64 {
    count as f64 / elapsed.as_secs_f64()
}

/// `rate` as a share of `bare`, the rate of the page that touches no database; NaN without
/// a bare rate to compare with.
pub fn ratio(rate: f64, bare: Option<f64>) -> f64 {
    match bare {
        Some(bare) if bare > 0.0 => rate / bare,
        _ => f64::NAN,
    }
}

pub fn print_header() {
    println!(
        "| database | audit rows at start | connections | patients | page | succeeded | failed | \
         req/s | ratio to bare page | p50 (ms) | p99 (ms) | app CPU (cores) | client CPU (cores) | \
         other processes' CPU (cores) | req per app CPU-second | peak RSS (MB) |"
    );
    println!("|---|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
}

pub fn print_row(window: &Window, bare: Option<f64>) {
    println!(
        "| {} | {} | {} | {} | GET {} | {} | {} | {:.0} | {:.3} | {:.2} | {:.2} | {:.2} | {:.2} | \
         {:.2} | {:.0} | {:.0} |",
        window.database,
        thousands(window.audit_rows),
        window.connections,
        window.patients.map_or("–".to_owned(), |n| n.to_string()),
        window.page,
        window.succeeded,
        window.failed,
        window.per_second(),
        ratio(window.per_second(), bare),
        window.latency.p50_ms,
        window.latency.p99_ms,
        window.cpu.app,
        window.cpu.clients,
        window.cpu.other,
        window.per_app_cpu_second(),
        window.peak_mb,
    );
}

/// 1234567 as `1,234,567`.
pub fn thousands(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    if n < 0 { format!("-{out}") } else { out }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_and_ratios() {
        assert_eq!(per_second(2_500, Duration::from_secs(10)), 250.0);
        assert_eq!(per_second(0, Duration::from_secs(10)), 0.0);
        assert_eq!(ratio(250.0, Some(1_000.0)), 0.25);
        assert!(ratio(250.0, None).is_nan());
        assert!(ratio(250.0, Some(0.0)).is_nan());
    }

    #[test]
    fn a_window_reads_its_tally() {
        let tally = Tally {
            latencies_us: (1..=100).rev().map(|ms| ms * 1_000).collect(),
            failed: 3,
            first_failure: Some("GET /home answered 500".to_owned()),
        };
        let (succeeded, failed, latency) = counts(&tally);
        assert_eq!((succeeded, failed), (100, 3));
        assert_eq!(latency.p50_ms, 50.0);
        assert_eq!(latency.p99_ms, 99.0);
        let window = Window {
            database: "SQLite",
            audit_rows: 0,
            connections: 32,
            patients: Some(1),
            page: "/home",
            succeeded,
            failed,
            elapsed: Duration::from_secs(2),
            latency,
            cpu: CpuUse {
                app: 1.25,
                clients: 0.25,
                other: 0.0,
            },
            peak_mb: 40.0,
        };
        assert_eq!(window.per_second(), 50.0);
        assert_eq!(window.per_app_cpu_second(), 40.0);
    }

    #[test]
    fn thousands_are_separated() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1_000), "1,000");
        assert_eq!(thousands(10_004_321), "10,004,321");
        assert_eq!(thousands(-1_000), "-1,000");
    }
}
