//! Where hypertop keeps user files, following the XDG base directories.

use std::path::PathBuf;

/// `$XDG_CONFIG_HOME/hypertop`, else `~/.config/hypertop` (None without a home directory).
pub fn config_dir() -> Option<PathBuf> {
    base("XDG_CONFIG_HOME", ".config").map(|d| d.join("hypertop"))
}

/// `$XDG_STATE_HOME/hypertop`, else `~/.local/state/hypertop` (None without a home directory):
/// what hypertop keeps between runs that is not configuration (the flight recorder's store).
pub fn state_dir() -> Option<PathBuf> {
    base("XDG_STATE_HOME", ".local/state").map(|d| d.join("hypertop"))
}

fn base(var: &str, fallback: &str) -> Option<PathBuf> {
    match std::env::var_os(var) {
        Some(v) if !v.is_empty() && PathBuf::from(&v).is_absolute() => Some(PathBuf::from(v)),
        _ => std::env::var_os("HOME")
            .filter(|h| !h.is_empty())
            .map(|h| PathBuf::from(h).join(fallback)),
    }
}

/// Why a file the user names was not read.
#[derive(Debug, Clone, PartialEq)]
pub enum FileError {
    /// Larger than the limit (bytes) given.
    TooLarge(u64),
    /// A FIFO, a device, a directory.
    NotRegular,
    NotUtf8,
    Io(String),
}

impl FileError {
    /// What to say, for the file at `path`.
    pub fn said(&self, path: &std::path::Path) -> String {
        match self {
            FileError::TooLarge(limit) => format!(
                "{} is larger than {} KiB: not a file hypertop reads",
                path.display(),
                limit / 1024
            ),
            FileError::NotRegular => format!("{} is not a regular file", path.display()),
            FileError::NotUtf8 => format!("{} is not UTF-8 text", path.display()),
            FileError::Io(e) => format!("cannot read {}: {e}", path.display()),
        }
    }
}

/// The text of a file the user names (a config, a theme, a policy file), read only when it is
/// a regular file of at most `limit` bytes: a FIFO or a device is refused at once, never waited
/// on nor read without end (`--theme /dev/zero` read 2 GB). None when there is no such file.
pub fn read_text(path: &std::path::Path, limit: u64) -> Result<Option<String>, FileError> {
    use std::io::Read;
    use std::os::unix::fs::OpenOptionsExt;
    let io = |e: std::io::Error| FileError::Io(e.to_string());
    // O_NONBLOCK: opening a FIFO with no writer would block
    let f = match std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(path)
    {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(io(e)),
    };
    if !f.metadata().map_err(io)?.is_file() {
        return Err(FileError::NotRegular);
    }
    let mut bytes = Vec::new();
    // one byte over the limit tells a file that is too large (or grows as it is read)
    f.take(limit + 1).read_to_end(&mut bytes).map_err(io)?;
    if bytes.len() as u64 > limit {
        return Err(FileError::TooLarge(limit));
    }
    String::from_utf8(bytes)
        .map(Some)
        .map_err(|_| FileError::NotUtf8)
}

/// Why a file is not this user's word: another user's, or writable by others.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotOwn {
    /// Another user's (`uid`), this process's effective user being `own`.
    OtherOwner { uid: u32, own: u32 },
    /// Others may write it (`mode`: its permission bits).
    WritableByOthers { mode: u32 },
}

/// The effective user id of this process.
pub fn own_uid() -> u32 {
    rustix::process::geteuid().as_raw()
}

/// Whether a file (its `meta`) is this user's word: its own, and no one else may write it.
/// Root too: another account's file is that account's word, not root's.
pub fn own_word(meta: &std::fs::Metadata) -> Result<(), NotOwn> {
    use std::os::unix::fs::MetadataExt;
    let own = own_uid();
    if meta.uid() != own {
        return Err(NotOwn::OtherOwner {
            uid: meta.uid(),
            own,
        });
    }
    match meta.mode() & 0o022 {
        0 => Ok(()),
        _ => Err(NotOwn::WritableByOthers {
            mode: meta.mode() & 0o777,
        }),
    }
}
