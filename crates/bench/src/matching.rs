//! `porchlight-bench matching`: the enrollment identity matcher's accuracy over a generated
//! population. Prints Markdown tables for `docs/MATCHING.md` and fails if any claim was
//! accepted for someone else's chart.
//!
//! Run it in release mode: `cargo run --release -p bench -- matching --patients 100000`.
//!
//! Every patient makes genuine claims (their own chart's details, typed with one kind of
//! error) under each enrollment policy, on the invitation path (`compare_invited` with their own
//! chart) and on the self-enrollment path (`search` over everyone born on the claimed dates),
//! and once more as if they were not a patient here (`search` without their chart). Impostor
//! claims come from the other member of a household, from same-day namesakes who are not
//! patients, from people who know a patient's name and birth date but not the SSN digits or
//! MRN, from namesakes born on another day, and from random other patients. The report gives,
//! per kind of error, the share of *eligible* self-enrollment claims (birth date and SSN digits
//! or MRN right) accepted.

use std::collections::HashMap;
use std::time::Instant;

use demo::{DemoPatient, Generator, HouseholdKind};
use domain::matching::{
    ChartIdentity, ClaimForm, IdentityClaim, NameRelation, SearchOutcome, SearchRules, Verdict,
    compare_invited, nicknames::nickname_partners, relate_family, relate_given, search,
};
use domain::{SecretKey, ssn_last4_hash};
use jiff::ToSpan;
use jiff::civil::Date;

#[derive(clap::Args, Clone, Copy)]
pub struct MatchingArgs {
    /// How many demo patients make up the population.
    #[arg(long, default_value_t = 100_000)]
    patients: u64,
    /// The demo generator's seed.
    #[arg(long, default_value_t = 2026)]
    seed: u64,
}

/// Which identifiers the enrollment policy asks for, beyond name and birth date.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
enum Policy {
    NameAndBirthDate,
    Zip,
    SsnLast4,
    Mrn,
}

const POLICIES: [Policy; 4] = [
    Policy::NameAndBirthDate,
    Policy::Zip,
    Policy::SsnLast4,
    Policy::Mrn,
];

impl Policy {
    fn label(self) -> &'static str {
        match self {
            Policy::NameAndBirthDate => "name + birth date",
            Policy::Zip => "+ ZIP",
            Policy::SsnLast4 => "+ SSN last 4",
            Policy::Mrn => "+ MRN",
        }
    }
}

/// What a genuine patient got wrong while typing, or (for [`Slip::MissingOnChart`]) what the
/// chart lacks. The kinds follow the errors registration desks and patients make: typing
/// slips of each kind, phonetic respellings, a scanner's confusions, missing values, swapped
/// fields, compound names and nicknames.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
enum Slip {
    None,
    WrongCase,
    MissingAccents,
    ExtraSpaces,
    CompoundJoinedOrSplit,
    CompoundOnePart,
    MiddleNameAdded,
    Nickname,
    Insertion,
    Deletion,
    Substitution,
    Transposition,
    KeyboardNeighbour,
    Phonetic,
    Ocr,
    MissingOnChart,
    NamesSwapped,
    DayMonthSwapped,
}

const SLIPS: [Slip; 18] = [
    Slip::None,
    Slip::WrongCase,
    Slip::MissingAccents,
    Slip::ExtraSpaces,
    Slip::CompoundJoinedOrSplit,
    Slip::CompoundOnePart,
    Slip::MiddleNameAdded,
    Slip::Nickname,
    Slip::Insertion,
    Slip::Deletion,
    Slip::Substitution,
    Slip::Transposition,
    Slip::KeyboardNeighbour,
    Slip::Phonetic,
    Slip::Ocr,
    Slip::MissingOnChart,
    Slip::NamesSwapped,
    Slip::DayMonthSwapped,
];

impl Slip {
    fn label(self) -> &'static str {
        match self {
            Slip::None => "none (typed as on the chart)",
            Slip::WrongCase => "wrong case",
            Slip::MissingAccents => "accents left out",
            Slip::ExtraSpaces => "extra spaces",
            Slip::CompoundJoinedOrSplit => "compound name joined, split or hyphenated",
            Slip::CompoundOnePart => "one part of a compound surname",
            Slip::MiddleNameAdded => "middle name typed too",
            Slip::Nickname => "nickname instead of legal name",
            Slip::Insertion => "typo: a letter inserted",
            Slip::Deletion => "typo: a letter left out",
            Slip::Substitution => "typo: a letter replaced",
            Slip::Transposition => "typo: two letters transposed",
            Slip::KeyboardNeighbour => "typo: a neighbouring key",
            Slip::Phonetic => "phonetic respelling",
            Slip::Ocr => "scanner (OCR) confusion",
            Slip::MissingOnChart => "missing values: chart without SSN digits or ZIP",
            Slip::NamesSwapped => "given and family name swapped",
            Slip::DayMonthSwapped => "day and month of birth swapped",
        }
    }

    /// Whether the slip is in what the chart holds rather than in what was typed.
    fn strips_chart(self) -> bool {
        self == Slip::MissingOnChart
    }
}

/// One patient as the matcher sees them, plus what only the patient knows.
struct Person {
    chart: ChartIdentity,
    /// As typed by the patient: first name then middle names.
    given: Vec<String>,
    family: String,
    ssn_last4: String,
    household: Option<(HouseholdKind, usize)>,
}

