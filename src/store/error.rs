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

/// SQLSTATEs that mean "this connection or server cannot serve now", not "your data is bad":
/// read-only transaction (a demoted primary), shutdown, too many connections, lock timeouts.
const PG_TRANSIENT_STATES: &[&str] = &[
    "25006", "57P01", "57P02", "57P03", "53300", "08000", "08003", "08006", "40001", "40P01",
    "55P03", "57014",
];

/// SQLite's busy and locked result codes (primary codes 5 and 6, any extended code).
fn sqlite_is_busy(code: &str) -> bool {
    code.parse::<i32>()
        .map(|c| matches!(c & 0xff, 5 | 6))
        .unwrap_or(false)
}

impl From<sqlx::Error> for StoreError {
    fn from(err: sqlx::Error) -> Self {
        match err {
            sqlx::Error::Database(db) => {
                let code = db.code().map(|c| c.into_owned()).unwrap_or_default();
                let name = db.constraint().unwrap_or("").to_owned();
                match db.kind() {
                    ErrorKind::UniqueViolation => StoreError::Conflict(if name.is_empty() {
                        db.message().to_owned()
                    } else {
                        name
                    }),
                    ErrorKind::CheckViolation
                    | ErrorKind::ForeignKeyViolation
                    | ErrorKind::NotNullViolation => StoreError::Invalid(db.message().to_owned()),
                    _ if PG_TRANSIENT_STATES.contains(&code.as_str()) || sqlite_is_busy(&code) => {
                        StoreError::Unavailable(db.message().to_owned())
                    }
                    _ => StoreError::Internal(format!("{} ({code})", db.message())),
                }
            }
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
