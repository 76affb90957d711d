//! What the load benchmark reads off its samples and off the kernel: percentiles, CPU time
//! per group of threads, and the process's peak memory.

use std::time::{Duration, Instant};

/// The nearest-rank percentile `p` (0 < p <= 100) of `sorted` (ascending): the smallest
/// sample that at least `p` percent of the samples do not exceed. None when empty.
pub fn percentile(sorted: &[Duration], p: f64) -> Option<Duration> {
    if sorted.is_empty() || !(p > 0.0 && p <= 100.0) {
        return None;
    }
    let rank = (p / 100.0 * sorted.len() as f64).ceil() as usize;
    sorted.get(rank.clamp(1, sorted.len()) - 1).copied()
}

/// p50 and p99 of some latencies, in milliseconds.
#[derive(Debug, Clone, Copy, Default)]
pub struct Summary {
    pub count: usize,
    pub p50_ms: f64,
    pub p99_ms: f64,
}

impl Summary {
    pub fn of(mut latencies: Vec<Duration>) -> Self {
        latencies.sort_unstable();
        let ms = |p| percentile(&latencies, p).map_or(f64::NAN, |d| d.as_secs_f64() * 1e3);
        Self {
            count: latencies.len(),
            p50_ms: ms(50.0),
            p99_ms: ms(99.0),
        }
    }
}

/// Clock ticks per second in /proc: USER_HZ, 100 on Linux for every architecture we run on.
const TICKS_PER_SECOND: f64 = 100.0;

/// CPU time used so far: by this process, by its threads whose name starts with
/// `bench-` (the benchmark's own clients), and by the whole machine.
#[derive(Debug, Clone, Copy)]
pub struct CpuSnapshot {
    at: Instant,
    process: u64,
    clients: u64,
    /// The application's process, when it runs apart from this one (`read --separate`).
    separate_app: Option<u64>,
    machine_busy: u64,
}

/// CPU used between two snapshots, in cores (1.0 = one core busy all the time).
#[derive(Debug, Clone, Copy, Default)]
pub struct CpuUse {
    /// The application: every thread of this process but the benchmark's clients, or the
    /// whole of its own process when it runs apart.
    pub app: f64,
    /// The benchmark's HTTP clients.
    pub clients: f64,
    /// Everything else on the machine (other processes, the kernel's own work).
    pub other: f64,
}

impl CpuSnapshot {
    /// With the application on threads of this process.
    pub fn now() -> Self {
        Self::taken(None)
    }

    /// With the application in a process of its own, `Process::Child(pid)`.
    pub fn with_app_in(app: Process) -> Self {
        match app {
            Process::This => Self::taken(None),
            Process::Child(_) => Self::taken(Some(process_ticks(app))),
        }
    }

    fn taken(separate_app: Option<u64>) -> Self {
        let process = process_ticks(Process::This);
        let mut clients = 0;
        if let Ok(tasks) = std::fs::read_dir("/proc/self/task") {
            for task in tasks.flatten() {
                let Ok(stat) = std::fs::read_to_string(task.path().join("stat")) else {
                    continue;
                };
                if let Some((name, ticks)) = stat_ticks(&stat)
                    && name.starts_with("bench-")
                {
                    clients += ticks;
                }
            }
        }
        Self {
            at: Instant::now(),
            process,
            clients,
            separate_app,
            machine_busy: machine_busy_ticks().unwrap_or(0),
        }
    }

    pub fn until(&self, later: &CpuSnapshot) -> CpuUse {
        let seconds = later.at.duration_since(self.at).as_secs_f64().max(1e-9);
        let cores = |ticks: u64| ticks as f64 / TICKS_PER_SECOND / seconds;
        let process = later.process.saturating_sub(self.process);
        let clients = later.clients.saturating_sub(self.clients);
        let machine = later.machine_busy.saturating_sub(self.machine_busy);
        match (self.separate_app, later.separate_app) {
            (Some(before), Some(after)) => {
                let app = after.saturating_sub(before);
                CpuUse {
                    app: cores(app),
                    clients: cores(clients),
                    other: cores(machine.saturating_sub(process + app)),
                }
            }
            _ => CpuUse {
                app: cores(process.saturating_sub(clients)),
                clients: cores(clients),
                other: cores(machine.saturating_sub(process)),
            },
        }
    }
}

/// The thread or process name and its user + system ticks, from a `/proc/.../stat` line.
/// The name sits in parentheses and may itself hold spaces or parentheses.
fn stat_ticks(stat: &str) -> Option<(&str, u64)> {
    let open = stat.find('(')?;
    let close = stat.rfind(')')?;
    let name = &stat[open + 1..close];
    // After the name: field 3 (state) is index 0, so utime (14) and stime (15) are 11, 12.
    let fields: Vec<&str> = stat[close + 1..].split_whitespace().collect();
    let utime: u64 = fields.get(11)?.parse().ok()?;
    let stime: u64 = fields.get(12)?.parse().ok()?;
    Some((name, utime + stime))
}

