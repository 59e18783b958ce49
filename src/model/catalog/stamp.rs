//! The names' stamp (`queries/listed_versions.sql`): each relation the kept structure names —
//! the hypertables, the ordinary tables, their indexes — with a term that moves when its
//! pg_class or pg_index row is written again (a rename, an altered definition, a validity set).
//! A missing term is a relation dropped. Taken from the last stamp's horizon, a look returns
//! only the terms that can have moved; the rest are the last stamp's. Where each named row's
//! place in pg_class is kept from the last look and every one holds it still, the look reads
//! nothing more (see the query).

use bytes::{BufMut, BytesMut};
use serde::{Deserialize, Serialize};
use tokio_postgres::types::{to_sql_checked, FromSql, IsNull, ToSql, Type};
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
    /// Each named relation's pg_class row's place (with its oid), sorted by place, and
    /// pg_class's file then: the next look fetches them by place first.
    places: Vec<(Place, u32)>,
    class_file: Option<u32>,
}

/// A row's place in its table (`ctid`): its page and its line there, ordered as PostgreSQL
/// orders them (a fetch by place returns rows in this order).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Place {
    page: u32,
    line: u16,
}

impl Place {
    /// A number that moves a term where its row moved: never 0, and apart for each place.
    fn mix(self) -> i64 {
        ((i64::from(self.page) << 16) | i64::from(self.line))
            .wrapping_mul(0x9E37_79B9_7F4A_7C15_u64 as i64)
            | 1
    }
}

impl<'a> FromSql<'a> for Place {
    fn from_sql(
        _: &Type,
        raw: &'a [u8],
    ) -> Result<Place, Box<dyn std::error::Error + Sync + Send>> {
        let raw: &[u8; 6] = raw.try_into().map_err(|_| "a place (tid) is 6 bytes")?;
        Ok(Place {
            page: u32::from_be_bytes([raw[0], raw[1], raw[2], raw[3]]),
            line: u16::from_be_bytes([raw[4], raw[5]]),
        })
    }

    fn accepts(ty: &Type) -> bool {
        *ty == Type::TID
    }
}

impl ToSql for Place {
    fn to_sql(
        &self,
        _: &Type,
        out: &mut BytesMut,
    ) -> Result<IsNull, Box<dyn std::error::Error + Sync + Send>> {
        out.put_u32(self.page);
        out.put_u16(self.line);
        Ok(IsNull::No)
    }

    fn accepts(ty: &Type) -> bool {
        *ty == Type::TID
    }

    to_sql_checked!();
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
    /// The terms asked for or written since, by oid (unsorted), and their rows' places.
    pub terms: Vec<(u32, i64)>,
    pub term_places: Vec<Place>,
    /// Whether every kept place held its row still (nothing probed); else every named row's
    /// place, as the probe found it (unsorted), and pg_class's file.
    pub held: bool,
    pub places: Vec<(Place, u32)>,
    pub class_file: Option<u32>,
    pub horizon: String,
    /// Whether the horizons asked from were within reach (a look from none: true).
    pub reached: bool,
}

