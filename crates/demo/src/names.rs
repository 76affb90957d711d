//! Given and family names by heritage, ranked roughly from most to least common.
//!
//! The lists are the project's own. Ranking matters: names are drawn with a Zipf-like
//! tail, so the head of each list produces realistic namesakes (many "Maria Garcia"s,
//! "James Smith"s) while the tail keeps 100,000 patients mostly distinguishable.

use rand::Rng;
use unicode_normalization::UnicodeNormalization;

use crate::person::Sex;
use crate::rng::{pick, zipf_pick};

/// The naming tradition a patient's names are drawn from. It also steers language and
/// the race and ethnicity extensions, with noise, as in real registries.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Origin {
    General,
    Hispanic,
    AfricanAmerican,
    Chinese,
    Korean,
    Japanese,
    Vietnamese,
    Filipino,
    SouthAsian,
    MiddleEastern,
}

/// Birth cohort, so that an 80-year-old is a Dorothy rather than a Madison.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Cohort {
    /// Born before 1960.
    Older,
    /// Born 1960 to 1989.
    Middle,
    /// Born 1990 or later.
    Younger,
}

impl Cohort {
    pub(crate) fn of_birth_year(year: i16) -> Self {
        match year {
            ..1960 => Cohort::Older,
            1960..1990 => Cohort::Middle,
            _ => Cohort::Younger,
        }
    }
}

#[rustfmt::skip]
const GENERAL_FEMALE_OLDER: &[&str] = &[
    "Mary", "Patricia", "Linda", "Barbara", "Dorothy", "Margaret", "Betty", "Shirley", "Helen",
    "Carol", "Sandra", "Donna", "Joan", "Ruth", "Judith", "Virginia", "Frances", "Joyce", "Nancy",
    "Gloria", "Evelyn", "Jean", "Alice", "Doris", "Marilyn", "Beverly", "Janet", "Martha",
    "Phyllis", "Peggy", "Norma", "Lois", "Carolyn", "Judy", "Elaine", "Rose", "Marie", "Anne",
    "Kathleen", "Sharon", "Diane", "Bonnie", "Geraldine", "Irene", "Louise", "Eleanor", "Lorraine",
    "Marjorie", "Connie", "Wanda", "Rosemary", "Bernadette", "Agnes", "Mildred",
];

#[rustfmt::skip]
const GENERAL_FEMALE_MIDDLE: &[&str] = &[
    "Jennifer", "Lisa", "Michelle", "Kimberly", "Amy", "Angela", "Melissa", "Stephanie", "Heather",
    "Nicole", "Elizabeth", "Julie", "Christine", "Laura", "Rebecca", "Tammy", "Karen", "Susan",
    "Amanda", "Jessica", "Sarah", "Kelly", "Christina", "Dawn", "Tracy", "Stacy", "Wendy", "Tina",
    "Rachel", "Andrea", "Erin", "Shannon", "Crystal", "Monica", "April", "Megan", "Danielle",
    "Renée", "Dana", "Cheryl", "Denise", "Theresa", "Kristen", "Katherine", "Jill", "Erica",
    "Holly", "Valerie", "Allison", "Tanya", "Colleen", "Maureen", "Deanna", "Bethany",
];

#[rustfmt::skip]
const GENERAL_FEMALE_YOUNGER: &[&str] = &[
    "Emma", "Olivia", "Ava", "Sophia", "Isabella", "Mia", "Emily", "Madison", "Abigail",
    "Charlotte", "Harper", "Ella", "Chloe", "Avery", "Hannah", "Grace", "Lily", "Natalie",
    "Addison", "Aubrey", "Zoey", "Hailey", "Samantha", "Ashley", "Brittany", "Alexis", "Kayla",
    "Taylor", "Lauren", "Sydney", "Brooklyn", "Claire", "Nora", "Hazel", "Savannah", "Audrey",
    "Leah", "Stella", "Scarlett", "Victoria", "Paisley", "Riley", "Zoë", "Chloé", "Madeline",
    "Layla", "Aria", "Ellie", "Kaylee", "Morgan", "Penelope", "Naomi", "Eliana", "Violet",
];

