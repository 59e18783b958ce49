//! Text read once and shared: a name that many rows repeat (a schema, an owner, a procedure,
//! an error) is held once per read, each row holding a pointer to it.

use tokio_postgres::Row;

/// A name or definition shared, not copied (between rows of one read, and between the
/// catalog's structure and the rows made of it on every refresh). A thin pointer: 8 bytes where
/// an `Arc<str>` is 16, and tens of thousands of rows hold several each.
pub type Name = arcstr::ArcStr;

/// The names of one read: each text once, however many rows repeat it (15,500 indexes of a
/// few hundred tables repeat their schema and table names; 6,500 jobs their owner, procedure
/// and error).
#[derive(Debug, Default)]
pub struct Interner(rustc_hash::FxHashSet<Name>);

impl Interner {
    /// `text`, held once.
    pub fn name(&mut self, text: &str) -> Name {
        if let Some(held) = self.0.get(text) {
            return held.clone();
        }
        let name = Name::from(text);
        self.0.insert(name.clone());
        name
    }

    /// A text column of `r`, held once.
    pub fn column(&mut self, r: &Row, column: &str) -> Result<Name, tokio_postgres::Error> {
        Ok(self.name(r.try_get::<_, &str>(column)?))
    }

    /// A text column that may be NULL, held once.
    pub fn optional(
        &mut self,
        r: &Row,
        column: &str,
    ) -> Result<Option<Name>, tokio_postgres::Error> {
        Ok(r.try_get::<_, Option<&str>>(column)?.map(|t| self.name(t)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_text_repeated_is_held_once() {
        let mut names = Interner::default();
        let a = names.name("public");
        let b = names.name(&String::from("public"));
        let c = names.name("Public");
        assert!(Name::ptr_eq(&a, &b));
        assert!(!Name::ptr_eq(&a, &c));
        assert_eq!((&*a, &*c), ("public", "Public"));
    }

    #[test]
    fn a_name_is_one_pointer_even_when_it_may_be_missing() {
        // 50,000 chunks' rows hold 100,000s of names: a fat pointer was 2.5 MB more at the peak
        assert_eq!(std::mem::size_of::<Name>(), 8);
        assert_eq!(std::mem::size_of::<Option<Name>>(), 8);
    }
}