impl Person {
    fn from_demo(patient: &DemoPatient, key: &SecretKey) -> Self {
        let ssn_last4 = patient.ssn[patient.ssn.len() - 4..].to_owned();
        // Some EHRs keep "Jr."/"Sr." in the family name; keep it there so that the matcher
        // has to see past it.
        let chart_family = match &patient.suffix {
            Some(suffix) => format!("{} {suffix}", patient.family),
            None => patient.family.clone(),
        };
        Person {
            chart: ChartIdentity {
                given: patient.given.clone(),
                family: chart_family,
                birth_date: patient.birth_date,
                mrn: Some(patient.mrn.clone()),
                ssn_last4_hash: Some(ssn_last4_hash(key, &ssn_last4)),
                postal_code: Some(patient.address.postal_code.clone()),
            },
            given: patient.given.clone(),
            family: patient.family.clone(),
            ssn_last4,
            household: patient.household.map(|h| (h.kind, h.other_index as usize)),
        }
    }
}

/// A claim as typed, before parsing.
#[derive(Clone)]
struct Typed {
    given: String,
    family: String,
    birth_date: Date,
    mrn: String,
    ssn_last4: String,
    zip: String,
}

impl Typed {
    fn of(person: &Person) -> Self {
        Typed {
            given: person.given[0].clone(),
            family: person.family.clone(),
            birth_date: person.chart.birth_date,
            mrn: person.chart.mrn.clone().unwrap_or_default(),
            ssn_last4: person.ssn_last4.clone(),
            zip: person.chart.postal_code.clone().unwrap_or_default(),
        }
    }

    fn claim(&self, policy: Policy) -> Option<IdentityClaim> {
        let birth_date = self.birth_date.to_string();
        IdentityClaim::parse(ClaimForm {
            given: &self.given,
            family: &self.family,
            birth_date: &birth_date,
            mrn: (policy == Policy::Mrn).then_some(self.mrn.as_str()),
            ssn_last4: (policy == Policy::SsnLast4).then_some(self.ssn_last4.as_str()),
            postal_code: (policy == Policy::Zip).then_some(self.zip.as_str()),
        })
        .ok()
    }
}

/// splitmix64: a few lines of deterministic randomness, enough for choosing slips, so the
/// bench needs no random-number crate of its own.
struct Rng(u64);

impl Rng {
    fn for_patient(seed: u64, index: usize) -> Self {
        Rng(seed ^ (index as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15))
    }

    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    fn coin(&mut self) -> bool {
        self.next() & 1 == 1
    }
}

/// `person`'s own details typed with `slip`, or `None` when the slip cannot apply (no
/// accents to leave out, no middle name, no listed nickname...).
fn make_slip(person: &Person, slip: Slip, rng: &mut Rng) -> Option<Typed> {
    let mut typed = Typed::of(person);
    match slip {
        Slip::None | Slip::MissingOnChart => {}
        Slip::WrongCase => {
            if rng.coin() {
                typed.given = typed.given.to_uppercase();
                typed.family = typed.family.to_uppercase();
            } else {
                typed.given = typed.given.to_lowercase();
                typed.family = typed.family.to_lowercase();
            }
        }
        Slip::MissingAccents => {
            let (given, family) = (strip_accents(&typed.given), strip_accents(&typed.family));
            if given == typed.given && family == typed.family {
                return None;
            }
            (typed.given, typed.family) = (given, family);
        }
        Slip::ExtraSpaces => {
            typed.given = format!("  {} ", typed.given);
            typed.family = format!(" {}  ", typed.family.replace(' ', "   "));
        }
        Slip::CompoundJoinedOrSplit => {
            let name = if typed.family.contains([' ', '-']) {
                &mut typed.family
            } else if typed.given.contains([' ', '-']) {
                &mut typed.given
            } else {
                return None;
            };
            *name = match rng.below(2) {
                0 if name.contains('-') => name.replace('-', " "),
                0 => name.replace(' ', "-"),
                _ => name.replace([' ', '-'], ""),
            };
        }
        Slip::CompoundOnePart => {
            let parts: Vec<&str> = typed
                .family
                .split([' ', '-'])
                .filter(|part| part.chars().count() > 3)
                .collect();
            if parts.len() < 2 {
                return None;
            }
            typed.family = parts[rng.below(parts.len())].to_owned();
        }
        Slip::MiddleNameAdded => {
            if person.given.len() < 2 {
                return None;
            }
            typed.given = person.given.join(" ");
        }
        Slip::Nickname => {
            let partners = nickname_partners(&typed.given);
            if partners.is_empty() {
                return None;
            }
            typed.given = capitalize(partners[rng.below(partners.len())]);
        }
        Slip::Insertion
        | Slip::Deletion
        | Slip::Substitution
        | Slip::Transposition
        | Slip::KeyboardNeighbour
        | Slip::Phonetic
        | Slip::Ocr => {
            let name = if rng.coin() {
                &mut typed.given
            } else {
                &mut typed.family
            };
            *name = match slip {
                Slip::Insertion => insert_letter(name, rng),
                Slip::Deletion => drop_letter(name, rng),
                Slip::Substitution => replace_letter(name, rng, |_, rng| random_letter(rng)),
                Slip::Transposition => transpose(name, rng),
                Slip::KeyboardNeighbour => replace_letter(name, rng, keyboard_neighbour),
                Slip::Phonetic => rewrite(name, PHONETIC, rng),
                _ => rewrite(name, OCR, rng),
            }?;
        }
        Slip::NamesSwapped => {
            std::mem::swap(&mut typed.given, &mut typed.family);
        }
        Slip::DayMonthSwapped => {
            let date = typed.birth_date;
            if date.day() == date.month() {
                return None;
            }
            typed.birth_date = Date::new(date.year(), date.day(), date.month()).ok()?;
        }
    }
    Some(typed)
}

