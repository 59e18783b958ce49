//! Connection settings resolved the way libpq does it.
//!
//! Precedence, highest first: the connection string (URL or `key=value`, given as the positional
//! argument or to `-d`) over `-h -p -U -d`; then the service file section named by `service` /
//! `PGSERVICE`; then `PG*` environment variables; then defaults. A password still missing after
//! that comes from the password file (`passfile`, `PGPASSFILE`, `~/.pgpass`).
//! tokio-postgres knows none of this (no pgpass, no service file), hence this module.

pub mod parse;
pub mod pgpass;
pub mod service;

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::path::{Path, PathBuf};

/// Keywords hypertop understands (libpq's names).
pub const KEYWORDS: &[&str] = &[
    "host",
    "hostaddr",
    "port",
    "dbname",
    "user",
    "password",
    "passfile",
    "connect_timeout",
    "application_name",
    "fallback_application_name",
    "options",
    "sslmode",
    "sslrootcert",
    "sslcert",
    "sslkey",
    "service",
    "keepalives",
    "keepalives_idle",
    "keepalives_interval",
    "keepalives_count",
    "tcp_user_timeout",
    "target_session_attrs",
    "channel_binding",
    "load_balance_hosts",
    "client_encoding",
];

/// Environment variables and the keyword each one provides.
pub const ENV_VARS: &[(&str, &str)] = &[
    ("PGHOST", "host"),
    ("PGHOSTADDR", "hostaddr"),
    ("PGPORT", "port"),
    ("PGDATABASE", "dbname"),
    ("PGUSER", "user"),
    ("PGPASSWORD", "password"),
    ("PGPASSFILE", "passfile"),
    ("PGOPTIONS", "options"),
    ("PGAPPNAME", "application_name"),
    ("PGSSLMODE", "sslmode"),
    ("PGSSLROOTCERT", "sslrootcert"),
    ("PGSSLCERT", "sslcert"),
    ("PGSSLKEY", "sslkey"),
    ("PGCONNECT_TIMEOUT", "connect_timeout"),
    ("PGTARGETSESSIONATTRS", "target_session_attrs"),
    ("PGCHANNELBINDING", "channel_binding"),
    ("PGLOADBALANCEHOSTS", "load_balance_hosts"),
    ("PGCLIENTENCODING", "client_encoding"),
];

/// Where connection settings come from besides the command line; injectable for tests.
#[derive(Debug, Clone, Default)]
pub struct Environment {
    pub vars: HashMap<String, String>,
    pub home: Option<PathBuf>,
    pub os_user: String,
}

impl Environment {
    pub fn from_process() -> Self {
        let vars: HashMap<String, String> = std::env::vars().collect();
        let home = vars.get("HOME").map(PathBuf::from);
        let os_user = vars
            .get("USER")
            .or_else(|| vars.get("LOGNAME"))
            .cloned()
            .unwrap_or_else(current_os_user);
        Environment {
            vars,
            home,
            os_user,
        }
    }

    fn var(&self, name: &str) -> Option<&str> {
        self.vars
            .get(name)
            .map(String::as_str)
            .filter(|v| !v.is_empty())
    }
}

fn current_os_user() -> String {
    account_name().unwrap_or_else(|| "postgres".to_string())
}

/// The OS account this process runs as, from its user id (not `$USER`, which anyone sets).
pub fn account_name() -> Option<String> {
    // SAFETY: getpwuid returns a pointer into static storage or null; we copy the name out at once.
    unsafe {
        let pw = libc::getpwuid(libc::geteuid());
        if pw.is_null() || (*pw).pw_name.is_null() {
            return None;
        }
        Some(
            std::ffi::CStr::from_ptr((*pw).pw_name)
                .to_string_lossy()
                .into_owned(),
        )
    }
}

/// What the user typed: the connection string (positional or `-d`) and the `-h -p -U -d` flags.
#[derive(Debug, Clone, Default)]
pub struct ConnectionInputs {
    pub conninfo: Option<String>,
    pub host: Option<String>,
    pub port: Option<String>,
    pub user: Option<String>,
    pub dbname: Option<String>,
}

/// Where the password came from, so an authentication failure can say which one to fix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PasswordSource {
    None,
    ConnString,
    Service,
    Environment,
    PasswordFile(PathBuf),
    Prompt,
}

