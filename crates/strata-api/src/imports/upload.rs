//! Receiving an upload: a `multipart/form-data` body's `file` part, or a raw body, streamed to
//! a temporary file chunk by chunk (an import reads its file twice, and files may be larger
//! than memory).

use std::path::Path;

use axum::extract::{FromRequest, Multipart, Request};
use axum::http::header;
use futures_util::StreamExt;
use tokio::io::AsyncWriteExt;

use super::Sessions;
use crate::ApiError;

/// The largest upload accepted.
pub const MAX_UPLOAD_BYTES: u64 = 4 << 30;

/// An uploaded file, spooled.
pub struct Upload {
    /// The temporary file, deleted when dropped.
    pub file: tempfile::TempPath,
    /// The file's name as the client gave it.
    pub name: String,
}

/// Spools `request`'s file, if `sessions` have room for it. `name` (the query's) names a raw
/// body and overrides a part's name.
pub async fn receive(request: Request, name: Option<String>, sessions: &Sessions) -> Result<Upload, ApiError> {
    let room = sessions.room()?;
    let length = request.headers().get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
    if length.is_some_and(|length| length > MAX_UPLOAD_BYTES) {
        return Err(too_large());
    }
    if length.is_some_and(|length| length > room) {
        return Err(sessions.full());
    }
    let multipart = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim_start().to_ascii_lowercase().starts_with("multipart/form-data"));
    if !multipart {
        let name = name.ok_or_else(|| {
            ApiError::bad_parameter("name", "a raw upload needs ?name=file.csv (its extension tells the format)")
        })?;
        let mut spool = Spool::new(&name, sessions, room).await?;
        let mut body = request.into_body().into_data_stream();
        while let Some(chunk) = body.next().await {
            spool.write(&chunk.map_err(|err| ApiError::bad_parameter("body", err))?).await?;
        }
        return spool.finish(name).await;
    }
    let mut form = Multipart::from_request(request, &()).await.map_err(|err| ApiError::bad_parameter("body", err))?;
    while let Some(mut field) = form.next_field().await.map_err(|err| ApiError::bad_parameter("body", err))? {
        if field.name() != Some("file") {
            continue;
        }
        let name = name.or_else(|| field.file_name().map(str::to_string)).unwrap_or_else(|| "upload".into());
        let mut spool = Spool::new(&name, sessions, room).await?;
        while let Some(chunk) = field.chunk().await.map_err(|err| ApiError::bad_parameter("file", err))? {
            spool.write(&chunk).await?;
        }
        return spool.finish(name).await;
    }
    Err(ApiError::bad_parameter("file", "the form has no part named `file`; send the spreadsheet in one"))
}

fn too_large() -> ApiError {
    ApiError::too_large(format!(
        "the upload is larger than {} GiB, the most Strata accepts; split the file, or import it with `strata import`",
        MAX_UPLOAD_BYTES >> 30
    ))
}

/// A temporary file being written.
struct Spool {
    file: tokio::fs::File,
    path: tempfile::TempPath,
    written: u64,
    /// Whose budget it spools within, and how much of it was left.
    sessions: Sessions,
    room: u64,
}

impl Spool {
    /// A temporary file with `name`'s extension, which the import reads to tell the format.
    async fn new(name: &str, sessions: &Sessions, room: u64) -> Result<Spool, ApiError> {
        let extension = Path::new(name)
            .extension()
            .and_then(|e| e.to_str())
            .filter(|e| e.len() <= 8 && e.bytes().all(|b| b.is_ascii_alphanumeric()))
            .map(|e| format!(".{e}"))
            .unwrap_or_default();
        let (file, path) = tempfile::Builder::new()
            .prefix("strata-import-")
            .suffix(&extension)
            .tempfile()
            .map_err(|err| ApiError::internal(format!("creating a temporary file for an upload: {err}")))?
            .into_parts();
        Ok(Spool { file: tokio::fs::File::from_std(file), path, written: 0, sessions: sessions.clone(), room })
    }

    async fn write(&mut self, chunk: &[u8]) -> Result<(), ApiError> {
        self.written += chunk.len() as u64;
        if self.written > MAX_UPLOAD_BYTES {
            return Err(too_large());
        }
        if self.written > self.room {
            return Err(self.sessions.full());
        }
        self.file.write_all(chunk).await.map_err(|err| ApiError::internal(format!("spooling an upload: {err}")))
    }

    async fn finish(mut self, name: String) -> Result<Upload, ApiError> {
        self.file.flush().await.map_err(|err| ApiError::internal(format!("spooling an upload: {err}")))?;
        Ok(Upload { file: self.path, name })
    }
}
