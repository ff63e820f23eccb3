//! What a vendor can observe of an account's buying cycle besides its own conversations, and the
//! lead list through which a listening rep acts on it.
//!
//! A signal is an observation, never the account's hidden stage: a public trigger event (seen by
//! every vendor), an intent surge (seen by the vendors that buy intent data), a renewal coming
//! up in the vendor's own CRM, or an account on the vendor's nurture programme engaging with its
//! content as a need starts (seen by that vendor only). Real journeys announce themselves with a recall; false alarms, in
//! the number a precision implies (`(1 − precision) ÷ precision` per real alarm), land on
//! accounts drawn at random. A signal puts the account on the lead list of the vendor's home rep
//! for it, for `customers.signals.lead_days`; a rep works its lead list on a cold slot with the
//! chance its strategy's `listening` gives ([`Engine::lead_target`]).
//!
//! The draws are the account's own (purpose [`purpose::SIGNAL`], keyed by the account's
//! generation when the signal fires and the draw's place; see [`Engine::signal_draw`]) and are
//! made whoever listens, so a strategy change never re-rolls the market's signals given the same
//! journey; a rep that does not listen is never handed a lead, so its behaviour stream is
//! untouched.

use super::state::{Knowledge, ShortDay};
use super::{purpose, Engine, NeedSource};
use crate::world::{CustomerId, RepId};

/// Most leads a rep keeps; a new lead past it pushes out the oldest.
pub(crate) const MAX_LEADS: usize = 64;

/// Most draws one signal event makes (a precision of 0.01, the lowest allowed, brings 99 false
/// alarms on average; the rest of the draws are the recall's and the count's).
const MAX_SIGNAL_DRAWS: u32 = 128;

/// Which channel a signal came through.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Channel {
    /// A public trigger event: every vendor sees it.
    Trigger,
    /// An intent surge: vendors whose team buys intent data see it.
    Intent,
}

