//! Opening the database, migrations, and transactions.

use crate::StoreError;
use crate::generation::Generation;
use rusqlite::{Connection, TransactionBehavior};
use std::path::{Path, PathBuf};
use std::time::Duration;

const MIGRATIONS: &[&str] = &[
    include_str!("../migrations/001_init.sql"),
    include_str!("../migrations/002_usage.sql"),
];

/// The project's state: a SQLite connection plus the code directory.
pub struct Store {
    conn: Connection,
    dir: PathBuf,
    generation: Generation,
}

/// A write transaction; dropped without [`Tx::commit`] it rolls back.
pub struct Tx<'a> {
    pub(crate) tx: rusqlite::Transaction<'a>,
    generation: &'a Generation,
}

impl Store {
    /// Opens (creating if needed) the store in `dir` (usually `.portico/`).
    pub fn open(dir: &Path) -> Result<Store, StoreError> {
        std::fs::create_dir_all(dir).map_err(|e| StoreError::io(dir, e))?;
        let conn = Connection::open(dir.join("state.db"))?;
        // Two processes (the server and a CLI command) share the file: WAL lets
        // readers run beside one writer, the busy timeout makes writers queue.
        conn.busy_timeout(Duration::from_secs(10))?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        let mut store = Store {
            conn,
            dir: dir.to_path_buf(),
            generation: Generation::open(dir)?,
        };
        store.migrate()?;
        Ok(store)
    }

    fn migrate(&mut self) -> Result<(), StoreError> {
        // BEGIN IMMEDIATE: two processes starting at once must not both migrate.
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let current: i64 = tx.query_row("PRAGMA user_version", [], |r| r.get(0))?;
        for (i, sql) in MIGRATIONS.iter().enumerate().skip(current as usize) {
            tx.execute_batch(sql)?;
            tx.pragma_update(None, "user_version", (i + 1) as i64)?;
        }
        tx.commit()?;
        Ok(())
    }

    /// The directory holding the database and the code blobs.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Starts a write transaction (`BEGIN IMMEDIATE`, so it never fails
    /// half-way on a lock upgrade).
    pub fn write(&mut self) -> Result<Tx<'_>, StoreError> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        Ok(Tx {
            tx,
            generation: &self.generation,
        })
    }

    /// A read-only view; reads run in their own implicit transactions.
    pub fn read(&mut self) -> Result<Tx<'_>, StoreError> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Deferred)?;
        Ok(Tx {
            tx,
            generation: &self.generation,
        })
    }

    /// The store's change counter, shared with every process that opens
    /// it: a long-lived server compares it with the value its caches were
    /// built at, without touching SQLite (or this connection's lock).
    pub fn generation(&self) -> Generation {
        self.generation.clone()
    }
}

impl Tx<'_> {
    /// Makes every change of this transaction durable at once.
    pub fn commit(self) -> Result<(), StoreError> {
        self.tx.commit()?;
        self.generation.bump();
        Ok(())
    }

    /// Commits without moving the change counter: for writes that no
    /// cache depends on (API key usage counts and the event queue, both
    /// read from SQLite each time), so that they do not make every cache
    /// reload.
    pub fn commit_quiet(self) -> Result<(), StoreError> {
        self.tx.commit()?;
        Ok(())
    }
}
