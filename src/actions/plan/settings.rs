//! Plans for a hypertable's own settings, from the advisors: its chunk interval and its
//! compression settings; each undone by setting back what the catalog had.

use super::Reading;
use super::*;
use crate::actions::Template;
use crate::command::spec::family;

use crate::actions::resolve::{self as read, ResolveError};

/// The hypertable's time dimension or compression settings as they are (I/O).
pub(super) async fn facts(db: Reading<'_, family::Settings>) -> Result<(), ResolveError> {
    match db.cmd {
        family::Settings::SetChunkInterval {
            hypertable,
            interval,
        } => {
            let r =
                read::relation(db.client, db.caps, hypertable, &[RelationKind::Hypertable]).await?;
            if r.kind == RelationKind::Hypertable {
                let row = db
                    .client
                    .query_opt(sql!("chunk_interval.sql"), &[&r.regclass()])
                    .await
                    .map_err(read::db)?
                    .ok_or_else(|| format!("{} has no time dimension", r.shown()))?;
                let integer_time: bool = row.get("integer_time");
                let length: i64 = row.get("interval_length");
                let newest: Option<i64> = row.get("newest_end");
                let now = ChunkInterval {
                    column: row.get("column_name"),
                    integer_time,
                    interval: match integer_time {
                        true => length.to_string(),
                        false => row.get("interval"),
                    },
                    newest_end: newest.map(|e| match integer_time {
                        true => e.to_string(),
                        false => chrono::DateTime::from_timestamp_micros(e)
                            .map_or_else(|| e.to_string(), |t| t.to_rfc3339()),
                    }),
                };
                if integer_time {
                    match interval.integer() {
                        Some(n) if n > 0 => {}
                        _ => {
                            return Err(format!(
                                "{} has an integer time column: give a positive number in its units (e.g. 1000), not '{}'",
                                r.shown(),
                                interval.0
                            )
                            .into())
                        }
                    }
                } else {
                    read::check_interval(db.client, interval, false).await?;
                }
                db.facts.integer_time = integer_time;
                db.facts.chunk_interval = Some(now);
            }
            db.facts.relation = Some(r);
        }
        family::Settings::SetCompression { hypertable, .. } => {
            let r =
                read::relation(db.client, db.caps, hypertable, &[RelationKind::Hypertable]).await?;
            if r.kind == RelationKind::Hypertable {
                let row = db
                    .client
                    .query_one(crate::queries::compression_now(db.caps), &[&r.regclass()])
                    .await
                    .map_err(read::db)?;
                db.facts.columns = read::columns(db.client, &r).await?;
                db.facts.compression = Some(CompressionNow {
                    enabled: row.get("enabled"),
                    segmentby: row.get("segmentby"),
                    orderby: row.get("orderby"),
                    compressed_chunks: row.get("compressed_chunks"),
                    per_chunk: db
                        .caps
                        .timescaledb
                        .as_ref()
                        .is_some_and(|t| t.compression_settings),
                });
            }
            db.facts.relation = Some(r);
        }
    }
    Ok(())
}

const LOCKS_SETTINGS: &str = "the hypertable's rows in TimescaleDB's catalog (and, for compression settings, the hypertable briefly: ALTER TABLE)";

/// The shortest and longest time chunk interval set-chunk-interval takes.
const MIN_CHUNK_SECONDS: f64 = 60.0;
const MAX_CHUNK_SECONDS: f64 = 10.0 * 365.25 * 86_400.0;

/// The plan for set-chunk-interval or set-compression.
pub(super) fn plan(cmd: &family::Settings, facts: &Facts) -> Result<Plan, PlanError> {
    let r = relation(facts, "hypertable")?;
    expect_kind(r, &[RelationKind::Hypertable], "hypertable")?;
    match cmd {
        family::Settings::SetChunkInterval { interval, .. } => {
            chunk_interval(cmd, r, facts, interval)
        }
        family::Settings::SetCompression {
            segmentby, orderby, ..
        } => compression(cmd, r, facts, segmentby.as_deref(), orderby.as_deref()),
    }
}

