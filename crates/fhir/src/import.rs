//! `porchlight import`: FHIR R4 Bundles (`.json`) and NDJSON (`.ndjson`), files or folders.
//!
//! One file is one transaction: a bundle is stored whole or not at all, and so is an NDJSON
//! file. Every `urn:uuid:` reference must resolve inside its bundle. Records are matched by
//! their id in the source system (patients also by MRN), so a second import changes nothing.
//! Files are read one at a time, so memory stays flat however many are given.

use std::{
    borrow::Cow,
    collections::{BTreeMap, HashMap},
    fmt,
    io::BufRead,
    path::{Path, PathBuf},
};

use domain::{OrganizationId, PatientId, SecretKey, clinical::ClinicalRecord};
use serde::Deserialize;
use serde_json::value::RawValue;
use sha2::{Digest, Sha256};
use storage::{AuditActor, AuditEntry, Database, Outcome, RecordId, Tx};
use uuid::Uuid;

use crate::{
    mapping::{Mapped, map_resource, source_id_of_reference},
    references::references,
};

/// How many records of one type an import stored, changed, found unchanged or passed over.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    pub imported: u64,
    pub updated: u64,
    pub unchanged: u64,
    /// Resources of a type the portal does not use.
    pub skipped: u64,
}

impl Counts {
    fn add(&mut self, other: Counts) {
        self.imported += other.imported;
        self.updated += other.updated;
        self.unchanged += other.unchanged;
        self.skipped += other.skipped;
    }

    pub fn total(&self) -> u64 {
        self.imported + self.updated + self.unchanged + self.skipped
    }
}

/// A file, or one entry of it, that could not be imported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportError {
    pub file: PathBuf,
    /// `entry 12 (urn:uuid:...)` in a bundle, `line 7` in NDJSON; `None` for the whole file.
    pub entry: Option<String>,
    pub message: String,
}

impl fmt::Display for ImportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.entry {
            Some(entry) => write!(f, "{}: {entry}: {}", self.file.display(), self.message),
            None => write!(f, "{}: {}", self.file.display(), self.message),
        }
    }
}

/// What an import did, per FHIR resource type, and what it refused.
#[derive(Debug, Default)]
pub struct ImportReport {
    pub counts: BTreeMap<String, Counts>,
    pub errors: Vec<ImportError>,
    pub files_imported: u64,
    pub files_failed: u64,
    pub bytes: u64,
}

impl ImportReport {
    pub fn count(&self, resource_type: &str) -> Counts {
        self.counts.get(resource_type).copied().unwrap_or_default()
    }

    pub fn totals(&self) -> Counts {
        let mut total = Counts::default();
        for counts in self.counts.values() {
            total.add(*counts);
        }
        total
    }
}

/// The most errors reported for one file: past that, the file is refused anyway.
const MAX_ERRORS_PER_FILE: usize = 20;

/// Imports FHIR data into one organization.
pub struct Importer<'a> {
    db: &'a Database,
    organization: OrganizationId,
    reader: Reader<'a>,
}

/// Reads and maps FHIR resources without storing them.
pub struct Reader<'a> {
    key: &'a SecretKey,
}

impl<'a> Reader<'a> {
    pub fn new(key: &'a SecretKey) -> Self {
        Self { key }
    }

    /// Reads and maps a file's resources exactly as an import would, without storing them:
    /// answers how many resources it holds. Benchmarks use it as the machine's baseline.
    pub fn parse_file(&self, path: &Path) -> Result<u64, String> {
        let mut resources = 0;
        if has_extension(path, "ndjson") {
            let file = std::fs::File::open(path).map_err(|e| e.to_string())?;
            for line in std::io::BufReader::new(file).lines() {
                let line = line.map_err(|e| e.to_string())?;
                if !line.trim().is_empty() {
                    self.prepare(Some(&line), None)?;
                    resources += 1;
                }
            }
            return Ok(resources);
        }
        let text = std::fs::read_to_string(path).map_err(|e| e.to_string())?;
        let bundle: BundleEnvelope<'_> = serde_json::from_str(&text).map_err(|e| e.to_string())?;
        for entry in &bundle.entry {
            self.prepare(entry.resource.map(RawValue::get), entry.full_url.as_deref())?;
            resources += 1;
        }
        Ok(resources)
    }

