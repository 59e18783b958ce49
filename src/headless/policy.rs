//! `hypertop policy export|diff|apply|lint`: policies as code from the command line. The file
//! and the rules are `policy`; the changes are planned by `actions::plan::apply` and run by the
//! same runner, journal and rollback as every other action.

use std::fmt;
use std::path::{Path, PathBuf};

use super::{complain, execute, say, Context, RunOptions};
use crate::actions::plan::apply::plan_apply;
use crate::actions::plan::PlanError;
use crate::actions::resolve::{self, ResolveError};
use crate::cli::{Format, PolicyWhat};
use crate::model::policies::{self, RelationPolicies};
use crate::model::ReadError;
use crate::policy::{self, PolicyError, PolicyFile};
use crate::problems::Thresholds;
use crate::store::Dataset;

/// `diff` and `lint`: in sync (no findings), drift (findings), or could not tell.
pub const EXIT_CLEAN: u8 = 0;
pub const EXIT_FOUND: u8 = 1;
pub const EXIT_ERROR: u8 = 2;

pub async fn run(ctx: &Context<'_>, what: &PolicyWhat, limits: &Thresholds) -> u8 {
    let done = match what {
        PolicyWhat::Export { output, .. } => export(ctx, output.as_deref()).await,
        PolicyWhat::Diff { file, format, .. } => diff(ctx, file, *format).await,
        PolicyWhat::Apply { file, execute, .. } => {
            let how = RunOptions {
                dry_run: execute.dry_run,
                yes: execute.yes,
                force: false,
            };
            apply(ctx, file, how).await
        }
        PolicyWhat::Lint { file, format, .. } => lint(ctx, file.as_deref(), *format, limits).await,
    };
    done.unwrap_or_else(|e| {
        complain(&e.to_string());
        EXIT_ERROR
    })
}

/// Why a `policy` command could not tell or do what it was asked.
#[derive(Debug)]
pub enum PolicyCommandError {
    /// Plain PostgreSQL: no policies to speak of.
    NoTimescaledb { database: String },
    /// The database's policies could not be read.
    Policies(ReadError),
    /// The catalog could not be asked (intervals, hierarchical caggs, an apply's facts).
    Resolve(ResolveError),
    /// The file is larger than any database's policies.
    TooLarge(PathBuf),
    /// The file could not be read.
    Unreadable(PathBuf, crate::paths::FileError),
    /// There is no file there.
    Missing(PathBuf),
    /// The file says something a policy file cannot, or what the database refuses.
    File(PathBuf, PolicyError),
    /// The file's intervals are not ones the server reads.
    FileIntervals(PathBuf, ResolveError),
    /// The policies could not be written as TOML.
    Export(PolicyError),
    /// The exported file could not be written.
    Write(PathBuf, std::io::Error),
    /// The changes could not be planned.
    Plan(PlanError),
    /// The live policies (for `lint`) could not be read: the first dataset's error, if any.
    LivePolicies(Option<ReadError>),
}

impl fmt::Display for PolicyCommandError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use PolicyCommandError as E;
        match self {
            E::NoTimescaledb { database } => write!(
                f,
                "TimescaleDB is not installed in database \"{database}\": it has no policies"
            ),
            E::Policies(e) => write!(f, "cannot read the policies: {e}"),
            E::Resolve(e) => e.fmt(f),
            E::TooLarge(path) => write!(
                f,
                "{} is larger than {} MiB: not a policy file of any database hypertop knows",
                path.display(),
                MAX_POLICY_FILE / (1024 * 1024)
            ),
            E::Unreadable(path, e) => f.write_str(&e.said(path)),
            E::Missing(path) => write!(f, "cannot read {}: no such file", path.display()),
            E::File(path, e) => write!(f, "{}: {e}", path.display()),
            E::FileIntervals(path, e) => write!(f, "{}: {e}", path.display()),
            E::Export(e) => e.fmt(f),
            E::Write(path, e) => write!(f, "cannot write {}: {e}", path.display()),
            E::Plan(e) => e.fmt(f),
            E::LivePolicies(e) => match e {
                Some(e) => write!(f, "cannot read the live policies: {e}"),
                None => f.write_str("cannot read the live policies: not read"),
            },
        }
    }
}

impl std::error::Error for PolicyCommandError {}