fn chunk_interval(
    cmd: &family::Settings,
    r: &Relation,
    facts: &Facts,
    wanted: &Interval,
) -> Result<Plan, PlanError> {
    let now = facts
        .chunk_interval
        .as_ref()
        .ok_or_else(|| PlanError::NotRead {
            part: Unread::ChunkInterval,
            object: r.shown(),
        })?;
    let shown = |i: &str| match now.integer_time {
        true => format!("{i} (units of {})", crate::format::ident(&now.column)),
        false => crate::format::interval(i),
    };
    // A chunk per few seconds makes millions of tables; one per decades makes one table.
    let seconds = (!now.integer_time)
        .then(|| crate::format::interval_seconds(&wanted.0))
        .flatten();
    if let Some(s) = seconds.filter(|s| *s < MIN_CHUNK_SECONDS) {
        return Err(PlanError::ChunkIntervalTooSmall {
            wanted: wanted.0.clone(),
            seconds: s,
        });
    }
    if let Some(s) = seconds.filter(|s| *s > MAX_CHUNK_SECONDS) {
        return Err(PlanError::ChunkIntervalTooLarge {
            wanted: wanted.0.clone(),
            seconds: s,
        });
    }
    if crate::format::interval(&now.interval) == crate::format::interval(&wanted.0) {
        return Err(PlanError::ChunkIntervalAlready {
            object: r.shown(),
            shown: shown(&now.interval),
        });
    }
    let mut p = Plan::new(
        cmd.to_string(),
        format!(
            "chunk interval of {}: {} → {}",
            r.shown(),
            shown(&now.interval),
            shown(&wanted.0)
        ),
        vec![r.shown()],
        LOCKS_SETTINGS,
    );
    let vars = facts.vars();
    let step = |label: String, value: &str| {
        Step::new(
            label,
            Template::SetChunkInterval,
            &vars,
            vec![text(r.regclass()), text(value)],
        )
    };
    p.steps = vec![step(format!("chunk interval of {}", r.shown()), &wanted.0)];
    p.inverse = Some(vec![step(
        format!("chunk interval of {} back", r.shown()),
        &now.interval,
    )]);
    p.previous = serde_json::to_value(now).ok();
    p.restores = Some(format!(
        "the chunk interval of {} back to {} (for chunks made after it)",
        r.shown(),
        shown(&now.interval)
    ));
    p.changes = vec![Change::ChunkInterval(r.oid)];
    p.impact.push(match &now.newest_end {
        Some(end) => format!(
            "new chunks only: existing chunks keep their ranges; the newest ends at {end}, and the chunks after it span {}",
            shown(&wanted.0)
        ),
        None => format!(
            "new chunks only: {} has no chunk yet; its first spans {}",
            r.shown(),
            shown(&wanted.0)
        ),
    });
    Ok(p)
}

