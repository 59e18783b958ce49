//! TLS: one connector per distinct set of TLS settings, shared by every session that uses it.

use super::*;

/// Why a TLS context could not be built: the files named, and the TLS library's reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TlsError {
    /// The root certificate file could not be read.
    ReadRoot {
        path: std::path::PathBuf,
        error: String,
    },
    /// The root certificate file is not PEM certificates.
    InvalidRoot {
        path: std::path::PathBuf,
        error: String,
    },
    /// The root certificate file holds none.
    NoRoot { path: std::path::PathBuf },
    /// The client certificate file could not be read.
    ReadCert { path: String, error: String },
    /// The client key file could not be read.
    ReadKey { path: String, error: String },
    /// The client certificate and key do not make an identity.
    Identity(String),
    /// The TLS library refused the settings.
    Build(String),
}

impl std::fmt::Display for TlsError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TlsError::ReadRoot { path, error } => write!(
                f,
                "could not read root certificate file \"{}\": {error}",
                path.display()
            ),
            TlsError::InvalidRoot { path, error } => write!(
                f,
                "invalid root certificate file \"{}\": {error}",
                path.display()
            ),
            TlsError::NoRoot { path } => {
                write!(f, "no certificate found in \"{}\"", path.display())
            }
            TlsError::ReadCert { path, error } => {
                write!(f, "could not read certificate file \"{path}\": {error}")
            }
            TlsError::ReadKey { path, error } => {
                write!(f, "could not read private key file \"{path}\": {error}")
            }
            TlsError::Identity(error) => write!(f, "invalid client certificate or key: {error}"),
            TlsError::Build(error) => f.write_str(error),
        }
    }
}

impl std::error::Error for TlsError {}

pub(super) fn split_pem(pem: &[u8]) -> Result<Vec<native_tls::Certificate>, native_tls::Error> {
    native_tls::Certificate::stack_from_pem(pem)
}

/// The TLS settings a context is built from: how far the server is verified, and the contents
/// of the root, certificate and key files (a file changed on disk makes another context).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(super) struct TlsKey {
    verify: &'static str,
    files: [Option<Vec<u8>>; 3],
}

/// The TLS contexts built so far, one per distinct [`TlsKey`]: fifty targets with the same
/// settings share one (each built its own, with the system's trusted roots: fifty copies of
/// them were most of the exporter's memory).
pub(super) static TLS_CONTEXTS: std::sync::LazyLock<
    std::sync::Mutex<std::collections::HashMap<TlsKey, std::sync::Arc<MakeTlsConnector>>>,
> = std::sync::LazyLock::new(Default::default);

/// The root certificate file `r` names (or `~/.postgresql/root.crt` when it exists; None for
/// "system" or none).
pub(super) fn root_file(r: &Resolved) -> Option<std::path::PathBuf> {
    r.get("sslrootcert")
        .map(std::path::PathBuf::from)
        .or_else(|| {
            std::env::var_os("HOME")
                .map(|h| std::path::Path::new(&h).join(".postgresql/root.crt"))
                .filter(|p| p.exists())
        })
        .filter(|p| p.as_os_str() != "system")
}

/// The TLS context for `r`'s settings: the one already built for the same settings, or a new
/// one, kept for the next.
pub(super) fn shared_tls(r: &Resolved) -> Result<std::sync::Arc<MakeTlsConnector>, TlsError> {
    let verify = match r.sslmode() {
        "verify-ca" => "verify-ca",
        "verify-full" => "verify-full",
        _ => "encrypt",
    };
    // a file that cannot be read: the build says so, with its name
    let read = |p: Option<std::path::PathBuf>| p.and_then(|p| std::fs::read(p).ok());
    let key = TlsKey {
        verify,
        files: [
            read(root_file(r)),
            read(r.get("sslcert").map(Into::into)),
            read(r.get("sslkey").map(Into::into)),
        ],
    };
    let mut contexts = TLS_CONTEXTS.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(tls) = contexts.get(&key) {
        return Ok(tls.clone());
    }
    let tls = std::sync::Arc::new(build_tls(r)?);
    contexts.insert(key, tls.clone());
    Ok(tls)
}

pub(super) fn build_tls(r: &Resolved) -> Result<MakeTlsConnector, TlsError> {
    build_tls_as(r, r.sslmode())
}

/// `r`'s TLS context as `sslmode` would build it (the probe asks again with verify-ca).
pub(super) fn build_tls_as(r: &Resolved, sslmode: &str) -> Result<MakeTlsConnector, TlsError> {
    let mut b = native_tls::TlsConnector::builder();
    match sslmode {
        // Encryption only, no verification: libpq's semantics for these modes.
        "disable" | "allow" | "prefer" | "require" => {
            b.danger_accept_invalid_certs(true);
            b.danger_accept_invalid_hostnames(true);
        }
        "verify-ca" => {
            b.danger_accept_invalid_hostnames(true);
        }
        _ => {}
    }
    // System roots are trusted by default; sslrootcert (or ~/.postgresql/root.crt) adds to them.
    if let Some(root) = root_file(r) {
        let pem = std::fs::read(&root).map_err(|e| TlsError::ReadRoot {
            path: root.clone(),
            error: e.to_string(),
        })?;
        let certs = split_pem(&pem).map_err(|e| TlsError::InvalidRoot {
            path: root.clone(),
            error: e.to_string(),
        })?;
        if certs.is_empty() {
            return Err(TlsError::NoRoot { path: root });
        }
        for cert in certs {
            b.add_root_certificate(cert);
        }
    }
    if let (Some(cert), Some(key)) = (r.get("sslcert"), r.get("sslkey")) {
        let cert_pem = std::fs::read(cert).map_err(|e| TlsError::ReadCert {
            path: cert.to_string(),
            error: e.to_string(),
        })?;
        let key_pem = std::fs::read(key).map_err(|e| TlsError::ReadKey {
            path: key.to_string(),
            error: e.to_string(),
        })?;
        let id = native_tls::Identity::from_pkcs8(&cert_pem, &key_pem)
            .map_err(|e| TlsError::Identity(e.to_string()))?;
        b.identity(id);
    }
    let connector = b.build().map_err(|e| TlsError::Build(e.to_string()))?;
    Ok(MakeTlsConnector::new(connector))
}
