//! Common given-name nicknames: "Bill" for William, "Peggy" for Margaret, "Pepe" for José.
//!
//! The table is the project's own, written by hand from common US English usage and common
//! Spanish (mostly Mexican) usage. Each entry is one (nickname, legal name) pair, spelled as
//! [`normalize_name`](super::normalize::normalize_name) writes names. Lookups are symmetric but
//! **not transitive**: "Ted" is a nickname of both Edward and Theodore, which does not make
//! Edward a nickname of Theodore.

use std::collections::HashMap;
use std::sync::LazyLock;

use super::normalize::name_key;

/// (nickname, legal name), normalized. Sorted loosely by legal name within each language.
#[rustfmt::skip]
const PAIRS: &[(&str, &str)] = &[
    // English, men.
    ("abe", "abraham"), ("al", "albert"), ("bert", "albert"), ("al", "alfred"),
    ("alf", "alfred"), ("fred", "alfred"), ("al", "alan"), ("al", "allen"),
    ("al", "alexander"), ("alex", "alexander"), ("xander", "alexander"), ("sandy", "alexander"),
    ("andy", "andrew"), ("drew", "andrew"), ("tony", "anthony"), ("art", "arthur"),
    ("gus", "august"), ("gus", "augustus"), ("ben", "benjamin"), ("benny", "benjamin"),
    ("bernie", "bernard"), ("brad", "bradley"), ("cal", "calvin"), ("charlie", "charles"),
    ("chuck", "charles"), ("chaz", "charles"), ("chris", "christopher"), ("topher", "christopher"),
    ("kit", "christopher"), ("cliff", "clifford"), ("dan", "daniel"), ("danny", "daniel"),
    ("dave", "david"), ("davey", "david"), ("dom", "dominic"), ("don", "donald"),
    ("donnie", "donald"), ("doug", "douglas"), ("ed", "edward"), ("eddie", "edward"),
    ("ned", "edward"), ("ted", "edward"), ("ed", "edwin"), ("ed", "edmund"), ("eli", "elijah"),
    ("eli", "elias"), ("ernie", "ernest"), ("gene", "eugene"), ("zeke", "ezekiel"),
    ("frank", "francis"), ("fran", "francis"), ("frank", "franklin"), ("fred", "frederick"),
    ("freddie", "frederick"), ("gabe", "gabriel"), ("geoff", "geoffrey"), ("jeff", "geoffrey"),
    ("gerry", "gerald"), ("jerry", "gerald"), ("greg", "gregory"), ("hal", "harold"),
    ("harry", "harold"), ("hank", "henry"), ("harry", "henry"), ("herb", "herbert"),
    ("bert", "herbert"), ("ike", "isaac"), ("jake", "jacob"), ("jim", "james"),
    ("jimmy", "james"), ("jamie", "james"), ("jeff", "jeffrey"), ("jerry", "jerome"),
    ("jack", "john"), ("johnny", "john"), ("jon", "john"), ("jon", "jonathan"),
    ("jonny", "jonathan"), ("joe", "joseph"), ("joey", "joseph"), ("josh", "joshua"),
    ("ken", "kenneth"), ("kenny", "kenneth"), ("larry", "lawrence"), ("larry", "laurence"),
    ("len", "leonard"), ("lenny", "leonard"), ("leo", "leonard"), ("lou", "louis"),
    ("manny", "emmanuel"), ("marty", "martin"), ("matt", "matthew"), ("max", "maxwell"),
    ("max", "maximilian"), ("mel", "melvin"), ("mike", "michael"), ("mikey", "michael"),
    ("mickey", "michael"), ("mitch", "mitchell"), ("nate", "nathan"), ("nat", "nathaniel"),
    ("nate", "nathaniel"), ("nick", "nicholas"), ("nicky", "nicholas"), ("norm", "norman"),
    ("ollie", "oliver"), ("pat", "patrick"), ("pete", "peter"), ("phil", "philip"),
    ("phil", "phillip"), ("randy", "randall"), ("randy", "randolph"), ("ray", "raymond"),
    ("reggie", "reginald"), ("rich", "richard"), ("rick", "richard"), ("ricky", "richard"),
    ("dick", "richard"), ("rob", "robert"), ("robbie", "robert"), ("bob", "robert"),
    ("bobby", "robert"), ("bert", "robert"), ("ron", "ronald"), ("ronnie", "ronald"),
    ("russ", "russell"), ("sam", "samuel"), ("sammy", "samuel"), ("stan", "stanley"),
    ("steve", "stephen"), ("steve", "steven"), ("stevie", "steven"), ("stu", "stuart"),
    ("terry", "terrence"), ("theo", "theodore"), ("ted", "theodore"), ("teddy", "theodore"),
    ("tom", "thomas"), ("tommy", "thomas"), ("tim", "timothy"), ("timmy", "timothy"),
    ("ty", "tyler"), ("vern", "vernon"), ("vic", "victor"), ("vince", "vincent"),
    ("walt", "walter"), ("wally", "walter"), ("wes", "wesley"), ("bill", "william"),
    ("billy", "william"), ("will", "william"), ("willie", "william"), ("liam", "william"),
    ("woody", "woodrow"), ("zach", "zachary"), ("zack", "zachary"),
    // English, women.
    ("abby", "abigail"), ("gail", "abigail"), ("alex", "alexandra"), ("lexie", "alexandra"),
    ("lexi", "alexis"), ("allie", "allison"), ("ally", "allison"), ("mandy", "amanda"),
    ("andi", "andrea"), ("annie", "ann"), ("annie", "anne"), ("nan", "ann"),
    ("barb", "barbara"), ("barbie", "barbara"), ("bea", "beatrice"), ("bernie", "bernadette"),
    ("carrie", "caroline"), ("carrie", "carol"), ("cassie", "cassandra"), ("kate", "catherine"),
    ("cathy", "catherine"), ("kit", "catherine"), ("lottie", "charlotte"), ("charlie", "charlotte"),
    ("chris", "christina"), ("tina", "christina"), ("chris", "christine"), ("christy", "christine"),
    ("connie", "constance"), ("cindy", "cynthia"), ("deb", "deborah"), ("debbie", "deborah"),
    ("debby", "deborah"), ("dot", "dorothy"), ("dottie", "dorothy"), ("dolly", "dorothy"),
    ("ellie", "eleanor"), ("nora", "eleanor"), ("nell", "eleanor"), ("liz", "elizabeth"),
    ("lizzie", "elizabeth"), ("liza", "elizabeth"), ("beth", "elizabeth"), ("betsy", "elizabeth"),
    ("betty", "elizabeth"), ("bess", "elizabeth"), ("eliza", "elizabeth"), ("em", "emily"),
    ("emmy", "emily"), ("flo", "florence"), ("fran", "frances"), ("fanny", "frances"),
    ("frankie", "frances"), ("gabby", "gabrielle"), ("trudy", "gertrude"), ("wendy", "gwendolyn"),
    ("hattie", "harriet"), ("nellie", "helen"), ("izzy", "isabel"), ("izzy", "isabella"),
    ("bella", "isabella"), ("jackie", "jacqueline"), ("jan", "janet"), ("jen", "jennifer"),
    ("jenny", "jennifer"), ("jess", "jessica"), ("jessie", "jessica"), ("jill", "jillian"),
    ("josie", "josephine"), ("jo", "josephine"), ("judy", "judith"), ("kate", "katherine"),
    ("kathy", "katherine"), ("katie", "katherine"), ("kat", "katherine"), ("kathy", "kathleen"),
    ("kathy", "kathryn"), ("kate", "kathryn"), ("kim", "kimberly"), ("kris", "kristen"),
    ("kristy", "kristen"), ("lil", "lillian"), ("lily", "lillian"), ("lou", "louise"),
    ("lucy", "lucille"), ("cindy", "lucinda"), ("maddie", "madeline"), ("maddie", "madison"),
    ("maggie", "margaret"), ("peggy", "margaret"), ("meg", "margaret"), ("marge", "margaret"),
    ("margie", "margaret"), ("madge", "margaret"), ("greta", "margaret"), ("mattie", "martha"),
    ("marty", "martha"), ("polly", "mary"), ("molly", "mary"), ("mamie", "mary"),
    ("mel", "melanie"), ("mel", "melissa"), ("missy", "melissa"), ("millie", "mildred"),
    ("nancy", "ann"), ("nat", "natalie"), ("tasha", "natasha"), ("nikki", "nicole"),
    ("nicky", "nicole"), ("liv", "olivia"), ("livvy", "olivia"), ("pam", "pamela"),
    ("pat", "patricia"), ("patty", "patricia"), ("patsy", "patricia"), ("trish", "patricia"),
    ("becky", "rebecca"), ("becca", "rebecca"), ("gina", "regina"), ("rosie", "rose"),
    ("rosie", "rosemary"), ("roz", "rosalind"), ("sam", "samantha"), ("sammy", "samantha"),
    ("sandy", "sandra"), ("sally", "sarah"), ("sadie", "sarah"), ("sophie", "sophia"),
    ("sue", "susan"), ("susie", "susan"), ("suzy", "susan"), ("terry", "theresa"),
    ("tess", "theresa"), ("tessa", "theresa"), ("val", "valerie"), ("vicky", "victoria"),
    ("tori", "victoria"), ("ginny", "virginia"), ("ginger", "virginia"), ("winnie", "winifred"),
    // Spanish.
    ("ale", "alejandra"), ("alex", "alejandro"), ("alejo", "alejandro"), ("licha", "alicia"),
    ("poncho", "alfonso"), ("fito", "adolfo"), ("beto", "alberto"), ("tono", "antonio"),
    ("toni", "antonio"), ("cata", "catalina"), ("ceci", "cecilia"), ("concha", "concepcion"),
    ("conchita", "concepcion"), ("chelo", "consuelo"), ("dani", "daniel"), ("dani", "daniela"),
    ("lola", "dolores"), ("lolita", "dolores"), ("lalo", "eduardo"), ("quique", "enrique"),
    ("kike", "enrique"), ("fede", "federico"), ("fer", "fernando"), ("nando", "fernando"),
    ("paco", "francisco"), ("pancho", "francisco"), ("curro", "francisco"), ("paquita", "francisca"),
    ("gaby", "gabriela"), ("chela", "graciela"), ("goyo", "gregorio"), ("lupe", "guadalupe"),
    ("lupita", "guadalupe"), ("memo", "guillermo"), ("beto", "humberto"), ("nacho", "ignacio"),
    ("chabela", "isabel"), ("isa", "isabel"), ("chuy", "jesus"), ("chucho", "jesus"),
    ("pepe", "jose"), ("pepa", "josefa"), ("juanito", "juan"), ("juanita", "juana"),
    ("lencho", "lorenzo"), ("lucho", "luis"), ("manolo", "manuel"), ("manny", "manuel"),
    ("mari", "maria"), ("nico", "nicolas"), ("paty", "patricia"), ("pili", "pilar"),
    ("rafa", "rafael"), ("beto", "roberto"), ("chayo", "rosario"), ("charo", "rosario"),
    ("fito", "rodolfo"), ("chava", "salvador"), ("santi", "santiago"), ("tere", "teresa"),
    ("vero", "veronica"), ("chente", "vicente"), ("yoli", "yolanda"), ("chio", "rocio"),
];

