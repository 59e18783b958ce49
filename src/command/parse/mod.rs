//! The palette's language: command names and arguments, object names as in SQL, intervals as
//! humantime (`6h`, `7days`) or PostgreSQL (`'6 hours'`). Pure; every rejection says why.

use std::fmt;

use super::grammar::{word, Param, Value, Values};
use super::spec::{self, Spec};
use super::words::{no_more, settings};

pub use super::error::ParseError;
pub use super::spec::Command;
pub use super::words::*;

/// Parses one command line.
pub fn parse(input: &str) -> Result<Command, ParseError> {
    let tokens = tokenize(input)?;
    let Some((Token::Word(name), args)) = tokens.split_first() else {
        return Err(match tokens.first() {
            Some(_) => ParseError::NameNotFirst,
            None => ParseError::Empty,
        });
    };
    let name = name.to_lowercase();
    let Some(spec) = spec::find(&name) else {
        // a typo of one (`comprss`, `ocmpress`), else those it starts like
        let mut close = super::typo::closest(
            &name,
            spec::COMMANDS
                .iter()
                .map(|s| s.name)
                .chain(spec::ALIASES.iter().map(|(a, _)| *a)),
        );
        if close.is_empty() {
            close = spec::COMMANDS
                .iter()
                .map(|s| s.name)
                .filter(|n| n.starts_with(name.get(..2).unwrap_or(&name)))
                .collect();
        }
        return Err(ParseError::UnknownCommand { name, close });
    };
    // an alias (the columnstore's name) is its command: its row reads the arguments
    read_all(spec, args)
}

/// The arguments of `spec`'s command, read by its row: each param in turn, then nothing more.
fn read_all(spec: &Spec, args: &[Token]) -> Result<Command, ParseError> {
    let usage = spec.usage();
    let mut values = Vec::new();
    if let Some(form) = &spec.chunk {
        if word(args, 0).as_deref() == Some(form.word) {
            let (v, _) = form.object.read(args, 1, &usage)?;
            no_more(args, 2, &usage)?;
            return (form.build)(&mut values_of(spec, vec![v]));
        }
    }
    let mut at = 0;
    let mut params = spec.params.iter().peekable();
    while let Some(param) = params.next() {
        if let Param::Setting(first) | Param::Option(first) = param {
            // a row of settings (or of optional ones) read together: they come in any order
            let required = matches!(param, Param::Setting(_));
            let mut keys = vec![*first];
            while let Some(Param::Setting(k) | Param::Option(k)) = params.peek() {
                keys.push(k);
                params.next();
            }
            let rest = args.get(at..).unwrap_or_default();
            let settings = settings(rest, &keys, required, &usage)?;
            values.extend(settings.into_iter().map(Value::Text));
            at = args.len();
            continue;
        }
        let (v, used) = param.read(args, at, &usage)?;
        values.push(v);
        at += used;
    }
    no_more(args, at, &usage)?;
    (spec.build)(&mut values_of(spec, values))
}

fn values_of(spec: &Spec, values: Vec<Value>) -> Values {
    Values::new(spec.name, values)
}

impl Command {
    /// The same command naming `object` in place of the relation it names (what that name
    /// resolved to), rebuilt by its row.
    pub fn naming(&self, object: ObjectName) -> Command {
        let Some(spec) = spec::find(self.name()) else {
            return self.clone();
        };
        let (mut values, build) = match ((spec.values)(self), &spec.chunk) {
            (Some(values), _) => (values, spec.build),
            (None, Some(form)) => ((form.values)(self).unwrap_or_default(), form.build),
            (None, None) => return self.clone(),
        };
        if let Some(named) = values.iter_mut().find(|v| matches!(v, Value::Object(_))) {
            *named = Value::Object(object);
        }
        build(&mut Values::new(spec.name, values)).unwrap_or_else(|_| self.clone())
    }
}

/// The canonical text of a command: what `parse` reads back as the same command, written by
/// its row.
impl fmt::Display for Command {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        let name = self.name();
        f.write_str(name)?;
        let Some(spec) = spec::find(name) else {
            return Ok(());
        };
        if let Some(values) = (spec.values)(self) {
            for (param, value) in spec.params.iter().zip(&values) {
                param.write(value, f)?;
            }
        } else if let Some(form) = &spec.chunk {
            for value in (form.values)(self).unwrap_or_default() {
                write!(f, " {}", form.word)?;
                form.object.write(&value, f)?;
            }
        }
        Ok(())
    }
}