/// Positions of the letters of `chars`.
fn letters(chars: &[char]) -> Vec<usize> {
    (0..chars.len())
        .filter(|&i| chars[i].is_alphabetic())
        .collect()
}

fn random_letter(rng: &mut Rng) -> char {
    char::from(b'a' + rng.below(26) as u8)
}

fn insert_letter(name: &str, rng: &mut Rng) -> Option<String> {
    let mut chars: Vec<char> = name.chars().collect();
    let spots = letters(&chars);
    if spots.is_empty() {
        return None;
    }
    // Before a letter or after the last one.
    let at = match rng.below(spots.len() + 1) {
        i if i < spots.len() => spots[i],
        _ => spots[spots.len() - 1] + 1,
    };
    chars.insert(at, random_letter(rng));
    Some(chars.into_iter().collect())
}

/// One letter replaced by what `with` picks for it (never the same letter).
fn replace_letter(
    name: &str,
    rng: &mut Rng,
    with: impl Fn(char, &mut Rng) -> char,
) -> Option<String> {
    let mut chars: Vec<char> = name.chars().collect();
    let spots = letters(&chars);
    if spots.is_empty() {
        return None;
    }
    let at = spots[rng.below(spots.len())];
    let original = chars[at].to_lowercase().next().unwrap_or(chars[at]);
    let replacement = with(original, rng);
    if replacement == original {
        return None;
    }
    chars[at] = replacement;
    Some(chars.into_iter().collect())
}

/// A key next to `letter` on a US QWERTY keyboard (the letter itself when it has none, e.g.
/// an accented letter).
fn keyboard_neighbour(letter: char, rng: &mut Rng) -> char {
    const ROWS: [&[u8]; 3] = [b"qwertyuiop", b"asdfghjkl", b"zxcvbnm"];
    let Some((row, col)) = ROWS.iter().enumerate().find_map(|(row, keys)| {
        keys.iter()
            .position(|&k| char::from(k) == letter)
            .map(|col| (row, col))
    }) else {
        return letter;
    };
    let mut near: Vec<char> = Vec::new();
    let mut add = |row: usize, col: Option<usize>| {
        if let Some(&key) = col.and_then(|col| ROWS[row].get(col)) {
            near.push(char::from(key));
        }
    };
    add(row, col.checked_sub(1));
    add(row, Some(col + 1));
    // The rows are staggered: the row above has keys at the same position and one right,
    // the row below at the same position and one left.
    if row > 0 {
        add(row - 1, Some(col));
        add(row - 1, Some(col + 1));
    }
    if row < 2 {
        add(row + 1, Some(col));
        add(row + 1, col.checked_sub(1));
    }
    near[rng.below(near.len())]
}

/// Respellings that sound the same, as a clerk writes down a name heard over the phone.
const PHONETIC: &[(&str, &str)] = &[
    ("ph", "f"),
    ("f", "ph"),
    ("ck", "k"),
    ("c", "k"),
    ("k", "c"),
    ("y", "i"),
    ("i", "y"),
    ("ie", "y"),
    ("ey", "y"),
    ("z", "s"),
    ("s", "z"),
    ("ll", "l"),
    ("l", "ll"),
    ("nn", "n"),
    ("n", "nn"),
    ("tt", "t"),
    ("rr", "r"),
    ("ss", "s"),
    ("th", "t"),
    ("gh", ""),
    ("ou", "u"),
    ("ee", "ea"),
    ("ai", "ay"),
    ("son", "sen"),
    ("sen", "son"),
    ("x", "ks"),
    ("qu", "kw"),
    ("v", "b"),
    ("b", "v"),
    ("j", "h"),
];

/// What a scanner reading a printed or handwritten form confuses.
const OCR: &[(&str, &str)] = &[
    ("m", "rn"),
    ("rn", "m"),
    ("d", "cl"),
    ("cl", "d"),
    ("w", "vv"),
    ("h", "li"),
    ("l", "i"),
    ("i", "l"),
    ("e", "c"),
    ("u", "v"),
    ("o", "0"),
    ("s", "5"),
    ("b", "8"),
    ("l", "1"),
];

/// One occurrence of one pattern from `rules`, rewritten (the name lower-cased, then its
/// first letter capitalized again).
fn rewrite(name: &str, rules: &[(&str, &str)], rng: &mut Rng) -> Option<String> {
    let lower = name.to_lowercase();
    let spots: Vec<(usize, &str, &str)> = rules
        .iter()
        .flat_map(|&(from, to)| lower.match_indices(from).map(move |(at, _)| (at, from, to)))
        .collect();
    if spots.is_empty() {
        return None;
    }
    let (at, from, to) = spots[rng.below(spots.len())];
    let rewritten = format!("{}{to}{}", &lower[..at], &lower[at + from.len()..]);
    Some(capitalize(&rewritten))
}

