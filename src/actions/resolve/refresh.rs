//! A continuous aggregate's refresh, and the intervals of a policy file, as the server reads them.

use tokio_postgres::Client;

use super::*;

/// Every interval of a policy file as the server reads it (exported and written files then
/// compare equal whatever their spelling); an interval the server refuses is named. A file
/// someone wrote (`written`) is held to the palette's rules for the same settings: a unit is
/// required (a bare `90` would be seconds), thresholds and schedules are positive, offsets not
/// negative — the database's own policies are read as they are.
pub async fn normalize_intervals(
    client: &Client,
    file: &mut crate::policy::PolicyFile,
    written: bool,
) -> Result<(), ResolveError> {
    use crate::policy::IntervalUse;
    let mut slots = crate::policy::intervals_mut(file);
    if written {
        for slot in slots.iter_mut() {
            let i = crate::actions::parse::interval(slot.value).map_err(|error| {
                ResolveError::Interval {
                    place: slot.place.to_string(),
                    error,
                }
            })?;
            // A number threshold is a TOML number, not a string: "90" would be 90 seconds.
            if i.integer().is_some() {
                return Err(ResolveError::Interval {
                    place: slot.place.to_string(),
                    error: crate::actions::parse::no_unit(&i.0),
                });
            }
            *slot.value = i.0;
        }
    }
    let given: Vec<String> = slots.iter().map(|s| s.value.to_string()).collect();
    let read = |values: Vec<String>| async move {
        client
            .query(sql!("intervals.sql"), &[&values])
            .await
            .map(|rows| {
                rows.iter()
                    .map(|r| (r.get::<_, String>("normalised"), r.get::<_, i32>("sign")))
                    .collect::<Vec<_>>()
            })
    };
    let normalised = match read(given.clone()).await {
        Ok(n) => n,
        Err(e) => {
            // Which one: the first the server refuses on its own.
            for (slot, g) in slots.iter().zip(&given) {
                if let Err(one) = read(vec![g.clone()]).await {
                    return Err(ResolveError::NotAnInterval {
                        place: slot.place.to_string(),
                        given: g.clone(),
                        error: Box::new(db(one)),
                    });
                }
            }
            return Err(db(e));
        }
    };
    for (slot, (n, sign)) in slots.iter_mut().zip(normalised) {
        let zero_ok = slot.used_as == IntervalUse::Offset;
        if written && (sign < 0 || (sign == 0 && !zero_ok)) {
            return Err(ResolveError::NotPositive {
                place: slot.place.to_string(),
                value: slot.value.to_string(),
                negative: sign < 0,
                zero_ok,
            });
        }
        *slot.value = n;
    }
    Ok(())
}