/// A family's command is named, printed and renamed as the whole command it is: a family's plan
/// reads only its own commands, and says them as the palette does.
macro_rules! as_whole {
    ($($family:ident),* $(,)?) => {$(
        impl From<spec::family::$family> for Command {
            fn from(c: spec::family::$family) -> Command {
                Command::$family(c)
            }
        }

        impl spec::family::$family {
            pub fn name(&self) -> &'static str {
                self.into()
            }

            pub fn naming(&self, object: ObjectName) -> Command {
                Command::from(self.clone()).naming(object)
            }
        }

        impl fmt::Display for spec::family::$family {
            fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
                Command::from(self.clone()).fmt(f)
            }
        }
    )*};
}

as_whole!(Refresh, Chunks, Indexes, Jobs, Policies, Settings, Merge, Sessions, Journal);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::command::spec::family;

    fn on(schema: Option<&str>, name: &str) -> ObjectName {
        ObjectName {
            schema: schema.map(String::from),
            name: name.into(),
        }
    }

    #[test]
    fn object_names_follow_sql_rules() {
        assert_eq!(object_name("Metrics").unwrap(), on(None, "metrics"));
        assert_eq!(
            object_name("scn.Metrics").unwrap(),
            on(Some("scn"), "metrics")
        );
        assert_eq!(
            object_name(r#""Ops ""Team"""."events; drop table x""#).unwrap(),
            on(Some("Ops \"Team\""), "events; drop table x")
        );
        assert_eq!(
            object_name("\"température\"").unwrap(),
            on(None, "température")
        );
        assert!(object_name("a.b.c").is_err());
        assert!(object_name("\"\"").is_err());
        assert!(object_name(".x").is_err());
        assert!(matches!(
            object_name(&"x".repeat(64)),
            Err(ParseError::NameTooLong { .. })
        ));
        assert!(object_name(&"x".repeat(63)).is_ok());
    }

    #[test]
    fn hostile_names_survive_tokenizing() {
        let c = parse(r#"set-retention "Ops ""Team"""."events; drop table x" 7days"#).unwrap();
        assert_eq!(
            c,
            Command::Policies(family::Policies::SetRetention {
                relation: on(Some("Ops \"Team\""), "events; drop table x"),
                after: Interval("7 days".into())
            })
        );
    }

    #[test]
    fn unicode_escaped_names_parse_and_broken_escapes_are_refused() {
        assert_eq!(
            object_name(r#"low.U&"two\000Alines""#).unwrap(),
            on(Some("low"), "two\nlines")
        );
        assert_eq!(
            object_name(r#"u&"a\+01F600\\b""#).unwrap().name,
            "a\u{1F600}\\b"
        );
        for bad in [
            r#"U&"a\00""#,
            r#"U&"a\+4""#,
            r#"U&"a\zzzz""#,
            r#"U&"a\0000""#,
            r#"U&"a\+-0041""#,
        ] {
            assert!(object_name(bad).is_err(), "{bad}");
        }
        match parse(r#"drop-index low.U&"two\000Alines""#).unwrap() {
            Command::Indexes(family::Indexes::DropIndex { index }) => {
                assert_eq!(index.name, "two\nlines")
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_refresh_takes_settings_with_or_without_a_window() {
        use crate::command::spec::family;
        let read = |line: &str| match parse(line) {
            Ok(Command::Refresh(family::Refresh::Refresh {
                window,
                buckets_per_batch,
                refresh_newest_first,
                ..
            })) => (window.is_some(), buckets_per_batch, refresh_newest_first),
            other => panic!("{line}: {other:?}"),
        };
        assert_eq!(
            read("refresh c buckets_per_batch=5"),
            (false, Some("5".into()), None)
        );
        assert_eq!(
            read("refresh c null now refresh_newest_first=false buckets_per_batch=2"),
            (true, Some("2".into()), Some("false".into()))
        );
        assert_eq!(read("refresh c"), (false, None, None));
        assert!(parse("refresh c buckets_per_batch=1 buckets_per_batch=2").is_err());
        // one end, then a setting: the window is half given
        assert!(matches!(
            parse("refresh c null buckets_per_batch=5"),
            Err(ParseError::HalfWindow { .. })
        ));
        assert!(parse("refresh c colour=red").is_err());
    }

    #[test]
    fn a_number_without_a_unit_is_not_an_interval() {
        for t in ["1.5", "-0.5"] {
            let err = interval(t).unwrap_err().to_string();
            assert!(
                err.contains("has no unit") && err.contains("seconds"),
                "{t}: {err}"
            );
        }
        // Whole numbers wait for the plan: an integer-time threshold, or refused then.
        for (t, n) in [("90", 90), ("0", 0), ("-5", -5), (" 7 ", 7)] {
            assert_eq!(interval(t).unwrap().integer(), Some(n), "{t}");
        }
        assert_eq!(interval("90d").unwrap().0, "90 days");
        assert_eq!(interval("90d").unwrap().integer(), None);
    }

    #[test]
    fn intervals_accept_humantime_and_postgres() {
        assert_eq!(interval("6h").unwrap().0, "6 hours");
        assert_eq!(interval("7days").unwrap().0, "7 days");
        assert_eq!(interval("1h30m").unwrap().0, "1 hours 30 minutes");
        assert_eq!(interval("2 weeks").unwrap().0, "2 weeks");
        assert_eq!(interval("1 day 02:00:00").unwrap().0, "1 day 02:00:00");
        assert!(matches!(
            interval("soon"),
            Err(ParseError::BadInterval { .. })
        ));
        assert!(interval("1; drop table x").is_err());
        let c = parse("set-schedule 1004 '6 hours'").unwrap();
        assert_eq!(
            c,
            Command::Jobs(family::Jobs::SetSchedule {
                job_id: 1004,
                every: Interval("6 hours".into())
            })
        );
    }

    #[test]
    fn a_missing_object_is_named_with_its_article() {
        assert_eq!(
            parse("drop-index").unwrap_err().to_string(),
            "an index is required"
        );
        assert_eq!(
            parse("refresh").unwrap_err().to_string(),
            "a continuous aggregate is required"
        );
    }

    #[test]
    fn an_interval_unquoted_reads_as_postgresql_reads_it() {
        for (bare, quoted) in [
            (
                "set-retention plant.telemetry 30 days",
                "set-retention plant.telemetry '30 days'",
            ),
            (
                "set-retention plant.telemetry 30 Days",
                "set-retention plant.telemetry 30d",
            ),
            (
                "set-schedule 1004 1.5 hours",
                "set-schedule 1004 '1.5 hours'",
            ),
            (
                "compress m older-than 7 days",
                "compress m older-than '7 days'",
            ),
            (
                "drop-chunks m older-than 1 year",
                "drop-chunks m older-than '1 year'",
            ),
            (
                "set-refresh-policy c 30 days 1 hour 15 min",
                "set-refresh-policy c '30 days' '1 hour' '15 min'",
            ),
        ] {
            let (b, q) = (parse(bare), parse(quoted));
            assert!(b.is_ok(), "{bare}: {b:?}");
            assert_eq!(
                b.as_ref().map(|c| c.to_string()),
                q.as_ref().map(|c| c.to_string()),
                "{bare}"
            );
            // written back quoted, and read back as the same command
            assert_eq!(parse(&b.as_ref().unwrap().to_string()), b, "{bare}");
        }
        // one pair only: a longer interval is quoted (where several follow, the words would
        // be two intervals)
        assert!(parse("set-retention m 1 day 2 hours").is_err());
        // a number and a word that is no unit stays an error, as does a bare number
        assert!(parse("set-retention m 30 dayz").is_err());
        assert!(parse("set-schedule 1004 1.5").is_err());
    }

    #[test]
    fn every_command_parses() {
        for (line, ok) in [
            ("refresh scn.hourly", true),
            ("refresh scn.hourly '2024-01-01' '2024-02-01'", true),
            ("refresh scn.hourly 2024-01-01", false),
            ("compress scn.metrics older-than 7d", true),
            (
                "compress chunk _timescaledb_internal._hyper_1_1_chunk",
                true,
            ),
            ("decompress scn.metrics newer-than 1d", true),
            ("decompress scn.metrics older-than 1d", false),
            ("reindex scn.metrics", true),
            ("run-job 1000", true),
            ("pause-job x", false),
            ("resume-job -1", false),
            ("set-compress-after scn.metrics 7days", true),
            ("remove-compression-policy scn.metrics", true),
            ("set-retention scn.logs 30d", true),
            ("remove-retention-policy scn.logs", true),
            ("set-refresh-policy scn.hourly 3d 1h 30m", true),
            ("set-refresh-policy scn.hourly 3d 1h", false),
            ("remove-refresh-policy scn.hourly", true),
            ("drop-index scn.metrics_time_dup", true),
            ("history", true),
            ("history now", false),
            ("rollback", true),
            ("rollback 20261121-1", true),
            ("compres scn.metrics", false),
        ] {
            assert_eq!(parse(line).is_ok(), ok, "{line}: {:?}", parse(line));
        }
        for spec in spec::COMMANDS {
            let sample = match spec.name {
                "history" | "rollback" => spec.name.to_string(),
                name => format!("{name} x"),
            };
            assert!(
                !matches!(parse(&sample), Err(ParseError::UnknownCommand { .. })),
                "{} is in the table but not parsed",
                spec.name
            );
        }
        assert!(matches!(
            parse("compres x"),
            Err(ParseError::UnknownCommand { close, .. }) if close.first() == Some(&"compress")
        ));
        assert!(parse("ocmpress x")
            .unwrap_err()
            .to_string()
            .contains("did you mean compress?"));
        assert_eq!(parse(""), Err(ParseError::Empty));
    }

    #[test]
    fn display_is_the_canonical_text_that_parses_back_to_the_same_command() {
        for line in [
            "refresh scn.hourly",
            "refresh scn.hourly '2024-01-01' '2024-02-01'",
            "refresh scn.hourly NULL 1000",
            "compress scn.metrics older-than 7d",
            "compress scn.metrics",
            "compress chunk _timescaledb_internal._hyper_1_1_chunk",
            "decompress scn.metrics newer-than '1 day 02:00:00'",
            "decompress chunk x",
            "reindex \"Ops \"\"Team\"\"\".\"events; drop table x\"",
            "run-job 1000",
            "pause-job 1000",
            "resume-job 1000",
            "set-schedule 1000 30m",
            "set-compress-after scn.metrics 7days",
            "remove-compression-policy scn.metrics",
            "set-retention \"A\nDROP TABLE t --\" 30d",
            "remove-retention-policy scn.logs",
            "set-refresh-policy scn.hourly 3d 1h 30m",
            "remove-refresh-policy scn.hourly",
            "drop-index scn.\"it's\"",
            "drop-chunks scn.logs older-than 90d",
            "cancel-backend 4242",
            "terminate-backend 4242",
            "history",
            "rollback",
            "rollback 20261121-1",
        ] {
            let cmd = parse(line).unwrap();
            let text = cmd.to_string();
            assert_eq!(parse(&text), Ok(cmd.clone()), "{line} → {text}");
            assert!(spec::find(cmd.name()).is_some(), "{line}");
        }
    }

    #[test]
    fn arbitrary_input_never_panics_and_rejections_say_why() {
        // A cheap deterministic fuzz: every prefix and many mutations of real commands.
        let seeds = [
            r#"set-retention "Ops ""Team"""."events; drop table x" 7days"#,
            "refresh scn.hourly '2024-01-01' '2024-02-01'",
            "compress chunk \"a\".\"b\"",
            "set-refresh-policy scn.h 3d 1h 30m",
            "set-refresh-policy scn.h 30 days 1.5 hours 15 MIN",
        ];
        let noise = ['"', '\'', '.', ' ', ';', 'é', '\\', '0', 'x', '-'];
        let mut rng = crate::testing::Xorshift(0x2545_f491_4f6c_dd1d);
        for seed in seeds {
            let chars: Vec<char> = seed.chars().collect();
            for cut in 0..=chars.len() {
                let s: String = chars[..cut].iter().collect();
                if let Err(e) = parse(&s) {
                    assert!(!e.to_string().is_empty());
                }
            }
            for _ in 0..2000 {
                let mut v = chars.clone();
                for _ in 0..3 {
                    let state = rng.next();
                    let pos = (state as usize) % (v.len() + 1);
                    let c = noise[(state >> 32) as usize % noise.len()];
                    if state & 1 == 0 && pos < v.len() {
                        v.remove(pos);
                    } else {
                        v.insert(pos.min(v.len()), c);
                    }
                }
                let s: String = v.into_iter().collect();
                if let Err(e) = parse(&s) {
                    assert!(!e.to_string().is_empty(), "{s}");
                }
            }
        }
    }
}