    /// Reads one resource's type and id and maps it; nothing is stored yet.
    fn prepare<'j>(
        &self,
        json: Option<&'j str>,
        full_url: Option<&str>,
    ) -> Result<Prepared<'j>, String> {
        let json = json.ok_or("has no resource")?;
        let head: ResourceHead =
            serde_json::from_str(json).map_err(|e| format!("is not a FHIR resource: {e}"))?;
        let resource_type = head.resource_type.ok_or("has no resourceType")?;
        if resource_type.is_empty() || !resource_type.chars().all(|c| c.is_ascii_alphabetic()) {
            return Err(format!("has an invalid resourceType '{resource_type}'"));
        }
        let source_id = head
            .id
            .or_else(|| full_url.map(source_id_of_reference))
            .filter(|id| !id.trim().is_empty())
            .ok_or_else(|| format!("{resource_type} has neither an id nor a fullUrl"))?;
        // PostgreSQL refuses a NUL in text and SQLite would keep one: neither kind of store
        // should decide, so no control character is taken (the web forms refuse them too).
        if let Some(control) = control_character(json) {
            return Err(format!(
                "has a control character (U+{:04X}) in its text, which the portal does not store; remove it and import again",
                u32::from(control)
            ));
        }
        let mapped = map_resource(&resource_type, json, self.key).map_err(|e| e.to_string())?;
        // What we keep must not hold the SSN, nor may its hash (the rest of the text is known).
        let stored = if resource_type == "Patient" {
            Cow::Owned(without_ssn(json)?)
        } else {
            Cow::Borrowed(json)
        };
        Ok(Prepared {
            hash: hex::encode(Sha256::digest(stored.as_bytes())),
            resource_type,
            source_id,
            json,
            stored,
            mapped,
        })
    }
}

impl<'a> Importer<'a> {
    pub fn new(db: &'a Database, organization: OrganizationId, key: &'a SecretKey) -> Self {
        Self {
            db,
            organization,
            reader: Reader::new(key),
        }
    }

    /// Imports every path: files, or folders searched recursively for `.json` and `.ndjson`.
    pub async fn import_paths(&self, paths: &[PathBuf]) -> ImportReport {
        let mut report = ImportReport::default();
        let mut files = Vec::new();
        for path in paths {
            if let Err(message) = collect_files(path, &mut files) {
                report.files_failed += 1;
                report.errors.push(ImportError {
                    file: path.clone(),
                    entry: None,
                    message,
                });
            }
        }
        // Bundles first, then NDJSON with patients before the records that point at them.
        files.sort_by_key(|path| (file_rank(path), path.clone()));
        for file in files {
            self.import_file(&file, &mut report).await;
        }
        let totals = report.totals();
        if totals.imported + totals.updated > 0
            && let Err(error) = self.db.refresh_statistics().await
        {
            // The rows are stored: the statistics only speed up the reads that follow.
            tracing::warn!(error = %format!("{error:#}"), "could not refresh the planner's statistics after the import");
        }
        report
    }

    /// Imports one `.json` bundle or `.ndjson` file into `report`.
    pub async fn import_file(&self, path: &Path, report: &mut ImportReport) {
        let result = if has_extension(path, "ndjson") {
            self.import_ndjson(path, report).await
        } else {
            match std::fs::read_to_string(path) {
                Ok(text) => {
                    report.bytes += text.len() as u64;
                    self.import_bundle_text(path, &text, report).await;
                    return;
                }
                Err(e) => Err(vec![file_error(path, format!("cannot be read: {e}"))]),
            }
        };
        record_result(result, report);
    }