#[rustfmt::skip]
const GENERAL_MALE_OLDER: &[&str] = &[
    "James", "Robert", "John", "William", "Richard", "Charles", "Donald", "George", "Thomas",
    "Joseph", "David", "Edward", "Ronald", "Paul", "Kenneth", "Frank", "Raymond", "Jack", "Harold",
    "Walter", "Gerald", "Arthur", "Roger", "Lawrence", "Eugene", "Ralph", "Carl", "Wayne", "Albert",
    "Howard", "Dennis", "Larry", "Gary", "Jerry", "Terry", "Roy", "Louis", "Fred", "Earl", "Henry",
    "Norman", "Stanley", "Leonard", "Harry", "Francis", "Bruce", "Glenn", "Dale", "Ernest",
    "Clarence", "Herbert", "Vernon", "Lloyd", "Warren",
];

#[rustfmt::skip]
const GENERAL_MALE_MIDDLE: &[&str] = &[
    "Michael", "David", "John", "James", "Robert", "Christopher", "Jason", "Brian", "Kevin", "Mark",
    "Jeffrey", "Scott", "Steven", "Timothy", "Eric", "Matthew", "Daniel", "Joseph", "Anthony",
    "Paul", "Richard", "William", "Thomas", "Todd", "Brandon", "Shawn", "Jeremy", "Aaron", "Adam",
    "Gregory", "Patrick", "Sean", "Travis", "Chad", "Derek", "Craig", "Keith", "Bradley", "Shane",
    "Dustin", "Joshua", "Andrew", "Ryan", "Justin", "Nathan", "Benjamin", "Jonathan", "Kyle",
    "Troy", "Corey", "Brent", "Marc", "Darren", "Phillip",
];

#[rustfmt::skip]
const GENERAL_MALE_YOUNGER: &[&str] = &[
    "Liam", "Noah", "Oliver", "Elijah", "William", "James", "Benjamin", "Lucas", "Henry",
    "Alexander", "Mason", "Michael", "Ethan", "Daniel", "Jacob", "Logan", "Jackson", "Levi",
    "Sebastian", "Mateo", "Jack", "Owen", "Theodore", "Aiden", "Samuel", "Joseph", "John", "David",
    "Wyatt", "Matthew", "Luke", "Asher", "Carter", "Julian", "Grayson", "Leo", "Jayden", "Gabriel",
    "Isaac", "Lincoln", "Anthony", "Hudson", "Dylan", "Ezra", "Thomas", "Charles", "Christopher",
    "Jaxon", "Maverick", "Josiah", "Tyler", "Austin", "Zachary", "Caleb", "Hunter",
];

#[rustfmt::skip]
const GENERAL_FAMILY: &[&str] = &[
    "Smith", "Johnson", "Williams", "Brown", "Jones", "Miller", "Davis", "Wilson", "Anderson",
    "Taylor", "Thomas", "Moore", "Martin", "Jackson", "Thompson", "White", "Harris", "Clark",
    "Lewis", "Robinson", "Walker", "Young", "Allen", "King", "Wright", "Scott", "Hill", "Green",
    "Adams", "Baker", "Nelson", "Carter", "Mitchell", "Roberts", "Turner", "Phillips", "Campbell",
    "Parker", "Evans", "Edwards", "Collins", "Stewart", "Morris", "Murphy", "Cook", "Rogers",
    "Morgan", "Cooper", "Peterson", "Bailey", "Reed", "Kelly", "Howard", "Cox", "Ward",
    "Richardson", "Watson", "Brooks", "Wood", "James", "Bennett", "Gray", "Hughes", "Price",
    "Sanders", "Myers", "Long", "Ross", "Foster", "Powell", "Jenkins", "Perry", "Russell",
    "Sullivan", "Bell", "Coleman", "Butler", "Henderson", "Barnes", "Fisher", "Graham", "Reynolds",
    "Hamilton", "Wallace", "West", "Cole", "Hayes", "Bryant", "Gibson", "Ellis", "Stevens",
    "Murray", "Ford", "Marshall", "Owens", "McDonald", "Harrison", "Kennedy", "Wells", "Alexander",
    "Hunt", "Black", "Palmer", "Stone", "Warren", "Mills", "Meyer", "Schmidt", "Hoffman", "Schultz",
    "Wagner", "Becker", "Olson", "Larson", "Hansen", "Nielsen", "O'Brien", "O'Connor", "O'Neill",
    "McCarthy", "Fitzgerald", "Gallagher", "Doyle", "Quinn", "Brennan", "Walsh", "Byrne", "Russo",
    "Romano", "Esposito", "Ricci", "Marino", "Costa", "DeLuca", "D'Angelo", "Van Dyke", "St. John",
    "MacLeod", "Dubois", "Lefebvre", "Fournier", "Cohen", "Levy", "Friedman", "Goldberg", "Katz",
    "Shapiro", "Weiss", "Kaplan", "Schwartz", "Rosenberg", "Kowalski", "Nowak", "Novak", "Petrov",
    "Ivanov", "Popescu", "Horvath", "Nagy", "Begay", "Yazzie",
];