/// Every name's partners, in both directions.
static PARTNERS: LazyLock<HashMap<&'static str, Vec<&'static str>>> = LazyLock::new(|| {
    let mut partners: HashMap<&'static str, Vec<&'static str>> = HashMap::new();
    for &(nickname, legal) in PAIRS {
        partners.entry(nickname).or_default().push(legal);
        partners.entry(legal).or_default().push(nickname);
    }
    partners
});

/// Whether one of the two given names is a listed nickname of the other. Both are compared
/// by their [`name_key`], so case and accents do not matter ("Chuy" and "Jesús").
pub fn are_nicknames(a: &str, b: &str) -> bool {
    are_nickname_keys(&name_key(a), &name_key(b))
}

/// [`are_nicknames`] for names already turned into keys.
pub(crate) fn are_nickname_keys(a: &str, b: &str) -> bool {
    a != b
        && PARTNERS
            .get(a)
            .is_some_and(|partners| partners.contains(&b))
}

/// The listed nicknames of a legal name and the legal names of a nickname, normalized.
pub fn nickname_partners(name: &str) -> &'static [&'static str] {
    PARTNERS
        .get(name_key(name).as_str())
        .map_or(&[], Vec::as_slice)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::matching::normalize::normalize_name;
    use proptest::prelude::*;

    #[test]
    fn the_table_is_large_normalized_and_free_of_duplicates() {
        assert!(PAIRS.len() >= 250, "{} pairs", PAIRS.len());
        let mut seen = std::collections::HashSet::new();
        for &(nickname, legal) in PAIRS {
            assert_eq!(name_key(nickname), nickname);
            assert_eq!(name_key(legal), legal);
            assert_ne!(nickname, legal);
            assert!(seen.insert((nickname, legal)), "{nickname}/{legal} twice");
            assert!(
                !seen.contains(&(legal, nickname)),
                "{nickname}/{legal} both ways"
            );
        }
    }

    #[test]
    fn common_nicknames_in_both_directions() {
        for (a, b) in [
            ("Bill", "William"),
            ("Bob", "Robert"),
            ("Liz", "Elizabeth"),
            ("Peggy", "Margaret"),
            ("Jim", "James"),
            ("Kate", "Katherine"),
            ("Tony", "Anthony"),
            ("Pepe", "José"),
            ("Paco", "Francisco"),
            ("Lupe", "Guadalupe"),
            ("Chuy", "Jesús"),
            ("Memo", "Guillermo"),
            ("Toño", "Antonio"),
        ] {
            assert!(are_nicknames(a, b), "{a}/{b}");
            assert!(are_nicknames(b, a), "{b}/{a}");
        }
    }

    #[test]
    fn nicknames_are_not_transitive() {
        assert!(are_nicknames("Ted", "Edward") && are_nicknames("Ted", "Theodore"));
        assert!(!are_nicknames("Edward", "Theodore"));
        assert!(!are_nicknames("William", "William"));
        assert!(!are_nicknames("Bill", "Robert"));
    }

    #[test]
    fn partners_are_listed() {
        assert!(nickname_partners("Margaret").contains(&"peggy"));
        assert!(nickname_partners("José").contains(&"pepe"));
        assert!(nickname_partners("Zzyzx").is_empty());
    }

    proptest! {
        #[test]
        fn lookup_is_symmetric(a in "\\PC{0,12}", b in "\\PC{0,12}") {
            prop_assert_eq!(are_nicknames(&a, &b), are_nicknames(&b, &a));
        }

        #[test]
        fn every_pair_is_found_whatever_the_case(index in 0..PAIRS.len()) {
            let (nickname, legal) = PAIRS[index];
            prop_assert!(are_nicknames(&nickname.to_uppercase(), legal));
            prop_assert!(normalize_name(legal) == legal);
        }
    }
}