impl From<ResolveError> for PolicyCommandError {
    fn from(e: ResolveError) -> Self {
        PolicyCommandError::Resolve(e)
    }
}

/// The database's policies, read once, and as a file with the server's spelling of intervals.
async fn database(
    ctx: &Context<'_>,
) -> Result<(Vec<RelationPolicies>, PolicyFile), PolicyCommandError> {
    has_timescaledb(ctx)?;
    let client = &ctx.session.client;
    let have = policies::fetch(client, ctx.caps)
        .await
        .map_err(|e| PolicyCommandError::Policies(e.into()))?;
    let mut file = policy::export(&have);
    resolve::normalize_intervals(client, &mut file, false).await?;
    Ok((have, file))
}

/// Policies are TimescaleDB's: on plain PostgreSQL every command says so.
fn has_timescaledb(ctx: &Context<'_>) -> Result<(), PolicyCommandError> {
    match ctx.caps.timescaledb {
        Some(_) => Ok(()),
        None => Err(PolicyCommandError::NoTimescaledb {
            database: ctx.caps.database.clone(),
        }),
    }
}

/// The most a policy file may hold: more than a database with 10,000 hypertables, each with
/// every kind of policy, writes; parsing a file takes many times its size in memory.
const MAX_POLICY_FILE: u64 = 4 * 1024 * 1024;

/// A policy file's text, refused before it is read when it is larger than any database's.
fn read_bounded(path: &Path) -> Result<String, PolicyCommandError> {
    crate::paths::read_text(path, MAX_POLICY_FILE)
        .map_err(|e| match e {
            crate::paths::FileError::TooLarge(_) => PolicyCommandError::TooLarge(path.into()),
            other => PolicyCommandError::Unreadable(path.into(), other),
        })?
        .ok_or_else(|| PolicyCommandError::Missing(path.into()))
}

/// A policy file as written, checked as the palette checks the same settings (against the
/// database's relations, `have`), its intervals as the server reads them.
async fn read_file(
    ctx: &Context<'_>,
    path: &Path,
    have: &[RelationPolicies],
) -> Result<PolicyFile, PolicyCommandError> {
    let text = read_bounded(path)?;
    let in_file = |e| PolicyCommandError::File(path.into(), e);
    let mut file = policy::parse(&text).map_err(in_file)?;
    policy::check(&file, have).map_err(in_file)?;
    resolve::normalize_intervals(&ctx.session.client, &mut file, true)
        .await
        .map_err(|e| PolicyCommandError::FileIntervals(path.into(), e))?;
    Ok(file)
}

async fn export(ctx: &Context<'_>, output: Option<&Path>) -> Result<u8, PolicyCommandError> {
    let (_, file) = database(ctx).await?;
    let columnstore = ctx.caps.timescaledb.as_ref().is_some_and(|t| t.columnstore);
    let text = policy::to_toml(&file, &ctx.caps.database, columnstore)
        .map_err(PolicyCommandError::Export)?;
    match output {
        None => print!("{text}"),
        Some(path) => {
            write_replacing(path, &text).map_err(|e| PolicyCommandError::Write(path.into(), e))?;
            let n = file.hypertables.len() + file.caggs.len();
            eprintln!(
                "wrote the policies of {n} relation(s) to {}",
                path.display()
            );
        }
    }
    Ok(EXIT_CLEAN)
}