#[rustfmt::skip]
const BLACK_FEMALE: &[&str] = &[
    "Keisha", "Latoya", "Tanisha", "Ebony", "Aaliyah", "Imani", "Jasmine", "Destiny", "Shanice",
    "Tamika", "Monique", "Aisha", "Nia", "Kiara", "Tiana", "Jada", "Makayla", "Yolanda",
    "Gwendolyn", "Bernice", "Loretta", "Brianna", "Diamond", "Latisha", "Ayana", "Precious",
    "Essence", "Shantel", "Lakisha", "Zaria",
];

#[rustfmt::skip]
const BLACK_MALE: &[&str] = &[
    "DeShawn", "Darnell", "Jamal", "Terrence", "Tyrone", "Malik", "Andre", "Marcus", "Darius",
    "Jerome", "Reginald", "Cedric", "Lamar", "Dwayne", "Xavier", "Isaiah", "Jaylen", "Trevon",
    "Kendrick", "Marquis", "Rashad", "Demetrius", "Willie", "Curtis", "Cornelius", "Leroy", "Otis",
    "Jalen", "Kareem", "Devonte",
];

#[rustfmt::skip]
const BLACK_FAMILY: &[&str] = &[
    "Williams", "Washington", "Johnson", "Banks", "Jackson", "Jefferson", "Brown", "Freeman",
    "Robinson", "Booker", "Harris", "Jones", "Mosley", "Davis", "Thomas", "Gaines", "Dorsey",
    "Rivers", "Battle", "Singleton", "Hairston", "Wiggins", "Whitfield", "Merriweather",
    "Blackwell", "Holloway", "Coleman", "Simmons", "Gordon", "Bryant", "Toussaint", "Okafor",
    "Mensah", "Adeyemi", "Diallo", "Nwosu", "Owusu", "Pierre", "Baptiste",
];

#[rustfmt::skip]
const HISPANIC_FEMALE: &[&str] = &[
    "María", "Guadalupe", "Juana", "Rosa", "Ana", "Carmen", "Sofía", "Isabella", "Valentina",
    "Camila", "Gabriela", "Daniela", "Mariana", "Lucía", "Ximena", "Alejandra", "Verónica",
    "Leticia", "Yesenia", "Marisol", "Adriana", "Patricia", "Elena", "Beatriz", "Esperanza",
    "Graciela", "Araceli", "Natalia", "Paola", "Itzel", "Rocío", "Inés", "Dolores", "Consuelo",
    "Luz", "Angélica", "Karla", "Jimena", "Renata", "Fernanda", "Mónica", "Raquel",
];

#[rustfmt::skip]
const HISPANIC_MALE: &[&str] = &[
    "José", "Juan", "Luis", "Carlos", "Jorge", "Miguel", "Jesús", "Antonio", "Alejandro",
    "Francisco", "Manuel", "Pedro", "Ricardo", "Roberto", "Fernando", "Javier", "Eduardo", "Rafael",
    "Raúl", "Héctor", "Sergio", "Mario", "Arturo", "Andrés", "Diego", "Santiago", "Mateo",
    "Emiliano", "Joaquín", "Ángel", "Rubén", "Óscar", "Ramón", "Alfredo", "Gerardo", "Julio",
    "Cristian", "Iván", "Adrián", "Hugo", "Martín", "Tomás",
];

