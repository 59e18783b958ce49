//! Command-line interface. `-h` is the host (as in psql); help is `--help` or `-?`.

use std::time::Duration;

use clap::{ArgAction, Parser};

fn parse_duration(s: &str) -> Result<Duration, String> {
    if let Ok(secs) = s.parse::<f64>() {
        if secs.is_finite() && secs > 0.0 {
            return Ok(Duration::from_secs_f64(secs));
        }
        return Err(format!("\"{s}\" must be a positive number of seconds"));
    }
    humantime::parse_duration(s)
        .map_err(|e| format!("invalid duration \"{s}\": {e} (examples: 5s, 500ms, 2m)"))
}

#[derive(Debug, Parser)]
#[command(
    name = "hypertop",
    version,
    disable_help_flag = true,
    about = "A terminal console for the health and policies of TimescaleDB and PostgreSQL",
    long_about = "A terminal console for the health and policies of TimescaleDB and PostgreSQL.\n\n\
Connects the way psql does: a connection string or URL, -h/-p/-U/-d, the PG* environment\n\
variables, ~/.pgpass and pg_service.conf, with libpq's precedence.",
    after_help = "Connection examples:\n  \
hypertop postgres://monitor@db1:5432/metrics?sslmode=verify-full\n  \
hypertop 'host=db1 dbname=metrics user=monitor'\n  \
hypertop -h db1 -U monitor -d metrics\n  \
PGSERVICE=prod hypertop\n\n\
Environment: PGHOST PGPORT PGUSER PGPASSWORD PGDATABASE PGSSLMODE PGSSLROOTCERT\n\
PGCONNECT_TIMEOUT PGAPPNAME PGPASSFILE PGSERVICE PGSERVICEFILE; NO_COLOR selects the mono theme.\n\n\
Keys: 1-7 tabs, Enter drill down, Esc back, / filter, s sort, ? help, r refresh, q quit.\n\n\
Exit status: 0 after quitting, 2 when the connection fails, 1 on other errors,\n\
128+N when ended by signal N."
)]
pub struct Cli {
    /// Connection string (`host=… dbname=…`), URL (`postgres://…`) or database name
    #[arg(value_name = "CONNINFO")]
    pub conninfo: Option<String>,

    /// Database server host or socket directory
    #[arg(short = 'h', long = "host", value_name = "HOST")]
    pub host: Option<String>,

    /// Database server port
    #[arg(short = 'p', long = "port", value_name = "PORT")]
    pub port: Option<String>,

    /// Database user name
    #[arg(short = 'U', long = "username", value_name = "USER")]
    pub user: Option<String>,

    /// Database name (or a connection string)
    #[arg(short = 'd', long = "dbname", value_name = "DBNAME")]
    pub dbname: Option<String>,

    /// Seconds between refreshes (also accepts 500ms, 1m)
    #[arg(long, value_name = "SECS", default_value = "2", value_parser = parse_duration)]
    pub refresh: Duration,

    /// statement_timeout of the monitoring session (e.g. 5s, 1500ms)
    #[arg(long, value_name = "DURATION", default_value = "5s", value_parser = parse_duration)]
    pub statement_timeout: Duration,

    /// Open sessions read-only (default_transaction_read_only = on)
    #[arg(long)]
    pub read_only: bool,

    /// Show times in UTC instead of local time
    #[arg(long)]
    pub utc: bool,

    /// Colour theme: default, light, high-contrast, mono, or a path to a .toml file
    /// (~/.config/hypertop/themes/NAME.toml overrides a built-in)
    #[arg(long, value_name = "NAME|PATH")]
    pub theme: Option<String>,

    /// Print help
    #[arg(short = '?', long = "help", action = ArgAction::Help)]
    pub help: Option<bool>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn psql_style_flags() {
        let cli = Cli::try_parse_from([
            "hypertop", "-h", "db1", "-p", "6432", "-U", "mon", "-d", "metrics",
        ])
        .unwrap();
        assert_eq!(cli.host.as_deref(), Some("db1"));
        assert_eq!(cli.port.as_deref(), Some("6432"));
        assert_eq!(cli.user.as_deref(), Some("mon"));
        assert_eq!(cli.dbname.as_deref(), Some("metrics"));
        assert_eq!(cli.refresh, Duration::from_secs(2));
        assert_eq!(cli.statement_timeout, Duration::from_secs(5));
    }

    #[test]
    fn durations_accept_seconds_and_humantime() {
        let cli = Cli::try_parse_from([
            "hypertop",
            "--refresh",
            "0.5",
            "--statement-timeout",
            "1500ms",
        ])
        .unwrap();
        assert_eq!(cli.refresh, Duration::from_millis(500));
        assert_eq!(cli.statement_timeout, Duration::from_millis(1500));
        let err = Cli::try_parse_from(["hypertop", "--refresh", "soon"])
            .unwrap_err()
            .to_string();
        assert!(err.contains("invalid duration"), "{err}");
        assert!(Cli::try_parse_from(["hypertop", "--refresh", "0"]).is_err());
    }

    #[test]
    fn help_is_question_mark() {
        let err = Cli::try_parse_from(["hypertop", "-?"]).unwrap_err();
        assert_eq!(err.kind(), clap::error::ErrorKind::DisplayHelp);
    }
}
