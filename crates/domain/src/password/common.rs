//! The bundled list of common and breached passwords (see `data/README.md` for its source).

use std::collections::HashSet;
use std::io::Read;
use std::sync::LazyLock;

use flate2::read::GzDecoder;

use super::fold::fold;

const LIST_GZ: &[u8] = include_bytes!("../../data/common-passwords.txt.gz");

/// A core shorter than this is not looked up on its own: "8472!93@&1#5x" is a random string,
/// not a common password wrapped in digits, even though the list holds "x".
const MIN_CORE_CHARS: usize = 4;

/// Immutable data, decompressed and folded once on first use.
static LIST: LazyLock<HashSet<&'static str>> = LazyLock::new(load);

fn load() -> HashSet<&'static str> {
    let mut raw = String::new();
    GzDecoder::new(LIST_GZ)
        .read_to_string(&mut raw)
        .expect("the bundled password list is gzip-compressed UTF-8");
    let mut folded = String::with_capacity(raw.len());
    for line in raw.lines() {
        let entry = fold(line);
        let entry = entry.trim();
        if !entry.is_empty() {
            folded.push_str(entry);
            folded.push('\n');
        }
    }
    // The list is needed for the life of the program: leaking its text once lets the set
    // borrow every entry from one allocation instead of holding 400,000 small ones.
    let folded: &'static str = folded.leak();
    folded.lines().collect()
}

/// How many distinct (folded) passwords the bundled list holds.
pub(super) fn len() -> usize {
    LIST.len()
}

/// Whether a folded password is on the list, as typed or with the digits, punctuation and
/// spaces that people wrap around a common password stripped ("Password123!", "2024 dragon").
pub(super) fn is_common(folded: &str) -> bool {
    let unspaced: String = folded.chars().filter(|c| !c.is_whitespace()).collect();
    [folded.trim(), unspaced.as_str()]
        .into_iter()
        .any(|form| LIST.contains(form) || core_is_listed(form))
}

fn core_is_listed(form: &str) -> bool {
    let core = form.trim_matches(|c: char| !c.is_alphabetic());
    core.len() != form.len() && core.chars().count() >= MIN_CORE_CHARS && LIST.contains(core)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bundled_list_is_large_and_holds_the_usual_suspects() {
        assert!(len() >= 100_000, "only {} entries", len());
        for common in [
            "password", "123456", "qwerty", "iloveyou", "letmein", "dragon",
        ] {
            assert!(LIST.contains(common), "{common} is missing");
        }
    }

    #[test]
    fn entries_are_stored_folded_and_trimmed() {
        assert!(
            LIST.iter()
                .all(|entry| *entry == fold(entry) && *entry == entry.trim())
        );
    }

    #[test]
    fn lookup_ignores_case() {
        assert!(is_common("password"));
        assert!(is_common(&fold("PassWord")));
        assert!(is_common(&fold("QWERTY123456")));
    }

    #[test]
    fn lookup_strips_digits_and_punctuation_around_a_common_password() {
        assert!(is_common(&fold("Password123!")));
        assert!(is_common(&fold("!!2024dragon??")));
        assert!(is_common(&fold("  iloveyou  ")));
    }

    #[test]
    fn lookup_ignores_spaces_inside() {
        // The list holds "letmein" but not "let me in".
        assert!(is_common(&fold("let me in")));
        assert!(is_common(&fold("Let Me In 2024!")));
    }

    #[test]
    fn uncommon_passwords_and_tiny_cores_pass() {
        assert!(!is_common(&fold("violet tractor gargles marmalade")));
        assert!(!is_common(&fold("8472!93@&1#5x")));
        assert!(!is_common(""));
    }
}
