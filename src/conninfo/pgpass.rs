//! `~/.pgpass`: `hostname:port:database:username:password`, `*` wildcards, `\:` and `\\` escapes.

use std::path::Path;

/// What to look up: the first matching line wins, as in libpq.
pub struct Lookup<'a> {
    pub host: &'a str,
    pub port: &'a str,
    pub dbname: &'a str,
    pub user: &'a str,
}

/// Splits one line into its five fields, honouring backslash escapes.
fn fields(line: &str) -> Option<Vec<String>> {
    let mut out = vec![String::new()];
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.last_mut()?.push(chars.next().unwrap_or('\\')),
            ':' if out.len() < 5 => out.push(String::new()),
            c => out.last_mut()?.push(c),
        }
    }
    (out.len() == 5).then_some(out)
}

/// The password for `lookup` in the text of a pgpass file.
pub fn find(text: &str, lookup: &Lookup<'_>) -> Option<String> {
    // A Unix-socket host (an absolute path) matches the entry "localhost", as in libpq.
    let host = if lookup.host.starts_with('/') || lookup.host.is_empty() {
        "localhost"
    } else {
        lookup.host
    };
    let wanted = [host, lookup.port, lookup.dbname, lookup.user];
    text.lines()
        .filter(|l| !l.trim_start().starts_with('#') && !l.trim().is_empty())
        .filter_map(fields)
        .find(|f| {
            f.iter()
                .zip(wanted.iter())
                .all(|(pat, val)| pat == "*" || pat == val)
        })
        .map(|f| f[4].clone())
}

/// Outcome of reading the file: a password, nothing, or a warning (permissions) to show.
pub enum FileLookup {
    Found(String),
    NotFound,
    Ignored(String),
}

/// Reads `path` and looks up a password, refusing files others can read (libpq's rule).
pub fn lookup_file(path: &Path, lookup: &Lookup<'_>) -> FileLookup {
    let Ok(meta) = std::fs::metadata(path) else {
        return FileLookup::NotFound;
    };
    if !meta.is_file() {
        return FileLookup::NotFound;
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = meta.permissions().mode();
        if mode & 0o077 != 0 {
            return FileLookup::Ignored(format!(
                "WARNING: password file \"{}\" has group or world access; permissions should be u=rw (0600) or less",
                path.display()
            ));
        }
    }
    match std::fs::read_to_string(path) {
        Ok(text) => find(&text, lookup).map_or(FileLookup::NotFound, FileLookup::Found),
        Err(_) => FileLookup::NotFound,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: &str = "\
# comment
db1.example.com:5432:sales:alice:first
*:5432:*:bob:wild\\:card\\\\x
localhost:*:*:carol:socketpw
*:*:*:*:fallback
";

    fn look(host: &str, port: &str, db: &str, user: &str) -> Option<String> {
        find(
            FILE,
            &Lookup {
                host,
                port,
                dbname: db,
                user,
            },
        )
    }

    #[test]
    fn exact_match_and_first_wins() {
        assert_eq!(
            look("db1.example.com", "5432", "sales", "alice").as_deref(),
            Some("first")
        );
        // a different db falls through to the catch-all line
        assert_eq!(
            look("db1.example.com", "5432", "hr", "alice").as_deref(),
            Some("fallback")
        );
    }

    #[test]
    fn wildcards_and_escapes() {
        assert_eq!(
            look("anyhost", "5432", "x", "bob").as_deref(),
            Some("wild:card\\x")
        );
        assert_eq!(
            look("anyhost", "6000", "x", "bob").as_deref(),
            Some("fallback")
        );
    }

    #[test]
    fn socket_matches_localhost() {
        assert_eq!(
            look("/var/run/postgresql", "5432", "x", "carol").as_deref(),
            Some("socketpw")
        );
    }

    #[test]
    fn no_match_without_catch_all() {
        assert_eq!(
            find(
                "h:1:d:u:p\n",
                &Lookup {
                    host: "h",
                    port: "2",
                    dbname: "d",
                    user: "u"
                }
            ),
            None
        );
    }

    #[cfg(unix)]
    #[test]
    fn loose_permissions_are_ignored_with_a_warning() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("pgpass");
        std::fs::write(&path, "*:*:*:*:secret\n").unwrap();
        let l = Lookup {
            host: "h",
            port: "1",
            dbname: "d",
            user: "u",
        };
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        match lookup_file(&path, &l) {
            FileLookup::Ignored(w) => assert!(w.contains("group or world access"), "{w}"),
            _ => panic!("a 0644 pgpass file must be ignored"),
        }
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        assert!(matches!(lookup_file(&path, &l), FileLookup::Found(p) if p == "secret"));
    }
}