/// Writes `text` to a new file beside `path`, then renames it over `path`: a reader never sees
/// half a file, and nothing planted beside it (a symlink to another file) is written through —
/// the temporary file is created new (O_EXCL, which a symlink at that name fails), never
/// opened if it exists.
fn write_replacing(path: &Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
    // Only a regular file is replaced, keeping its mode: renaming over a device (/dev/null), a
    // FIFO or a symlink would put a plain file where the system had something else.
    let mode = match std::fs::symlink_metadata(path) {
        Ok(m) if m.file_type().is_file() => m.permissions().mode() & 0o7777,
        Ok(_) => {
            return Err(std::io::Error::other(
                "it is not a regular file (a device, FIFO, directory or symlink); write the policies to a file",
            ))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => 0o644,
        Err(e) => return Err(e),
    };
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let name = path
        .file_name()
        .map_or_else(|| "policies".into(), |n| n.to_string_lossy().into_owned());
    for attempt in 0..16 {
        let tmp = dir.join(format!(
            ".{name}.{}-{attempt}.hypertop-tmp",
            std::process::id()
        ));
        let mut f = match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(mode)
            .open(&tmp)
        {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        };
        let written = f
            .write_all(text.as_bytes())
            // The mode as it was, whatever the umask made of it.
            .and_then(|_| f.set_permissions(std::fs::Permissions::from_mode(mode)))
            .and_then(|_| f.sync_all())
            .and_then(|_| std::fs::rename(&tmp, path));
        if written.is_err() {
            let _ = std::fs::remove_file(&tmp);
        }
        return written;
    }
    Err(std::io::Error::new(
        std::io::ErrorKind::AlreadyExists,
        "every temporary name beside it is taken",
    ))
}

async fn diff(ctx: &Context<'_>, path: &Path, format: Format) -> Result<u8, PolicyCommandError> {
    let (relations, have) = database(ctx).await?;
    let want = read_file(ctx, path, &relations).await?;
    let drift = policy::diff(&want, &have);
    // what this server's release is known to refuse, said before an apply
    let version = ctx
        .caps
        .timescaledb
        .as_ref()
        .map(|t| t.version.as_str())
        .unwrap_or_default();
    let notes = crate::actions::plan::apply::version_notes(
        &want,
        &drift,
        &resolve::hierarchical(&ctx.session.client).await?,
        version,
    );
    match format {
        Format::Json => println!(
            "{}",
            serde_json::to_string_pretty(&serde_json::json!({
                "file": path.display().to_string(),
                "in_sync": drift.is_empty(),
                "drift": drift,
                "server_refuses": notes,
            }))
            .unwrap_or_default()
        ),
        Format::Text => {
            policy::describe(&drift).iter().for_each(|l| say(l));
            notes.iter().for_each(|n| say(&format!("Note: {n}")));
        }
    }
    Ok(if drift.is_empty() {
        EXIT_CLEAN
    } else {
        EXIT_FOUND
    })
}

async fn apply(ctx: &Context<'_>, path: &Path, how: RunOptions) -> Result<u8, PolicyCommandError> {
    let (have, have_file) = database(ctx).await?;
    let want = read_file(ctx, path, &have).await?;
    let drift = policy::diff(&want, &have_file);
    if drift.is_empty() {
        say("Nothing to do: the database has the file's policies.");
        return Ok(EXIT_CLEAN);
    }
    let facts = resolve::apply_facts(&ctx.session.client, ctx.caps, &have, &want, &drift).await?;
    let name = path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    );
    let plan = plan_apply(&name, &want, &drift, &facts).map_err(PolicyCommandError::Plan)?;
    Ok(execute(ctx, plan, how).await)
}

async fn lint(
    ctx: &Context<'_>,
    path: Option<&Path>,
    format: Format,
    limits: &Thresholds,
) -> Result<u8, PolicyCommandError> {
    let file = match path {
        Some(p) => Some(read_file(ctx, p, &database(ctx).await?.0).await?),
        None => None,
    };
    has_timescaledb(ctx)?;
    let data = Dataset::read_all(&ctx.session.client, None, ctx.caps, limits).await;
    let live = data.policies().map(policy::lint_relations).ok_or_else(|| {
        let failed = [
            data.compression.status(),
            data.retention.status(),
            data.caggs.status(),
        ]
        .iter()
        .find_map(|s| s.error().cloned());
        PolicyCommandError::LivePolicies(failed)
    })?;
    let findings: Vec<policy::Finding> = match &file {
        // The file's policies over the database's structure; findings on what the file names.
        Some(f) => policy::lint(&policy::lint_file(f, &live))
            .into_iter()
            .filter(|x| {
                f.hypertables.contains_key(&x.relation) || f.caggs.contains_key(&x.relation)
            })
            .collect(),
        None => policy::lint(&live),
    };
    match format {
        Format::Json => println!(
            "{}",
            serde_json::to_string_pretty(&serde_json::json!({ "findings": findings }))
                .unwrap_or_default()
        ),
        Format::Text if findings.is_empty() => {
            say("No findings: the policies do not work against each other.")
        }
        Format::Text => {
            for f in &findings {
                say(&format!(
                    "{}  {}: {}",
                    f.rule.as_str(),
                    f.relation,
                    f.message
                ));
            }
        }
    }
    Ok(if findings.is_empty() {
        EXIT_CLEAN
    } else {
        EXIT_FOUND
    })
}
