//! How hard the patient's words are to read (issue 14: at or below 8th grade).
//!
//! English: the Flesch–Kincaid grade level,
//! `0.39 · words/sentences + 11.8 · syllables/words − 15.59`, with a rule-based syllable
//! counter (vowel groups; a silent final e, but "-le" after a consonant is heard; "-ed" and
//! "-es" silent unless the sound needs them; "i-u" and most "i-a" are two; an abbreviation
//! such as "BMI" is read letter by letter). Spanish: the Fernández-Huerta ease
//! (`206.84 − 60 · syllables/words − 1.02 · words/sentences`, the corrected form; 70 and above
//! reads as fairly easy), with Spanish syllables (strong vowels a, e, o part; a weak vowel with
//! an accent, í or ú, stands alone; "qu" and "gu" before e or i are one sound).
//!
//! A word is a run of letters: numbers, placeholders and symbols are not words. A sentence
//! ends at ".", "!", "?" or "…" before a space or the end; a text that does not end so (a
//! label, a button) is one sentence more.
//!
//! Which words are the patient's: every message of `locales/en/*.ftl` except the staff
//! console's. The staff console is in English and writes its words in its templates, not in
//! these files; should staff words ever come here, they go in a file whose name starts with
//! `staff` or under keys that start with `staff-`, and this check leaves them out.

/// Whether the letter at `i` is sounded as a vowel: "y" is one after a consonant ("my",
/// "every") but not at the start or after a vowel ("you", "day"); "u" after "q" is not.
fn vowel(word: &[char], i: usize) -> bool {
    match word[i] {
        'y' => i > 0 && !matches!(word[i - 1], 'a' | 'e' | 'i' | 'o' | 'u'),
        'u' if i > 0 && word[i - 1] == 'q' => false,
        c => matches!(c, 'a' | 'e' | 'i' | 'o' | 'u'),
    }
}

/// English syllables of one word of letters.
pub(crate) fn syllables(word: &str) -> usize {
    let capitals = word.chars().filter(|c| c.is_uppercase()).count();
    if word.chars().count() >= 2 && capitals >= 2 {
        // An abbreviation, said letter by letter ("BMI", "eGFR", "proBNP"): each capital is
        // a syllable ("W" three), and the small letters between are read as a word.
        let mut count = 0;
        let mut small = String::new();
        for c in word.chars() {
            if c.is_uppercase() {
                if !small.is_empty() {
                    count += syllables(&small);
                    small.clear();
                }
                count += if c == 'W' { 3 } else { 1 };
            } else {
                small.push(c);
            }
        }
        if !small.is_empty() {
            count += syllables(&small);
        }
        return count;
    }
    let w: Vec<char> = word.to_lowercase().chars().collect();
    let n = w.len();
    // Vowel groups, as (first, last) index.
    let mut groups: Vec<(usize, usize)> = Vec::new();
    let mut i = 0;
    while i < n {
        if vowel(&w, i) {
            let start = i;
            while i + 1 < n && vowel(&w, i + 1) {
                i += 1;
            }
            groups.push((start, i));
        }
        i += 1;
    }
    let mut count = groups.len();
    // Pairs said as two: "calcium", "anemia" (but not "special", "initial", "Asian").
    for &(start, end) in &groups {
        for k in start..end {
            let split = match (w[k], w[k + 1]) {
                ('i', 'u') => true,
                ('i', 'a') => !(k > 0 && matches!(w[k - 1], 'c' | 't' | 's' | 'g')),
                _ => false,
            };
            if split {
                count += 1;
            }
        }
    }
    if count > 1 {
        let consonant = |i: usize| !vowel(&w, i);
        let ends = |suffix: &str| word.to_lowercase().ends_with(suffix);
        // The last group is a lone "e" at `at`.
        let lone_e_at = |at: usize| groups.last() == Some(&(at, at)) && w[at] == 'e';
        if n >= 2 && lone_e_at(n - 1) {
            // "make", "whole" (silent); "table", "little" (heard).
            let heard = ends("le") && n >= 3 && consonant(n - 3);
            if !heard {
                count -= 1;
            }
        } else if n >= 3 && ends("es") && lone_e_at(n - 2) {
            // "times", "types" (silent); "places", "boxes", "changes", "tables" (heard).
            let before = &w[..n - 2];
            let heard = matches!(before.last(), Some('s' | 'x' | 'z' | 'c' | 'g'))
                || ends("ches")
                || ends("shes")
                || (ends("les") && n >= 4 && consonant(n - 4));
            if !heard {
                count -= 1;
            }
        } else if n >= 3 && ends("ed") && lone_e_at(n - 2) {
            // "named", "jumped" (silent); "wanted", "needed" (heard).
            if !matches!(w[n - 3], 't' | 'd') {
                count -= 1;
            }
        }
        // A silent e before an ending: "safely", "statement", "careful", "lateness".
        for suffix in ["ly", "ment", "ful", "ness"] {
            let len = suffix.chars().count();
            if count > 1 && n > len + 2 && ends(&format!("e{suffix}")) {
                let at = n - len - 1;
                if groups.contains(&(at, at)) && consonant(at - 1) {
                    count -= 1;
                }
            }
        }
    }
    count.max(1)
}

