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
//! claims come from the other member of a household, from namesakes born on another day, and
//! from random other patients.

use std::collections::HashMap;
use std::time::Instant;

use demo::{DemoPatient, Generator, HouseholdKind};
use domain::matching::{
    ChartIdentity, ClaimForm, IdentityClaim, NameRelation, SearchOutcome, Verdict, compare_invited,
    nicknames::nickname_partners, relate_family, relate_given, search,
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

/// What a genuine patient got wrong while typing.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
enum Slip {
    None,
    WrongCase,
    MissingAccents,
    ExtraSpaces,
    HyphenOrSpace,
    MiddleNameAdded,
    Nickname,
    TransposedLetters,
    DroppedLetter,
    NamesSwapped,
    DayMonthSwapped,
}

const SLIPS: [Slip; 11] = [
    Slip::None,
    Slip::WrongCase,
    Slip::MissingAccents,
    Slip::ExtraSpaces,
    Slip::HyphenOrSpace,
    Slip::MiddleNameAdded,
    Slip::Nickname,
    Slip::TransposedLetters,
    Slip::DroppedLetter,
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
            Slip::HyphenOrSpace => "hyphen, space or nothing in a compound name",
            Slip::MiddleNameAdded => "middle name typed too",
            Slip::Nickname => "nickname instead of legal name",
            Slip::TransposedLetters => "two letters transposed",
            Slip::DroppedLetter => "a letter dropped",
            Slip::NamesSwapped => "given and family name swapped",
            Slip::DayMonthSwapped => "day and month of birth swapped",
        }
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
        Slip::None => {}
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
        Slip::HyphenOrSpace => {
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
        Slip::TransposedLetters | Slip::DroppedLetter => {
            let in_given = rng.coin();
            let name = if in_given {
                &mut typed.given
            } else {
                &mut typed.family
            };
            let slipped = if slip == Slip::TransposedLetters {
                transpose(name, rng)
            } else {
                drop_letter(name, rng)
            }?;
            *name = slipped;
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
    let letters: Vec<usize> = (0..chars.len())
        .filter(|&i| chars[i].is_alphabetic())
        .collect();
    if letters.len() < 2 {
        return None;
    }
    chars.remove(letters[rng.below(letters.len())]);
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

    fn refused_percent(self) -> String {
        if self.tried == 0 {
            return "–".to_owned();
        }
        let refused = self.tried - self.accepted;
        format!("{:.2}%", 100.0 * refused as f64 / self.tried as f64)
    }
}

/// Everything counted by one worker thread; merged at the end.
#[derive(Default)]
struct Tally {
    /// Genuine claims accepted for their own chart, by slip and policy.
    invitation: HashMap<(Slip, Policy), Count>,
    self_enrollment: HashMap<(Slip, Policy), Count>,
    ambiguous: HashMap<(Slip, Policy), u64>,
    /// Impostor claims, by kind: tried and accepted.
    impostors: HashMap<(&'static str, &'static str), Count>,
    /// A claim accepted for someone else's chart.
    false_accepts: Vec<String>,
    /// A claim that, as typed, is exactly someone else's name and birth date and carries no
    /// MRN or SSN digits: no matcher can tell, only the policy can.
    indistinguishable: HashMap<(&'static str, Policy), u64>,
}

impl Tally {
    fn merge(&mut self, other: Tally) {
        for (k, v) in other.invitation {
            let c = self.invitation.entry(k).or_default();
            c.tried += v.tried;
            c.accepted += v.accepted;
        }
        for (k, v) in other.self_enrollment {
            let c = self.self_enrollment.entry(k).or_default();
            c.tried += v.tried;
            c.accepted += v.accepted;
        }
        for (k, v) in other.ambiguous {
            *self.ambiguous.entry(k).or_default() += v;
        }
        for (k, v) in other.impostors {
            let c = self.impostors.entry(k).or_default();
            c.tried += v.tried;
            c.accepted += v.accepted;
        }
        self.false_accepts.extend(other.false_accepts);
        for (k, v) in other.indistinguishable {
            *self.indistinguishable.entry(k).or_default() += v;
        }
    }
}

/// The population with its birth-date index, shared read-only by the workers.
struct Population {
    people: Vec<Person>,
    by_birth_date: HashMap<Date, Vec<usize>>,
    key: SecretKey,
}

impl Population {
    fn hasher(&self) -> impl Fn(&str) -> String + '_ {
        |digits| ssn_last4_hash(&self.key, digits)
    }

    /// The charts `search` needs for `claim`, as an indexed query would return them, with
    /// their population indices; `without` leaves one person out.
    fn candidates(
        &self,
        claim: &IdentityClaim,
        without: Option<usize>,
    ) -> (Vec<ChartIdentity>, Vec<usize>) {
        let indices: Vec<usize> = claim
            .candidate_birth_dates()
            .iter()
            .filter_map(|date| self.by_birth_date.get(date))
            .flatten()
            .copied()
            .filter(|&i| Some(i) != without)
            .collect();
        let charts = indices
            .iter()
            .map(|&i| self.people[i].chart.clone())
            .collect();
        (charts, indices)
    }

    /// Runs `search` and returns the population index it matched, if any, and whether it
    /// was ambiguous.
    fn search(&self, claim: &IdentityClaim, without: Option<usize>) -> (Option<usize>, bool) {
        let (charts, indices) = self.candidates(claim, without);
        match search(claim, &charts, self.hasher()) {
            SearchOutcome::Match { index, .. } => (Some(indices[index]), false),
            SearchOutcome::NoMatch => (None, false),
            SearchOutcome::Ambiguous => (None, true),
        }
    }

    /// The invitation path: the claim against the invited chart, knowing the population's
    /// other charts born the same day (as the application reads them from the database).
    fn accepts(&self, claim: &IdentityClaim, chart: usize) -> bool {
        let invited = &self.people[chart].chart;
        let born_the_same_day: Vec<String> = self
            .by_birth_date
            .get(&invited.birth_date)
            .into_iter()
            .flatten()
            .filter(|&&other| other != chart)
            .map(|&other| self.people[other].chart.family.clone())
            .collect();
        compare_invited(claim, invited, &born_the_same_day, self.hasher()).verdict == Verdict::Match
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
}

/// Every claim patient `index` and its impostors make.
fn claims_of(population: &Population, index: usize, seed: u64, tally: &mut Tally) {
    let person = &population.people[index];
    let mut rng = Rng::for_patient(seed, index);
    for slip in SLIPS {
        let Some(typed) = make_slip(person, slip, &mut rng) else {
            continue;
        };
        for policy in POLICIES {
            let Some(claim) = typed.claim(policy) else {
                continue;
            };
            let own = population.accepts(&claim, index);
            tally.invitation.entry((slip, policy)).or_default().add(own);
            if policy == Policy::NameAndBirthDate {
                // Self-enrollment is never offered without a third identifier.
                continue;
            }
            let (found, ambiguous) = population.search(&claim, None);
            tally
                .self_enrollment
                .entry((slip, policy))
                .or_default()
                .add(found == Some(index));
            *tally.ambiguous.entry((slip, policy)).or_default() += u64::from(ambiguous);
            if let Some(chart) = found {
                tally.accepted(
                    population,
                    "self-enrollment",
                    policy,
                    &claim,
                    Some(index),
                    chart,
                );
            }
            // The same person, not a patient here.
            let (found, _) = population.search(&claim, Some(index));
            let count = tally
                .impostors
                .entry(("not a patient here (own chart left out)", "self-enrollment"))
                .or_default();
            count.add(found.is_some());
            if let Some(chart) = found {
                tally.accepted(population, "non-patient", policy, &claim, None, chart);
            }
        }
    }
    household_impostors(population, index, &mut rng, tally);
    namesake_impostors(population, index, &mut rng, tally);
    random_impostor(population, index, &mut rng, tally);
}

/// The other member of the household, typing their own details (with any slip) on this
/// patient's invitation.
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
        let Some(typed) = make_slip(other_person, slip, rng) else {
            continue;
        };
        for policy in POLICIES {
            let Some(claim) = typed.claim(policy) else {
                continue;
            };
            let accepted = population.accepts(&claim, index);
            tally
                .impostors
                .entry((what, "invitation"))
                .or_default()
                .add(accepted);
            if accepted {
                tally.accepted(population, what, policy, &claim, Some(other), index);
            }
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
        typed.ssn_last4 = format!("{:04}", rng.below(10_000));
        typed.mrn = format!("PL{:07}", rng.below(population.people.len()) + 1);
        for policy in POLICIES {
            let Some(claim) = typed.claim(policy) else {
                continue;
            };
            let accepted = population.accepts(&claim, index);
            tally
                .impostors
                .entry((WHAT, "invitation"))
                .or_default()
                .add(accepted);
            if accepted {
                tally.accepted(population, WHAT, policy, &claim, None, index);
            }
            if policy != Policy::NameAndBirthDate {
                let (found, _) = population.search(&claim, None);
                tally
                    .impostors
                    .entry((WHAT, "self-enrollment"))
                    .or_default()
                    .add(found.is_some());
                if let Some(chart) = found {
                    tally.accepted(population, WHAT, policy, &claim, None, chart);
                }
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
        let accepted = population.accepts(&claim, index);
        tally
            .impostors
            .entry((WHAT, "invitation"))
            .or_default()
            .add(accepted);
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

    println!("### Genuine claims refused (false-reject rate)\n");
    println!(
        "| slip | claims per policy | invitation: name + birth date | + ZIP | + SSN last 4 | + MRN \
         | self-enrollment: + ZIP | + SSN last 4 | + MRN | ambiguous (self-enrollment) |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for slip in SLIPS {
        let cell = |map: &HashMap<(Slip, Policy), Count>, policy| {
            map.get(&(slip, policy))
                .copied()
                .unwrap_or_default()
                .refused_percent()
        };
        let tried = tally
            .invitation
            .get(&(slip, Policy::NameAndBirthDate))
            .map_or(0, |c| c.tried);
        let ambiguous: u64 = POLICIES
            .iter()
            .filter_map(|p| tally.ambiguous.get(&(slip, *p)))
            .sum();
        println!(
            "| {} | {tried} | {} | {} | {} | {} | {} | {} | {} | {ambiguous} |",
            slip.label(),
            cell(&tally.invitation, Policy::NameAndBirthDate),
            cell(&tally.invitation, Policy::Zip),
            cell(&tally.invitation, Policy::SsnLast4),
            cell(&tally.invitation, Policy::Mrn),
            cell(&tally.self_enrollment, Policy::Zip),
            cell(&tally.self_enrollment, Policy::SsnLast4),
            cell(&tally.self_enrollment, Policy::Mrn),
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