/// Busy ticks of all CPUs together: everything but idle and waiting for I/O.
fn machine_busy_ticks() -> Option<u64> {
    let stat = std::fs::read_to_string("/proc/stat").ok()?;
    let line = stat.lines().find(|l| l.starts_with("cpu "))?;
    let values: Vec<u64> = line
        .split_whitespace()
        .skip(1)
        .filter_map(|v| v.parse().ok())
        .collect();
    let total: u64 = values.iter().take(8).sum();
    let idle = values.get(3)? + values.get(4)?;
    Some(total - idle)
}

/// A process measured: this one, or one it started.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Process {
    This,
    Child(u32),
}

impl Process {
    /// Its folder in /proc.
    fn proc_path(self, file: &str) -> String {
        match self {
            Process::This => format!("/proc/self/{file}"),
            Process::Child(pid) => format!("/proc/{pid}/{file}"),
        }
    }
}

/// The user + system ticks of a whole process, 0 when it cannot be read.
fn process_ticks(process: Process) -> u64 {
    std::fs::read_to_string(process.proc_path("stat"))
        .ok()
        .and_then(|s| stat_ticks(&s).map(|(_, ticks)| ticks))
        .unwrap_or(0)
}

/// Starts a new peak-memory measurement: the kernel forgets the process's high-water mark
/// (writing 5 to clear_refs, Linux 4.0 and later).
pub fn reset_peak_memory() {
    reset_peak_memory_of(Process::This);
}

/// [`reset_peak_memory`] of `process`.
pub fn reset_peak_memory_of(process: Process) {
    if let Err(error) = std::fs::write(process.proc_path("clear_refs"), "5") {
        eprintln!("cannot reset the peak memory mark ({error}): peaks are since start");
    }
}

/// VmHWM: the most memory this process has held at once since start or the last reset, MB.
pub fn peak_memory_mb() -> f64 {
    peak_memory_mb_of(Process::This)
}

/// [`peak_memory_mb`] of `process`.
pub fn peak_memory_mb_of(process: Process) -> f64 {
    status_kb(process, "VmHWM:").map_or(f64::NAN, |kb| kb as f64 / 1024.0)
}

/// VmRSS: the memory this process holds now, MB.
pub fn resident_memory_mb() -> f64 {
    status_kb(Process::This, "VmRSS:").map_or(f64::NAN, |kb| kb as f64 / 1024.0)
}

fn status_kb(process: Process, field: &str) -> Option<u64> {
    std::fs::read_to_string(process.proc_path("status"))
        .ok()?
        .lines()
        .find(|l| l.starts_with(field))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(values: impl IntoIterator<Item = u64>) -> Vec<Duration> {
        values.into_iter().map(Duration::from_millis).collect()
    }

    #[test]
    fn nearest_rank_percentiles() {
        let hundred = ms(1..=100);
        assert_eq!(percentile(&hundred, 50.0), Some(Duration::from_millis(50)));
        assert_eq!(percentile(&hundred, 99.0), Some(Duration::from_millis(99)));
        assert_eq!(
            percentile(&hundred, 100.0),
            Some(Duration::from_millis(100))
        );
        assert_eq!(percentile(&hundred, 0.5), Some(Duration::from_millis(1)));
        // With ten samples, p99 is the slowest one: one slow request in ten is the p99.
        let ten = ms([1, 1, 1, 1, 1, 1, 1, 1, 1, 40]);
        assert_eq!(percentile(&ten, 99.0), Some(Duration::from_millis(40)));
        assert_eq!(percentile(&ten, 90.0), Some(Duration::from_millis(1)));
        assert_eq!(percentile(&ms([7]), 50.0), Some(Duration::from_millis(7)));
    }

    #[test]
    fn no_percentile_without_samples_or_outside_the_range() {
        assert_eq!(percentile(&[], 50.0), None);
        assert_eq!(percentile(&ms([1, 2]), 0.0), None);
        assert_eq!(percentile(&ms([1, 2]), 101.0), None);
    }

    #[test]
    fn summary_sorts_before_reading() {
        let summary = Summary::of(ms([30, 10, 20, 40]));
        assert_eq!(summary.count, 4);
        assert_eq!(summary.p50_ms, 20.0);
        assert_eq!(summary.p99_ms, 40.0);
    }

    #[test]
    fn reads_ticks_from_a_stat_line_with_an_awkward_name() {
        let line = "1234 (bench-load (x)) S 1 1234 1234 0 -1 4194560 100 0 0 0 250 30 0 0 20 0 3 0";
        assert_eq!(stat_ticks(line), Some(("bench-load (x)", 280)));
    }
}
