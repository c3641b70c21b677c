//! `StoreError`: what went wrong in storage, classified so that callers can answer with the
//! contract's codes (conflict, unavailable, ...) without looking at SQL errors.

use sqlx::error::ErrorKind;

#[derive(Clone, Debug, thiserror::Error)]
pub enum StoreError {
    /// A uniqueness rule refused the write; names the constraint.
    #[error("conflict on {0}")]
    Conflict(String),
    /// A check, foreign key or not-null rule refused the write.
    #[error("invalid data: {0}")]
    Invalid(String),
    /// The database cannot be reached or refuses writes for now: retry later.
    #[error("database unavailable: {0}")]
    Unavailable(String),
    /// Anything else: a bug or a schema mismatch.
    #[error("storage error: {0}")]
    Internal(String),
}

impl StoreError {
    pub fn is_unavailable(&self) -> bool {
        matches!(self, StoreError::Unavailable(_))
    }
}

/// Postgres SQLSTATEs that mean "this connection or server cannot serve now", not "your data is
/// bad": read-only transaction (a demoted primary), serialization failures and deadlocks, lock
/// timeouts, cancelled statements. Whole classes too: 08 (connection), 53 (resources), 57P
/// (shutdown, crash recovery).
const PG_TRANSIENT_STATES: &[&str] = &["25006", "40001", "40P01", "55P03", "57014"];

fn pg_is_transient(code: &str) -> bool {
    PG_TRANSIENT_STATES.contains(&code)
        || code.starts_with("08")
        || code.starts_with("53")
        || code.starts_with("57P")
}

/// Postgres data exceptions (class 22: a NUL byte, bad encoding, a value out of range): the
/// row's own fault, never the database's state.
fn pg_is_bad_value(code: &str) -> bool {
    code.starts_with("22")
}

/// SQLite's busy and locked result codes (primary codes 5 and 6, any extended code).
fn sqlite_is_busy(code: &str) -> bool {
    code.parse::<i32>()
        .map(|c| matches!(c & 0xff, 5 | 6))
        .unwrap_or(false)
}

/// How a database's own error is classed. Each backend's codes are read as that backend's:
/// Postgres SQLSTATEs are text like `22021`, SQLite result codes are numbers, and one must
/// never be read as the other (SQLSTATE 22021, a NUL byte, is SQLite's "busy" as a number).
fn classify(db: &dyn sqlx::error::DatabaseError) -> StoreError {
    let code = db.code().map(|c| c.into_owned()).unwrap_or_default();
    let name = db.constraint().unwrap_or("").to_owned();
    let postgres = db
        .try_downcast_ref::<sqlx::postgres::PgDatabaseError>()
        .is_some();
    match db.kind() {
        ErrorKind::UniqueViolation => StoreError::Conflict(if name.is_empty() {
            db.message().to_owned()
        } else {
            name
        }),
        ErrorKind::CheckViolation
        | ErrorKind::ForeignKeyViolation
        | ErrorKind::NotNullViolation => StoreError::Invalid(db.message().to_owned()),
        _ if postgres && pg_is_bad_value(&code) => {
            StoreError::Invalid(format!("{} ({code})", db.message()))
        }
        _ if postgres && pg_is_transient(&code) => StoreError::Unavailable(db.message().to_owned()),
        _ if !postgres && sqlite_is_busy(&code) => StoreError::Unavailable(db.message().to_owned()),
        _ => StoreError::Internal(format!("{} ({code})", db.message())),
    }
}

impl From<sqlx::Error> for StoreError {
    fn from(err: sqlx::Error) -> Self {
        match err {
            sqlx::Error::Database(db) => classify(db.as_ref()),
            sqlx::Error::Io(_)
            | sqlx::Error::Tls(_)
            | sqlx::Error::Protocol(_)
            | sqlx::Error::PoolTimedOut
            | sqlx::Error::PoolClosed
            | sqlx::Error::WorkerCrashed => StoreError::Unavailable(err.to_string()),
            other => StoreError::Internal(other.to_string()),
        }
    }
}

impl From<sqlx::migrate::MigrateError> for StoreError {
    fn from(err: sqlx::migrate::MigrateError) -> Self {
        match err {
            sqlx::migrate::MigrateError::Execute(inner) => inner.into(),
            other => StoreError::Internal(format!("migration failed: {other}")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn postgres_codes_are_read_as_postgres_codes() {
        // 22021 is a NUL byte in text; as a number it would look like SQLite's busy (5).
        assert!(pg_is_bad_value("22021"));
        assert!(!pg_is_transient("22021"));
        assert!(sqlite_is_busy("22021"), "what the old code mistook it for");
        for transient in [
            "08006", "53300", "57P01", "40001", "40P01", "55P03", "25006",
        ] {
            assert!(pg_is_transient(transient), "{transient}");
        }
        assert!(sqlite_is_busy("5") && sqlite_is_busy("517") && !sqlite_is_busy("19"));
    }
}