impl Engine<'_> {
    /// A journey began at account `c` for a need from `source`: the public trigger event that
    /// may announce it (and the false alarms that come with such events), and the renewal its
    /// incumbent's CRM shows.
    pub(crate) fn journey_signals(&mut self, c: CustomerId, source: NeedSource) {
        let sg = &self.cfg.customers.signals;
        let (recall, precision, visibility) = (
            sg.trigger_recall,
            sg.trigger_precision,
            sg.renewal_visibility,
        );
        let mut k = 0;
        if source == NeedSource::Renewal && self.accounts[c as usize].adopted() {
            let incumbent = self.accounts[c as usize].incumbent as usize;
            if self.signal_draw(c, &mut k) < visibility {
                self.lead(c, incumbent);
            }
        }
        if source != NeedSource::Insight {
            self.alarm(c, Channel::Trigger, recall, precision, &mut k);
        }
        for v in 0..self.world.vendors.len() {
            self.nurture_signal(c, v);
        }
    }

    /// Whether account `c` is on vendor `v`'s nurture programme: its home rep's `nurture` share
    /// of the territory, by one keyed draw of the account's for that vendor (the same accounts
    /// whenever the share is the same, and more of them at a larger share).
    fn nurtured(&self, c: CustomerId, v: usize) -> bool {
        let nurture = self
            .rep_strategy(v, self.world.vendors[v].home_rep(c))
            .nurture;
        nurture > 0.0
            && crate::rng::keyed_uniform(self.customer_seed, c, purpose::NURTURE_ROLL, v as u32)
                < nurture
    }

    /// A need starts at account `c`: if it is on vendor `v`'s nurture programme, the buyer
    /// engages with that vendor's content with the chance `nurture_response`, and the flags
    /// come with `(1 − precision) ÷ precision` false ones on average, on other enrolled accounts
    /// (readers with no need). Draws keyed by the account's generation, the vendor and their
    /// place, so a vendor's programme never moves another's signals.
    fn nurture_signal(&mut self, c: CustomerId, v: usize) {
        if !self.nurtured(c, v) {
            return;
        }
        let sg = &self.cfg.customers.signals;
        let (recall, precision) = (sg.nurture_response, sg.nurture_precision);
        let generation = self.accounts[c as usize].generation;
        let seed = self.customer_seed;
        let mut k = 0;
        let draw = |k: &mut u32| {
            let counter = generation
                .wrapping_mul(MAX_SIGNAL_DRAWS)
                .wrapping_add(*k)
                .wrapping_mul(64)
                .wrapping_add(v as u32);
            *k = (*k + 1).min(MAX_SIGNAL_DRAWS - 1);
            crate::rng::keyed_uniform(seed, c, purpose::NURTURE, counter)
        };
        if draw(&mut k) >= recall {
            return;
        }
        let false_alarms = (1.0 - precision) / precision.max(1e-9);
        let whole = false_alarms.floor();
        let n = whole as u32 + u32::from(draw(&mut k) < false_alarms - whole);
        let accounts = self.accounts.len();
        self.lead(c, v);
        'alarm: for _ in 0..n.min(MAX_SIGNAL_DRAWS / 4) {
            // A random reader of the programme: the first enrolled account of a few random draws.
            for _ in 0..4 {
                let other = ((draw(&mut k) * accounts as f64) as usize).min(accounts - 1);
                if self.nurtured(other as CustomerId, v) {
                    self.lead(other as CustomerId, v);
                    continue 'alarm;
                }
            }
        }
    }

    /// Account `c` begins exploring: its research may show up as an intent surge.
    pub(crate) fn exploration_signals(&mut self, c: CustomerId) {
        let sg = &self.cfg.customers.signals;
        let (recall, precision) = (sg.intent_recall, sg.intent_precision);
        self.alarm(c, Channel::Intent, recall, precision, &mut 0);
    }

    /// The `*k`-th signal draw of account `c` at its current generation (then `*k` moves on):
    /// the same number whenever the account's journey is at the same point.
    fn signal_draw(&self, c: CustomerId, k: &mut u32) -> f64 {
        let generation = self.accounts[c as usize].generation;
        let counter = generation.wrapping_mul(MAX_SIGNAL_DRAWS).wrapping_add(*k);
        *k = (*k + 1).min(MAX_SIGNAL_DRAWS - 1);
        crate::rng::keyed_uniform(self.customer_seed, c, purpose::SIGNAL, counter)
    }

    /// A real journey at `c` raises an alarm on `channel` with chance `recall`, and then brings
    /// `(1 − precision) ÷ precision` false alarms on average (their count drawn by rounding at
    /// random), each on an account drawn at random from the market.
    fn alarm(&mut self, c: CustomerId, channel: Channel, recall: f64, precision: f64, k: &mut u32) {
        if recall <= 0.0 || self.signal_draw(c, k) >= recall {
            return;
        }
        self.signal(c, channel);
        let false_alarms = (1.0 - precision) / precision.max(1e-9);
        let whole = false_alarms.floor();
        let n = whole as u32 + u32::from(self.signal_draw(c, k) < false_alarms - whole);
        let accounts = self.accounts.len();
        for _ in 0..n.min(MAX_SIGNAL_DRAWS - 4) {
            let other = ((self.signal_draw(c, k) * accounts as f64) as usize).min(accounts - 1)
                as CustomerId;
            self.signal(other, channel);
        }
    }

    /// Every vendor that sees `channel` hears of account `c`.
    fn signal(&mut self, c: CustomerId, channel: Channel) {
        for v in 0..self.world.vendors.len() {
            let home = self.world.vendors[v].home_rep(c);
            if channel == Channel::Intent && !self.rep_strategy(v, home).intent_data {
                continue;
            }
            self.lead(c, v);
        }
    }

    /// Account `c` goes on the lead list of vendor `v`'s home rep for it, if that rep listens.
    fn lead(&mut self, c: CustomerId, v: usize) {
        let home = self.world.vendors[v].home_rep(c);
        if self.rep_strategy(v, home).listening <= 0.0 {
            return;
        }
        // The vendor's CRM marks the account a lead, unless a conversation told it more.
        if !matches!(self.knowledge(c, v), Knowledge::Stage(_)) {
            self.observe(c, v, Knowledge::Signalled);
        }
        let until = ShortDay::new(self.day + self.cfg.customers.signals.lead_days);
        let leads = &mut self.reps[v][home as usize].leads;
        if let Some(l) = leads.iter_mut().find(|l| l.0 == c) {
            l.1 = until;
            return;
        }
        if leads.len() >= MAX_LEADS {
            leads.remove(0);
        }
        leads.push((c, until));
    }

    /// The freshest usable lead of rep `r` (expired ones dropped), taken off the list: one the
    /// rep's cadence allows it to contact now. Freshest first, as speed to lead pays: firms that
    /// answered a web lead within an hour were nearly seven times as likely to qualify it as
    /// those that waited longer (Oldroyd, McElheran & Elkington 2011, *Harvard Business Review*,
    /// "The Short Life of Online Sales Leads", docs/FIELD-FACTS.md [U]). Ranking leads by account value instead was
    /// tried and booked less on the lesson market (120,360 against 123,367 $k over eight
    /// quarters, 20 replications).
    ///
    /// The lead and its place on the list; [`Self::take_lead`] takes it off when the rep calls.
    pub(crate) fn lead_target(
        &mut self,
        v: usize,
        r: RepId,
        s: &crate::params::strategy::Strategy,
    ) -> Option<(CustomerId, usize)> {
        let day = self.day;
        self.reps[v][r as usize].leads.retain(|l| l.1.day() >= day);
        let n = self.reps[v][r as usize].leads.len();
        (0..n).rev().find_map(|i| {
            let c = self.reps[v][r as usize].leads[i].0;
            (!self.too_soon_for(c, v, s, 0)).then_some((c, i))
        })
    }

    /// Rep `r` calls the lead at place `i` of its list: off the list it goes.
    pub(crate) fn take_lead(&mut self, v: usize, r: RepId, i: usize) -> CustomerId {
        self.reps[v][r as usize].leads.remove(i).0
    }
}
