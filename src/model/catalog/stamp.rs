//! The names' stamp (`queries/listed_versions.sql`): each relation the kept structure names —
//! the hypertables, the ordinary tables, their indexes — with a term that moves when its
//! pg_class or pg_index row is written again (a rename, an altered definition, a validity set).
//! A missing term is a relation dropped. Taken from the last stamp's horizon, a look returns
//! only the terms that can have moved; the rest are the last stamp's.

use serde::{Deserialize, Serialize};
use tokio_postgres::{Client, Error, Row, Statement};

use crate::model::rows::array;
use crate::model::watch::{reaches, Horizon};

/// Each named relation's term by oid, sorted, and where the next look starts.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ListedStamp {
    pub terms: Vec<(u32, i64)>,
    /// The look's horizon: pg_class rows written since are looked at again. None: the next
    /// look reads every term.
    horizon: Horizon,
    /// pg_index's counted updates when its rows were last looked at, and that look's horizon.
    index_look: (IndexUpdates, Horizon),
}

/// pg_index's counted updates, with the statistics' reset time they count from (a count back
/// at the same number after a reset is not the same count); None: not counted.
pub type IndexUpdates = Option<(i64, i64)>;

/// What one look answered.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Look {
    /// How many named relations are in pg_class, and those that are not.
    pub present: usize,
    pub gone: Vec<u32>,
    /// The terms asked for or written since, by oid (unsorted).
    pub terms: Vec<(u32, i64)>,
    pub horizon: String,
    /// Whether the horizons asked from were within reach (a look from none: true).
    pub reached: bool,
}

impl Look {
    fn from_row(r: &Row, asked: &Asked) -> Result<Look, Error> {
        let oids: Vec<u32> = array(r, "oids")?;
        let terms: Vec<i64> = array(r, "terms")?;
        let within = |column: &str, asked: bool| -> Result<bool, Error> {
            Ok(!asked || reaches(r.try_get(column)?))
        };
        Ok(Look {
            present: r.try_get::<_, i64>("present")?.max(0) as usize,
            gone: array(r, "gone")?,
            terms: oids.into_iter().zip(terms).collect(),
            horizon: r.try_get("horizon")?,
            reached: within("horizon_age", asked.horizon.is_some())?
                && within(
                    "index_horizon_age",
                    asked.index && asked.index_horizon.is_some(),
                )?,
        })
    }
}

/// What a look asks for (the query's parameters but the named set).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Asked {
    /// From where (None: every term).
    pub horizon: Horizon,
    /// The named relations whose terms are not kept.
    pub unkept: Vec<u32>,
    /// Whether pg_index's rows are looked at, and from where.
    pub index: bool,
    pub index_horizon: Horizon,
}

impl ListedStamp {
    /// What a look from this stamp asks for `named` (sorted), pg_index's counted updates being
    /// `index_updates` (as the relations' watch read them; None: not counted) (pure).
    pub fn asks(&self, named: &[u32], index_updates: IndexUpdates) -> Asked {
        let unkept = (named.iter())
            .filter(|&&o| self.terms.binary_search_by_key(&o, |t| t.0).is_err())
            .copied()
            .collect();
        Asked {
            horizon: self.horizon.clone(),
            unkept,
            index: index_updates.is_none() || index_updates != self.index_look.0,
            index_horizon: self.index_look.1.clone(),
        }
    }