fn transpose(name: &str, rng: &mut Rng) -> Option<String> {
    let mut chars: Vec<char> = name.chars().collect();
    let spots: Vec<usize> = (0..chars.len().saturating_sub(1))
        .filter(|&i| {
            chars[i].is_alphabetic()
                && chars[i + 1].is_alphabetic()
                && !chars[i].to_lowercase().eq(chars[i + 1].to_lowercase())
        })
        .collect();
    if spots.is_empty() {
        return None;
    }
    let i = spots[rng.below(spots.len())];
    chars.swap(i, i + 1);
    Some(chars.into_iter().collect())
}

fn drop_letter(name: &str, rng: &mut Rng) -> Option<String> {
    let mut chars: Vec<char> = name.chars().collect();
    let spots = letters(&chars);
    if spots.len() < 2 {
        return None;
    }
    chars.remove(spots[rng.below(spots.len())]);
    Some(chars.into_iter().collect())
}

fn capitalize(name: &str) -> String {
    let mut chars = name.chars();
    chars
        .next()
        .map(|first| first.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

/// The accents of the demo population's names, as a keyboard without them would type them.
fn strip_accents(name: &str) -> String {
    name.chars()
        .map(|c| match c {
            'á' | 'à' | 'â' | 'ä' | 'ã' | 'å' => 'a',
            'Á' | 'À' | 'Â' | 'Ä' | 'Ã' | 'Å' => 'A',
            'é' | 'è' | 'ê' | 'ë' => 'e',
            'É' | 'È' | 'Ê' | 'Ë' => 'E',
            'í' | 'ì' | 'î' | 'ï' => 'i',
            'Í' | 'Ì' | 'Î' | 'Ï' => 'I',
            'ó' | 'ò' | 'ô' | 'ö' | 'õ' => 'o',
            'Ó' | 'Ò' | 'Ô' | 'Ö' | 'Õ' => 'O',
            'ú' | 'ù' | 'û' | 'ü' => 'u',
            'Ú' | 'Ù' | 'Û' | 'Ü' => 'U',
            'ñ' => 'n',
            'Ñ' => 'N',
            'ç' => 'c',
            'Ç' => 'C',
            other => other,
        })
        .collect()
}

/// Accept/refuse counts for one cell of a table.
#[derive(Default, Clone, Copy)]
struct Count {
    tried: u64,
    accepted: u64,
}

impl Count {
    fn add(&mut self, accepted: bool) {
        self.tried += 1;
        self.accepted += u64::from(accepted);
    }

    fn merge(&mut self, other: Count) {
        self.tried += other.tried;
        self.accepted += other.accepted;
    }

    fn refused_percent(self) -> String {
        if self.tried == 0 {
            return "–".to_owned();
        }
        let refused = self.tried - self.accepted;
        format!("{:.2}%", 100.0 * refused as f64 / self.tried as f64)
    }

    fn accepted_percent(self) -> String {
        if self.tried == 0 {
            return "–".to_owned();
        }
        format!("{:.2}%", 100.0 * self.accepted as f64 / self.tried as f64)
    }
}

fn merge_counts<K: std::hash::Hash + Eq>(into: &mut HashMap<K, Count>, from: HashMap<K, Count>) {
    for (k, v) in from {
        into.entry(k).or_default().merge(v);
    }
}

/// Everything counted by one worker thread; merged at the end.
#[derive(Default)]
struct Tally {
    /// Genuine claims accepted for their own chart, by slip and policy.
    invitation: HashMap<(Slip, Policy), Count>,
    self_enrollment: HashMap<(Slip, Policy), Count>,
    /// Self-enrollment claims whose birth date and person identifier (SSN digits, MRN) are
    /// right, under the policies that offer self-enrollment: accepted for their own chart.
    eligible: HashMap<Slip, Count>,
    /// Day and month swapped, searched under a policy that allows it (SSN digits or MRN).
    swap_allowed: Count,
    ambiguous: HashMap<(Slip, Policy), u64>,
    /// Impostor claims, by kind and path: tried and accepted.
    impostors: HashMap<(&'static str, &'static str), Count>,
    /// A claim accepted for someone else's chart.
    false_accepts: Vec<String>,
    /// A claim that, as typed, is exactly someone else's name and birth date and carries no
    /// MRN or SSN digits: no matcher can tell, only the policy can.
    indistinguishable: HashMap<(&'static str, Policy), u64>,
}

impl Tally {
    fn merge(&mut self, other: Tally) {
        merge_counts(&mut self.invitation, other.invitation);
        merge_counts(&mut self.self_enrollment, other.self_enrollment);
        merge_counts(&mut self.eligible, other.eligible);
        self.swap_allowed.merge(other.swap_allowed);
        for (k, v) in other.ambiguous {
            *self.ambiguous.entry(k).or_default() += v;
        }
        merge_counts(&mut self.impostors, other.impostors);
        self.false_accepts.extend(other.false_accepts);
        for (k, v) in other.indistinguishable {
            *self.indistinguishable.entry(k).or_default() += v;
        }
    }

    fn impostor(&mut self, what: &'static str, path: &'static str, accepted: bool) {
        self.impostors
            .entry((what, path))
            .or_default()
            .add(accepted);
    }
}

/// The population with its birth-date index, shared read-only by the workers.
struct Population {
    people: Vec<Person>,
    by_birth_date: HashMap<Date, Vec<usize>>,
    key: SecretKey,
}

/// How a search is run: whose chart is left out (a claimant who is not a patient here),
/// whose chart lacks its SSN digits and ZIP code, and what the policy forgives.
#[derive(Clone, Copy, Default)]
struct Searching {
    without: Option<usize>,
    stripped: Option<usize>,
    rules: SearchRules,
}

/// `chart` as recorded without SSN digits or ZIP code.
fn stripped(chart: &ChartIdentity) -> ChartIdentity {
    ChartIdentity {
        ssn_last4_hash: None,
        postal_code: None,
        ..chart.clone()
    }
}

impl Population {
    fn hasher(&self) -> impl Fn(&str) -> String + '_ {
        |digits| ssn_last4_hash(&self.key, digits)
    }

    /// Runs `search` over the charts born on the claim's candidate dates (as an indexed query
    /// returns them) and answers the population index it matched, if any, and whether it was
    /// ambiguous.
    fn search(&self, claim: &IdentityClaim, how: Searching) -> (Option<usize>, bool) {
        let indices: Vec<usize> = claim
            .candidate_birth_dates()
            .iter()
            .filter_map(|date| self.by_birth_date.get(date))
            .flatten()
            .copied()
            .filter(|&i| Some(i) != how.without)
            .collect();
        let charts: Vec<ChartIdentity> = indices
            .iter()
            .map(|&i| match how.stripped {
                Some(s) if s == i => stripped(&self.people[i].chart),
                _ => self.people[i].chart.clone(),
            })
            .collect();
        match search(claim, &charts, how.rules, self.hasher()) {
            SearchOutcome::Match { index, .. } => (Some(indices[index]), false),
            SearchOutcome::NoMatch { .. } => (None, false),
            SearchOutcome::Ambiguous => (None, true),
        }
    }

    /// The invitation path: the claim against the invited chart (stripped of its SSN digits
    /// and ZIP code if asked), knowing the population's other charts born the same day (as
    /// the application reads them from the database).
    fn accepts(&self, claim: &IdentityClaim, chart: usize, strip: bool) -> bool {
        let invited = if strip {
            stripped(&self.people[chart].chart)
        } else {
            self.people[chart].chart.clone()
        };
        let born_the_same_day: Vec<String> = self
            .by_birth_date
            .get(&invited.birth_date)
            .into_iter()
            .flatten()
            .filter(|&&other| other != chart)
            .map(|&other| self.people[other].chart.family.clone())
            .collect();
        compare_invited(claim, &invited, &born_the_same_day, self.hasher()).verdict
            == Verdict::Match
    }
}

/// See [`Tally::indistinguishable`].
fn indistinguishable(claim: &IdentityClaim, chart: &ChartIdentity) -> bool {
    relate_given(claim.given(), &chart.given) == NameRelation::Same
        && relate_family(claim.family(), &chart.family) == NameRelation::Same
        && claim.birth_date() == chart.birth_date
        && claim.mrn().is_none()
        && !claim.has_ssn_last4()
}

impl Tally {
    /// Records that `claim`, made by `claimant` (or by someone not in the population), was
    /// accepted for `chart`: a false accept unless it is that chart's owner, or the claim is
    /// indistinguishable from that owner's own.
    fn accepted(
        &mut self,
        population: &Population,
        what: &'static str,
        policy: Policy,
        claim: &IdentityClaim,
        claimant: Option<usize>,
        chart: usize,
    ) {
        if claimant == Some(chart) {
            return;
        }
        if indistinguishable(claim, &population.people[chart].chart) {
            *self.indistinguishable.entry((what, policy)).or_default() += 1;
        } else {
            self.false_accepts.push(format!(
                "{what} under {policy:?}: {claim:?} by {claimant:?} accepted for chart {chart} ({:?})",
                population.people[chart].chart
            ));
        }
    }

    /// Searches for `claimant`'s own claim; a chart found that is not theirs is tallied as
    /// a false accept. Answers the chart found, and whether the search was ambiguous.
    fn search_own(
        &mut self,
        population: &Population,
        policy: Policy,
        claim: &IdentityClaim,
        claimant: usize,
        how: Searching,
    ) -> (Option<usize>, bool) {
        let (found, ambiguous) = population.search(claim, how);
        if let Some(chart) = found {
            self.accepted(
                population,
                "self-enrollment",
                policy,
                claim,
                Some(claimant),
                chart,
            );
        }
        (found, ambiguous)
    }

    /// Searches for a claim of someone who is not a patient here (or not the chart's
    /// owner): any chart found is tallied as accepted by an impostor.
    fn search_as_impostor(
        &mut self,
        population: &Population,
        what: &'static str,
        policy: Policy,
        claim: &IdentityClaim,
        how: Searching,
    ) {
        let (found, _) = population.search(claim, how);
        self.impostor(what, "self-enrollment", found.is_some());
        if let Some(chart) = found {
            self.accepted(population, what, policy, claim, how.without, chart);
        }
    }
}

/// Whether a self-enrollment claim is eligible: its birth date is right and it carries a
/// person identifier (SSN digits or MRN) that the chart has too.
fn eligible(slip: Slip, policy: Policy) -> bool {
    match policy {
        Policy::Mrn => slip != Slip::DayMonthSwapped,
        Policy::SsnLast4 => !matches!(slip, Slip::DayMonthSwapped | Slip::MissingOnChart),
        Policy::NameAndBirthDate | Policy::Zip => false,
    }
}

/// Every claim patient `index` and its impostors make.
fn claims_of(population: &Population, index: usize, seed: u64, tally: &mut Tally) {
    let person = &population.people[index];
    let mut rng = Rng::for_patient(seed, index);
    for slip in SLIPS {
        let Some(typed) = make_slip(person, slip, &mut rng) else {
            continue;
        };
        let strip = slip.strips_chart();
        for policy in POLICIES {
            let Some(claim) = typed.claim(policy) else {
                continue;
            };
            let own = population.accepts(&claim, index, strip);
            tally.invitation.entry((slip, policy)).or_default().add(own);
            if policy == Policy::NameAndBirthDate {
                // Self-enrollment is never offered without a third identifier.
                continue;
            }
            let how = Searching {
                stripped: strip.then_some(index),
                ..Searching::default()
            };
            let (found, ambiguous) = tally.search_own(population, policy, &claim, index, how);
            let accepted = found == Some(index);
            tally
                .self_enrollment
                .entry((slip, policy))
                .or_default()
                .add(accepted);
            if eligible(slip, policy) {
                tally.eligible.entry(slip).or_default().add(accepted);
            }
            *tally.ambiguous.entry((slip, policy)).or_default() += u64::from(ambiguous);
            if slip == Slip::DayMonthSwapped && policy != Policy::Zip {
                let rules = SearchRules {
                    day_month_swap: true,
                };
                let allowing = Searching { rules, ..how };
                let (found, _) = tally.search_own(population, policy, &claim, index, allowing);
                tally.swap_allowed.add(found == Some(index));
                let alone = Searching {
                    without: Some(index),
                    rules,
                    ..how
                };
                tally.search_as_impostor(population, NOT_A_PATIENT, policy, &claim, alone);
            }
            // The same person, not a patient here.
            let alone = Searching {
                without: Some(index),
                ..how
            };
            tally.search_as_impostor(population, NOT_A_PATIENT, policy, &claim, alone);
        }
    }
    household_impostors(population, index, &mut rng, tally);
    same_day_namesakes(population, index, &mut rng, tally);
    wrong_code_impostors(population, index, &mut rng, tally);
    namesake_impostors(population, index, &mut rng, tally);
    random_impostor(population, index, &mut rng, tally);
}

const NOT_A_PATIENT: &str = "not a patient here (own chart left out)";

/// The other member of the household, typing their own details (with any slip): on this
/// patient's invitation, and searching when they are not a patient here themselves.
fn household_impostors(population: &Population, index: usize, rng: &mut Rng, tally: &mut Tally) {
    let Some((kind, other)) = population.people[index].household else {
        return;
    };
    let what = match kind {
        HouseholdKind::Couple => "household: spouse or partner",
        HouseholdKind::ParentChild => "household: parent or child",
        HouseholdKind::SeniorJunior => "household: father and son of the same name (Sr./Jr.)",
        HouseholdKind::Twins => "household: twin",
    };
    let other_person = &population.people[other];
    for slip in SLIPS {
        if slip.strips_chart() {
            continue;
        }
        let Some(typed) = make_slip(other_person, slip, rng) else {
            continue;
        };
        for policy in POLICIES {
            let Some(claim) = typed.claim(policy) else {
                continue;
            };
            let accepted = population.accepts(&claim, index, false);
            tally.impostor(what, "invitation", accepted);
            if accepted {
                tally.accepted(population, what, policy, &claim, Some(other), index);
            }
            if policy != Policy::NameAndBirthDate {
                let alone = Searching {
                    without: Some(other),
                    ..Searching::default()
                };
                tally.search_as_impostor(population, what, policy, &claim, alone);
            }
        }
    }
}

/// Someone who is not a patient here, born the same day as this patient, with the same
/// family name and ZIP code but another given name (a random one, a nickname of this
/// patient's, or this patient's with one letter changed: the twins Adrián and Adriana) and
/// their own SSN digits and MRN, signing up with their own details, exactly or with a slip.
fn same_day_namesakes(population: &Population, index: usize, rng: &mut Rng, tally: &mut Tally) {
    const WHAT: &str = "same-day namesake, same ZIP, not a patient";
    let person = &population.people[index];
    let first = &person.given[0];
    let mut givens = vec![population.people[rng.below(population.people.len())].given[0].clone()];
    givens.extend(
        nickname_partners(first)
            .first()
            .map(|partner| capitalize(partner)),
    );
    givens.extend(replace_letter(first, rng, |_, rng| random_letter(rng)));
    givens.extend(insert_letter(first, rng));
    for given in givens {
        if domain::matching::normalize::name_key(&given)
            == domain::matching::normalize::name_key(first)
        {
            continue;
        }
        let mut namesake = Typed::of(person);
        namesake.given = given;
        namesake.ssn_last4 = other_digits(&person.ssn_last4, rng);
        namesake.mrn = format!("PX{:07}", rng.below(10_000_000));
        let slipped = match rng.below(3) {
            0 => namesake.clone(),
            _ => {
                let slip = SLIPS[rng.below(SLIPS.len())];
                slip_typed(&namesake, slip, rng).unwrap_or(namesake.clone())
            }
        };
        // Searching only: on the invitation path, a namesake who is not a patient and holds
        // the patient's invitation is the limit docs/MATCHING.md describes.
        for policy in [Policy::Zip, Policy::SsnLast4, Policy::Mrn] {
            let Some(claim) = slipped.claim(policy) else {
                continue;
            };
            tally.search_as_impostor(population, WHAT, policy, &claim, Searching::default());
        }
    }
}

/// Four digits other than `digits`.
fn other_digits(digits: &str, rng: &mut Rng) -> String {
    loop {
        let other = format!("{:04}", rng.below(10_000));
        if other != digits {
            return other;
        }
    }
}

/// A typed claim with one more slip of its names (not of the chart).
fn slip_typed(typed: &Typed, slip: Slip, rng: &mut Rng) -> Option<Typed> {
    let person = Person {
        chart: ChartIdentity {
            given: vec![typed.given.clone()],
            family: typed.family.clone(),
            birth_date: typed.birth_date,
            mrn: None,
            ssn_last4_hash: None,
            postal_code: None,
        },
        given: vec![typed.given.clone()],
        family: typed.family.clone(),
        ssn_last4: typed.ssn_last4.clone(),
        household: None,
    };
    let slipped = make_slip(&person, slip, rng)?;
    Some(Typed {
        mrn: typed.mrn.clone(),
        zip: typed.zip.clone(),
        ..slipped
    })
}

/// Someone who knows this patient's name and birth date (exactly, or with a slip) but not
/// their SSN digits or MRN: searching, and on the invitation.
fn wrong_code_impostors(population: &Population, index: usize, rng: &mut Rng, tally: &mut Tally) {
    const WHAT: &str = "right name and birth date, wrong SSN digits or MRN";
    let person = &population.people[index];
    for slip in [Slip::None, SLIPS[rng.below(SLIPS.len())]] {
        let Some(mut typed) = make_slip(person, slip, rng) else {
            continue;
        };
        typed.ssn_last4 = other_digits(&person.ssn_last4, rng);
        typed.mrn = format!("PX{:07}", rng.below(10_000_000));
        for policy in [Policy::SsnLast4, Policy::Mrn] {
            let Some(claim) = typed.claim(policy) else {
                continue;
            };
            let accepted = population.accepts(&claim, index, false);
            tally.impostor(WHAT, "invitation", accepted);
            if accepted {
                tally.accepted(population, WHAT, policy, &claim, None, index);
            }
            tally.search_as_impostor(population, WHAT, policy, &claim, Searching::default());
            let rules = SearchRules {
                day_month_swap: true,
            };
            tally.search_as_impostor(
                population,
                WHAT,
                policy,
                &claim,
                Searching {
                    rules,
                    ..Searching::default()
                },
            );
        }
    }
}

/// Someone with this patient's exact name, born on another day, who lives at the same ZIP
/// code: on this patient's invitation, and searching.
fn namesake_impostors(population: &Population, index: usize, rng: &mut Rng, tally: &mut Tally) {
    const WHAT: &str = "namesake born on another day, same ZIP";
    let person = &population.people[index];
    let born = person.chart.birth_date;
    let shifts = [
        1.day(),
        (-1).day(),
        1.year(),
        (-1).year(),
        1.month(),
        ((rng.below(20_000) as i64) - 10_000).days(),
    ];
    for shift in shifts {
        let Ok(other_day) = born.checked_add(shift) else {
            continue;
        };
        if other_day == born {
            continue;
        }
        let mut typed = Typed::of(person);
        typed.birth_date = other_day;
        typed.ssn_last4 = other_digits(&person.ssn_last4, rng);
        typed.mrn = format!("PL{:07}", rng.below(population.people.len()) + 1);
        for policy in POLICIES {
            let Some(claim) = typed.claim(policy) else {
                continue;
            };
            let accepted = population.accepts(&claim, index, false);
            tally.impostor(WHAT, "invitation", accepted);
            if accepted {
                tally.accepted(population, WHAT, policy, &claim, None, index);
            }
            if policy != Policy::NameAndBirthDate {
                tally.search_as_impostor(population, WHAT, policy, &claim, Searching::default());
            }
        }
    }
}

/// A random other patient's own details on this patient's invitation.
fn random_impostor(population: &Population, index: usize, rng: &mut Rng, tally: &mut Tally) {
    const WHAT: &str = "random other patient";
    let other = rng.below(population.people.len());
    if other == index {
        return;
    }
    let typed = Typed::of(&population.people[other]);
    for policy in POLICIES {
        let Some(claim) = typed.claim(policy) else {
            continue;
        };
        let accepted = population.accepts(&claim, index, false);
        tally.impostor(WHAT, "invitation", accepted);
        if accepted {
            tally.accepted(population, WHAT, policy, &claim, Some(other), index);
        }
    }
}

/// Runs the accuracy check, prints the report, and fails on any false accept.
pub fn run(args: MatchingArgs) -> anyhow::Result<()> {
    let started = Instant::now();
    let key = SecretKey::parse("benchmark-secret-key-benchmark-secret-key")?;
    let today = jiff::civil::date(2026, 11, 25);
    let generator = Generator::new(args.seed, today);
    eprintln!("generating {} patients...", args.patients);
    let people: Vec<Person> = generator
        .patients(0..args.patients)
        .map(|patient| Person::from_demo(&patient, &key))
        .collect();
    let mut by_birth_date: HashMap<Date, Vec<usize>> = HashMap::new();
    for (index, person) in people.iter().enumerate() {
        by_birth_date
            .entry(person.chart.birth_date)
            .or_default()
            .push(index);
    }
    let population = Population {
        people,
        by_birth_date,
        key,
    };
    let generated = started.elapsed();
    eprintln!("matching...");

    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let count = population.people.len();
    let mut tally = Tally::default();
    std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|worker| {
                let population = &population;
                scope.spawn(move || {
                    let mut tally = Tally::default();
                    for index in (worker..count).step_by(threads) {
                        claims_of(population, index, args.seed, &mut tally);
                    }
                    tally
                })
            })
            .collect();
        for worker in workers {
            tally.merge(worker.join().expect("a matching worker panicked"));
        }
    });
    let matched = started.elapsed() - generated;

    report(&tally, &population, args, generated, matched, threads);
    if !tally.false_accepts.is_empty() {
        for line in tally.false_accepts.iter().take(20) {
            eprintln!("FALSE ACCEPT: {line}");
        }
        anyhow::bail!(
            "{} claims were accepted for someone else's chart",
            tally.false_accepts.len()
        );
    }
    Ok(())
}

