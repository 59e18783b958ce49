//! Deriving away from the screen: the problems, the shown tab's rows (after an answer, or when a
//! key shows the tab) and an open fold's members are made from a copy of the data (its values
//! shared, not copied) on a blocking thread, and the frame only takes in what was made: made on
//! the loop at the largest sizes, they held a key pressed meanwhile for many frames.

use super::*;

/// What is to be derived, with everything it is derived from: run it anywhere.
pub struct Derive {
    data: Dataset,
    problems: bool,
    limits: Thresholds,
    ctx: Ctx,
    /// The shown tab's rows, into a blank of its table.
    rows: Option<(Tab, Table)>,
    /// The members of the fold whose list is shown.
    members: Option<crate::problems::FoldId>,
    /// The tab whose dressing (panel, pulse, heading) is made.
    dress: Tab,
}

/// What a [`Derive`] made.
pub struct Derived {
    findings: crate::store::Findings,
    rows: Option<(Tab, Table)>,
    members: Option<(crate::problems::FoldId, Vec<crate::problems::Problem>)>,
    dressing: (Tab, Dressing),
}

impl Derive {
    /// The problems first (the overview's rows are made of them), then the rows.
    pub fn run(self) -> Derived {
        let Derive {
            mut data,
            problems,
            limits,
            ctx,
            rows,
            members,
            dress,
        } = self;
        if problems {
            data.update_problems(&limits, ctx.now);
        }
        let rows = rows.map(|(tab, mut table)| {
            let screen = tab.screen();
            let columns = screen.columns(&data);
            if table.columns != columns {
                table = Table::new(columns, screen.default_sort());
            }
            table.set_rows(screen.rows(&data, &ctx));
            (tab, table)
        });
        let members = members.map(|fold| {
            let made = data.members(&fold, &limits, ctx.now);
            (fold, made)
        });
        let dressing = (dress, Dressing::of(dress, &data, &ctx));
        Derived {
            findings: data.findings(),
            rows,
            members,
            dressing,
        }
    }
}

impl AppState {
    /// What is due to be derived since the last time, unless a derivation is still under way
    /// (what arrives meanwhile is derived after it).
    pub fn derivation(&mut self) -> Option<Derive> {
        let due = self.problems_due || self.rows_due || self.members_due || self.dressing_due;
        if self.deriving || !due {
            return None;
        }
        self.deriving = true;
        self.dressing_due = false;
        let problems = std::mem::take(&mut self.problems_due);
        let tab = self.tab;
        // the overview's rows are made of the problems: made again with them
        let rows = std::mem::take(&mut self.rows_due)
            || (problems && tab.screen().rebuilt_by(DataChange::Problems));
        let rows = rows.then(|| (tab, self.view(tab).table.blank()));
        let members = std::mem::take(&mut self.members_due)
            .then(|| self.shown_fold().cloned())
            .flatten();
        Some(Derive {
            data: self.data.derivation(problems),
            problems,
            limits: self.thresholds,
            ctx: self.ctx(),
            rows,
            members,
            dress: tab,
        })
    }

    /// Takes in what a derivation made: the problems, the rows of a tab still shown, and the
    /// members of a fold still open.
    pub fn on_derived(&mut self, derived: Derived) {
        self.deriving = false;
        let changed = self.data.take_findings(derived.findings);
        let made = derived.rows.as_ref().map(|(tab, _)| *tab);
        if let Some((tab, table)) = derived.rows.filter(|(tab, _)| *tab == self.tab) {
            let view = self.view_mut(tab);
            if view.table.columns == table.columns {
                view.table.adopt(table);
            } else {
                view.table = table;
            }
            (view.stale, view.pending) = (false, false);
        }
        if changed {
            for tab in Tab::all().filter(|t| t.screen().rebuilt_by(DataChange::Problems)) {
                if made != Some(tab) {
                    self.view_mut(tab).stale = true;
                    self.rows_due |= tab == self.tab;
                }
            }
        }
        if let Some((fold, members)) = derived.members {
            self.show_members(&fold, members, self.ctx().now);
        }
        let (tab, dressing) = derived.dressing;
        if tab == self.tab {
            self.view_mut(tab).dressing = dressing.with_pulse(tab, &self.data);
        }
        self.dress_row(true);
    }

    /// A key asked for rows or a fold's members to be made (see `switch_tab`, `open_selected`).
    pub fn made_for_a_key_due(&self) -> bool {
        !self.deriving && (self.rows_due || self.members_due || self.dressing_due)
    }

    /// Derives what is due here and now (tests, one-shots, the bench's baseline); true when
    /// something was.
    pub fn settle(&mut self) -> bool {
        let mut settled = false;
        while let Some(derive) = self.derivation() {
            self.on_derived(derive.run());
            settled = true;
        }
        settled
    }
}