/// Why the connection settings cannot be used, worded like libpq's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConnInfoError {
    /// A keyword libpq does not know.
    InvalidKeyword(String),
    /// The connection string does not parse.
    Syntax(parse::SyntaxError),
    /// A service file's line is neither a section nor `keyword=value`.
    ServiceSyntax {
        file: PathBuf,
        error: service::ServiceSyntaxError,
    },
    /// A service names another service.
    NestedService {
        file: PathBuf,
    },
    /// A service file's section uses a keyword libpq does not know.
    ServiceKeyword {
        file: PathBuf,
        key: String,
    },
    /// No service file has the service asked for.
    NoService {
        name: String,
    },
    /// The database is given both with -d and as the CONNINFO argument.
    DatabaseTwice,
    BadSslmode(String),
    BadPort(String),
    BadConnectTimeout(String),
}

impl fmt::Display for ConnInfoError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use ConnInfoError as E;
        match self {
            E::InvalidKeyword(key) => write!(f, "invalid connection option \"{key}\""),
            E::Syntax(e) => e.fmt(f),
            E::ServiceSyntax { file, error } => write!(f, "{error} ({})", file.display()),
            E::NestedService { file } => write!(
                f,
                "nested service specifications not supported in service file \"{}\"",
                file.display()
            ),
            E::ServiceKeyword { file, key } => write!(
                f,
                "invalid connection option \"{key}\" in service file \"{}\"",
                file.display()
            ),
            E::NoService { name } => write!(f, "definition of service \"{name}\" not found"),
            E::DatabaseTwice => f.write_str(
                "give the database either with -d or as the CONNINFO argument, not both",
            ),
            E::BadSslmode(mode) => write!(
                f,
                "invalid sslmode value: \"{mode}\" (expected one of {})",
                SSLMODES.join(", ")
            ),
            E::BadPort(port) => write!(f, "invalid port number: \"{port}\""),
            E::BadConnectTimeout(t) => write!(
                f,
                "invalid integer value \"{t}\" for connection option \"connect_timeout\""
            ),
        }
    }
}

impl std::error::Error for ConnInfoError {}

/// Fully resolved settings: every keyword hypertop will use, plus notes for the user.
#[derive(Debug, Clone)]
pub struct Resolved {
    params: BTreeMap<String, String>,
    pub password_source: PasswordSource,
    /// Non-fatal remarks (e.g. a pgpass file ignored for its permissions), printed before connecting.
    pub warnings: Vec<String>,
}

impl Resolved {
    pub fn get(&self, key: &str) -> Option<&str> {
        self.params.get(key).map(String::as_str)
    }

    pub fn host(&self) -> &str {
        self.get("host").unwrap_or("localhost")
    }

    pub fn port(&self) -> &str {
        self.get("port").unwrap_or("5432")
    }

    pub fn user(&self) -> &str {
        self.get("user").unwrap_or_default()
    }

    pub fn dbname(&self) -> &str {
        self.get("dbname").unwrap_or_default()
    }

    pub fn sslmode(&self) -> &str {
        self.get("sslmode").unwrap_or("prefer")
    }

    pub fn set_password(&mut self, password: String, source: PasswordSource) {
        self.params.insert("password".into(), password);
        self.password_source = source;
    }

    /// `host=… port=… dbname=… user=…`: how errors and the status line name the target.
    pub fn target(&self) -> String {
        format!(
            "host={} port={} dbname={} user={}",
            self.host(),
            self.port(),
            self.dbname(),
            self.user()
        )
    }

    /// `user@host:port/dbname`: the compact form for the header.
    pub fn target_short(&self) -> String {
        format!(
            "{}@{}:{}/{}",
            self.user(),
            self.host(),
            self.port(),
            self.dbname()
        )
    }
}

fn check_keyword(key: &str) -> Result<(), ConnInfoError> {
    if KEYWORDS.contains(&key) {
        Ok(())
    } else {
        Err(ConnInfoError::InvalidKeyword(key.to_string()))
    }
}

/// Applies pairs in order; a later non-empty value replaces an earlier one (libpq's rule).
fn apply(
    map: &mut BTreeMap<String, String>,
    pairs: Vec<(String, String)>,
) -> Result<(), ConnInfoError> {
    for (k, v) in pairs {
        check_keyword(&k)?;
        if !v.is_empty() {
            map.insert(k, v);
        }
    }
    Ok(())
}

