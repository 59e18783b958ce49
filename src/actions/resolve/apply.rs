//! What applying a policy file changes: its relations, jobs and settings as they are.

use tokio_postgres::Client;

use super::*;

/// The continuous aggregates built on another one, as a policy file names them.
pub async fn hierarchical(
    client: &Client,
) -> Result<std::collections::BTreeSet<String>, ResolveError> {
    Ok(client
        .query(sql!("hierarchical_caggs.sql"), &[])
        .await
        .map_err(db)?
        .iter()
        .map(|r| {
            crate::format::qualified_escaped(
                &r.get::<_, String>("schema"),
                &r.get::<_, String>("name"),
            )
        })
        .collect())
}

/// A relation's columns, as its catalog names them.
pub(crate) async fn columns(client: &Client, r: &Relation) -> Result<Vec<String>, ResolveError> {
    Ok(client
        .query(sql!("columns.sql"), &[&r.regclass()])
        .await
        .map_err(db)?
        .iter()
        .map(|row| row.get("name"))
        .collect())
}

/// What `plan_apply` needs for `drift`: each relation resolved to its oid, the jobs it
/// changes or removes (all their settings, to restore), compression settings as they are, and
/// what a new or changed retention would drop. The database has TimescaleDB (the caller read
/// its policies).
pub async fn apply_facts(
    client: &Client,
    caps: &Capabilities,
    have: &[crate::model::policies::RelationPolicies],
    want: &crate::policy::PolicyFile,
    drift: &[crate::policy::Drift],
) -> Result<crate::actions::facts::ApplyFacts, ResolveError> {
    use crate::policy::{DriftKind, Part};
    let mut f = crate::actions::facts::ApplyFacts {
        ts: quote_ident(caps.timescaledb_schema().unwrap_or("public")),
        columnstore: crate::actions::facts::Columnstore(
            caps.timescaledb.as_ref().is_some_and(|t| t.columnstore),
        ),
        version: caps
            .timescaledb
            .as_ref()
            .map(|t| t.version.clone())
            .unwrap_or_default(),
        hierarchical: hierarchical(client).await?,
        alter_job_clears_timezone: caps
            .timescaledb
            .as_ref()
            .is_some_and(|t| t.alter_job_timezone),
        compaction_policy: caps
            .timescaledb
            .as_ref()
            .is_some_and(|t| t.compaction_policy),
        refresh_batching: crate::actions::facts::RefreshBatchingArgs::of(caps),
        ..Default::default()
    };
    let schema = caps.timescaledb_schema().unwrap_or("public").to_string();
    let row = client
        .query_one(sql!("created_before.sql"), &[&schema])
        .await
        .map_err(db)?;
    for (column, part) in [
        ("retention", Part::RetentionPolicy),
        ("compression", Part::CompressionPolicy),
    ] {
        if row.get::<_, Option<bool>>(column) == Some(true) {
            f.created_before.insert(part);
        }
    }
    for d in drift.iter().filter(|d| d.kind != DriftKind::NoRelation) {
        let Some(h) = have
            .iter()
            .find(|h| crate::format::qualified_escaped(&h.schema, &h.name) == d.relation)
        else {
            continue;
        };
        if !f.relations.contains_key(&d.relation) {
            let name = ObjectName {
                schema: Some(h.schema.clone()),
                name: h.name.clone(),
            };
            let kinds = [RelationKind::Hypertable, RelationKind::Cagg];
            let r = relation(client, caps, &name, &kinds).await?;
            f.relations.insert(d.relation.clone(), r);
        }
        if let Some(j) = crate::policy::job_of(have, &d.relation, d.part) {
            if let Some(settings) = job(client, caps, j.job_id).await? {
                f.job_of.insert((d.relation.clone(), d.part), j.job_id);
                f.jobs.insert(j.job_id, settings);
            }
        }
        if d.part == Part::RefreshPolicy {
            let refresh = Part::RefreshPolicy.proc_name().unwrap_or_default();
            // each job's policy as the drift compares it: its intervals as the server writes
            // them (a job's config may hold them in another style than the file)
            let mut read = crate::policy::PolicyFile::default();
            for j in h.jobs.iter().filter(|j| j.proc_name == refresh) {
                if let Some(settings) = job(client, caps, j.job_id).await? {
                    f.jobs.insert(j.job_id, settings);
                    let policy = crate::policy::Relation {
                        refresh_policy: Some(crate::policy::RefreshPolicy::of(j)),
                        ..Default::default()
                    };
                    read.caggs.insert(j.job_id.to_string(), policy);
                }
            }
            super::normalize_intervals(client, &mut read, false).await?;
            let jobs = (read.caggs.into_iter())
                .filter_map(|(id, r)| Some((id.parse().ok()?, r.refresh_policy?)))
                .collect();
            f.refresh_jobs.insert(d.relation.clone(), jobs);
        }
        if d.part == Part::Compression {
            if let Some(r) = f.relations.get(&d.relation) {
                let names = columns(client, r).await?;
                f.columns.insert(d.relation.clone(), names);
            }
            let now = h
                .compression_enabled
                .then(|| (h.segmentby.join(", "), h.orderby.join(", ")));
            f.compression.insert(d.relation.clone(), now);
        }
        if d.part == Part::RetentionPolicy
            && matches!(d.kind, DriftKind::Missing | DriftKind::Changed)
        {
            let Some(p) = want
                .relation(&d.relation, d.is_cagg)
                .and_then(|w| w.retention_policy.as_ref())
            else {
                continue;
            };
            let threshold = match (
                p.after.as_ref().and_then(|a| a.interval()),
                &p.created_before,
            ) {
                (Some(after), _) => Some(("drop", after)),
                (None, Some(created)) => Some(("drop_created", created.as_str())),
                (None, None) => None,
            };
            if let (Some((mode, t)), Some(r)) = (threshold, f.relations.get(&d.relation)) {
                let i = impact(client, r, mode, &Interval(t.to_string()), None, caps).await?;
                f.impact.insert(d.relation.clone(), i);
            }
        }
    }
    Ok(f)
}