    /// Imports a Bundle given as JSON text; `label` names it in errors.
    pub async fn import_bundle_text(&self, label: &Path, text: &str, report: &mut ImportReport) {
        let result = self.import_bundle(label, text).await;
        record_result(result, report);
    }

    async fn import_bundle(&self, path: &Path, text: &str) -> Result<FileCounts, Vec<ImportError>> {
        let bundle: BundleEnvelope<'_> = serde_json::from_str(text)
            .map_err(|e| vec![file_error(path, format!("is not valid JSON: {e}"))])?;
        if bundle.resource_type != "Bundle" {
            return Err(vec![file_error(
                path,
                format!("is a {}, not a Bundle", bundle.resource_type),
            )]);
        }
        let kind = bundle.kind.as_deref().unwrap_or("(none)");
        if !matches!(kind, "transaction" | "batch" | "collection" | "searchset") {
            return Err(vec![file_error(
                path,
                format!("is a Bundle of type '{kind}'; expected transaction or collection"),
            )]);
        }

        let mut errors = Vec::new();
        let mut entries = Vec::with_capacity(bundle.entry.len());
        for (index, entry) in bundle.entry.iter().enumerate() {
            let label = match &entry.full_url {
                Some(url) => format!("entry {index} ({url})"),
                None => format!("entry {index}"),
            };
            match self
                .reader
                .prepare(entry.resource.map(RawValue::get), entry.full_url.as_deref())
            {
                Ok(prepared) => entries.push((label, prepared)),
                Err(message) => errors.push(entry_error(path, label, message)),
            }
        }
        let by_full_url: HashMap<&str, (&str, &str)> = bundle
            .entry
            .iter()
            .zip(&entries)
            .filter_map(|(entry, (_, prepared))| {
                Some((
                    entry.full_url.as_deref()?,
                    (prepared.resource_type.as_str(), prepared.source_id.as_str()),
                ))
            })
            .collect();
        // Only a complete bundle can be checked for dangling references.
        if errors.is_empty() {
            for (label, prepared) in &entries {
                for reference in references(prepared.json) {
                    if reference.starts_with("urn:uuid:") && !by_full_url.contains_key(reference) {
                        errors.push(entry_error(
                            path,
                            label.clone(),
                            format!("dangling reference {reference}: no entry in this bundle has that fullUrl"),
                        ));
                    }
                }
            }
        }
        if !errors.is_empty() {
            errors.truncate(MAX_ERRORS_PER_FILE);
            return Err(errors);
        }

        let mut order: Vec<&(String, Prepared<'_>)> = entries.iter().collect();
        order.sort_by_key(|(_, prepared)| store_rank(&prepared.resource_type));
        let resolver = Resolver { by_full_url };
        let mut tx = self.db.begin().await.map_err(|e| unexpected(path, e))?;
        let mut counts = FileCounts::default();
        let mut ids = HashMap::new();
        for (label, prepared) in order {
            self.store(&mut tx, prepared, &resolver, &mut ids, &mut counts)
                .await
                .map_err(|e| vec![entry_error(path, label.clone(), e)])?;
        }
        self.finish(tx, path, &counts)
            .await
            .map_err(|e| unexpected(path, e))?;
        Ok(counts)
    }

    async fn import_ndjson(
        &self,
        path: &Path,
        report: &mut ImportReport,
    ) -> Result<FileCounts, Vec<ImportError>> {
        let file = std::fs::File::open(path)
            .map_err(|e| vec![file_error(path, format!("cannot be read: {e}"))])?;
        let resolver = Resolver::default();
        let mut tx = self.db.begin().await.map_err(|e| unexpected(path, e))?;
        let mut counts = FileCounts::default();
        let mut ids = HashMap::new();
        let mut errors = Vec::new();
        for (index, line) in std::io::BufReader::new(file).lines().enumerate() {
            let label = format!("line {}", index + 1);
            let line = match line {
                Ok(line) => line,
                Err(e) => {
                    errors.push(entry_error(path, label, format!("cannot be read: {e}")));
                    break;
                }
            };
            report.bytes += line.len() as u64 + 1;
            if line.trim().is_empty() {
                continue;
            }
            let prepared = match self.reader.prepare(Some(&line), None) {
                Ok(prepared) => prepared,
                Err(message) => {
                    errors.push(entry_error(path, label, message));
                    continue;
                }
            };
            if let Some(reference) = references(prepared.json)
                .into_iter()
                .find(|r| r.starts_with("urn:uuid:"))
            {
                errors.push(entry_error(
                    path,
                    label,
                    format!("dangling reference {reference}: NDJSON has no fullUrls to resolve it"),
                ));
                continue;
            }
            // After an error, keep reading only to report further errors; nothing is stored.
            if errors.is_empty()
                && let Err(message) = self
                    .store(&mut tx, &prepared, &resolver, &mut ids, &mut counts)
                    .await
            {
                errors.push(entry_error(path, label, message));
            }
            if errors.len() >= MAX_ERRORS_PER_FILE {
                break;
            }
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        self.finish(tx, path, &counts)
            .await
            .map_err(|e| unexpected(path, e))?;
        Ok(counts)
    }

    /// Stores one prepared resource in the file's transaction.
    async fn store(
        &self,
        tx: &mut Tx,
        prepared: &Prepared<'_>,
        resolver: &Resolver<'_>,
        ids: &mut HashMap<(String, String), Uuid>,
        counts: &mut FileCounts,
    ) -> Result<(), String> {
        let record = RecordId {
            organization: self.organization,
            source_id: &prepared.source_id,
            source_hash: &prepared.hash,
            resource: &prepared.stored,
        };
        let outcome = match &prepared.mapped {
            Mapped::Skipped => {
                counts.entry(&prepared.resource_type).skipped += 1;
                return Ok(());
            }
            Mapped::Patient(chart) => {
                let (id, outcome) = tx
                    .upsert_patient(&record, chart)
                    .await
                    .map_err(|e| format!("could not be stored: {e:#}"))?;
                ids.insert(
                    ("Patient".to_owned(), prepared.source_id.clone()),
                    id.as_uuid(),
                );
                if outcome != Outcome::Unchanged {
                    counts.patients_changed.push(id);
                }
                outcome
            }
            Mapped::Directory { name } => tx
                .upsert_directory(&record, &prepared.resource_type, name)
                .await
                .map_err(|e| format!("could not be stored: {e:#}"))?,
            Mapped::Clinical {
                record: clinical,
                patient_refs,
                encounter_ref,
            } => {
                let patient = self
                    .resolve_patient(tx, patient_refs, resolver, ids)
                    .await?;
                let encounter = match encounter_ref {
                    Some(reference) => {
                        let (rtype, source_id) = resolver.resolve(reference);
                        self.lookup(tx, ids, rtype, &source_id).await?
                    }
                    None => None,
                };
                let (id, outcome) = tx
                    .upsert_clinical(&record, patient, encounter, clinical)
                    .await
                    .map_err(|e| format!("could not be stored: {e:#}"))?;
                match clinical {
                    ClinicalRecord::Encounter(_) => {
                        ids.insert(("Encounter".to_owned(), prepared.source_id.clone()), id);
                    }
                    // What the report lists, by the listed results' ids in the source system.
                    ClinicalRecord::DiagnosticReport(report) if outcome != Outcome::Unchanged => {
                        let listed: Vec<String> = report
                            .results
                            .iter()
                            .filter_map(|reference| match resolver.resolve(reference) {
                                ("Observation", source_id) => Some(source_id),
                                // A `urn:uuid:` outside this bundle: the id it holds.
                                ("", _) => Some(source_id_of_reference(reference)),
                                _ => None,
                            })
                            .filter(|source_id| !source_id.is_empty())
                            .collect();
                        let name = report.code.display.as_deref();
                        tx.link_report_results(self.organization, patient, id, name, &listed)
                            .await
                            .map_err(|e| format!("could not be stored: {e:#}"))?;
                    }
                    ClinicalRecord::Observation(observation)
                        if outcome == Outcome::Inserted
                            && matches!(
                                observation.category.as_deref(),
                                Some("laboratory" | "vital-signs")
                            ) =>
                    {
                        *counts.results_added.entry(patient).or_default() += 1;
                    }
                    _ => {}
                }
                // Only new rows are new results: an update or a repeat is not news.
                if outcome == Outcome::Inserted
                    && matches!(
                        prepared.resource_type.as_str(),
                        "Observation" | "DiagnosticReport"
                    )
                    && !counts.new_results_for.contains(&patient)
                {
                    counts.new_results_for.push(patient);
                }
                outcome
            }
        };
        let entry = counts.entry(&prepared.resource_type);
        match outcome {
            Outcome::Inserted => entry.imported += 1,
            Outcome::Updated => entry.updated += 1,
            Outcome::Unchanged => entry.unchanged += 1,
        }
        Ok(())
    }

    /// The patient a record belongs to: the first reference that names a Patient.
    async fn resolve_patient(
        &self,
        tx: &mut Tx,
        references: &[String],
        resolver: &Resolver<'_>,
        ids: &mut HashMap<(String, String), Uuid>,
    ) -> Result<PatientId, String> {
        let mut wrong_type = None;
        for reference in references {
            let (rtype, source_id) = resolver.resolve(reference);
            if rtype != "Patient" {
                wrong_type.get_or_insert((reference, rtype));
                continue;
            }
            return match self.lookup(tx, ids, rtype, &source_id).await? {
                Some(id) => Ok(PatientId::from_uuid(id)),
                None => Err(format!(
                    "refers to {reference}, a patient that is neither in this file nor imported before"
                )),
            };
        }
        Err(match wrong_type {
            Some((reference, rtype)) => {
                format!("refers to {reference}, which is a {rtype}; expected a Patient")
            }
            None => "names no patient".to_owned(),
        })
    }

    async fn lookup(
        &self,
        tx: &mut Tx,
        ids: &mut HashMap<(String, String), Uuid>,
        rtype: &str,
        source_id: &str,
    ) -> Result<Option<Uuid>, String> {
        let key = (rtype.to_owned(), source_id.to_owned());
        if let Some(id) = ids.get(&key) {
            return Ok(Some(*id));
        }
        let found = tx
            .find_by_source(self.organization, rtype, source_id)
            .await
            .map_err(|e| format!("lookup of {rtype}/{source_id} failed: {e:#}"))?;
        if let Some(id) = found {
            ids.insert(key, id);
        }
        Ok(found)
    }

    /// Audits what the file changed and commits.
    async fn finish(&self, mut tx: Tx, path: &Path, counts: &FileCounts) -> anyhow::Result<()> {
        // At most one email per patient per file, queued with the rows (an outbox).
        tx.queue_new_result_emails(self.organization, &counts.new_results_for)
            .await?;
        for (patient, added) in &counts.results_added {
            tx.count_new_results(self.organization, *patient, *added)
                .await?;
        }
        for patient in &counts.patients_changed {
            tx.append_audit(&AuditEntry {
                organization: Some(self.organization),
                actor: AuditActor::System("import".to_owned()),
                action: "patient.import".to_owned(),
                patient: Some(*patient),
                subject: Some("Patient".to_owned()),
                client_addr: None,
                request_id: None,
                detail: None,
            })
            .await?;
        }
        let total = counts
            .by_type
            .values()
            .fold(Counts::default(), |mut acc, c| {
                acc.add(*c);
                acc
            });
        tx.append_audit(&AuditEntry {
            organization: Some(self.organization),
            actor: AuditActor::System("import".to_owned()),
            action: "import.file".to_owned(),
            patient: None,
            subject: path.file_name().map(|n| n.to_string_lossy().into_owned()),
            client_addr: None,
            request_id: None,
            detail: Some(format!(
                "imported {} updated {} unchanged {} skipped {}",
                total.imported, total.updated, total.unchanged, total.skipped
            )),
        })
        .await?;
        tx.commit().await
    }
}

#[derive(Deserialize)]
struct BundleEnvelope<'a> {
    #[serde(rename = "resourceType")]
    resource_type: String,
    #[serde(rename = "type")]
    kind: Option<String>,
    #[serde(default, borrow)]
    entry: Vec<BundleEntry<'a>>,
}

#[derive(Deserialize)]
struct BundleEntry<'a> {
    #[serde(rename = "fullUrl")]
    full_url: Option<String>,
    #[serde(borrow)]
    resource: Option<&'a RawValue>,
}