fn compression(
    cmd: &family::Settings,
    r: &Relation,
    facts: &Facts,
    segmentby: Option<&str>,
    orderby: Option<&str>,
) -> Result<Plan, PlanError> {
    let now = facts
        .compression
        .as_ref()
        .ok_or_else(|| PlanError::NotRead {
            part: Unread::CompressionSettings,
            object: r.shown(),
        })?;
    let read = |seg: &str, ord: &str| {
        apply::CompressionColumns::read(seg, ord, &facts.columns, &r.shown())
    };
    let have = read(&now.segmentby, &now.orderby).map_err(PlanError::ColumnsAsTheyAre)?;
    let want = read(
        segmentby.unwrap_or(&now.segmentby),
        orderby.unwrap_or(&now.orderby),
    )?;
    let text = |c: &apply::CompressionColumns| {
        (
            crate::actions::columns::segmentby_text(&c.segmentby),
            crate::actions::columns::orderby_text(&c.orderby),
        )
    };
    let (want_segmentby, want_orderby) = text(&want);
    let (now_segmentby, now_orderby) = text(&have);
    let (want_segmentby, want_orderby) = (want_segmentby.as_str(), want_orderby.as_str());
    let said = |s: &str| match s {
        "" => "(none)".to_string(),
        s => s.to_string(),
    };
    if now.enabled && want == have {
        return Err(PlanError::CompressionAlready {
            object: r.shown(),
            segmentby: said(&now_segmentby),
            orderby: said(&now_orderby),
        });
    }
    if now.compressed_chunks > 0 && !now.per_chunk {
        return Err(PlanError::CompressedChunks {
            object: r.shown(),
            chunks: now.compressed_chunks,
            decompress: Box::new(Command::Chunks(family::Chunks::Decompress {
                hypertable: r.object_name(),
                newer_than: None,
            })),
        });
    }
    let summary = match now.enabled {
        true => format!(
            "compression settings of {}: segmentby {} → {}, orderby {} → {}",
            r.shown(),
            said(&now_segmentby),
            said(want_segmentby),
            said(&now_orderby),
            said(want_orderby)
        ),
        false => format!(
            "turn compression on for {}: segmentby {}, orderby {}",
            r.shown(),
            said(want_segmentby),
            match want_orderby {
                "" => "(TimescaleDB's choice)".to_string(),
                o => o.to_string(),
            }
        ),
    };
    let mut p = Plan::new(cmd.to_string(), summary, vec![r.shown()], LOCKS_SETTINGS);
    let target = r.target();
    let cs = facts.columnstore;
    p.steps = settings_steps(
        format!("{} settings of {}", cs.noun(), r.shown()),
        &target,
        &want,
        &have,
        cs,
    );
    p.inverse = Some(match now.enabled {
        true => settings_steps(
            format!("{} settings of {} back", cs.noun(), r.shown()),
            &target,
            &have,
            &want,
            cs,
        ),
        false => vec![Step::on_object(
            format!("{} of {} off again", cs.noun(), r.shown()),
            cs.unset(),
            &[],
            &target,
        )],
    });
    p.previous = serde_json::to_value(now).ok();
    p.restores = Some(match now.enabled {
        true => format!(
            "the compression settings of {}: segmentby {}, orderby {}",
            r.shown(),
            said(&now_segmentby),
            said(&now_orderby)
        ),
        false => format!("{} uncompressed, as it is", r.shown()),
    });
    p.changes = vec![Change::CompressionSettings(r.oid)];
    p.impact.push(match now.compressed_chunks {
        0 => "no chunk is compressed yet: every chunk compressed from now on uses these settings".into(),
        n => format!(
            "{n} compressed chunks keep the settings they were compressed with until they are decompressed and compressed again; chunks compressed from now on use these"
        ),
    });
    if !now.enabled {
        p.warnings.push(
            "turning compression off again (the rollback) is refused once a chunk is compressed: decompress it first".into(),
        );
    }
    Ok(p)
}