impl Look {
    fn from_row(r: &Row, asked: &Asked) -> Result<Look, Error> {
        let oids: Vec<u32> = array(r, "oids")?;
        let terms: Vec<i64> = array(r, "terms")?;
        let places: Vec<Place> = array(r, "places")?;
        let place_oids: Vec<u32> = array(r, "place_oids")?;
        let within = |column: &str, asked: bool| -> Result<bool, Error> {
            Ok(!asked || reaches(r.try_get(column)?))
        };
        Ok(Look {
            present: r.try_get::<_, i64>("present")?.max(0) as usize,
            gone: array(r, "gone")?,
            terms: oids.into_iter().zip(terms).collect(),
            term_places: array(r, "term_places")?,
            held: r.try_get::<_, Option<bool>>("held")?.unwrap_or(false),
            places: places.into_iter().zip(place_oids).collect(),
            class_file: r.try_get("class_file")?,
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
    /// The kept named rows' places (sorted) and their oids in that order, pg_class's file then.
    pub places: Vec<Place>,
    pub place_oids: Vec<u32>,
    pub class_file: Option<u32>,
}

impl ListedStamp {
    /// What a look from this stamp asks for `named` (sorted), pg_index's counted updates being
    /// `index_updates` (as the relations' watch read them; None: not counted) (pure).
    pub fn asks(&self, named: &[u32], index_updates: IndexUpdates) -> Asked {
        let is_named = |o: &u32| named.binary_search(o).is_ok();
        let has_term = |o: &u32| self.terms.binary_search_by_key(o, |t| t.0).is_ok();
        let (places, place_oids): (Vec<Place>, Vec<u32>) = (self.places.iter())
            .filter(|(_, o)| is_named(o) && has_term(o))
            .copied()
            .unzip();
        // a relation without a term or a place kept is asked for
        let mut placed = place_oids.clone();
        placed.sort_unstable();
        let unkept = (named.iter())
            .filter(|o| placed.binary_search(o).is_err())
            .copied()
            .collect();
        Asked {
            horizon: self.horizon.clone(),
            unkept,
            index: index_updates.is_none() || index_updates != self.index_look.0,
            index_horizon: self.index_look.1.clone(),
            places,
            place_oids,
            class_file: self.class_file,
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
        let returned: Vec<(Place, u32)> = (look.term_places.iter().copied())
            .zip(look.terms.iter().map(|t| t.0))
            .collect();
        let mut fresh = look.terms;
        fresh.sort_unstable();
        let mut gone = look.gone;
        gone.sort_unstable();
        // the places: where every kept one held still, those and the returned rows'; else every
        // named row's as the probe found it
        let mut places = match look.held {
            true => (asked.places.iter().copied())
                .zip(asked.place_oids.iter().copied())
                .chain(returned)
                .collect(),
            false => look.places,
        };
        places.sort_unstable();
        places.dedup();
        // a row at another place than kept was written again, though not since the horizon as
        // its writer reads now (frozen since, or pg_class rewritten): its term is made to move
        let kept_at: std::collections::HashMap<u32, Place> =
            self.places.iter().map(|&(p, o)| (o, p)).collect();
        let moved: std::collections::HashMap<u32, Place> = (places.iter())
            .filter(|(p, o)| !look.held && kept_at.get(o).is_some_and(|k| k != p))
            .map(|&(p, o)| (o, p))
            .collect();
        let terms = (named.iter())
            .filter(|oid| gone.binary_search(oid).is_err())
            .map(|&oid| {
                let of =
                    |t: &[(u32, i64)]| t.binary_search_by_key(&oid, |x| x.0).ok().map(|i| t[i].1);
                let kept = || {
                    let term = of(&self.terms)?;
                    Some(moved.get(&oid).map_or(term, |&p| term ^ p.mix()))
                };
                Some((oid, of(&fresh).or_else(kept)?))
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
            places,
            class_file: look.class_file,
        })
    }

    /// The stamp of a look from no horizon: every present relation's term and place (pure).
    fn whole(look: Look, index_updates: IndexUpdates) -> ListedStamp {
        let mut terms = look.terms;
        terms.sort_unstable();
        let mut places = look.places;
        places.sort_unstable();
        let horizon = Some(look.horizon);
        ListedStamp {
            terms,
            index_look: (index_updates, horizon.clone()),
            horizon,
            places,
            class_file: look.class_file,
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

/// How a stamp was taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Took {
    /// Every term read (no horizon, or a look that could not tell).
    Whole,
    /// From the last horizon, every named row probed.
    Probed,
    /// From the last horizon, every kept place holding its row still.
    Held,
}

/// Takes the stamp of `named` (`statement`: listed_versions.sql, prepared): from `old`'s
/// horizon when there is one, else (or when that look cannot tell) every term, and says how.
/// `index_updates`: pg_index's counted updates as the relations' watch last read them.
pub async fn take(
    client: &Client,
    statement: &Statement,
    mut named: Vec<u32>,
    old: Option<&ListedStamp>,
    index_updates: IndexUpdates,
) -> Result<(ListedStamp, Took), Error> {
    named.sort_unstable();
    named.dedup();
    if let Some(old) = old.filter(|o| o.horizon.is_some()) {
        let asked = old.asks(&named, index_updates);
        let row = query(client, statement, &named, &asked).await?;
        let look = Look::from_row(&row, &asked)?;
        let took = match look.held {
            true => Took::Held,
            false => Took::Probed,
        };
        if let Some(stamp) = old.after(&named, &asked, look, index_updates) {
            return Ok((stamp, took));
        }
    }
    let asked = Asked::default();
    let row = query(client, statement, &named, &asked).await?;
    let look = Look::from_row(&row, &asked)?;
    Ok((ListedStamp::whole(look, index_updates), Took::Whole))
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
                &asked.places,
                &asked.place_oids,
                &asked.class_file,
            ],
        )
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Relation `oid`'s row's place: page oid / 10, line oid % 10 (another `moved`).
    fn place(oid: u32, moved: u16) -> Place {
        Place {
            page: oid / 10,
            line: (oid % 10) as u16 + 10 * moved,
        }
    }

    fn places(oids: impl IntoIterator<Item = u32>) -> Vec<(Place, u32)> {
        let mut places: Vec<_> = oids.into_iter().map(|o| (place(o, 0), o)).collect();
        places.sort_unstable();
        places
    }

    fn stamp(terms: &[(u32, i64)], horizon: &str, index: (IndexUpdates, &str)) -> ListedStamp {
        ListedStamp {
            terms: terms.to_vec(),
            horizon: Some(horizon.into()),
            index_look: (index.0, Some(index.1.into())),
            places: places(terms.iter().map(|t| t.0)),
            class_file: Some(1259),
        }
    }

    /// A look that probed every named row (`present` of them, each at its kept place), with
    /// `terms` returned.
    fn look(present: usize, terms: &[(u32, i64)]) -> Look {
        Look {
            present,
            gone: Vec::new(),
            terms: terms.to_vec(),
            term_places: terms.iter().map(|t| place(t.0, 0)).collect(),
            held: false,
            places: Vec::new(),
            class_file: Some(1259),
            horizon: "900".into(),
            reached: true,
        }
    }

    /// The same, every named row (`named`, present) at its kept place.
    fn probed(named: &[u32], terms: &[(u32, i64)]) -> Look {
        Look {
            places: places(named.iter().copied()),
            ..look(named.len(), terms)
        }
    }

    #[test]
    fn a_look_sends_the_kept_places_in_their_order_and_asks_for_the_unplaced() {
        let mut old = stamp(&[(10, 1), (20, 2), (35, 3)], "100", (None, "90"));
        // 20's place not kept
        old.places.retain(|p| p.1 != 20);
        let asked = old.asks(&[10, 20, 35, 40], None);
        assert_eq!(
            asked.place_oids,
            vec![10, 35],
            "kept places, in their order"
        );
        assert_eq!(asked.places, vec![place(10, 0), place(35, 0)]);
        assert_eq!(asked.unkept, vec![20, 40], "no place kept, or no term");
        assert_eq!(asked.class_file, Some(1259));
        // a place kept of a relation no longer named is not sent
        let asked = old.asks(&[35], None);
        assert_eq!(asked.place_oids, vec![35]);
    }

    #[test]
    fn where_the_kept_places_held_still_a_look_keeps_them_and_adds_the_returned() {
        let old = stamp(&[(10, 1), (20, 2)], "100", (Some((0, 5)), "90"));
        let named = [10, 20, 30];
        let asked = old.asks(&named, Some((0, 5)));
        let held = Look {
            held: true,
            ..look(3, &[(30, 3)])
        };
        let now = old.after(&named, &asked, held, Some((0, 5))).unwrap();
        assert_eq!(now.terms, vec![(10, 1), (20, 2), (30, 3)]);
        assert_eq!(now.places, places([10, 20, 30]));
        assert_eq!(now.moved_from(&old), (vec![], false));
    }

    #[test]
    fn a_row_found_at_another_place_moves_its_term_though_not_written_since_the_horizon() {
        // (frozen since it was renamed, its writer reads as the frozen one: not "recent")
        let old = stamp(&[(10, 1), (20, 2)], "100", (Some((0, 5)), "90"));
        let named = [10, 20];
        let asked = old.asks(&named, Some((0, 5)));
        let mut look = probed(&named, &[]);
        look.places = vec![(place(10, 0), 10), (place(20, 3), 20)];
        let now = old.after(&named, &asked, look, Some((0, 5))).unwrap();
        assert_eq!(now.terms[0], (10, 1));
        assert_ne!(now.terms[1].1, 2, "moved");
        assert_eq!(now.moved_from(&old), (vec![], true));
        // at that place from then on, and its term as it is now
        let asked = now.asks(&named, Some((0, 5)));
        let again = now
            .after(&named, &asked, probed(&named, &[]), Some((0, 5)))
            .map(|s| s.terms);
        assert_ne!(
            again,
            Some(now.terms.clone()),
            "the probe found it back at 20's first place"
        );
        let mut still = probed(&named, &[]);
        still.places = vec![(place(10, 0), 10), (place(20, 3), 20)];
        let after = now.after(&named, &asked, still, Some((0, 5))).unwrap();
        assert_eq!(after.terms, now.terms, "not moved again");
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