#[derive(Deserialize)]
struct ResourceHead {
    #[serde(rename = "resourceType")]
    resource_type: Option<String>,
    id: Option<String>,
}

struct Prepared<'j> {
    resource_type: String,
    source_id: String,
    hash: String,
    /// The resource as given.
    json: &'j str,
    /// The resource as stored: a Patient loses its SSN.
    stored: Cow<'j, str>,
    mapped: Mapped,
}

/// The Patient's JSON without SSN identifiers (type `SS` or the US SSN system).
fn without_ssn(json: &str) -> Result<String, String> {
    let mut patient: serde_json::Value =
        serde_json::from_str(json).map_err(|e| format!("is not a FHIR resource: {e}"))?;
    if let Some(identifiers) = patient.get_mut("identifier").and_then(|i| i.as_array_mut()) {
        identifiers.retain(|identifier| {
            let system = identifier.get("system").and_then(|s| s.as_str());
            let is_ssn_type = identifier
                .pointer("/type/coding")
                .and_then(|c| c.as_array())
                .is_some_and(|codings| {
                    codings
                        .iter()
                        .any(|c| c.get("code").and_then(|c| c.as_str()) == Some("SS"))
                });
            !(is_ssn_type || system == Some("http://hl7.org/fhir/sid/us-ssn"))
        });
    }
    Ok(patient.to_string())
}