#[rustfmt::skip]
const HISPANIC_FAMILY: &[&str] = &[
    "García", "Rodríguez", "Martínez", "Hernández", "López", "González", "Pérez", "Sánchez",
    "Ramírez", "Torres", "Flores", "Rivera", "Gómez", "Díaz", "Reyes", "Morales", "Cruz", "Ortiz",
    "Gutiérrez", "Chávez", "Ramos", "Ruiz", "Álvarez", "Mendoza", "Castillo", "Jiménez", "Vásquez",
    "Moreno", "Romero", "Herrera", "Medina", "Aguilar", "Vargas", "Castro", "Guzmán", "Fernández",
    "Muñoz", "Salazar", "Delgado", "Peña", "Soto", "Contreras", "Núñez", "Ibarra", "Cabrera",
    "Ríos", "Valdez", "Espinoza", "Sandoval", "Orozco", "Navarro", "Campos", "Domínguez",
    "Villarreal", "Cervantes", "Ochoa", "Zamora", "De la Cruz", "De León", "Quintero", "Saldaña",
    "Treviño",
];

#[rustfmt::skip]
const CHINESE_FEMALE: &[&str] = &[
    "Wei", "Mei", "Xiu", "Ying", "Hui", "Jing", "Lan", "Xiaoling", "Fang", "Yan", "Min", "Ling",
];

#[rustfmt::skip]
const CHINESE_MALE: &[&str] = &[
    "Wei", "Jun", "Hao", "Ming", "Jian", "Yong", "Lei", "Qiang", "Bo", "Tao", "Xin", "Zhiwei",
];

#[rustfmt::skip]
const CHINESE_FAMILY: &[&str] = &[
    "Wang", "Li", "Zhang", "Liu", "Chen", "Yang", "Huang", "Zhao", "Wu", "Zhou", "Xu", "Sun", "Ma",
    "Zhu", "Hu", "Lin", "Guo", "He", "Gao", "Luo", "Zheng", "Liang", "Xie", "Tang", "Wong", "Chan",
    "Lam", "Leung", "Cheung", "Ho", "Chang", "Tsai",
];

#[rustfmt::skip]
const KOREAN_FEMALE: &[&str] = &[
    "Min-ji", "Seo-yeon", "Ji-woo", "Soo-jin", "Eun-ji", "Hye-jin", "Ji-hye", "Yuna", "Mi-kyung",
];

#[rustfmt::skip]
const KOREAN_MALE: &[&str] = &[
    "Min-jun", "Seo-jun", "Ji-ho", "Sung-min", "Dong-hyun", "Jae-won", "Hyun-woo", "Young-ho",
];

#[rustfmt::skip]
const KOREAN_FAMILY: &[&str] = &[
    "Kim", "Lee", "Park", "Choi", "Jung", "Kang", "Cho", "Yoon", "Jang", "Lim", "Han", "Shin",
];

#[rustfmt::skip]
const JAPANESE_FEMALE: &[&str] = &[
    "Yuki", "Sakura", "Aiko", "Hana", "Emiko", "Keiko", "Naomi", "Yumi", "Mariko",
];

#[rustfmt::skip]
const JAPANESE_MALE: &[&str] = &[
    "Hiroshi", "Takashi", "Kenji", "Haruto", "Daiki", "Satoshi", "Kenta", "Ryo", "Makoto",
];

#[rustfmt::skip]
const JAPANESE_FAMILY: &[&str] = &[
    "Sato", "Suzuki", "Takahashi", "Tanaka", "Watanabe", "Ito", "Yamamoto", "Nakamura", "Kobayashi",
    "Kato", "Yoshida", "Yamada", "Sasaki", "Matsumoto",
];

#[rustfmt::skip]
const VIETNAMESE_FEMALE: &[&str] = &[
    "Linh", "Thuy", "Lan", "Mai", "Ngoc", "Hoa", "Trang", "Huong", "Phuong", "Thao",
];

#[rustfmt::skip]
const VIETNAMESE_MALE: &[&str] = &[
    "Minh", "Tuan", "Duc", "Khanh", "Long", "Phong", "Quang", "Huy", "Thanh", "Nam",
];

#[rustfmt::skip]
const VIETNAMESE_FAMILY: &[&str] = &[
    "Nguyen", "Tran", "Le", "Pham", "Hoang", "Huynh", "Phan", "Vu", "Vo", "Dang", "Bui", "Do",
    "Ngo", "Duong", "Ly",
];

#[rustfmt::skip]
const FILIPINO_FEMALE: &[&str] = &[
    "Maricel", "Rowena", "Jocelyn", "Cristina", "Marites", "Analyn", "Rosalie", "Lorna", "Jasmin",
];

#[rustfmt::skip]
const FILIPINO_MALE: &[&str] = &[
    "Rodel", "Jomar", "Ramil", "Jericho", "Arnel", "Rolando", "Efren", "Noel", "Danilo",
];

