//! Where a target's recording lives: one file per monitored database under
//! `$XDG_STATE_HOME/hypertop/record/`, named from host, port and database. The names come from
//! whoever wrote the connection settings or the database's name: only plain characters reach
//! the file name, and a hash of the whole tells apart names that read alike.

use super::error::{io, Doing, RecordError};
use std::path::{Path, PathBuf};

/// The folder of every recording (None without a home directory).
pub fn record_dir() -> Option<PathBuf> {
    crate::paths::state_dir().map(|d| d.join("record"))
}

/// The recording of the target `r` (None without a home directory).
pub fn file_for(r: &crate::conninfo::Resolved) -> Option<PathBuf> {
    Some(file_in(&record_dir()?, r.host(), r.port(), r.dbname()))
}

/// The file of the database `dbname` at `host`:`port` in `dir` (pure).
pub fn file_in(dir: &Path, host: &str, port: &str, dbname: &str) -> PathBuf {
    let part = |s: &str| -> String {
        let clean: String = s
            .chars()
            .map(|c| match c {
                'a'..='z' | 'A'..='Z' | '0'..='9' | '-' | '_' | '.' => c,
                _ => '_',
            })
            .take(40)
            .collect();
        // never `.` nor `..`, nor a hidden file
        clean.trim_start_matches('.').to_string()
    };
    // \0 cannot be in any of them: the three are told apart whatever they hold
    let whole = format!("{host}\0{port}\0{dbname}");
    let hash = crate::hash::fnv1a(whole.as_bytes());
    dir.join(format!(
        "{}_{}_{}-{:012x}.sqlite",
        part(host),
        part(port),
        part(dbname),
        hash & 0xffff_ffff_ffff
    ))
}

/// Makes `dir` (and what is missing above it) the owner's only: a recording names servers and
/// holds what their catalogs and sessions showed.
pub fn make_private_dir(dir: &Path) -> Result<(), RecordError> {
    use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .map_err(io(dir, Doing::Create))?;
    let meta = std::fs::metadata(dir).map_err(io(dir, Doing::Read))?;
    if meta.permissions().mode() & 0o077 != 0 {
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
            .map_err(io(dir, Doing::MakePrivate))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn odd_names_stay_in_the_folder_and_apart() {
        let dir = Path::new("/state/record");
        let f = file_in(dir, "db1.example", "5432", "metrics");
        assert_eq!(f.parent(), Some(dir));
        assert!(f
            .file_name()
            .unwrap()
            .to_str()
            .unwrap()
            .starts_with("db1.example_5432_metrics-"));
        for evil in [
            "../../etc/passwd",
            "..",
            "a/b",
            "x\0y",
            "\u{202e}txt",
            ".hidden",
        ] {
            let f = file_in(dir, "/var/run/postgresql", "5432", evil);
            assert_eq!(f.parent(), Some(dir), "{evil:?}");
            let name = f.file_name().unwrap().to_str().unwrap();
            assert!(
                name.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c)),
                "{name}"
            );
            assert!(!name.starts_with('.'), "{name}");
        }
        // names that clean up alike are still two files
        assert_ne!(file_in(dir, "h", "1", "a/b"), file_in(dir, "h", "1", "a_b"));
        assert_ne!(file_in(dir, "h", "1", "ab"), file_in(dir, "h", "1a", "b"));
        assert_eq!(file_in(dir, "h", "1", "a"), file_in(dir, "h", "1", "a"));
        let long = "x".repeat(5000);
        assert!(file_in(dir, &long, "1", &long).as_os_str().len() < 200);
    }
}