/// Turns references into (resource type, source id): `urn:uuid:` through the bundle's
/// fullUrls, `Type/id` directly.
#[derive(Default)]
struct Resolver<'a> {
    by_full_url: HashMap<&'a str, (&'a str, &'a str)>,
}

impl Resolver<'_> {
    fn resolve<'r>(&'r self, reference: &'r str) -> (&'r str, String) {
        if let Some((rtype, id)) = self.by_full_url.get(reference) {
            return (rtype, (*id).to_owned());
        }
        let path = reference.split(['?', '#']).next().unwrap_or(reference);
        let mut parts = path.rsplit('/');
        let id = parts.next().unwrap_or("");
        let rtype = parts.next().unwrap_or("");
        (rtype, id.to_owned())
    }
}

#[derive(Default)]
struct FileCounts {
    by_type: BTreeMap<String, Counts>,
    patients_changed: Vec<PatientId>,
    /// The patients this file added results (observations or reports) to.
    new_results_for: Vec<PatientId>,
    /// How many laboratory results and vital signs this file added to each patient's chart.
    results_added: BTreeMap<PatientId, i64>,
}

impl FileCounts {
    fn entry(&mut self, resource_type: &str) -> &mut Counts {
        self.by_type.entry(resource_type.to_owned()).or_default()
    }
}

