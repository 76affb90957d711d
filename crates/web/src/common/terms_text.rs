//! The terms of use and the privacy policy as a patient reads them: in Spanish where the
//! patient reads Spanish and the practice published that version in Spanish, otherwise in
//! English, marked so that the page can say the document exists only in English.

use storage::{DefaultTerms, DefaultText, TermsLanguage, TermsVersion};

use crate::common::i18n::{Lang, lang};

/// One version of a document, in the language the patient is shown.
#[derive(Debug, Clone)]
pub struct ShownDocument {
    /// `terms` or `privacy`.
    pub kind: String,
    pub version: i64,
    pub summary: String,
    pub body: String,
    pub changes: Option<String>,
    /// The language of the text (`en` or `es`), for its `lang` attribute.
    pub lang: &'static str,
    /// The patient reads Spanish but this version exists only in English: say so.
    pub english_only: bool,
}

/// The documents' language for the request's reader.
pub fn reader_language() -> TermsLanguage {
    match lang() {
        Lang::En => TermsLanguage::English,
        Lang::Es => TermsLanguage::Spanish,
    }
}

/// The language a form names for the documents it showed (`en` or `es`); `None` for any
/// other. A version without Spanish text is still recorded as shown in English (storage keeps
/// the language each version was shown in, see `TermsVersion::shown_language`).
pub fn named_language(tag: &str) -> Option<TermsLanguage> {
    match tag {
        "en" => Some(TermsLanguage::English),
        "es" => Some(TermsLanguage::Spanish),
        _ => None,
    }
}

/// The language a page's form says its documents were shown in: the language named, or
/// English for anything else.
pub fn form_language(tag: &str) -> TermsLanguage {
    named_language(tag).unwrap_or(TermsLanguage::English)
}

/// `version` as the request's reader is shown it.
pub fn shown(version: &TermsVersion) -> ShownDocument {
    let wanted = reader_language();
    let language = version.shown_language(wanted);
    let text = version.text_for(wanted);
    ShownDocument {
        kind: version.kind.clone(),
        version: version.version,
        summary: text.summary,
        body: text.body,
        changes: text.changes,
        lang: language.tag(),
        english_only: language != wanted,
    }
}

/// The documents a practice starts with, until its administrator publishes its own, in
/// English and Spanish.
pub const DEFAULT_TERMS: DefaultTerms<'static> = DefaultTerms {
    terms: DefaultText {
        summary: "You may use this portal to see your health information and contact the practice. \
            Keep your password to yourself. The portal is not for emergencies: call 911.",
        body: "1. This portal lets you see parts of your medical record, and contact the practice.\n\
            2. Your account is for you alone. Do not share your password. A parent or caregiver can ask the practice for their own access.\n\
            3. Do not use the portal for emergencies. Call 911 or go to the nearest emergency room.\n\
            4. Messages are answered during office hours, usually within two business days.\n\
            5. The practice may change these terms. You will be asked to accept a new version before you continue.",
        summary_es: "Puede usar este portal para ver su información de salud y comunicarse con el consultorio. \
            No comparta su contraseña. El portal no es para emergencias: llame al 911.",
        body_es: "1. Este portal le permite ver partes de su expediente médico y comunicarse con el consultorio.\n\
            2. Su cuenta es solo para usted. No comparta su contraseña. Un padre, una madre o un cuidador puede pedir al consultorio su propio acceso.\n\
            3. No use el portal para emergencias. Llame al 911 o vaya a la sala de emergencias más cercana.\n\
            4. Los mensajes se responden en horario de oficina, por lo general en dos días hábiles.\n\
            5. El consultorio puede cambiar estas condiciones. Se le pedirá aceptar una versión nueva antes de continuar.",
    },
    privacy: DefaultText {
        summary: "Your information stays with the practice. We record who opens your record, and \
            you can see that list. We never sell your information.",
        body: "1. The practice keeps your health information private, as the law (HIPAA) requires.\n\
            2. Every time someone opens your record, the portal writes down who, what and when. You can see this list.\n\
            3. The portal uses one cookie, to keep you signed in. It uses no advertising or tracking.\n\
            4. The practice never sells your information.\n\
            5. To ask a question about your privacy, call the practice.",
        summary_es: "Su información se queda en el consultorio. Anotamos quién abre su expediente, y \
            usted puede ver esa lista. Nunca vendemos su información.",
        body_es: "1. El consultorio mantiene privada su información de salud, como lo exige la ley (HIPAA).\n\
            2. Cada vez que alguien abre su expediente, el portal anota quién, qué y cuándo. Usted puede ver esta lista.\n\
            3. El portal usa una sola cookie, para mantener su sesión iniciada. No usa publicidad ni rastreo.\n\
            4. El consultorio nunca vende su información.\n\
            5. Para hacer una pregunta sobre su privacidad, llame al consultorio.",
    },
};