    /// The stamp a look from this one (`asked` for `named`, sorted) makes (pure): its terms
    /// where it returned one, this stamp's where not, none for the relations gone. None when
    /// the look cannot tell: a horizon out of reach, a count that does not add up.
    pub fn after(
        &self,
        named: &[u32],
        asked: &Asked,
        look: Look,
        index_updates: IndexUpdates,
    ) -> Option<ListedStamp> {
        if !look.reached || look.present + look.gone.len() != named.len() {
            return None;
        }
        let mut fresh = look.terms;
        fresh.sort_unstable();
        let mut gone = look.gone;
        gone.sort_unstable();
        let terms = (named.iter())
            .filter(|oid| gone.binary_search(oid).is_err())
            .map(|&oid| {
                let of =
                    |t: &[(u32, i64)]| t.binary_search_by_key(&oid, |x| x.0).ok().map(|i| t[i].1);
                Some((oid, of(&fresh).or_else(|| of(&self.terms))?))
            })
            .collect::<Option<Vec<_>>>()?;
        let horizon = Some(look.horizon);
        let index_look = match asked.index {
            true => (index_updates, horizon.clone()),
            false => self.index_look.clone(),
        };
        Some(ListedStamp {
            terms,
            horizon,
            index_look,
        })
    }

    /// The stamp of a look from no horizon: every present relation's term (pure).
    fn whole(look: Look, index_updates: IndexUpdates) -> ListedStamp {
        let mut terms = look.terms;
        terms.sort_unstable();
        let horizon = Some(look.horizon);
        ListedStamp {
            terms,
            index_look: (index_updates, horizon.clone()),
            horizon,
        }
    }

    /// How the relations it names moved since `old` (pure): those missing now (dropped), and
    /// whether one still there changed (renamed, altered). A relation only this one names was
    /// taken in since, and is not a move.
    pub fn moved_from(&self, old: &ListedStamp) -> (Vec<u32>, bool) {
        let (mut missing, mut changed) = (Vec::new(), false);
        for &(oid, term) in &old.terms {
            match self.terms.binary_search_by_key(&oid, |&(o, _)| o) {
                Ok(at) => changed |= self.terms[at].1 != term,
                Err(_) => missing.push(oid),
            }
        }
        (missing, changed)
    }
}

/// Takes the stamp of `named` (`statement`: listed_versions.sql, prepared): from `old`'s
/// horizon when there is one, else (or when that look cannot tell) every term, and then says
/// so (true). `index_updates`: pg_index's counted updates as the relations' watch last read
/// them.
pub async fn take(
    client: &Client,
    statement: &Statement,
    mut named: Vec<u32>,
    old: Option<&ListedStamp>,
    index_updates: IndexUpdates,
) -> Result<(ListedStamp, bool), Error> {
    named.sort_unstable();
    named.dedup();
    if let Some(old) = old.filter(|o| o.horizon.is_some()) {
        let asked = old.asks(&named, index_updates);
        let row = query(client, statement, &named, &asked).await?;
        let look = Look::from_row(&row, &asked)?;
        if let Some(stamp) = old.after(&named, &asked, look, index_updates) {
            return Ok((stamp, false));
        }
    }
    let asked = Asked::default();
    let row = query(client, statement, &named, &asked).await?;
    let look = Look::from_row(&row, &asked)?;
    Ok((ListedStamp::whole(look, index_updates), true))
}

