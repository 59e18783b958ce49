//! Moving about a member's console: tabs, rows, the filter, drill-downs and back.

use super::*;

impl AppState {
    /// `B` on a job or a relation: the Activity tab, showing the sessions that block it.
    pub(super) fn who_blocks(&mut self) -> MemberCommand {
        let Some(activity) = Tab::named("activity") else {
            return MemberCommand::None;
        };
        let view = self.current();
        let Some(row) = view
            .drill
            .is_none()
            .then(|| view.table.selected_row())
            .flatten()
        else {
            return MemberCommand::None;
        };
        let Some(name) = self.tab.screen().blocked_as(row.id()) else {
            return MemberCommand::None;
        };
        let filter = format!("→{name}");
        let target = self.view_mut(activity);
        target.drill = None;
        target.table.set_filter(&filter);
        self.jumped_from = Some(self.tab);
        self.show_tab(activity);
        MemberCommand::Refresh
    }

    pub(super) fn table_op(&mut self, op: impl FnOnce(&mut Table)) -> MemberCommand {
        let tab = self.tab;
        op(self.view_mut(tab).active_mut());
        MemberCommand::Redraw
    }

    pub(super) fn on_filter_key(&mut self, key: KeyEvent) -> MemberCommand {
        let Some(buf) = self.filter_input.as_mut() else {
            return MemberCommand::None;
        };
        match key.code {
            KeyCode::Enter => {
                self.filter_input = None;
                return MemberCommand::Redraw;
            }
            KeyCode::Esc => {
                buf.clear();
                self.filter_input = None;
                self.table_op(|t| t.set_filter(""));
                return MemberCommand::Redraw;
            }
            KeyCode::Backspace => {
                buf.pop();
            }
            KeyCode::Char(c) if !key.modifiers.contains(KeyModifiers::CONTROL) => buf.push(c),
            _ => return MemberCommand::None,
        }
        let text = buf.clone();
        self.table_op(|t| t.set_filter(&text))
    }

    pub(super) fn switch_to(&mut self, tab: Tab) -> MemberCommand {
        self.jumped_from = None;
        if self.tab == tab {
            return MemberCommand::Redraw;
        }
        self.switch_tab(tab);
        MemberCommand::Refresh
    }

    /// `--open TAB[:OBJECT]`: the tab at once, its row once the tab's rows are in (see
    /// [`open_pending`](Self::open_pending)).
    pub fn open_at(&mut self, at: crate::screens::OpenAt) {
        self.switch_to(at.tab);
        if at.object.is_some() {
            self.pending_open = Some(at);
        }
    }

    /// `--open`'s row, once its tab's rows are in: selected and opened as Enter opens it (a
    /// job's history, a relation's chunks); a row that is not there is said. Nothing once the
    /// user went to another tab.
    pub fn open_pending(&mut self) -> Option<MemberCommand> {
        let at = self.pending_open.as_ref()?;
        if self.tab != at.tab {
            self.pending_open = None;
            return None;
        }
        // rows made from the data as it is now: none due, none being made
        match self.status(at.tab) {
            Standing::Loading => return None,
            Standing::Ready if self.view(at.tab).stale || self.rows_due || self.deriving => {
                return None
            }
            Standing::Ready | Standing::Failed(_, true) => {}
            Standing::Unavailable(why) => {
                let why = format!("--open: the tab cannot be shown here: {why}");
                self.pending_open = None;
                self.say("Not found", why);
                return Some(MemberCommand::Redraw);
            }
            Standing::Failed(e, false) => {
                let why = format!("--open: the tab's read failed: {e}");
                self.pending_open = None;
                self.say("Not found", why);
                return Some(MemberCommand::Redraw);
            }
        }
        let at = self.pending_open.take()?;
        let object = at.object?;
        let table = &mut self.view_mut(at.tab).table;
        // as the tab writes it, or without its quotes (`"My Schema".x` as My Schema.x)
        let id = table
            .visible()
            .map(|r| r.id().to_string())
            .find(|id| *id == object || id.replace('"', "") == object);
        let found = id.is_some_and(|id| table.select_id(&id));
        if !found {
            let title = at.tab.title(self.data.words());
            self.say(
                "Not found",
                format!("--open: no row {object:?} on the {title} tab (a job's id, or a name as the tab writes it)"),
            );
            return Some(MemberCommand::Redraw);
        }
        Some(self.open_selected())
    }

    /// Enter on a problem (the Overview's list, a fold's members): its whole text first —
    /// the message, its command, every cause down to the root, wrapped and scrolled — and
    /// what a second Enter does; a pane at 80x24 cuts it. None elsewhere.
    pub(super) fn open_problem_card(&mut self) -> Option<MemberCommand> {
        let view = self.current();
        let words = self.data.words();
        let members = matches!(&view.drill, Some(d) if matches!(d.of, DrillOf::Members(_)));
        if self.tab != Tab::HOME || (view.drill.is_some() && !members) {
            return None;
        }
        let row = view.active().selected_row()?;
        let then = match row.open()? {
            Open::Palette(command) => format!("the command in the palette: {command}"),
            Open::Filter(tab, _) => format!("the {} tab, filtered by this error", tab.title(words)),
            Open::Members(_) => "the problems folded here, one by one".to_string(),
            Open::Jump(tab, ..) => format!("its row on the {} tab", tab.title(words)),
            Open::Drill(..) => "its rows".to_string(),
        };
        let cell = |i| row.cell(i).map_or(String::new(), |c| c.text.to_string());
        let title = format!("{} · {}", cell(0), cell(1));
        let lines = row.detail()?.lines().map(str::to_string).collect();
        let then = crate::app::modal::Then {
            what: then,
            row: row.id().to_string(),
        };
        self.modal = Message::card(title, lines, then);
        Some(MemberCommand::Redraw)
    }

