//! What a command acts on, read before it is planned: what every command needs, then its
//! family's `facts` hook (`plan/<family>.rs`) reads the rest.

use tokio_postgres::Client;

use super::*;
use crate::actions::spec::COMMANDS;

/// Everything `plan` needs for `cmd`; its intervals become the server's reading of them.
pub async fn facts(
    client: &Client,
    caps: &Capabilities,
    cmd: &mut Command,
) -> Result<Facts, ResolveError> {
    if cmd.family().needs_timescaledb() && caps.timescaledb.is_none() {
        return Err(format!(
            "TimescaleDB is not installed in database \"{}\": only {} work here",
            caps.database,
            plain_commands()
        )
        .into());
    }
    let mut f = Facts {
        ts: quote_ident(caps.timescaledb_schema().unwrap_or("public")),
        columnstore: crate::actions::plan::Columnstore(
            caps.timescaledb.as_ref().is_some_and(|t| t.columnstore),
        ),
        alter_job_clears_timezone: caps
            .timescaledb
            .as_ref()
            .is_some_and(|t| t.alter_job_timezone),
        ..Facts::default()
    };
    crate::actions::plan::read_facts(client, caps, cmd, &mut f).await?;
    Ok(f)
}

/// The changing commands that work without TimescaleDB: `a, b, c and d`.
fn plain_commands() -> String {
    let names: Vec<&str> = COMMANDS
        .iter()
        .filter(|s| s.mutating && !s.family.needs_timescaledb())
        .map(|s| s.name)
        .collect();
    match names.split_last() {
        Some((last, [])) => last.to_string(),
        Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn without_timescaledb_the_index_and_session_commands_are_named() {
        assert_eq!(
            super::plain_commands(),
            "reindex, drop-index, cancel-backend and terminate-backend"
        );
    }
}
