//! Passwords made of repeats and runs: "aaaaaaaaaaaa", "123456789012", "abcabcabcabc",
//! "aaaabbbbcccc". NIST SP 800-63B names these as guesses to refuse.

/// A password is repetitive when it splits into runs averaging at least this many characters.
const MIN_AVERAGE_RUN: usize = 4;

/// Whether a folded password is a repetition of one shorter piece, or is made of a few runs
/// of the same character or of consecutive characters. Spaces are ignored, so "1 2 3 4 5 6"
/// is a run too.
pub(super) fn is_repetitive(folded: &str) -> bool {
    let mut chars: Vec<char> = folded.chars().filter(|c| !c.is_whitespace()).collect();
    if chars.is_empty() {
        // Nothing but spaces is one long repeat.
        chars = folded.chars().collect();
    }
    if chars.len() < 2 {
        return false;
    }
    repeats_one_piece(&chars) || count_runs(&chars) * MIN_AVERAGE_RUN <= chars.len()
}

/// "abcabcabc", "passwordpassword": the whole is one piece written out two or more times.
fn repeats_one_piece(chars: &[char]) -> bool {
    let n = chars.len();
    (1..=n / 2)
        .filter(|piece| n.is_multiple_of(*piece))
        .any(|piece| chars.chunks(piece).all(|chunk| chunk == &chars[..piece]))
}

/// How many runs the characters split into, read left to right. A run is one character
/// repeated, or characters that step up or down by one ("abcd", "9876", "7890" with digits
/// wrapping around); a character that starts no run is a run of one.
fn count_runs(chars: &[char]) -> usize {
    let mut runs = 0;
    let mut start = 0;
    while start < chars.len() {
        runs += 1;
        let mut end = start + 1;
        if let Some(step) = chars.get(end).and_then(|next| step(chars[start], *next)) {
            while end < chars.len() && step_is(chars[end - 1], chars[end], step) {
                end += 1;
            }
        }
        start = end;
    }
    runs
}

/// The step from one character to the next, if it is a repeat (0) or a neighbour (±1).
fn step(from: char, to: char) -> Option<i64> {
    [-1, 0, 1].into_iter().find(|s| step_is(from, to, *s))
}

fn step_is(from: char, to: char, step: i64) -> bool {
    if from.is_ascii_digit() && to.is_ascii_digit() {
        // On the keyboard and in people's heads, 0 follows 9: "7890", "890123".
        let difference = i64::from(to as u8) - i64::from(from as u8);
        (difference - step).rem_euclid(10) == 0
    } else {
        i64::from(u32::from(to)) - i64::from(u32::from(from)) == step
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeated_characters_are_repetitive() {
        assert!(is_repetitive("aaaaaaaaaaaa"));
        assert!(is_repetitive("111111111111"));
        assert!(is_repetitive("            "));
        assert!(is_repetitive("\u{1f642}\u{1f642}\u{1f642}\u{1f642}"));
    }

    #[test]
    fn sequences_up_or_down_are_repetitive() {
        assert!(is_repetitive("123456789012"));
        assert!(is_repetitive("987654321098"));
        assert!(is_repetitive("abcdefghijkl"));
        assert!(is_repetitive("zyxwvutsrqpo"));
        assert!(is_repetitive("1 2 3 4 5 6 7 8 9 0 1 2"));
        // 0 follows 9 (and 9 comes before 0): one run each, not three.
        let chars = |text: &str| text.chars().collect::<Vec<_>>();
        assert_eq!(count_runs(&chars("901234567890")), 1);
        assert_eq!(count_runs(&chars("109876543210")), 1);
    }

    #[test]
    fn a_piece_written_out_again_is_repetitive() {
        assert!(is_repetitive("abcabcabcabc"));
        assert!(is_repetitive("passwordpassword"));
        assert!(is_repetitive("ab12ab12ab12"));
    }

    #[test]
    fn a_few_long_runs_are_repetitive() {
        assert!(is_repetitive("aaaabbbbcccc"));
        assert!(is_repetitive("1234abcd"));
        assert!(is_repetitive("aaaaaa123456"));
    }

    #[test]
    fn ordinary_passwords_are_not_repetitive() {
        assert!(!is_repetitive("violet tractor gargles marmalade"));
        assert!(!is_repetitive("correct horse battery staple"));
        assert!(!is_repetitive("x7#qL9!vR2@m"));
        assert!(!is_repetitive("a"));
        assert!(!is_repetitive(""));
    }
}
