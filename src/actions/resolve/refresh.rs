//! The intervals of a policy file, as the server reads them.

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