/// Spanish syllables of one word of letters.
pub(crate) fn spanish_syllables(word: &str) -> usize {
    let w: Vec<char> = word.to_lowercase().chars().collect();
    if w == ['y'] {
        return 1;
    }
    let strong = |c: char| matches!(c, 'a' | 'e' | 'o' | 'á' | 'é' | 'ó');
    let accented_weak = |c: char| matches!(c, 'í' | 'ú');
    let weak = |c: char| matches!(c, 'i' | 'u' | 'ü');
    let mut count = 0;
    let mut previous: Option<char> = None;
    for (i, &c) in w.iter().enumerate() {
        // The "u" of "que", "qui", "gue", "gui" is not said.
        let silent_u = c == 'u'
            && i > 0
            && matches!(w[i - 1], 'q' | 'g')
            && matches!(w.get(i + 1), Some('e' | 'i' | 'é' | 'í'));
        // A final "y" after a vowel closes its syllable ("hay", "muy").
        let final_y = c == 'y' && i + 1 == w.len() && previous.is_some();
        if silent_u {
            continue;
        }
        if strong(c) || weak(c) || accented_weak(c) || final_y {
            let c = if final_y { 'i' } else { c };
            match previous {
                None => count += 1,
                Some(p) => {
                    if (strong(c) && strong(p)) || accented_weak(c) || accented_weak(p) {
                        count += 1;
                    }
                }
            }
            previous = Some(c);
        } else {
            previous = None;
        }
    }
    count.max(1)
}

/// The words of a text: runs of letters (with an apostrophe inside: "don't").
fn words(text: &str) -> Vec<&str> {
    text.split(|c: char| !(c.is_alphabetic() || c == '\'' || c == '’'))
        .map(|w| w.trim_matches(['\'', '’']))
        .filter(|w| !w.is_empty())
        .collect()
}

/// Sentences: an end mark before a space or the end, and a last one without it.
fn sentences(text: &str) -> usize {
    let chars: Vec<char> = text.trim().chars().collect();
    let end = |c: char| matches!(c, '.' | '!' | '?' | '…');
    let closing = |c: char| matches!(c, '"' | '”' | '’' | ')');
    let mut count = 0;
    let mut i = 0;
    while i < chars.len() {
        if end(chars[i]) {
            let mut j = i;
            while j + 1 < chars.len() && (end(chars[j + 1]) || closing(chars[j + 1])) {
                j += 1;
            }
            if j + 1 == chars.len() || chars[j + 1].is_whitespace() {
                count += 1;
            }
            i = j + 1;
        } else {
            i += 1;
        }
    }
    let last_mark = chars.iter().rposition(|c| end(*c));
    let words_after = match last_mark {
        Some(at) => !words(&chars[at + 1..].iter().collect::<String>()).is_empty(),
        None => !words(text).is_empty(),
    };
    if words_after {
        count += 1;
    }
    count.max(1)
}

/// Counts over a set of texts, each read on its own (a label is a sentence).
struct Counts {
    words: usize,
    sentences: usize,
    syllables: usize,
}

fn counts<'a>(texts: impl IntoIterator<Item = &'a str>, syllables: fn(&str) -> usize) -> Counts {
    let mut all = Counts {
        words: 0,
        sentences: 0,
        syllables: 0,
    };
    for text in texts {
        let found = words(text);
        if found.is_empty() {
            continue;
        }
        all.words += found.len();
        all.syllables += found.iter().map(|w| syllables(w)).sum::<usize>();
        all.sentences += sentences(text);
    }
    all
}