fn report(
    tally: &Tally,
    population: &Population,
    args: MatchingArgs,
    generated: std::time::Duration,
    matched: std::time::Duration,
    threads: usize,
) {
    let twins = population
        .people
        .iter()
        .filter(|p| matches!(p.household, Some((HouseholdKind::Twins, _))))
        .count();
    println!(
        "Population: {} patients (seed {}), {} in households, {twins} twins; generated in {:.1} s, \
         claims matched in {:.1} s on {threads} threads.\n",
        args.patients,
        args.seed,
        population
            .people
            .iter()
            .filter(|p| p.household.is_some())
            .count(),
        generated.as_secs_f64(),
        matched.as_secs_f64(),
    );

    let total_eligible = tally
        .eligible
        .values()
        .fold(Count::default(), |mut sum, c| {
            sum.merge(*c);
            sum
        });
    println!("### Self-enrollment: eligible claims accepted\n");
    println!(
        "Eligible: the birth date and an identifier that belongs to one person (SSN last 4 or \
         MRN, as the policy asks, and on the chart) are right; only the names carry the error. \
         These are the claims a practice offering self-enrollment sees.\n"
    );
    println!(
        "| error | eligible claims | accepted | refused: + SSN last 4 | + MRN | + ZIP (never \
         offered alone) | ambiguous |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|");
    for slip in SLIPS {
        let cell = |policy| {
            tally
                .self_enrollment
                .get(&(slip, policy))
                .copied()
                .unwrap_or_default()
                .refused_percent()
        };
        let eligible = tally.eligible.get(&slip).copied().unwrap_or_default();
        let ambiguous: u64 = POLICIES
            .iter()
            .filter_map(|p| tally.ambiguous.get(&(slip, *p)))
            .sum();
        println!(
            "| {} | {} | {} | {} | {} | {} | {ambiguous} |",
            slip.label(),
            eligible.tried,
            eligible.accepted_percent(),
            cell(Policy::SsnLast4),
            cell(Policy::Mrn),
            cell(Policy::Zip),
        );
    }
    println!(
        "| **all eligible claims** | {} | **{}** | | | | |",
        total_eligible.tried,
        total_eligible.accepted_percent()
    );
    println!(
        "\nDay and month of birth swapped, under a policy that accepts it (SSN last 4 or MRN): \
         {} claims, {} accepted.\n",
        tally.swap_allowed.tried,
        tally.swap_allowed.accepted_percent()
    );

    println!("### Invitation path: genuine claims refused (false-reject rate)\n");
    println!("| error | claims per policy | name + birth date | + ZIP | + SSN last 4 | + MRN |");
    println!("|---|---:|---:|---:|---:|---:|");
    for slip in SLIPS {
        let cell = |policy| {
            tally
                .invitation
                .get(&(slip, policy))
                .copied()
                .unwrap_or_default()
                .refused_percent()
        };
        let tried = tally
            .invitation
            .get(&(slip, Policy::NameAndBirthDate))
            .map_or(0, |c| c.tried);
        println!(
            "| {} | {tried} | {} | {} | {} | {} |",
            slip.label(),
            cell(Policy::NameAndBirthDate),
            cell(Policy::Zip),
            cell(Policy::SsnLast4),
            cell(Policy::Mrn),
        );
    }

    println!("\n### Impostor claims (all policies together)\n");
    println!("| claimant | path | claims | accepted |");
    println!("|---|---|---:|---:|");
    let mut impostors: Vec<_> = tally.impostors.iter().collect();
    impostors.sort_by_key(|((what, path), _)| (*what, *path));
    for ((what, path), count) in impostors {
        println!("| {what} | {path} | {} | {} |", count.tried, count.accepted);
    }

    println!(
        "\n### Indistinguishable claims\n\nClaims that, as typed, are exactly another patient's \
         name and birth date and carry no MRN or SSN digits (say Margaret typing \"Peggy\", her \
         twin's legal name): no matcher can tell them apart, only the policy can.\n"
    );
    println!("| claimant | policy | claims accepted |");
    println!("|---|---|---:|");
    let mut rows: Vec<_> = tally.indistinguishable.iter().collect();
    rows.sort_by_key(|((what, policy), _)| (*what, policy.label()));
    if rows.is_empty() {
        println!("| (none) | | 0 |");
    }
    for ((what, policy), n) in rows {
        println!("| {what} | {} | {n} |", policy.label());
    }
    let tried = |map: &HashMap<(Slip, Policy), Count>| map.values().map(|c| c.tried).sum::<u64>();
    println!(
        "\nClaims evaluated: {} genuine on the invitation path, {} genuine self-enrollment \
         searches, {} impostor and non-patient claims.",
        tried(&tally.invitation),
        tried(&tally.self_enrollment),
        tally.impostors.values().map(|c| c.tried).sum::<u64>(),
    );
    println!(
        "\n**False accepts (a claim accepted for someone else's chart): {}.**",
        tally.false_accepts.len()
    );
}