#[rustfmt::skip]
const FILIPINO_FAMILY: &[&str] = &[
    "Santos", "Reyes", "Cruz", "Bautista", "Ocampo", "Mendoza", "Dela Cruz", "Aquino", "Ramos",
    "Villanueva", "Manalo", "Castillo", "Tolentino", "Pascual", "Soriano", "Navarro",
];

#[rustfmt::skip]
const SOUTH_ASIAN_FEMALE: &[&str] = &[
    "Priya", "Ananya", "Divya", "Pooja", "Neha", "Anjali", "Kavya", "Sunita", "Lakshmi", "Meera",
    "Shreya", "Deepa", "Aarti", "Riya", "Sana",
];

#[rustfmt::skip]
const SOUTH_ASIAN_MALE: &[&str] = &[
    "Raj", "Rahul", "Amit", "Vikram", "Arjun", "Sanjay", "Ravi", "Anil", "Suresh", "Rohan",
    "Aditya", "Karan", "Vijay", "Imran", "Arav",
];

#[rustfmt::skip]
const SOUTH_ASIAN_FAMILY: &[&str] = &[
    "Patel", "Shah", "Singh", "Kumar", "Sharma", "Gupta", "Mehta", "Desai", "Reddy", "Rao", "Iyer",
    "Nair", "Joshi", "Chopra", "Malhotra", "Kapoor", "Agarwal", "Bhatt", "Chaudhary", "Verma",
    "Khan", "Ahmed", "Hussain", "Mishra", "Pillai",
];

#[rustfmt::skip]
const MIDDLE_EASTERN_FEMALE: &[&str] = &[
    "Fatima", "Layla", "Mariam", "Noor", "Yasmin", "Amira", "Salma", "Rania", "Leila", "Huda",
];

#[rustfmt::skip]
const MIDDLE_EASTERN_MALE: &[&str] = &[
    "Mohammed", "Ahmed", "Omar", "Ali", "Hassan", "Youssef", "Khalid", "Tariq", "Karim", "Samir",
    "Ibrahim", "Rami",
];

#[rustfmt::skip]
const MIDDLE_EASTERN_FAMILY: &[&str] = &[
    "Haddad", "Khoury", "Nasser", "Saleh", "Hassan", "Abboud", "Mansour", "Farah", "Karam", "Aziz",
    "Ibrahim", "Youssef", "Darwish", "Rahman", "Sayed", "Ali", "Hamdan",
];

fn general_given(sex: Sex, cohort: Cohort) -> &'static [&'static str] {
    match (sex, cohort) {
        (Sex::Female, Cohort::Older) => GENERAL_FEMALE_OLDER,
        (Sex::Female, Cohort::Middle) => GENERAL_FEMALE_MIDDLE,
        (Sex::Female, Cohort::Younger) => GENERAL_FEMALE_YOUNGER,
        (Sex::Male, Cohort::Older) => GENERAL_MALE_OLDER,
        (Sex::Male, Cohort::Middle) => GENERAL_MALE_MIDDLE,
        (Sex::Male, Cohort::Younger) => GENERAL_MALE_YOUNGER,
    }
}

/// The heritage list for a given name and the chance of using it rather than a general
/// American name (many second-generation Americans have "general" given names).
fn heritage_given(origin: Origin, sex: Sex) -> (&'static [&'static str], f64) {
    let female = sex == Sex::Female;
    match origin {
        Origin::General => (&[], 0.0),
        Origin::Hispanic => (
            if female {
                HISPANIC_FEMALE
            } else {
                HISPANIC_MALE
            },
            0.8,
        ),
        Origin::AfricanAmerican => (if female { BLACK_FEMALE } else { BLACK_MALE }, 0.45),
        Origin::Chinese => (if female { CHINESE_FEMALE } else { CHINESE_MALE }, 0.45),
        Origin::Korean => (if female { KOREAN_FEMALE } else { KOREAN_MALE }, 0.4),
        Origin::Japanese => (
            if female {
                JAPANESE_FEMALE
            } else {
                JAPANESE_MALE
            },
            0.35,
        ),
        Origin::Vietnamese => (
            if female {
                VIETNAMESE_FEMALE
            } else {
                VIETNAMESE_MALE
            },
            0.55,
        ),
        Origin::Filipino => (
            if female {
                FILIPINO_FEMALE
            } else {
                FILIPINO_MALE
            },
            0.4,
        ),
        Origin::SouthAsian => (
            if female {
                SOUTH_ASIAN_FEMALE
            } else {
                SOUTH_ASIAN_MALE
            },
            0.75,
        ),
        Origin::MiddleEastern => (
            if female {
                MIDDLE_EASTERN_FEMALE
            } else {
                MIDDLE_EASTERN_MALE
            },
            0.75,
        ),
    }
}

