//! Plans for indexes: REINDEX CONCURRENTLY (a hypertable chunk by chunk) and DROP INDEX.

use super::Reading;
use super::*;
use crate::actions::Template;
use crate::command::spec::family;

use crate::actions::resolve::{self as read, ResolveError};

/// What reindex and drop-index act on (I/O): the relation, its chunks' indexes, an index's
/// definition.
pub(super) async fn facts(db: Reading<'_, family::Indexes>) -> Result<(), ResolveError> {
    match db.cmd {
        family::Indexes::Reindex { target } => {
            let r = read::relation(
                db.client,
                db.caps,
                target,
                &[
                    RelationKind::Index,
                    RelationKind::HypertableIndex,
                    RelationKind::Table,
                    RelationKind::Hypertable,
                ],
            )
            .await?;
            match r.kind {
                RelationKind::Hypertable => {
                    db.facts.items = read::targets(
                        db.client,
                        sql!("hypertable_chunks.sql"),
                        &[&r.schema, &r.name],
                    )
                    .await?;
                }
                RelationKind::HypertableIndex => {
                    let rows = db
                        .client
                        .query(crate::queries::INDEX_CHUNKS.as_str(), &[&r.schema, &r.name])
                        .await
                        .map_err(read::db)?;
                    db.facts.items = rows
                        .iter()
                        .map(|row| Object {
                            oid: row.get("index_oid"),
                            schema: row.get("index_schema"),
                            name: row.get("index_name"),
                        })
                        .collect();
                }
                _ => {}
            }
            db.facts.relation = Some(r);
        }
        family::Indexes::DropIndex { index } => {
            let r = read::relation(
                db.client,
                db.caps,
                index,
                &[RelationKind::Index, RelationKind::HypertableIndex],
            )
            .await?;
            if let Some(row) = db
                .client
                .query_opt(sql!("index_facts.sql"), &[&r.schema, &r.name])
                .await
                .map_err(read::db)?
            {
                db.facts.index_definition = row.get("definition");
                db.facts.index_backs_constraint = row.get("backs_constraint");
            }
            db.facts.relation = Some(r);
        }
    }
    Ok(())
}

/// The plan for one of reindex, drop-index.
pub(super) fn plan(cmd: &family::Indexes, facts: &Facts) -> Result<Plan, PlanError> {
    let plan = match cmd {
        family::Indexes::Reindex { .. } => {
            let r = relation(facts, "index or table")?;
            let (steps, affects): (Vec<Step>, Vec<String>) = match r.kind {
                RelationKind::Index => (vec![reindex(&r.target(), false)], vec![r.shown()]),
                RelationKind::Table => (vec![reindex(&r.target(), true)], vec![r.shown()]),
                // PostgreSQL cannot reindex a hypertable concurrently: one chunk at a time.
                RelationKind::Hypertable | RelationKind::HypertableIndex => {
                    if facts.items.is_empty() {
                        return Err(PlanError::NoChunksToReindex { object: r.shown() });
                    }
                    let steps = facts
                        .items
                        .iter()
                        .map(|item| reindex(item, r.kind == RelationKind::Hypertable))
                        .collect();
                    (steps, facts.items.iter().map(Object::shown).collect())
                }
                other => {
                    return Err(PlanError::NotReindexable {
                        object: r.shown(),
                        kind: other,
                    })
                }
            };
            let mut p = Plan::new(
                cmd.naming(r.object_name()).to_string(),
                format!(
                    "rebuild the indexes of {} ({} statements, CONCURRENTLY)",
                    r.shown(),
                    steps.len()
                ),
                affects,
                LOCKS_REINDEX,
            );
            p.steps = steps;
            p.irreversible =
                Some("a rebuild changes no definition; there is nothing to undo".into());
            p
        }
        family::Indexes::DropIndex { .. } => {
            let r = relation(facts, "index")?;
            expect_kind(
                r,
                &[RelationKind::Index, RelationKind::HypertableIndex],
                "index",
            )?;
            if facts.index_backs_constraint {
                return Err(PlanError::BacksConstraint { object: r.shown() });
            }
            let (file, how) = if r.kind == RelationKind::Index {
                (
                    Template::DropIndexConcurrently,
                    "CONCURRENTLY: ShareUpdateExclusiveLock, reads and writes continue",
                )
            } else {
                (Template::DropIndex, "AccessExclusiveLock on the hypertable and every chunk until commit (reads and writes wait)")
            };
            let mut p = Plan::new(
                cmd.naming(r.object_name()).to_string(),
                format!("drop index {}", r.shown()),
                vec![r.shown()],
                how,
            );
            p.steps = vec![Step::on_object(
                format!("drop {}", r.shown()),
                file,
                &facts.vars(),
                &r.target(),
            )];
            p.irreversible = Some(format!(
                "a dropped index is gone; its definition is kept in the journal: {}",
                facts.index_definition.as_deref().unwrap_or("?")
            ));
            p.previous = facts
                .index_definition
                .as_ref()
                .map(|d| serde_json::json!({ "definition": d }));
            p.confirm = r.confirm_by_name();
            p
        }
    };
    Ok(plan)
}

/// `REINDEX … CONCURRENTLY` of one index, or of a table's indexes.
fn reindex(target: &Object, table: bool) -> Step {
    let file = if table {
        Template::ReindexTable
    } else {
        Template::ReindexIndex
    };
    Step {
        concurrent_reindex: true,
        ..Step::on_object(format!("reindex {}", target.shown()), file, &[], target)
    }
}