/// Only fills keys that are still unset.
fn fill(map: &mut BTreeMap<String, String>, key: &str, value: &str) {
    if !value.is_empty() {
        map.entry(key.to_string())
            .or_insert_with(|| value.to_string());
    }
}

fn expand(value: &str) -> Result<Vec<(String, String)>, ConnInfoError> {
    if parse::looks_like_conninfo(value) {
        parse::parse(value).map_err(ConnInfoError::Syntax)
    } else {
        Ok(vec![("dbname".into(), value.to_string())])
    }
}

fn service_files(env: &Environment) -> Vec<PathBuf> {
    let mut files = Vec::new();
    match env.var("PGSERVICEFILE") {
        Some(f) => files.push(PathBuf::from(f)),
        None => {
            if let Some(h) = &env.home {
                files.push(h.join(".pg_service.conf"));
            }
        }
    }
    let sysconf = env.var("PGSYSCONFDIR").unwrap_or("/etc/postgresql-common");
    files.push(Path::new(sysconf).join("pg_service.conf"));
    files
}

fn load_service(env: &Environment, name: &str) -> Result<Vec<(String, String)>, ConnInfoError> {
    for file in service_files(env) {
        let Ok(text) = std::fs::read_to_string(&file) else {
            continue;
        };
        let section = match service::find_section(&text, name) {
            Ok(section) => section,
            Err(error) => return Err(ConnInfoError::ServiceSyntax { file, error }),
        };
        if let Some(pairs) = section {
            for (k, _) in &pairs {
                if k == "service" {
                    return Err(ConnInfoError::NestedService { file });
                }
                if check_keyword(k).is_err() {
                    return Err(ConnInfoError::ServiceKeyword {
                        file,
                        key: k.clone(),
                    });
                }
            }
            return Ok(pairs);
        }
    }
    Err(ConnInfoError::NoService { name: name.into() })
}

fn default_host() -> &'static str {
    if Path::new("/var/run/postgresql").is_dir() {
        "/var/run/postgresql"
    } else {
        "localhost"
    }
}

/// Resolves the final settings from the command line and the environment.
pub fn resolve(inputs: &ConnectionInputs, env: &Environment) -> Result<Resolved, ConnInfoError> {
    let mut map = BTreeMap::new();
    // 1. Flags first, then the expanded connection string on top of them (psql's order).
    let mut flags = Vec::new();
    for (key, val) in [
        ("host", &inputs.host),
        ("port", &inputs.port),
        ("user", &inputs.user),
    ] {
        if let Some(v) = val {
            flags.push((key.to_string(), v.clone()));
        }
    }
    apply(&mut map, flags)?;
    let dbname_arg = match (&inputs.dbname, &inputs.conninfo) {
        (Some(_), Some(_)) => return Err(ConnInfoError::DatabaseTwice),
        (Some(d), None) | (None, Some(d)) => Some(d),
        (None, None) => None,
    };
    if let Some(d) = dbname_arg {
        apply(&mut map, expand(d)?)?;
    }
    let mut password_source = if map.contains_key("password") {
        PasswordSource::ConnString
    } else {
        PasswordSource::None
    };

    // 2. Service file.
    let service = map
        .get("service")
        .cloned()
        .or_else(|| env.var("PGSERVICE").map(str::to_string));
    if let Some(name) = service {
        for (k, v) in load_service(env, &name)? {
            if k == "password" && !map.contains_key("password") && !v.is_empty() {
                password_source = PasswordSource::Service;
            }
            fill(&mut map, &k, &v);
        }
    }

    // 3. Environment.
    for (var, key) in ENV_VARS {
        if let Some(v) = env.var(var) {
            if *key == "password" && !map.contains_key("password") {
                password_source = PasswordSource::Environment;
            }
            fill(&mut map, key, v);
        }
    }

    // 4. Defaults.
    fill(&mut map, "host", default_host());
    fill(&mut map, "port", "5432");
    fill(&mut map, "user", &env.os_user);
    let user = map["user"].clone();
    fill(&mut map, "dbname", &user);
    fill(&mut map, "sslmode", "prefer");
    let fallback = map
        .get("fallback_application_name")
        .cloned()
        .unwrap_or_else(|| "hypertop".into());
    fill(&mut map, "application_name", &fallback);

    validate(&map)?;

    let mut resolved = Resolved {
        params: map,
        password_source,
        warnings: Vec::new(),
    };

    // 5. Password file, only when no password is known yet.
    if resolved.password_source == PasswordSource::None {
        resolved.look_up_password(env);
    }
    Ok(resolved)
}