    /// A card's second Enter: its row opened, selected again by id first (a refresh may have
    /// re-ranked the list meanwhile); a problem gone since is said.
    pub(super) fn open_row(&mut self, id: &str) -> MemberCommand {
        let tab = self.tab;
        if !self.view_mut(tab).active_mut().select_id(id) {
            self.say(
                "No longer listed",
                "the problem was solved or changed since its card opened".into(),
            );
            return MemberCommand::Redraw;
        }
        self.open_selected()
    }

    pub(super) fn open_selected(&mut self) -> MemberCommand {
        let view = self.current();
        let Some(open) = view.active().selected_row().and_then(|r| {
            r.open().cloned().or_else(|| match view.drill {
                None => self.tab.screen().open_row(&self.data, r.id()),
                Some(_) => None,
            })
        }) else {
            return MemberCommand::None;
        };
        match open {
            Open::Drill(kind, target, title, filter) => {
                let title = title.unwrap_or_else(|| crate::screens::drill_title(kind, &target));
                let Some(columns) =
                    Tab::drilling(kind).and_then(|t| t.screen().drill_columns(kind))
                else {
                    return MemberCommand::None;
                };
                let tab = self.tab;
                let mut table = Table::new(columns, None);
                table.set_filter(filter.unwrap_or(""));
                self.view_mut(tab).drill = Some(Drill {
                    of: DrillOf::Read(kind, target),
                    title,
                    table,
                    state: DataState::Loading,
                    from_jump: false,
                    picture: None,
                });
                MemberCommand::Refresh
            }
            Open::Jump(tab, id, open) => {
                let found = self.jump(tab, "").table.select_id(&id);
                if open && found {
                    self.open_selected();
                    if let Some(d) = &mut self.view_mut(tab).drill {
                        d.from_jump = true;
                    }
                }
                MemberCommand::Refresh
            }
            Open::Filter(tab, text) => {
                self.jump(tab, &text);
                MemberCommand::Refresh
            }
            Open::Palette(command) => self.open_palette(&command),
            Open::Members(fold) => {
                let tab = self.tab;
                let title = members_title(&fold, 0);
                self.view_mut(tab).drill = Some(Drill {
                    of: DrillOf::Members(fold),
                    title,
                    table: Table::new(overview::columns(), None),
                    state: DataState::Loading,
                    from_jump: false,
                    picture: None,
                });
                // made by the derivation, away from the loop
                self.members_due = true;
                MemberCommand::Redraw
            }
        }
    }

    /// The fold whose members the shown tab lists, if one is open.
    pub(super) fn shown_fold(&self) -> Option<&crate::problems::FoldId> {
        match &self.current().drill {
            Some(Drill {
                of: DrillOf::Members(fold),
                ..
            }) => Some(fold),
            _ => None,
        }
    }

    /// Fills the shown list of a fold's members here and now (see [`show_members`]).
    ///
    /// [`show_members`]: Self::show_members
    pub(super) fn fill_members(&mut self, ctx: Ctx) {
        self.members_due = false;
        let Some(fold) = self.shown_fold().cloned() else {
            return;
        };
        let members = self.data.members(&fold, &self.thresholds, ctx.now);
        self.show_members(&fold, members, ctx.now);
    }

    /// Shows a fold's members, made from what has been read (each member as the list would
    /// show it on its own, found by what they share: those that joined since too), in its
    /// list when that is still the one shown.
    pub(super) fn show_members(
        &mut self,
        fold: &crate::problems::FoldId,
        members: Vec<crate::problems::Problem>,
        now: DateTime<Utc>,
    ) {
        if self.shown_fold() != Some(fold) {
            return;
        }
        let Some(d) = &mut self.views[self.tab.index()].drill else {
            return;
        };
        let n = members.len();
        d.title = members_title(fold, n);
        if n == 0 {
            d.state = DataState::Unavailable(
                "No longer a problem: the last read found none of these.".into(),
            );
            return;
        }
        d.table.park();
        d.table.set_rows(overview::member_rows(&members));
        d.state.set((), now, Duration::ZERO);
    }

    /// Shows `tab`'s table, filtered by `filter`, as a jump Esc comes back from.
    pub(super) fn jump(&mut self, tab: Tab, filter: &str) -> &mut TabView {
        self.jumped_from = Some(self.tab);
        self.show_tab(tab);
        let view = self.view_mut(tab);
        view.drill = None;
        view.table.set_filter(filter);
        view
    }

    pub(super) fn back(&mut self) -> MemberCommand {
        let tab = self.tab;
        let view = self.view_mut(tab);
        match view.drill.take() {
            Some(d) if d.from_jump => {}
            Some(_) => return MemberCommand::Redraw,
            None => {}
        }
        if !view.table.filter().is_empty() {
            view.table.set_filter("");
            return MemberCommand::Redraw;
        }
        match self.jumped_from.take() {
            Some(from) => {
                self.switch_tab(from);
                MemberCommand::Refresh
            }
            None => MemberCommand::None,
        }
    }
}

/// A fold's list's title with `n` members (none: not made yet, or none left).
fn members_title(fold: &crate::problems::FoldId, n: usize) -> String {
    match n {
        0 => format!("{}: {}", fold.noun(), fold.kind),
        n if n < crate::problems::FOLD_FROM => {
            format!("{n} {}: {} (no longer folded)", fold.noun(), fold.kind)
        }
        n => format!("{n} {}: {}", fold.noun(), fold.kind),
    }
}