/// The statements that give `target` these settings, its orderby being `orderby_now`. An empty
/// orderby is TimescaleDB's own choice: where one is set now, it is reset first (2.14+ keeps no
/// orderby for a hypertable whose orderby was never given, and a SET cannot say so).
fn settings_steps(
    label: String,
    target: &Object,
    want: &apply::CompressionColumns,
    now: &apply::CompressionColumns,
    cs: super::Columnstore,
) -> Vec<Step> {
    let mut steps = Vec::new();
    if want.orderby.is_empty() && !now.orderby.is_empty() {
        steps.push(Step::on_object(
            format!("{label}: orderby as TimescaleDB chooses"),
            cs.reset_orderby(),
            &[],
            target,
        ));
    }
    steps.push(apply::set_compression(label, target, want, cs));
    steps
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::actions::columns::{ColumnsError, ListFault};
    use crate::actions::parse::parse;

    fn facts(compression: Option<CompressionNow>, interval: Option<ChunkInterval>) -> Facts {
        Facts {
            ts: "\"public\"".into(),
            relation: Some(Relation {
                oid: 16400,
                schema: "Ops \"Team\"".into(),
                name: "events; drop table x".into(),
                kind: RelationKind::Hypertable,
            }),
            integer_time: interval.as_ref().is_some_and(|i| i.integer_time),
            chunk_interval: interval,
            compression,
            columns: ["ts", "id", "device", "a\\"].map(String::from).to_vec(),
            ..Facts::default()
        }
    }

    fn week() -> ChunkInterval {
        ChunkInterval {
            column: "ts".into(),
            integer_time: false,
            interval: "168:00:00".into(),
            newest_end: Some("2026-11-26T00:00:00+00:00".into()),
        }
    }

    #[test]
    fn a_chunk_interval_is_set_by_oid_and_set_back_exactly() {
        let cmd = parse(r#"set-chunk-interval "Ops ""Team"""."events; drop table x" 1d"#).unwrap();
        let p = super::super::plan(&cmd, &facts(None, Some(week()))).unwrap();
        assert_eq!(
            p.steps[0].sql,
            "SELECT \"public\".set_chunk_time_interval($1::text::oid::regclass, $2::text::interval)"
        );
        assert_eq!(p.steps[0].params, vec![text("16400"), text("1 days")]);
        let undo = &p.inverse.as_ref().unwrap()[0];
        assert_eq!(undo.params, vec![text("16400"), text("168:00:00")]);
        assert!(p.summary.ends_with("7d → 1d"), "{}", p.summary);
        assert!(p.impact[0].contains("new chunks only"), "{:?}", p.impact);
        assert!(p.impact[0].contains("2026-11-26"), "{:?}", p.impact);
        assert_eq!(p.changes, vec![Change::ChunkInterval(16400)]);
        // bounds: not a chunk per microsecond, nor one per century
        for (given, why) in [
            ("00:00:00.000001", "fraction of a second"),
            ("00:00:30", "every 30s"),
            ("100 years", "at most 10 years"),
        ] {
            let mut cmd = parse("set-chunk-interval x 1d").unwrap();
            if let Command::Settings(family::Settings::SetChunkInterval { interval, .. }) = &mut cmd
            {
                interval.0 = given.into();
            }
            let e = super::super::plan(&cmd, &facts(None, Some(week())))
                .unwrap_err()
                .to_string();
            assert!(e.contains(why), "{given}: {e}");
        }
        // the same interval again is nothing to do
        let same = parse("set-chunk-interval x '7 days'").unwrap();
        assert!(super::super::plan(&same, &facts(None, Some(week()))).is_err());
    }

    #[test]
    fn integer_time_takes_its_units() {
        let units = ChunkInterval {
            integer_time: true,
            interval: "1000".into(),
            ..week()
        };
        let cmd = parse("set-chunk-interval x 100").unwrap();
        let p = super::super::plan(&cmd, &facts(None, Some(units))).unwrap();
        assert!(
            p.steps[0].sql.ends_with("$2::text::bigint)"),
            "{}",
            p.steps[0].sql
        );
        assert_eq!(p.inverse.unwrap()[0].params[1], text("1000"));
    }

    fn settings(per_chunk: bool, compressed_chunks: i64) -> CompressionNow {
        CompressionNow {
            enabled: true,
            segmentby: "id".into(),
            orderby: "ts DESC".into(),
            compressed_chunks,
            per_chunk,
        }
    }

    #[test]
    fn compression_settings_name_the_tables_columns_only_and_are_set_back() {
        // what is not a list of the table's columns never reaches SQL
        for bad in [
            "set-compression x segmentby='device''); DROP TABLE y; --'",
            r"set-compression x segmentby='v --\''); CREATE TABLE public.x(); --'",
            "set-compression x segmentby=nosuch",
            "set-compression x orderby='ts DESC, nosuch'",
        ] {
            let cmd = parse(bad).unwrap();
            let e = super::super::plan(&cmd, &facts(Some(settings(true, 3)), None)).unwrap_err();
            assert!(
                matches!(
                    e,
                    PlanError::Columns(ColumnsError::List {
                        fault: ListFault::Character(_),
                        ..
                    }) | PlanError::Columns(ColumnsError::NoColumn { .. })
                ),
                "{bad}: {e}"
            );
        }
        let cmd = parse(r#"set-compression x segmentby='device, "a\"'"#).unwrap();
        let p = super::super::plan(&cmd, &facts(Some(settings(true, 3)), None)).unwrap();
        let sql = &p.steps[0].sql;
        // a backslash in a name: an escape string, read the same whatever
        // standard_conforming_strings says
        assert!(
            sql.contains(r#"timescaledb.compress_segmentby = E'"device", "a\\"'"#),
            "{sql}"
        );
        assert!(
            sql.contains(r#"timescaledb.compress_orderby = '"ts" DESC'"#),
            "{sql}"
        );
        let undo = &p.inverse.as_ref().unwrap()[0].sql;
        assert!(undo.contains(r#"compress_segmentby = '"id"'"#), "{undo}");
        assert!(
            p.impact[0].starts_with("3 compressed chunks keep"),
            "{:?}",
            p.impact
        );
        assert_eq!(p.steps[0].guard.as_ref().map(|g| g.oid), Some(16400));
    }

    #[test]
    fn an_orderby_left_to_timescaledb_is_reset_before_the_segmentby_is_set_back() {
        let chosen = CompressionNow {
            orderby: String::new(),
            ..settings(true, 0)
        };
        let cmd = parse("set-compression x segmentby='' orderby='ts DESC, id'").unwrap();
        let p = super::super::plan(&cmd, &facts(Some(chosen), None)).unwrap();
        assert_eq!(p.steps.len(), 1);
        let undo = p.inverse.unwrap();
        assert_eq!(undo.len(), 2, "{undo:?}");
        assert!(
            undo[0]
                .sql
                .ends_with("RESET (timescaledb.compress_orderby)"),
            "{}",
            undo[0].sql
        );
        assert!(
            undo[1].sql.contains(r#"compress_segmentby = '"id"'"#),
            "{}",
            undo[1].sql
        );
    }

    #[test]
    fn a_version_with_one_setting_for_all_chunks_asks_to_decompress_first() {
        let cmd = parse("set-compression x segmentby=device").unwrap();
        let e = super::super::plan(&cmd, &facts(Some(settings(false, 3)), None)).unwrap_err();
        assert!(
            matches!(e, PlanError::CompressedChunks { chunks: 3, .. }),
            "{e}"
        );
        // nothing compressed: allowed there too
        assert!(super::super::plan(&cmd, &facts(Some(settings(false, 0)), None)).is_ok());
        // the settings it has already: nothing to do
        let same = parse("set-compression x segmentby=id").unwrap();
        assert!(super::super::plan(&same, &facts(Some(settings(true, 0)), None)).is_err());
    }

    #[test]
    fn turning_compression_on_is_undone_by_turning_it_off() {
        let off = CompressionNow {
            enabled: false,
            segmentby: String::new(),
            orderby: String::new(),
            ..settings(true, 0)
        };
        let cmd = parse("set-compression x segmentby=device").unwrap();
        let p = super::super::plan(&cmd, &facts(Some(off), None)).unwrap();
        assert!(
            p.summary.starts_with("turn compression on"),
            "{}",
            p.summary
        );
        let undo = &p.inverse.as_ref().unwrap()[0].sql;
        assert!(undo.contains("timescaledb.compress = false"), "{undo}");
    }
}