impl Resolved {
    /// The same target as another role: every setting kept but the password, which is looked
    /// up again for that role (`PGPASSWORD` and the password file, as for any login).
    pub fn for_user(&self, user: &str, env: &Environment) -> Resolved {
        let mut params = self.params.clone();
        params.remove("password");
        params.insert("user".into(), user.to_string());
        let mut resolved = Resolved {
            params,
            password_source: PasswordSource::None,
            warnings: Vec::new(),
        };
        if let Some(pw) = env.var("PGPASSWORD") {
            resolved.set_password(pw.to_string(), PasswordSource::Environment);
        } else {
            resolved.look_up_password(env);
        }
        resolved
    }

    fn look_up_password(&mut self, env: &Environment) {
        // a systemd unit's credential (LoadCredential=pgpass:…) before the home's: a service
        // without a home reads its passwords there, the file root's only on disk
        let credential = env
            .var("CREDENTIALS_DIRECTORY")
            .map(|d| PathBuf::from(d).join("pgpass"))
            .filter(|p| p.is_absolute() && p.is_file());
        let passfile = self
            .get("passfile")
            .map(PathBuf::from)
            .or(credential)
            .or_else(|| env.home.as_ref().map(|h| h.join(".pgpass")));
        let Some(path) = passfile else {
            return;
        };
        let first_host = self.host().split(',').next().unwrap_or("").to_string();
        let first_port = self.port().split(',').next().unwrap_or("").to_string();
        let lookup = pgpass::Lookup {
            host: &first_host,
            port: &first_port,
            dbname: self.dbname(),
            user: self.user(),
        };
        match pgpass::lookup_file(&path, &lookup) {
            pgpass::FileLookup::Found(pw) => {
                self.set_password(pw, PasswordSource::PasswordFile(path))
            }
            pgpass::FileLookup::Ignored(warning) => self.warnings.push(warning),
            pgpass::FileLookup::NotFound => {}
        }
    }
}

pub const SSLMODES: &[&str] = &[
    "disable",
    "allow",
    "prefer",
    "require",
    "verify-ca",
    "verify-full",
];

