//! The subcommands that only print: `config path|check`, `completions`, `man`.

use std::process::ExitCode;

use super::{write_stdout, Failure, Outcome, EXIT_USAGE};
use crate::cli::{Cli, ConfigWhat};
use crate::config;

/// `hypertop completions SHELL`.
pub fn completions(shell: clap_complete::Shell) -> Outcome {
    let mut text = Vec::new();
    Cli::completions(shell, &mut text);
    write_stdout(&text)
}

/// `hypertop man [PATH] [--list]`.
pub fn man(list: bool, path: &[String]) -> Outcome {
    let text = if list {
        let pages = Cli::man_pages();
        pages
            .iter()
            .map(|p| format!("{p}\n"))
            .collect::<String>()
            .into_bytes()
    } else {
        let mut text = Vec::new();
        match Cli::man(path, &mut text) {
            Ok(()) => text,
            // no such page: asked wrongly, as clap says of a flag
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(Failure::new(e.to_string(), EXIT_USAGE))
            }
            Err(e) => return Err(Failure::new(format!("cannot write it: {e}"), 1)),
        }
    };
    write_stdout(&text)
}

/// `hypertop config path|check`.
pub fn config(what: ConfigWhat) -> ExitCode {
    let Some(path) = config::default_path() else {
        eprintln!("hypertop: no home directory: set XDG_CONFIG_HOME or HOME");
        return ExitCode::FAILURE;
    };
    match what {
        ConfigWhat::Path => {
            println!("{}", path.display());
            ExitCode::SUCCESS
        }
        ConfigWhat::Check => match config::load_text(&path)
            .and_then(|text| config::parse(&path, &text).map(|c| (text, c)))
            .map_err(|e| e.to_string())
            .and_then(|(text, c)| {
                let problems =
                    config::problems(&c, &path, &text, crate::paths::config_dir().as_deref());
                if problems.is_empty() {
                    Ok(c)
                } else {
                    Err(problems.join("\nhypertop: "))
                }
            }) {
            Ok(c) if !path.exists() => {
                println!(
                    "{}: no such file (an empty config: {} profiles)",
                    path.display(),
                    c.profiles.len()
                );
                ExitCode::SUCCESS
            }
            Ok(c) => {
                let names: Vec<&str> = c.profiles.keys().map(String::as_str).collect();
                println!(
                    "{}: valid; profiles: {}",
                    path.display(),
                    if names.is_empty() {
                        "none".into()
                    } else {
                        names.join(", ")
                    }
                );
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("hypertop: {e}");
                ExitCode::FAILURE
            }
        },
    }
}