fn record_result(result: Result<FileCounts, Vec<ImportError>>, report: &mut ImportReport) {
    match result {
        Ok(counts) => {
            report.files_imported += 1;
            for (rtype, c) in counts.by_type {
                report.counts.entry(rtype).or_default().add(c);
            }
        }
        Err(errors) => {
            report.files_failed += 1;
            report.errors.extend(errors);
        }
    }
}

/// The `.json` and `.ndjson` files under `paths`, in the order an import reads them.
pub fn import_files(paths: &[PathBuf]) -> Result<Vec<PathBuf>, String> {
    let mut files = Vec::new();
    for path in paths {
        collect_files(path, &mut files).map_err(|e| format!("{}: {e}", path.display()))?;
    }
    files.sort_by_key(|path| (file_rank(path), path.clone()));
    Ok(files)
}

fn collect_files(path: &Path, files: &mut Vec<PathBuf>) -> Result<(), String> {
    let metadata = std::fs::metadata(path).map_err(|e| format!("cannot be read: {e}"))?;
    if metadata.is_file() {
        if !(has_extension(path, "json") || has_extension(path, "ndjson")) {
            return Err("is neither a .json Bundle nor an .ndjson file".to_owned());
        }
        files.push(path.to_owned());
        return Ok(());
    }
    let entries = std::fs::read_dir(path).map_err(|e| format!("cannot be listed: {e}"))?;
    for entry in entries {
        let entry = entry.map_err(|e| format!("cannot be listed: {e}"))?;
        let child = entry.path();
        if child.is_dir() {
            collect_files(&child, files)?;
        } else if has_extension(&child, "json") || has_extension(&child, "ndjson") {
            files.push(child);
        }
    }
    Ok(())
}