fn validate(map: &BTreeMap<String, String>) -> Result<(), ConnInfoError> {
    let sslmode = map.get("sslmode").map(String::as_str).unwrap_or("prefer");
    if !SSLMODES.contains(&sslmode) {
        return Err(ConnInfoError::BadSslmode(sslmode.into()));
    }
    for port in map.get("port").into_iter().flat_map(|p| p.split(',')) {
        if !port.is_empty() && port.parse::<u16>().map_or(true, |p| p == 0) {
            return Err(ConnInfoError::BadPort(port.into()));
        }
    }
    if let Some(t) = map.get("connect_timeout") {
        if t.parse::<u64>().is_err() {
            return Err(ConnInfoError::BadConnectTimeout(t.clone()));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(vars: &[(&str, &str)]) -> Environment {
        Environment {
            vars: vars
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            home: None,
            os_user: "osuser".into(),
        }
    }

    fn conn(s: &str) -> ConnectionInputs {
        ConnectionInputs {
            conninfo: Some(s.into()),
            ..Default::default()
        }
    }

    #[test]
    fn defaults_follow_libpq() {
        let r = resolve(&ConnectionInputs::default(), &env(&[])).unwrap();
        assert_eq!(r.port(), "5432");
        assert_eq!(r.user(), "osuser");
        assert_eq!(r.dbname(), "osuser");
        assert_eq!(r.sslmode(), "prefer");
        assert_eq!(r.get("application_name"), Some("hypertop"));
        assert_eq!(r.password_source, PasswordSource::None);
    }

    #[test]
    fn conninfo_beats_flags_and_flags_beat_env() {
        let inputs = ConnectionInputs {
            conninfo: Some("host=fromconn".into()),
            host: Some("fromflag".into()),
            port: Some("7000".into()),
            ..Default::default()
        };
        let r = resolve(&inputs, &env(&[("PGHOST", "fromenv"), ("PGPORT", "8000")])).unwrap();
        assert_eq!(r.host(), "fromconn");
        assert_eq!(r.port(), "7000");
    }

    #[test]
    fn plain_dbname_argument() {
        let r = resolve(&conn("metrics"), &env(&[("PGDATABASE", "other")])).unwrap();
        assert_eq!(r.dbname(), "metrics");
        let both = ConnectionInputs {
            conninfo: Some("a".into()),
            dbname: Some("b".into()),
            ..Default::default()
        };
        assert!(resolve(&both, &env(&[])).is_err());
    }

    #[test]
    fn dash_d_may_carry_a_conninfo() {
        let inputs = ConnectionInputs {
            dbname: Some("postgres://u@h:6000/db".into()),
            ..Default::default()
        };
        let r = resolve(&inputs, &env(&[])).unwrap();
        assert_eq!(
            (r.host(), r.port(), r.user(), r.dbname()),
            ("h", "6000", "u", "db")
        );
    }

    #[test]
    fn environment_fills_everything() {
        let r = resolve(
            &ConnectionInputs::default(),
            &env(&[
                ("PGHOST", "eh"),
                ("PGPORT", "6001"),
                ("PGUSER", "eu"),
                ("PGDATABASE", "ed"),
                ("PGPASSWORD", "ep"),
                ("PGSSLMODE", "require"),
                ("PGSSLROOTCERT", "/ca.pem"),
                ("PGCONNECT_TIMEOUT", "3"),
                ("PGAPPNAME", "nightly"),
            ]),
        )
        .unwrap();
        assert_eq!(r.target(), "host=eh port=6001 dbname=ed user=eu");
        assert_eq!(r.get("password"), Some("ep"));
        assert_eq!(r.password_source, PasswordSource::Environment);
        assert_eq!(r.sslmode(), "require");
        assert_eq!(r.get("sslrootcert"), Some("/ca.pem"));
        assert_eq!(r.get("connect_timeout"), Some("3"));
        assert_eq!(r.get("application_name"), Some("nightly"));
    }

    #[test]
    fn empty_env_values_are_ignored() {
        let r = resolve(&ConnectionInputs::default(), &env(&[("PGUSER", "")])).unwrap();
        assert_eq!(r.user(), "osuser");
    }

    #[test]
    fn bad_input_is_rejected_clearly() {
        let e = resolve(&conn("host=x bogus=1"), &env(&[])).unwrap_err();
        assert_eq!(e, ConnInfoError::InvalidKeyword("bogus".into()));
        assert_eq!(e.to_string(), "invalid connection option \"bogus\"");
        let e = resolve(&conn("sslmode=sometimes"), &env(&[])).unwrap_err();
        assert_eq!(e, ConnInfoError::BadSslmode("sometimes".into()));
        assert_eq!(
            e.to_string(),
            "invalid sslmode value: \"sometimes\" (expected one of disable, allow, prefer, require, verify-ca, verify-full)"
        );
        let e = resolve(&conn("port=99999"), &env(&[])).unwrap_err();
        assert_eq!(e.to_string(), "invalid port number: \"99999\"");
        let e = resolve(&conn("host='x"), &env(&[])).unwrap_err();
        assert_eq!(
            e,
            ConnInfoError::Syntax(parse::SyntaxError::UnterminatedQuote)
        );
        let e = resolve(&conn("connect_timeout=soon"), &env(&[])).unwrap_err();
        assert_eq!(
            e.to_string(),
            "invalid integer value \"soon\" for connection option \"connect_timeout\""
        );
    }

    #[test]
    fn service_file_sits_between_explicit_and_environment() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("services.conf");
        std::fs::write(
            &file,
            "[prod]\nhost=svc-host\nport=6432\ndbname=svcdb\npassword=svcpw\n",
        )
        .unwrap();
        let e = env(&[
            ("PGSERVICEFILE", file.to_str().unwrap()),
            ("PGSERVICE", "prod"),
            ("PGHOST", "env-host"),
            ("PGUSER", "env-user"),
        ]);
        let inputs = ConnectionInputs {
            port: Some("7777".into()),
            ..Default::default()
        };
        let r = resolve(&inputs, &e).unwrap();
        assert_eq!(r.host(), "svc-host", "service beats environment");
        assert_eq!(r.port(), "7777", "explicit flag beats service");
        assert_eq!(
            r.user(),
            "env-user",
            "environment fills what the service lacks"
        );
        assert_eq!(r.dbname(), "svcdb");
        assert_eq!(r.password_source, PasswordSource::Service);

        // `service=` in the connection string selects too; an unknown service is an error.
        let r = resolve(
            &conn("service=prod"),
            &env(&[("PGSERVICEFILE", file.to_str().unwrap())]),
        )
        .unwrap();
        assert_eq!(r.host(), "svc-host");
        let err = resolve(
            &conn("service=nope"),
            &env(&[
                ("PGSERVICEFILE", file.to_str().unwrap()),
                ("PGSYSCONFDIR", "/nonexistent"),
            ]),
        )
        .unwrap_err();
        assert_eq!(err.to_string(), "definition of service \"nope\" not found");
    }

    #[test]
    fn home_service_file_is_the_default() {
        let home = tempfile::tempdir().unwrap();
        std::fs::write(home.path().join(".pg_service.conf"), "[h]\nport=6543\n").unwrap();
        let mut e = env(&[("PGSERVICE", "h")]);
        e.home = Some(home.path().to_path_buf());
        assert_eq!(
            resolve(&ConnectionInputs::default(), &e).unwrap().port(),
            "6543"
        );
    }

    #[cfg(unix)]
    #[test]
    fn pgpass_is_used_only_when_no_password_is_known() {
        use std::os::unix::fs::PermissionsExt;
        let home = tempfile::tempdir().unwrap();
        let pgpass = home.path().join(".pgpass");
        std::fs::write(&pgpass, "db.example:5432:app:alice:frompgpass\n").unwrap();
        std::fs::set_permissions(&pgpass, std::fs::Permissions::from_mode(0o600)).unwrap();
        let mut e = env(&[]);
        e.home = Some(home.path().to_path_buf());
        let inputs = conn("postgres://alice@db.example/app");
        let r = resolve(&inputs, &e).unwrap();
        assert_eq!(r.get("password"), Some("frompgpass"));
        assert_eq!(
            r.password_source,
            PasswordSource::PasswordFile(pgpass.clone())
        );

        e.vars.insert("PGPASSWORD".into(), "fromenv".into());
        let r = resolve(&inputs, &e).unwrap();
        assert_eq!(
            r.get("password"),
            Some("fromenv"),
            "PGPASSWORD beats pgpass"
        );

        // PGPASSFILE points elsewhere; a world-readable file is ignored with a warning.
        let other = home.path().join("other");
        std::fs::write(&other, "*:*:*:*:other\n").unwrap();
        std::fs::set_permissions(&other, std::fs::Permissions::from_mode(0o644)).unwrap();
        let mut e = env(&[("PGPASSFILE", other.to_str().unwrap())]);
        e.home = Some(home.path().to_path_buf());
        let r = resolve(&inputs, &e).unwrap();
        assert_eq!(r.get("password"), None);
        assert_eq!(r.warnings.len(), 1);
        assert!(r.warnings[0].contains("0600"));

        // a service's credential (systemd's $CREDENTIALS_DIRECTORY) before the home's file;
        // a passfile named in the settings before both
        let creds = tempfile::tempdir().unwrap();
        let credential = creds.path().join("pgpass");
        std::fs::write(&credential, "*:*:*:*:fromcredential\n").unwrap();
        std::fs::set_permissions(&credential, std::fs::Permissions::from_mode(0o400)).unwrap();
        let mut e = env(&[("CREDENTIALS_DIRECTORY", creds.path().to_str().unwrap())]);
        e.home = Some(home.path().to_path_buf());
        let r = resolve(&inputs, &e).unwrap();
        assert_eq!(r.get("password"), Some("fromcredential"));
        assert_eq!(r.password_source, PasswordSource::PasswordFile(credential));
        e.vars
            .insert("PGPASSFILE".into(), other.to_str().unwrap().into());
        std::fs::set_permissions(&other, std::fs::Permissions::from_mode(0o600)).unwrap();
        assert_eq!(resolve(&inputs, &e).unwrap().get("password"), Some("other"));
    }
}
