//! Reading what `cargo test` prints: libtest's `test result:` line of every test binary, the
//! tests it ignored (with their reasons) and the tests that failed, added up for the summary.

/// The counts of one `test result:` line, or of several added up.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Counts {
    pub passed: u64,
    pub failed: u64,
    pub ignored: u64,
    pub filtered_out: u64,
}

impl Counts {
    fn add(&mut self, other: Counts) {
        self.passed += other.passed;
        self.failed += other.failed;
        self.ignored += other.ignored;
        self.filtered_out += other.filtered_out;
    }
}

/// Everything read from the test run's output so far.
#[derive(Debug, Default)]
pub struct Summary {
    pub totals: Counts,
    /// How many `test result:` lines were read (one per test binary and doc-test run).
    pub binaries: u64,
    /// Why tests were ignored, with how many each reason ignored, in the order first seen.
    pub ignored_because: Vec<(String, u64)>,
    /// The names of the tests that failed.
    pub failed: Vec<String>,
}

/// The reason libtest prints when a test is ignored without one.
pub const NO_REASON: &str = "(no reason given)";

impl Summary {
    /// Takes one line of `cargo test`'s standard output into account.
    pub fn read_line(&mut self, line: &str) {
        let line = strip_colours(line);
        let line = line.trim_end();
        if let Some(counts) = parse_result_line(line) {
            self.totals.add(counts);
            self.binaries += 1;
        } else if let Some(outcome) = parse_test_line(line) {
            match outcome {
                TestLine::Ignored(reason) => {
                    let reason = reason.unwrap_or(NO_REASON).to_owned();
                    match self.ignored_because.iter_mut().find(|(r, _)| *r == reason) {
                        Some((_, count)) => *count += 1,
                        None => self.ignored_because.push((reason, 1)),
                    }
                }
                TestLine::Failed(name) => self.failed.push(name.to_owned()),
            }
        }
    }

    /// The closing line: `tests: N passed, N failed, N skipped`.
    pub fn closing_line(&self) -> String {
        format!(
            "tests: {} passed, {} failed, {} skipped",
            self.totals.passed, self.totals.failed, self.totals.ignored
        )
    }
}

/// `test result: ok. 12 passed; 0 failed; 3 ignored; 0 measured; 0 filtered out; finished in
/// 0.52s` (or `FAILED.`): its counts.
pub fn parse_result_line(line: &str) -> Option<Counts> {
    let rest = line.trim_start().strip_prefix("test result: ")?;
    let (_verdict, rest) = rest.split_once(". ")?;
    let mut counts = Counts::default();
    let mut seen = 0;
    for part in rest.split("; ") {
        let Some((number, what)) = part.trim().split_once(' ') else {
            continue;
        };
        let Ok(number) = number.parse::<u64>() else {
            continue;
        };
        let slot = match what {
            "passed" => &mut counts.passed,
            "failed" => &mut counts.failed,
            "ignored" => &mut counts.ignored,
            "filtered out" => &mut counts.filtered_out,
            _ => continue,
        };
        *slot = number;
        seen += 1;
    }
    // A line a test printed that merely starts the same way is not a result line.
    (seen >= 3).then_some(counts)
}

/// What one `test NAME ... OUTCOME` line says, when the summary cares about it.
#[derive(Debug, PartialEq, Eq)]
pub enum TestLine<'a> {
    /// `test x ... ignored` or `test x ... ignored, the reason`.
    Ignored(Option<&'a str>),
    /// `test x ... FAILED`: the test's name.
    Failed(&'a str),
}

pub fn parse_test_line(line: &str) -> Option<TestLine<'_>> {
    let rest = line.strip_prefix("test ")?;
    let (name, outcome) = rest.split_once(" ... ")?;
    if outcome == "FAILED" {
        return Some(TestLine::Failed(name));
    }
    let after = outcome.strip_prefix("ignored")?;
    if after.is_empty() {
        return Some(TestLine::Ignored(None));
    }
    let reason = after.strip_prefix(", ")?.trim();
    Some(TestLine::Ignored((!reason.is_empty()).then_some(reason)))
}