/// The first control character a JSON text holds once read (written raw or as a `\\u`
/// escape), other than tab, line feed and carriage return. Raw C0 characters cannot stand in
/// JSON strings (the reader refuses them), but DEL and C1 can, and escapes of all of them.
fn control_character(json: &str) -> Option<char> {
    let refused = |c: char| c.is_control() && !matches!(c, '\t' | '\n' | '\r');
    let mut chars = json.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            // Any other escape (`\\`, `\"`, `\n`...) is one character: skipped whole.
            if chars.next() == Some('u') {
                let hex: String = chars.by_ref().take(4).collect();
                let escaped = u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32);
                if let Some(escaped) = escaped.filter(|c| refused(*c)) {
                    return Some(escaped);
                }
            }
        } else if refused(c) {
            return Some(c);
        }
    }
    None
}

fn has_extension(path: &Path, extension: &str) -> bool {
    path.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case(extension))
}

/// Bundles first; then NDJSON files named after patients, encounters, and the rest.
fn file_rank(path: &Path) -> u8 {
    if !has_extension(path, "ndjson") {
        return 0;
    }
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    if name.starts_with("patient") {
        1
    } else if name.starts_with("encounter") {
        2
    } else if name.starts_with("claim") {
        3
    } else {
        4
    }
}

/// Within a bundle: patients, then encounters, then everything that points at them.
fn store_rank(resource_type: &str) -> u8 {
    match resource_type {
        "Patient" => 0,
        "Encounter" => 1,
        _ => 2,
    }
}

fn file_error(path: &Path, message: String) -> ImportError {
    ImportError {
        file: path.to_owned(),
        entry: None,
        message,
    }
}

fn entry_error(path: &Path, entry: String, message: String) -> ImportError {
    ImportError {
        file: path.to_owned(),
        entry: Some(entry),
        message,
    }
}

fn unexpected(path: &Path, error: anyhow::Error) -> Vec<ImportError> {
    vec![file_error(path, format!("could not be stored: {error:#}"))]
}

#[cfg(test)]
mod tests {
    use super::control_character;

    #[test]
    fn control_characters_are_found_raw_or_escaped_but_not_in_escaped_backslashes() {
        assert_eq!(control_character(r#"{"name":"Lucia"}"#), None);
        assert_eq!(
            control_character("{\n\t\"text\":\"two\\nlines\\ttab\"}"),
            None
        );
        assert_eq!(control_character(r#"{"name":"Lu\u0000cia"}"#), Some('\0'));
        assert_eq!(
            control_character(r#"{"name":"x\u001B[31m"}"#),
            Some('\u{1b}')
        );
        assert_eq!(control_character("{\"name\":\"x\u{7f}\"}"), Some('\u{7f}'));
        assert_eq!(control_character("{\"name\":\"x\u{85}\"}"), Some('\u{85}'));
        assert_eq!(
            control_character(r#"{"path":"C:\\u0000dir"}"#),
            None,
            "a backslash written as \\\\ then u0000 is text"
        );
        assert_eq!(control_character(r#"{"name":"Jos\u00e9"}"#), None);
    }
}