/// A continuous aggregate about to be refreshed (see [`crate::actions::plan::RefreshFacts`]): where it
/// stands, its policy, and what the window the plan will choose reads of its source.
pub(super) async fn refresh_facts(
    client: &Client,
    caps: &Capabilities,
    r: &Relation,
    window: Option<&(WindowBound, WindowBound)>,
) -> Result<crate::actions::plan::RefreshFacts, ResolveError> {
    use crate::model::caggs;
    let all = caggs::fetch(client, caps, &mut Default::default())
        .await
        .map_err(db)?;
    let c = all
        .into_iter()
        .find(|c| (c.schema.as_str(), c.name.as_str()) == (r.schema.as_str(), r.name.as_str()))
        .ok_or_else(|| {
            format!(
                "{} is not a continuous aggregate this role can read",
                r.shown()
            )
        })?;
    let integer_time = !caggs::is_time_type(&c.time_type);
    // a length as the time dimension counts it: µs, or the integer
    let units = |text: &str| -> Option<i64> {
        match integer_time {
            true => text.trim().parse().ok(),
            false => crate::format::interval_seconds(text).map(|s| (s * 1e6) as i64),
        }
    };
    let now = match integer_time {
        true => integer_now(client, r).await?.flatten(),
        false => Some(
            client
                .query_one("SELECT (extract(epoch FROM now()) * 1000000)::int8", &[])
                .await
                .map_err(db)?
                .get(0),
        ),
    };
    let mut given = None;
    if let Some((a, b)) = window {
        let read = |w: &WindowBound| -> Result<Option<i64>, ResolveError> {
            match w {
                WindowBound::Open => Ok(None),
                WindowBound::Int(n) if integer_time => Ok(Some(*n)),
                WindowBound::Int(n) => Err(ResolveError::WindowNotTime {
                    object: r.shown(),
                    bound: *n,
                }),
                WindowBound::Time(t) if integer_time => Err(ResolveError::WindowNotInteger {
                    object: r.shown(),
                    bound: t.clone(),
                }),
                WindowBound::Time(_) => Ok(Some(0)),
            }
        };
        let (mut from, mut to) = (read(a)?, read(b)?);
        for (w, v) in [(a, &mut from), (b, &mut to)] {
            if let WindowBound::Time(t) = w {
                *v = Some(
                    client
                        .query_one(
                            "SELECT (extract(epoch FROM $1::text::timestamptz) * 1000000)::int8",
                            &[t],
                        )
                        .await
                        .map_err(|e| format!("'{t}' is not a time: {}", db(e)))?
                        .get(0),
                );
            }
        }
        given = Some((from, to));
    }
    let runs = match &c.refresh_policy {
        Some(p) => client
            .query_opt(sql!("refresh_runs.sql"), &[&p.job_id])
            .await
            .map_err(db)?
            .map(|row| (row.get::<_, i64>("runs"), row.get::<_, f64>("mean_seconds"))),
        None => None,
    };
    let interval: Option<i64> = client
        .query_opt(
            sql!("source_interval.sql"),
            &[&c.hypertable_schema, &c.hypertable_name],
        )
        .await
        .map_err(db)?
        .and_then(|row| row.get("interval"));
    let mut f = crate::actions::plan::RefreshFacts {
        integer_time,
        now,
        watermark: c.watermark.map(|w| match w {
            caggs::Watermark::Time(t) => t.timestamp_micros(),
            caggs::Watermark::Int(n) => n,
        }),
        policy: c.refresh_policy.as_ref().map(|p| {
            (
                p.start_offset.as_deref().and_then(units),
                p.end_offset.as_deref().and_then(units),
            )
        }),
        policy_runs: runs,
        // a width in months has none fixed
        bucket: c
            .bucket_width
            .as_deref()
            .filter(|b| !b.contains("mon") && !b.contains("year"))
            .and_then(units),
        chunk_interval: interval,
        given,
        source: c.source(),
        ..Default::default()
    };
    // where its data starts first, then what the chosen window reads
    let reads = |from: Option<i64>, to: Option<i64>, floor: Option<i64>| {
        let text = |v: Option<i64>| {
            v.map(|v| match integer_time {
                true => v.to_string(),
                false => chrono::DateTime::from_timestamp_micros(v)
                    .map_or_else(|| v.to_string(), |t| t.to_rfc3339()),
            })
        };
        (text(from), text(to), text(floor))
    };
    let sql = reading(sql!("refresh_reads.sql"), caps);
    let ask = |from, to, floor| {
        let (a, b, fl) = reads(from, to, floor);
        let sql = sql.clone();
        let (hs, hn) = (c.hypertable_schema.clone(), c.hypertable_name.clone());
        async move {
            client
                .query_one(
                    sql.as_str(),
                    &[&hs, &hn, &a, &b, &fl, &integer_time.to_string()],
                )
                .await
        }
    };
    let first = ask(None, None, None).await.map_err(db)?;
    f.data_start = first.get("data_start");
    let w = crate::actions::plan::refresh_window(&f);
    let floor = w.hole.map(|(a, _)| a);
    let row = ask(w.from, w.to, floor).await.map_err(db)?;
    f.chunks = row.get("chunks");
    f.rows = row.get("rows");
    f.bytes = row.get("bytes");
    f.gap_chunks = row.get("gap_chunks");
    Ok(f)
}
