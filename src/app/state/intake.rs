//! Answers taken in: the data applied, and what is derived from it marked due (see `derive`).

use super::*;

impl AppState {
    /// Takes in a result and derives the problems again.
    pub fn on_result(&mut self, r: QueryResult) {
        self.take_result(r);
        self.settle();
    }

    /// Takes in a result; the problems and the shown tab's rows are derived again from it
    /// away from the screen ([`derivation`](Self::derivation)), several answers at once when
    /// they arrive together.
    pub fn take_result(&mut self, r: QueryResult) {
        let kind = r.kind;
        // Drill-downs are asked for with their target; the tabs' queries without one.
        if r.target.is_some() {
            return self.on_drill_result(r, self.ctx());
        }
        self.data.apply(kind, r.result, r.finished_at, r.elapsed);
        for tab in Tab::all().filter(|t| t.screen().rebuilt_by(DataChange::Read(kind))) {
            self.view_mut(tab).stale = true;
            self.rows_due |= tab == self.tab;
        }
        // made again from the data when the palette next wants them
        self.names = None;
        self.problems_due = true;
        self.dressing_due = true;
        // a fold's members change with what was read even when the fold's line does not (a
        // list not shown is filled when it is shown again)
        self.members_due |= self.tab.screen().reads().contains(&kind);
    }

    /// Builds a tab's rows from the data (its columns too: a tab shows other columns on plain
    /// PostgreSQL).
    pub(super) fn build(&mut self, tab: Tab, ctx: Ctx) {
        let screen = tab.screen();
        let columns = screen.columns(&self.data);
        // The old rows go before the new are built (the selection stays parked): held while
        // the new were built, they were a second copy at every refresh's peak.
        let view = &mut self.views[tab.index()];
        view.table.park();
        if view.table.columns != columns {
            view.table = Table::new(columns, screen.default_sort());
        }
        view.table.set_rows(screen.rows(&self.data, &ctx));
        (view.stale, view.pending) = (false, false);
        view.dressing = Dressing::of(tab, &self.data, &ctx).with_pulse(tab, &self.data);
        self.dress_row(true);
    }

    /// Shows `tab`, its rows built here and now: for what needs them at once (a jump selects
    /// a row in them; tests and one-shots draw right after). Only the shown tab holds its rows:
    /// the tab left lets them go, and `tab`'s are built if the data changed since (every
    /// tab's rows held at once were many megabytes at the largest sizes; building one again
    /// is quick).
    pub fn show_tab(&mut self, tab: Tab) {
        self.enter_tab(tab);
        if self.view(tab).stale {
            self.build(tab, self.ctx());
        }
        if self.members_due {
            self.fill_members(self.ctx());
        }
    }

    /// Shows `tab` as a key does: its frame drawn at once, its rows (and a fold's members
    /// open there) made by the derivation, away from the loop.
    pub(super) fn switch_tab(&mut self, tab: Tab) {
        self.enter_tab(tab);
        let view = self.view_mut(tab);
        view.pending = view.stale;
        self.rows_due |= view.pending;
    }

    fn enter_tab(&mut self, tab: Tab) {
        if tab != self.tab {
            let left = self.view_mut(self.tab);
            left.table.park();
            left.stale = true;
            self.tab = tab;
            // a fold's members, not made again while the list was not shown
            self.members_due = self.shown_fold().is_some();
            self.dressing_due = true;
        }
    }

    pub(super) fn on_drill_result(&mut self, r: QueryResult, ctx: Ctx) {
        let Some(target) = r.target else { return };
        if self.current().drill.is_none() && self.preview_wanted() == Some((r.kind, target.clone()))
        {
            // the selected row's preview (a job's runs in its detail pane)
            if let Ok(payload) = &r.result {
                let picture = self.tab.screen().preview_picture(payload);
                let view = self.view_mut(self.tab);
                view.preview = picture.map(|p| (target, p));
            }
            return;
        }
        let Some(tab) = Tab::drilling(r.kind) else {
            return;
        };
        for view in &mut self.views {
            let Some(d) = view
                .drill
                .as_mut()
                .filter(|d| d.read() == Some((r.kind, &target)))
            else {
                continue;
            };
            match r.result {
                Ok(Payload::Unavailable(why)) => d.state = DataState::Unavailable(why),
                Ok(payload) => {
                    d.picture = tab.screen().drill_picture(&payload);
                    tab.screen().fill_drill(payload, &ctx, &mut d.table);
                    d.state.set((), r.finished_at, r.elapsed);
                    self.data.drill_read(r.kind, r.finished_at, r.elapsed);
                }
                Err(e) => {
                    self.data.failed(r.finished_at, &e.to_string());
                    d.state.fail(e);
                }
            }
            return;
        }
    }
}