/// The line without terminal colour codes (`ESC [ ... m`), in case the tests were asked for
/// colours.
fn strip_colours(line: &str) -> std::borrow::Cow<'_, str> {
    if !line.contains('\u{1b}') {
        return line.into();
    }
    let mut out = String::with_capacity(line.len());
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            for c in chars.by_ref() {
                if c.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out.into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_passing_result_line() {
        let counts = parse_result_line(
            "test result: ok. 12 passed; 0 failed; 3 ignored; 0 measured; 7 filtered out; finished in 0.52s",
        );
        assert_eq!(
            counts,
            Some(Counts {
                passed: 12,
                failed: 0,
                ignored: 3,
                filtered_out: 7
            })
        );
    }

    #[test]
    fn reads_a_failing_result_line() {
        let counts = parse_result_line(
            "test result: FAILED. 40 passed; 2 failed; 0 ignored; 0 measured; 0 filtered out; finished in 12.01s",
        )
        .unwrap();
        assert_eq!((counts.passed, counts.failed, counts.ignored), (40, 2, 0));
    }

    #[test]
    fn other_lines_are_not_result_lines() {
        for line in [
            "running 3 tests",
            "test result: whatever a test printed",
            "test result: ok. the end",
            "test sqlite::imports ... ok",
            "",
        ] {
            assert_eq!(parse_result_line(line), None, "{line}");
        }
    }

    #[test]
    fn reads_ignored_and_failed_test_lines() {
        assert_eq!(
            parse_test_line(
                "test postgres::a_test ... ignored, PostgreSQL skipped: PORCHLIGHT_TEST_POSTGRES_URL is not set"
            ),
            Some(TestLine::Ignored(Some(
                "PostgreSQL skipped: PORCHLIGHT_TEST_POSTGRES_URL is not set"
            )))
        );
        assert_eq!(
            parse_test_line("test src/lib.rs - f (line 3) ... ignored"),
            Some(TestLine::Ignored(None))
        );
        assert_eq!(
            parse_test_line("test enrollment::sqlite::x ... FAILED"),
            Some(TestLine::Failed("enrollment::sqlite::x"))
        );
        assert_eq!(parse_test_line("test a ... ok"), None);
        assert_eq!(parse_test_line("test a ... ignoredness"), None);
    }

    #[test]
    fn adds_up_every_binary_and_groups_the_reasons() {
        let output = "\
running 2 tests
test postgres::one ... ignored, PostgreSQL skipped: not set
test sqlite::one ... ok

test result: ok. 1 passed; 0 failed; 1 ignored; 0 measured; 0 filtered out; finished in 0.10s

running 4 tests
test postgres::two ... ignored, PostgreSQL skipped: not set
test browser ... ignored, browser tests skipped: chromedriver is not installed
test sqlite::two ... FAILED
test sqlite::three ... ok

test result: FAILED. 1 passed; 1 failed; 2 ignored; 0 measured; 5 filtered out; finished in 3.00s
";
        let mut summary = Summary::default();
        for line in output.lines() {
            summary.read_line(line);
        }
        assert_eq!(summary.binaries, 2);
        assert_eq!(
            summary.totals,
            Counts {
                passed: 2,
                failed: 1,
                ignored: 3,
                filtered_out: 5
            }
        );
        assert_eq!(
            summary.ignored_because,
            [
                ("PostgreSQL skipped: not set".to_owned(), 2),
                (
                    "browser tests skipped: chromedriver is not installed".to_owned(),
                    1
                )
            ]
        );
        assert_eq!(summary.failed, ["sqlite::two"]);
        assert_eq!(
            summary.closing_line(),
            "tests: 2 passed, 1 failed, 3 skipped"
        );
    }

    #[test]
    fn colour_codes_do_not_hide_a_result_line() {
        let mut summary = Summary::default();
        summary.read_line(
            "test result: \u{1b}[32mok\u{1b}[0m. 4 passed; 0 failed; 1 ignored; 0 measured; 0 filtered out; finished in 0.01s\r",
        );
        assert_eq!(
            summary.closing_line(),
            "tests: 4 passed, 0 failed, 1 skipped"
        );
    }
}