fn family_list(origin: Origin) -> &'static [&'static str] {
    match origin {
        Origin::General => GENERAL_FAMILY,
        Origin::Hispanic => HISPANIC_FAMILY,
        Origin::AfricanAmerican => BLACK_FAMILY,
        Origin::Chinese => CHINESE_FAMILY,
        Origin::Korean => KOREAN_FAMILY,
        Origin::Japanese => JAPANESE_FAMILY,
        Origin::Vietnamese => VIETNAMESE_FAMILY,
        Origin::Filipino => FILIPINO_FAMILY,
        Origin::SouthAsian => SOUTH_ASIAN_FAMILY,
        Origin::MiddleEastern => MIDDLE_EASTERN_FAMILY,
    }
}

/// One given name fitting heritage, sex and birth cohort.
pub(crate) fn given_name(
    rng: &mut impl Rng,
    origin: Origin,
    sex: Sex,
    cohort: Cohort,
) -> &'static str {
    let (heritage, share) = heritage_given(origin, sex);
    if !heritage.is_empty() && rng.random_bool(share) {
        zipf_pick::<&str>(rng, heritage)
    } else {
        zipf_pick::<&str>(rng, general_given(sex, cohort))
    }
}

/// A family name; sometimes compound, as Hispanic double surnames and married names are.
pub(crate) fn family_name(rng: &mut impl Rng, origin: Origin, sex: Sex, adult: bool) -> String {
    let list = family_list(origin);
    let first = *zipf_pick(rng, list);
    let roll: f64 = rng.random();
    if origin == Origin::Hispanic && roll < 0.12 {
        let second = distinct(rng, list, first);
        format!("{first}-{second}")
    } else if origin == Origin::Hispanic && roll < 0.16 {
        let second = distinct(rng, list, first);
        format!("{first} {second}")
    } else if sex == Sex::Female && adult && roll < 0.04 {
        let second = distinct(rng, GENERAL_FAMILY, first);
        format!("{second}-{first}")
    } else {
        first.to_string()
    }
}

fn distinct(rng: &mut impl Rng, list: &'static [&'static str], not: &str) -> &'static str {
    for _ in 0..8 {
        let candidate = *zipf_pick(rng, list);
        if candidate != not {
            return candidate;
        }
    }
    pick::<&str>(rng, list)
}

/// Removes diacritics ("García" -> "Garcia"), as many registration systems do.
pub(crate) fn strip_accents(s: &str) -> String {
    s.nfd()
        .filter(|c| !unicode_normalization::char::is_combining_mark(*c))
        .collect()
}

/// Lower-case ASCII letters and digits only, for building email local parts.
pub(crate) fn email_token(s: &str) -> String {
    strip_accents(s)
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accents_and_tokens() {
        assert_eq!(strip_accents("García-López"), "Garcia-Lopez");
        assert_eq!(strip_accents("Zoë"), "Zoe");
        assert_eq!(email_token("O'Brien"), "obrien");
        assert_eq!(email_token("De la Cruz"), "delacruz");
        assert_eq!(email_token("Ángel"), "angel");
    }

    #[test]
    fn lists_have_no_duplicates() {
        let lists: &[&[&str]] = &[
            GENERAL_FEMALE_OLDER,
            GENERAL_FEMALE_MIDDLE,
            GENERAL_FEMALE_YOUNGER,
            GENERAL_MALE_OLDER,
            GENERAL_MALE_MIDDLE,
            GENERAL_MALE_YOUNGER,
            GENERAL_FAMILY,
            HISPANIC_FAMILY,
            HISPANIC_FEMALE,
            HISPANIC_MALE,
            BLACK_FAMILY,
        ];
        for list in lists {
            let mut seen = std::collections::HashSet::new();
            for name in *list {
                assert!(seen.insert(name), "duplicate {name}");
            }
        }
    }
}