/// The Flesch–Kincaid grade of English texts taken together.
pub(crate) fn grade<'a>(texts: impl IntoIterator<Item = &'a str>) -> f64 {
    let c = counts(texts, syllables);
    if c.words == 0 {
        return 0.0;
    }
    0.39 * c.words as f64 / c.sentences as f64 + 11.8 * c.syllables as f64 / c.words as f64 - 15.59
}

/// The Fernández-Huerta ease of Spanish texts taken together (higher is easier).
pub(crate) fn spanish_ease<'a>(texts: impl IntoIterator<Item = &'a str>) -> f64 {
    let c = counts(texts, spanish_syllables);
    if c.words == 0 {
        return 100.0;
    }
    206.84 - 60.0 * c.syllables as f64 / c.words as f64 - 1.02 * c.words as f64 / c.sentences as f64
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::common::i18n::{Arg, Lang, in_language, t_args};

    #[test]
    fn english_syllables_of_known_words() {
        for (word, expected) in [
            ("the", 1),
            ("cat", 1),
            ("blood", 1),
            ("you", 1),
            ("year", 1),
            ("make", 1),
            ("whole", 1),
            ("table", 2),
            ("little", 2),
            ("people", 2),
            ("jumped", 1),
            ("named", 1),
            ("wanted", 2),
            ("needed", 2),
            ("times", 1),
            ("types", 1),
            ("places", 2),
            ("boxes", 2),
            ("changes", 2),
            ("tables", 2),
            ("queen", 1),
            ("safely", 2),
            ("pressure", 2),
            ("measures", 2),
            ("glucose", 2),
            ("thyroid", 2),
            ("kidneys", 2),
            ("oxygen", 3),
            ("medicine", 3),
            ("calcium", 3),
            ("sodium", 3),
            ("special", 2),
            ("potassium", 4),
            ("cholesterol", 4),
            ("hemoglobin", 4),
            ("anemia", 4),
            ("triglycerides", 4),
            ("BMI", 3),
            ("LDL", 3),
            ("eGFR", 4),
            ("WBC", 5),
        ] {
            assert_eq!(syllables(word), expected, "{word}");
        }
    }

    #[test]
    fn spanish_syllables_of_known_words() {
        for (word, expected) in [
            ("y", 1),
            ("hay", 1),
            ("muy", 1),
            ("sangre", 2),
            ("quiere", 2),
            ("guerra", 2),
            ("cuánta", 2),
            ("día", 2),
            ("azúcar", 3),
            ("riñones", 3),
            ("glóbulos", 3),
            ("análisis", 4),
            ("oxígeno", 4),
            ("proteína", 4),
            ("colesterol", 4),
            ("hemoglobina", 5),
            ("triglicéridos", 5),
        ] {
            assert_eq!(spanish_syllables(word), expected, "{word}");
        }
    }

    #[test]
    fn sentences_words_and_grades() {
        assert_eq!(sentences("Sign in"), 1);
        assert_eq!(sentences("It works. Try it! Now?"), 3);
        assert_eq!(sentences("Type name@example.com, then press Send"), 1);
        assert_eq!(sentences("It is \"good.\" Then more"), 2);
        assert_eq!(words("Don't type 4 9 1961."), ["Don't", "type"]);
        // "The cat sat on the mat.": 6 words, 1 sentence, 6 syllables.
        let easy = grade(["The cat sat on the mat."]);
        assert!((easy - (0.39 * 6.0 + 11.8 - 15.59)).abs() < 1e-9, "{easy}");
        let hard = grade([
            "Glomerular filtration estimation necessitates considering demographic \
             characteristics alongside serum creatinine concentrations.",
        ]);
        assert!(hard > 16.0, "{hard}");
        assert!(spanish_ease(["El gato come."]) > 90.0);
    }

    /// Every message of the `.ftl` files of a language, as the patient reads it (placeholders
    /// given as nothing, a choice read as its default), without the staff's.
    fn messages(lang: Lang) -> BTreeMap<String, String> {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("locales")
            .join(lang.tag());
        let mut all = BTreeMap::new();
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            let file = path.file_name().unwrap().to_string_lossy().into_owned();
            if !file.ends_with(".ftl") || file.starts_with("staff") {
                continue;
            }
            // Each message with its source (its first line and the indented ones after it).
            let mut sources: Vec<(String, String)> = Vec::new();
            for line in std::fs::read_to_string(&path).unwrap().lines() {
                if line.starts_with([' ', '\t']) {
                    if let Some((_, source)) = sources.last_mut() {
                        source.push_str(line);
                    }
                } else if !line.starts_with(['#', '-']) && line.contains(" =") {
                    let (key, source) = line.split_once(" =").unwrap();
                    sources.push((key.trim().to_owned(), source.to_owned()));
                }
            }
            for (key, source) in sources {
                if key.starts_with("staff-") {
                    continue;
                }
                // A message with placeholders is only formatted when given them all.
                let args: Vec<(&'static str, Arg)> = source
                    .split('$')
                    .skip(1)
                    .map(|rest| {
                        let name: String = rest
                            .chars()
                            .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == '-')
                            .collect();
                        (&*Box::leak(name.into_boxed_str()), Arg::Text(String::new()))
                    })
                    .collect();
                let words = in_language(lang, || t_args(&key, &args));
                assert!(
                    !words.starts_with("Unknown localization key"),
                    "{key}: {words}"
                );
                all.insert(key, without_placeholders(&words));
            }
        }
        all
    }

    /// Fluent shows a placeholder it was given no value for as `{$name}`: leave it out.
    fn without_placeholders(text: &str) -> String {
        let mut out = String::new();
        let mut depth = 0;
        for c in text.chars() {
            match c {
                '{' => depth += 1,
                '}' if depth > 0 => depth -= 1,
                _ if depth == 0 => out.push(c),
                _ => {}
            }
        }
        out.split_whitespace().collect::<Vec<_>>().join(" ")
    }

    /// The hardest texts, hardest first. A word or two ("Administrator") has a grade that
    /// means nothing, so only texts of five words or more are ranked.
    fn worst(messages: &BTreeMap<String, String>, count: usize) -> String {
        let mut graded: Vec<(f64, &String, &String)> = messages
            .iter()
            .filter(|(_, text)| words(text).len() >= 5)
            .map(|(key, text)| (grade([text.as_str()]), key, text))
            .collect();
        graded.sort_by(|a, b| b.0.total_cmp(&a.0));
        graded
            .iter()
            .take(count)
            .map(|(g, key, text)| format!("  {g:5.1}  {key} = {text}"))
            .collect::<Vec<_>>()
            .join("\n")
    }

    fn explanations(lang: Lang) -> BTreeMap<String, String> {
        let keys = crate::record::explanations::keys();
        messages(lang)
            .into_iter()
            .filter(|(key, _)| keys.contains(key.as_str()))
            .collect()
    }

    #[test]
    fn each_english_explanation_reads_at_8th_grade_or_below() {
        let all = explanations(Lang::En);
        assert_eq!(all.len(), crate::record::explanations::keys().len());
        let hard: BTreeMap<_, _> = all
            .iter()
            .filter(|(_, text)| grade([text.as_str()]) > 8.0)
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        assert!(
            hard.is_empty(),
            "explanations above 8th grade:\n{}",
            worst(&hard, hard.len())
        );
    }

    #[test]
    fn the_english_patient_pages_read_at_8th_grade_or_below() {
        let all = messages(Lang::En);
        assert!(all.len() > 400, "{} messages", all.len());
        let together = grade(all.values().map(String::as_str));
        assert!(
            together <= 8.0,
            "the patient's pages read at grade {together:.1}; the hardest ten:\n{}",
            worst(&all, 10)
        );
        // Labels and buttons (a word or two each) pull the grade down: the sentences alone
        // (texts of eight words or more) must read at 8th grade too.
        let prose: BTreeMap<String, String> = all
            .into_iter()
            .filter(|(_, text)| words(text).len() >= 8)
            .collect();
        let sentences_only = grade(prose.values().map(String::as_str));
        println!(
            "grade of the patient's pages: {together:.1} in all, {sentences_only:.1} for the sentences"
        );
        assert!(
            sentences_only <= 8.0,
            "the patient's sentences read at grade {sentences_only:.1}; the hardest ten:\n{}",
            worst(&prose, 10)
        );
    }

    #[test]
    fn the_spanish_explanations_are_fairly_easy_to_read() {
        let all = explanations(Lang::Es);
        let ease = spanish_ease(all.values().map(String::as_str));
        let mut each: Vec<(f64, &String)> = all
            .iter()
            .map(|(key, text)| (spanish_ease([text.as_str()]), key))
            .collect();
        each.sort_by(|a, b| a.0.total_cmp(&b.0));
        println!(
            "Fernández-Huerta of the Spanish explanations: {ease:.1}; hardest {:?}",
            each[0]
        );
        assert!(
            ease >= 70.0,
            "Fernández-Huerta {ease:.1}; the hardest: {:?}",
            &each[..5]
        );
    }
}