async fn query(
    client: &Client,
    statement: &Statement,
    named: &[u32],
    asked: &Asked,
) -> Result<Row, Error> {
    client
        .query_one(
            statement,
            &[
                &asked.horizon,
                &named,
                &asked.unkept,
                &asked.index,
                &asked.index_horizon,
            ],
        )
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stamp(terms: &[(u32, i64)], horizon: &str, index: (IndexUpdates, &str)) -> ListedStamp {
        ListedStamp {
            terms: terms.to_vec(),
            horizon: Some(horizon.into()),
            index_look: (index.0, Some(index.1.into())),
        }
    }

    fn look(present: usize, terms: &[(u32, i64)]) -> Look {
        Look {
            present,
            gone: Vec::new(),
            terms: terms.to_vec(),
            horizon: "900".into(),
            reached: true,
        }
    }

    #[test]
    fn a_stamp_tells_dropped_from_renamed() {
        let old = stamp(&[(10, 1), (20, 2), (30, 3)], "1", (None, "1"));
        assert_eq!(old.moved_from(&old), (vec![], false));
        let now = stamp(&[(10, 1), (30, 3), (40, 4)], "2", (None, "1"));
        assert_eq!(now.moved_from(&old), (vec![20], false));
        let now = stamp(&[(10, 1), (20, 2), (30, 7)], "2", (None, "1"));
        assert_eq!(now.moved_from(&old), (vec![], true));
    }

    #[test]
    fn a_look_asks_for_what_it_keeps_no_term_of_and_pg_index_when_its_updates_moved() {
        let old = stamp(&[(10, 1), (20, 2)], "100", (Some((0, 5)), "90"));
        let asked = old.asks(&[10, 20, 30], Some((0, 5)));
        assert_eq!(asked.unkept, vec![30]);
        assert_eq!(asked.horizon.as_deref(), Some("100"));
        assert!(!asked.index, "pg_index's updates did not move");
        assert!(old.asks(&[10, 20], Some((0, 6))).index);
        assert!(
            old.asks(&[10, 20], Some((1, 5))).index,
            "counted again from a reset, back at the same number"
        );
        assert!(
            old.asks(&[10, 20], None).index,
            "not counted: looked at every time"
        );
        assert_eq!(
            old.asks(&[10], Some((0, 6))).index_horizon.as_deref(),
            Some("90")
        );
    }

    #[test]
    fn a_look_keeps_the_terms_it_did_not_return_and_takes_those_it_did() {
        let old = stamp(&[(10, 1), (20, 2), (30, 3)], "100", (Some((0, 5)), "90"));
        let named = [10, 20, 30, 40];
        let asked = old.asks(&named, Some((0, 5)));
        let now = old
            .after(&named, &asked, look(4, &[(40, 4), (20, 9)]), Some((0, 5)))
            .unwrap();
        assert_eq!(now.terms, vec![(10, 1), (20, 9), (30, 3), (40, 4)]);
        assert_eq!(now.horizon.as_deref(), Some("900"));
        assert_eq!(
            now.index_look,
            (Some((0, 5)), Some("90".into())),
            "pg_index not looked at"
        );
        assert_eq!(now.moved_from(&old), (vec![], true));
        // pg_index looked at: its look starts from this one
        let asked = old.asks(&named, Some((0, 7)));
        let now = old
            .after(&named, &asked, look(4, &[(40, 4)]), Some((0, 7)))
            .unwrap();
        assert_eq!(now.index_look, (Some((0, 7)), Some("900".into())));
        assert_eq!(now.moved_from(&old), (vec![], false));
    }

    #[test]
    fn a_relation_gone_is_missing_from_the_stamp_a_look_makes() {
        let old = stamp(&[(10, 1), (20, 2), (30, 3)], "100", (Some((0, 5)), "90"));
        let named = [10, 20, 30];
        let asked = old.asks(&named, Some((0, 5)));
        let gone = Look {
            gone: vec![20],
            ..look(2, &[(30, 8)])
        };
        let now = old.after(&named, &asked, gone, Some((0, 5))).unwrap();
        assert_eq!(now.terms, vec![(10, 1), (30, 8)]);
        assert_eq!(now.moved_from(&old), (vec![20], true));
    }

    #[test]
    fn a_look_that_cannot_tell_says_so() {
        let old = stamp(&[(10, 1), (20, 2)], "100", (Some((0, 5)), "90"));
        let named = [10, 20];
        let asked = old.asks(&named, Some((0, 5)));
        // a count that does not add up (a relation gone, not named)
        assert_eq!(old.after(&named, &asked, look(1, &[]), Some((0, 5))), None);
        let far = Look {
            reached: false,
            ..look(2, &[])
        };
        assert_eq!(old.after(&named, &asked, far, Some((0, 5))), None);
        // a term neither returned nor kept (not asked for): no stamp made up
        assert_eq!(
            old.after(&[10, 20, 30], &asked, look(3, &[]), Some((0, 5))),
            None
        );
    }
}
