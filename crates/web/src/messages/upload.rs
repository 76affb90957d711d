//! A message form as a browser sends it when it carries files (`multipart/form-data`): its
//! text fields and up to [`MOST_FILES`] attachments, each read no further than the
//! practice's limit and checked by its content (never by its name or the type the browser
//! claims).

use std::collections::HashMap;

use axum::extract::{Multipart, multipart::Field};
use domain::messaging::{AttachmentError, check_attachment};
use storage::{NewAttachment, tidy_file_name};

/// The most files one message carries.
pub(crate) const MOST_FILES: usize = 3;

/// The largest body a message form may have: three files at the largest limit a practice may
/// set, and the text.
pub(crate) const MOST_BODY_BYTES: usize = MOST_FILES * 20 * 1024 * 1024 + 256 * 1024;

/// The longest text field kept (a message body is at most 5,000 characters).
const MOST_FIELD_BYTES: usize = 64 * 1024;

/// What is wrong with the files sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum UploadProblem {
    /// A file (by its name as sent) cannot be attached.
    File {
        name: String,
        error: AttachmentError,
    },
    TooManyFiles,
    /// The form could not be read (cut short, not multipart, a field too long).
    Unreadable,
}

/// A message form: text fields by name, and the files checked.
#[derive(Debug, Default)]
pub(crate) struct MessageForm {
    pub(crate) fields: HashMap<String, String>,
    pub(crate) files: Vec<NewAttachment>,
}

impl MessageForm {
    pub(crate) fn field(&self, name: &str) -> &str {
        self.fields.get(name).map_or("", String::as_str)
    }
}

/// Reads a field's bytes, stopping as soon as there are more than `limit`: `None` then.
async fn read_capped(field: &mut Field<'_>, limit: usize) -> Result<Option<Vec<u8>>, ()> {
    let mut bytes = Vec::new();
    while let Some(chunk) = field.chunk().await.map_err(|_| ())? {
        if bytes.len() + chunk.len() > limit {
            return Ok(None);
        }
        bytes.extend_from_slice(&chunk);
    }
    Ok(Some(bytes))
}

/// Reads the form. Files are fields named `files`; an empty one (nothing chosen) is skipped.
/// Answers what was read, and the first problem with the files: the text fields after a
/// refused file are still read, so that the page can show again what was typed.
pub(crate) async fn read(
    mut multipart: Multipart,
    max_file_bytes: usize,
) -> (MessageForm, Option<UploadProblem>) {
    let mut form = MessageForm::default();
    let mut problem = None;
    loop {
        let mut field = match multipart.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => break,
            Err(_) => return (form, Some(UploadProblem::Unreadable)),
        };
        let name = field.name().unwrap_or_default().to_owned();
        if name != "files" {
            let text = match read_capped(&mut field, MOST_FIELD_BYTES).await {
                Ok(Some(bytes)) => String::from_utf8(bytes).ok(),
                Ok(None) | Err(()) => None,
            };
            let Some(text) = text else {
                return (form, Some(UploadProblem::Unreadable));
            };
            form.fields.insert(name, text);
            continue;
        }
        if problem.is_some() {
            // One problem is told at a time; the files after it are not read.
            continue;
        }
        let file_name = field.file_name().unwrap_or_default().to_owned();
        let bytes = match read_capped(&mut field, max_file_bytes).await {
            Ok(bytes) => bytes,
            Err(()) => return (form, Some(UploadProblem::Unreadable)),
        };
        let checked = match bytes {
            None => Err(UploadProblem::File {
                name: file_name.clone(),
                error: AttachmentError::TooLarge {
                    max_kb: max_file_bytes / 1024,
                },
            }),
            Some(bytes) if bytes.is_empty() && file_name.is_empty() => continue,
            Some(_) if form.files.len() == MOST_FILES => Err(UploadProblem::TooManyFiles),
            Some(bytes) => check_attachment(&bytes, max_file_bytes)
                .map(|kind| NewAttachment {
                    file_name: tidy_file_name(&file_name, kind),
                    kind,
                    content: bytes,
                })
                .map_err(|error| UploadProblem::File {
                    name: file_name.clone(),
                    error,
                }),
        };
        match checked {
            Ok(file) => form.files.push(file),
            Err(refused) => problem = Some(refused),
        }
    }
    (form, problem)
}
