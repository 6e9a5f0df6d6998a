//! The linearizability search for one key: Wing & Gong's backtracking with Lowe's
//! just-in-time linearization and memoization of (ops linearized, register state), the
//! algorithm of Porcupine's `checkSingle` (anishathalye/porcupine, `checker.go`).
//!
//! The ops' calls and returns are one list in time order. The search walks it from the front:
//! at a call it tries to linearize that op now (the model accepts its answer, and this
//! (linearized set, state) pair was never tried before), lifting the op's call and return out
//! of the list and starting over from the front; at a return whose op is not linearized yet
//! it undoes the most recent choice. The history is linearizable when the list empties.
//!
//! Three rules cut the orders tried, each because any order that completes the history can
//! be rearranged to obey it (the proofs are at `Search::forced`, `Search::alternatives` and
//! `Search::take_write`): a read whose answer holds is taken at once, without a choice; an
//! unanswered op is only ever placed right before an answer it makes true (else it goes
//! last, or never); and a put nothing left can observe goes right before the next write.
//! Unanswered ops that are alike are counted, not told apart, in the memo
//! (`Search::remember`). The brute-force test at the bottom checks all of it against the
//! definition.

use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::hash::{BuildHasherDefault, Hash, Hasher};

use super::model::{ABSENT, Action, KeyOp, Seen, State};

/// How a search ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Found {
    Linearizable,
    /// `stuck`: the op (a position in the slice searched) whose return the search could get
    /// furthest to, in time, yet never past: no real-time order of what came before leaves it
    /// a legal place.
    NotLinearizable {
        stuck: usize,
    },
    /// The step budget ran out first.
    Undecided,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Searched {
    pub found: Found,
    /// One step is one visit of a list entry.
    pub steps: u64,
}

/// Checks the ops at positions `members` of `ops` against the register model, from an
/// absent key, giving up after `budget` steps.
pub(crate) fn search(ops: &[KeyOp], members: &[usize], budget: u64) -> Searched {
    let kept = observable(ops, members);
    let list = List::new(ops, &kept);
    let mut s = Search {
        lin: Linearized::new(list.action.len(), list.answered),
        watch: Watch::new(&list.action),
        pool: Pool::new(&list),
        list,
        cache: HashMap::default(),
        stack: Vec::new(),
        state: ABSENT,
        deletes_spent: 0,
        furthest: None,
        steps: 0,
        budget,
        alts: Vec::new(),
        junk: Vec::new(),
    };
    let found = match s.run() {
        Ok(true) => Found::Linearizable,
        Ok(false) => {
            let stuck = s.furthest.map_or(0, |f| s.list.op[f as usize]);
            Found::NotLinearizable {
                stuck: kept[s.list.order[stuck as usize] as usize],
            }
        }
        Err(OutOfSteps) => Found::Undecided,
    };
    Searched {
        found,
        steps: s.steps,
    }
}

struct OutOfSteps;

/// One op linearized: the op, its call entry (unanswered ops have none), the state before
/// it, and, when it was a choice (or the first of ops taken as one), where the walk was.
struct Frame {
    op: u32,
    entry: Option<u32>,
    state: State,
    choice: Option<Walk>,
}

/// Where the walk over the callable ops is: at an entry, its alternative, and in which
/// pass (the first takes ops alone, the second pairs, so that states which spend fewer
/// unanswered ops come first and make the others redundant: see `Search::remember`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Walk {
    entry: u32,
    alt: u32,
    pairs: bool,
}

/// An op to linearize right before another: by call entry, or an unanswered op (by
/// number; it has no entries).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Pre {
    Entry(u32),
    Unanswered(u32),
}

/// A way to linearize the op of a call entry now: alone, or right after an unanswered op
/// that makes its answer true.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Alt {
    Alone,
    After(u32),
}

struct Search {
    list: List,
    pool: Pool,
    lin: Linearized,
    watch: Watch,
    cache: HashMap<Memo, Frontier, BuildHasherDefault<PreHashed>>,
    stack: Vec<Frame>,
    state: State,
    /// Unanswered deletes linearized: always the earliest-called ones (`Pool::deletes`).
    deletes_spent: usize,
    /// The latest return entry at which the search had to back up.
    furthest: Option<u32>,
    steps: u64,
    budget: u64,
    /// Scratch for `alternatives` and `take_write`.
    alts: Vec<Alt>,
    junk: Vec<Pre>,
}

impl Search {
    /// True when the ops are linearizable, false when not.
    fn run(&mut self) -> Result<bool, OutOfSteps> {
        let mut w = self.start();
        // Set after each lift: take a forced read before trying anything else.
        let mut fresh = true;
        loop {
            // Only unanswered ops are left (if any): each goes after everything else, where
            // no answer can contradict it.
            if self.list.first() == self.list.tail {
                return Ok(true);
            }
            if fresh {
                fresh = false;
                if let Some(e) = self.forced()? {
                    if self.take(e, None) {
                        (w, fresh) = (self.start(), true);
                    } else {
                        // That state failed before, so every way on from here fails.
                        match self.backtrack() {
                            Some(next) => w = next,
                            None => return Ok(false),
                        }
                    }
                    continue;
                }
            }
            self.tick()?;
            if !self.list.is_call[w.entry as usize] {
                if !w.pairs && !self.pool.is_empty() {
                    w = Walk {
                        pairs: true,
                        ..self.start()
                    };
                    continue;
                }
                if self.furthest.is_none_or(|f| w.entry > f) {
                    self.furthest = Some(w.entry);
                }
                match self.backtrack() {
                    Some(next) => w = next,
                    None => return Ok(false),
                }
                continue;
            }
            self.alternatives(w.entry, w.pairs)?;
            let Some(&a) = self.alts.get(w.alt as usize) else {
                w.entry = self.list.next[w.entry as usize];
                w.alt = 0;
                continue;
            };
            let taken = match a {
                Alt::Alone => self.take_write(w.entry, w)?,
                Alt::After(u) => self.take_after(&[Pre::Unanswered(u)], w.entry, w),
            };
            if taken {
                (w, fresh) = (self.start(), true);
            } else {
                w.alt += 1;
            }
        }
    }

    /// The walk's start: the first entry, first alternative, first pass.
    fn start(&self) -> Walk {
        Walk {
            entry: self.list.first(),
            alt: 0,
            pairs: false,
        }
    }

    fn tick(&mut self) -> Result<(), OutOfSteps> {
        if self.steps >= self.budget {
            return Err(OutOfSteps);
        }
        self.steps += 1;
        Ok(())
    }

    /// A callable read (an op that leaves the state as it is) whose answer holds now, if
    /// any. In any order that completes the history from here it can move to this point:
    /// everything that must precede it is linearized (its call comes before every return
    /// left), and it changes nothing. So it is no choice.
    fn forced(&mut self) -> Result<Option<u32>, OutOfSteps> {
        let mut e = self.list.first();
        while self.list.is_call[e as usize] {
            self.tick()?;
            let action = self.list.action[self.list.op[e as usize] as usize];
            if action.is_read() && action.step(self.state).is_some() {
                return Ok(Some(e));
            }
            e = self.list.next[e as usize];
        }
        Ok(None)
    }

    /// The time of the first return left: an op can be linearized now if it was called by
    /// then (a call and a return at one time overlap).
    fn horizon(&mut self) -> Result<u64, OutOfSteps> {
        let mut e = self.list.first();
        while self.list.is_call[e as usize] {
            self.tick()?;
            e = self.list.next[e as usize];
        }
        Ok(self.list.time[e as usize])
    }

    /// Fills `alts` with the ways to linearize the op of call entry `e` now: alone in the
    /// first pass, after an unanswered op in the second.
    ///
    /// Unanswered ops are never placed alone. In an order that completes the history, look
    /// at what follows an unanswered op: if it is an op whose answer holds without it (or a
    /// blind write, or nothing), the unanswered op can move to the very end, after every
    /// answer, where it changes nothing; so it need only ever go right before an answer it
    /// makes true: a read of its value, a delete that found the key (for a put), or an
    /// answer of "absent" (for a delete). Unanswered ops with the same effect are alike
    /// (all callable from now on), so one of each is tried: the earliest delete, the
    /// earliest put of the value read; before a delete that found the key, where only the
    /// key's presence matters, a put of a value no op left reads if there is one (it is
    /// worth nothing else), else one put per value.
    fn alternatives(&mut self, e: u32, pairs: bool) -> Result<(), OutOfSteps> {
        self.alts.clear();
        let action = self.list.action[self.list.op[e as usize] as usize];
        // A read that holds was forced; one that does not can only follow an unanswered op.
        if action.step(self.state).is_some() {
            if !action.is_read() && !pairs {
                self.alts.push(Alt::Alone);
            }
            return Ok(());
        }
        if !pairs {
            return Ok(());
        }
        let Some(seen) = action.seen() else {
            return Ok(());
        };
        let horizon = self.horizon()?;
        let callable = |list: &List, u: u32| list.call[u as usize] <= horizon;
        match seen {
            Seen::Value(v) => {
                let puts = self.pool.by_value.get(&v).map_or(&[][..], Vec::as_slice);
                if let Some(&u) = puts.iter().find(|&&u| !self.lin.contains(u))
                    && callable(&self.list, u)
                {
                    self.alts.push(Alt::After(u));
                }
            }
            Seen::Absent => {
                if let Some(&u) = self.pool.deletes.get(self.deletes_spent)
                    && callable(&self.list, u)
                {
                    self.alts.push(Alt::After(u));
                }
            }
            Seen::Present => {
                for i in 0..self.pool.puts.len() {
                    let u = self.pool.puts[i];
                    if !callable(&self.list, u) {
                        break;
                    }
                    self.tick()?;
                    let Action::Put(v) = self.list.action[u as usize] else {
                        continue;
                    };
                    if self.lin.contains(u) {
                        continue;
                    }
                    if self.watch.gets[v as usize] == 0 {
                        self.alts.clear();
                        self.alts.push(Alt::After(u));
                        break;
                    }
                    let list = &self.list;
                    let same = |a: &Alt| matches!(a, Alt::After(x) if list.action[*x as usize] == Action::Put(v));
                    if !self.alts.iter().any(same) {
                        self.alts.push(Alt::After(u));
                    }
                }
            }
        }
        Ok(())
    }

    /// Linearizes the op of call entry `e` now, unless its answer fails or the state it
    /// leads to was tried already. True when taken. `choice`: where the walk was, for
    /// `backtrack` to go on from; `None` for a forced op or the second of a pair.
    fn take(&mut self, e: u32, choice: Option<Walk>) -> bool {
        let op = self.list.op[e as usize];
        if !self.apply(op, choice, true) {
            return false;
        }
        if let Some(f) = self.stack.last_mut() {
            f.entry = Some(e);
        }
        self.list.lift(e);
        true
    }

    /// Takes the op of entry `e` alone, with the callable junk puts right before it when
    /// it is a write.
    ///
    /// A junk put is an answered put of a value no op left reads, which no delete left
    /// could need to find the key (`List::finds_after`). In an order that completes the history
    /// from here, what follows it up to the next write would have to read its value, so
    /// nothing does: it is followed by a write (a delete that finds the key, the key present
    /// anyway, or a blind write) or by nothing. Moved to right before the write taken now,
    /// it changes nothing (that write overwrites it) and leaves nothing changed where it
    /// was. So the states where it is still to come after this write need no search.
    fn take_write(&mut self, e: u32, choice: Walk) -> Result<bool, OutOfSteps> {
        let op = self.list.op[e as usize];
        let mut junk = std::mem::take(&mut self.junk);
        junk.clear();
        if !self.list.action[op as usize].is_read() {
            let mut j = self.list.first();
            while self.list.is_call[j as usize] {
                self.tick()?;
                if j != e && self.is_junk(self.list.op[j as usize]) {
                    junk.push(Pre::Entry(j));
                }
                j = self.list.next[j as usize];
            }
        }
        let taken = self.take_after(&junk, e, choice);
        self.junk = junk;
        Ok(taken)
    }

    fn is_junk(&self, op: u32) -> bool {
        let Action::Put(v) = self.list.action[op as usize] else {
            return false;
        };
        self.watch.gets[v as usize] == 0
            && self.list.finds_after[op as usize]
                .iter()
                .all(|&d| self.lin.contains(d))
    }

    /// Linearizes `before` (ops of call entries, or unanswered ops, which have none) and
    /// right after them the op of entry `e`, as one choice, undone together; only the
    /// state after all of them is remembered.
    fn take_after(&mut self, before: &[Pre], e: u32, choice: Walk) -> bool {
        let mut choice = Some(choice);
        for (n, &b) in before.iter().enumerate() {
            let (op, entry) = match b {
                Pre::Unanswered(u) => (u, None),
                Pre::Entry(en) => (self.list.op[en as usize], Some(en)),
            };
            if !self.apply(op, choice.take(), false) {
                self.undo_last(n);
                return false;
            }
            if let Some(en) = entry {
                if let Some(f) = self.stack.last_mut() {
                    f.entry = Some(en);
                }
                self.list.lift(en);
            }
        }
        if self.take(e, choice) {
            return true;
        }
        self.undo_last(before.len());
        false
    }

    fn undo_last(&mut self, n: usize) {
        for _ in 0..n {
            if let Some(f) = self.stack.pop() {
                self.undo(&f);
            }
        }
    }

    /// Linearizes `op` in the model and the memo (when `remember`), and pushes its frame.
    fn apply(&mut self, op: u32, choice: Option<Walk>, remember: bool) -> bool {
        let action = self.list.action[op as usize];
        let Some(next) = action.step(self.state) else {
            return false;
        };
        let spends_delete = self.list.is_unanswered(op) && matches!(action, Action::Delete(_));
        self.lin.insert(op);
        self.watch.taken(action, true);
        self.deletes_spent += usize::from(spends_delete);
        if remember && !self.remember(next) {
            self.lin.remove(op);
            self.watch.taken(action, false);
            self.deletes_spent -= usize::from(spends_delete);
            return false;
        }
        self.stack.push(Frame {
            op,
            entry: None,
            state: self.state,
            choice,
        });
        self.state = next;
        true
    }

    fn undo(&mut self, f: &Frame) {
        let action = self.list.action[f.op as usize];
        self.lin.remove(f.op);
        self.watch.taken(action, false);
        if self.list.is_unanswered(f.op) && matches!(action, Action::Delete(_)) {
            self.deletes_spent -= 1;
        }
        self.state = f.state;
        if let Some(e) = f.entry {
            self.list.unlift(e);
        }
    }

    /// Undoes linearized ops back to the latest choice; gives the walk's next alternative.
    /// `None` when there is no choice left.
    fn backtrack(&mut self) -> Option<Walk> {
        while let Some(f) = self.stack.pop() {
            self.undo(&f);
            if let Some(w) = f.choice {
                return Some(Walk {
                    alt: w.alt + 1,
                    ..w
                });
            }
        }
        None
    }

    /// Records that the search reached the current linearized set with the register in
    /// `state`; false when an equal state, or a better one, was reached before (and so
    /// failed). Of two states with the same answered ops, register state and unanswered puts
    /// whose values are still read, the one that spent fewer of the alike unanswered ops is
    /// no worse off: whatever order completes the history from the other completes it from
    /// this one, using the ones it has left where the other used its own.
    fn remember(&mut self, state: State) -> bool {
        let lin = &self.lin;
        let split = lin.above.partition_point(|&x| x < lin.answered);
        let mut above: Vec<u32> = Vec::with_capacity(split + 1);
        above.extend_from_slice(&lin.above[..split]);
        above.push(u32::MAX);
        let mut hash = lin.hash ^ zobrist(u64::from(state) | 1 << 40);
        let mut spent = Spent {
            deletes: self.deletes_spent as u32,
            spares: 0,
        };
        for &u in &lin.above[split..] {
            match self.list.action[u as usize] {
                Action::Put(v) if self.watch.gets[v as usize] > 0 => {
                    above.push(u);
                    hash ^= zobrist(u64::from(u) | 1 << 41);
                }
                Action::Put(_) => spent.spares += 1,
                _ => {}
            }
        }
        let memo = Memo {
            hash,
            low: lin.low,
            state,
            above: above.into_boxed_slice(),
        };
        match self.cache.entry(memo) {
            Entry::Vacant(v) => {
                v.insert(Frontier {
                    first: spent,
                    more: Vec::new(),
                });
                true
            }
            Entry::Occupied(mut o) => {
                let f = o.get_mut();
                if spent.no_better_than(f.first) || f.more.iter().any(|&m| spent.no_better_than(m))
                {
                    return false;
                }
                f.more.push(spent);
                true
            }
        }
    }
}

/// `members` without the unanswered ops that no answer could reveal, which can neither
/// make nor break linearizability.
///
/// Such an op can always go last (after every answer), so the history with it is
/// linearizable if the history without it is. Conversely, take a linearization with it and
/// remove it: only the ops between it and the next write see a different state, and of
/// those only an answer that matches what it wrote, and was given no earlier than it was
/// sent, could tell: a get of its value or a delete that found the key (for a put), a get
/// or delete that found nothing (for a delete). Without such answers it goes. Removing one
/// never creates such an answer for another, so they all go.
fn observable(ops: &[KeyOp], members: &[usize]) -> Vec<usize> {
    let mut last_get: HashMap<State, u64> = HashMap::new();
    let mut last_present: Option<u64> = None;
    let mut last_absent: Option<u64> = None;
    for &i in members {
        let (Some(ret), op) = (ops[i].ret, &ops[i]) else {
            continue;
        };
        let slot = match op.action {
            Action::Get(ABSENT) | Action::Delete(Some(false)) => &mut last_absent,
            Action::Get(v) => {
                let r = last_get.entry(v).or_insert(ret);
                *r = (*r).max(ret);
                continue;
            }
            Action::Delete(Some(true)) => &mut last_present,
            Action::Put(_) | Action::Delete(None) => continue,
        };
        *slot = Some(slot.map_or(ret, |r: u64| r.max(ret)));
    }
    // An answer given before `call` came before the op.
    let after = |last: Option<u64>, call: u64| last.is_some_and(|r| r >= call);
    members
        .iter()
        .copied()
        .filter(|&i| {
            let op = &ops[i];
            if op.ret.is_some() {
                return true;
            }
            match op.action {
                Action::Put(v) => {
                    after(last_get.get(&v).copied(), op.call) || after(last_present, op.call)
                }
                Action::Delete(_) => after(last_absent, op.call),
                Action::Get(_) => false,
            }
        })
        .collect()
}

/// How many reads of each value are not linearized yet.
struct Watch {
    gets: Vec<u32>,
}

impl Watch {
    fn new(actions: &[Action]) -> Watch {
        let top = actions
            .iter()
            .map(|a| match a {
                Action::Put(v) | Action::Get(v) => *v,
                Action::Delete(_) => ABSENT,
            })
            .max()
            .unwrap_or(ABSENT);
        let mut w = Watch {
            gets: vec![0; top as usize + 1],
        };
        for &a in actions {
            w.taken(a, false);
        }
        w
    }

    /// Counts `action` out of the ops left when it is linearized (`taken`), back in when
    /// that is undone.
    fn taken(&mut self, action: Action, taken: bool) {
        if let Action::Get(v) = action {
            let n = &mut self.gets[v as usize];
            *n = if taken { *n - 1 } else { *n + 1 };
        }
    }
}

/// The calls and returns of the answered ops searched, as a doubly linked list in time
/// order, with sentinels at both ends. Ops are numbered by the order of their returns, the
/// unanswered ones after them by call (they have no entries: see `Pool`), so that the set
/// of linearized ops has a short form (see `Linearized`).
struct List {
    next: Vec<u32>,
    prev: Vec<u32>,
    /// Per entry: its op, time, and whether it is the op's call (else its return).
    op: Vec<u32>,
    time: Vec<u64>,
    is_call: Vec<bool>,
    /// Per op: its return entry (answered ops), call time, action, position in `kept`.
    ret_entry: Vec<u32>,
    /// Per answered put: the deletes that found the key that could come right after it.
    finds_after: Vec<Vec<u32>>,
    call: Vec<u64>,
    action: Vec<Action>,
    order: Vec<u32>,
    /// Ops numbered below this are answered.
    answered: usize,
    head: u32,
    tail: u32,
}

impl List {
    fn new(ops: &[KeyOp], kept: &[usize]) -> List {
        // (unanswered?, return or call time, position in kept).
        let mut by_ret: Vec<(bool, u64, u32)> = kept
            .iter()
            .enumerate()
            .map(|(k, &i)| match ops[i].ret {
                Some(r) => (false, r, k as u32),
                None => (true, ops[i].call, k as u32),
            })
            .collect();
        by_ret.sort_unstable();
        let order: Vec<u32> = by_ret.iter().map(|&(_, _, k)| k).collect();
        let answered = by_ret.iter().filter(|b| !b.0).count();
        // Events: (time, 0 call | 1 return, op). A call and a return at the same time count
        // as overlapping, so calls sort first.
        let mut events: Vec<(u64, u8, u32)> = Vec::with_capacity(2 * answered);
        for (id, &k) in order[..answered].iter().enumerate() {
            let op = &ops[kept[k as usize]];
            events.push((op.call, 0, id as u32));
            events.push((op.ret.unwrap_or(u64::MAX), 1, id as u32));
        }
        events.sort_unstable();
        let len = events.len();
        let (head, tail) = (len as u32, len as u32 + 1);
        let mut next = vec![tail; len + 2];
        let mut prev = vec![head; len + 2];
        let mut last = head;
        for e in 0..len as u32 {
            next[last as usize] = e;
            prev[e as usize] = last;
            last = e;
        }
        next[last as usize] = tail;
        prev[tail as usize] = last;
        let mut ret_entry = vec![0; answered];
        for (e, ev) in events.iter().enumerate() {
            if ev.1 == 1 {
                ret_entry[ev.2 as usize] = e as u32;
            }
        }
        let op_of = |k: &u32| &ops[kept[*k as usize]];
        let finds_after = finds_after(ops, kept, &order[..answered]);
        List {
            next,
            prev,
            op: events.iter().map(|e| e.2).collect(),
            time: events
                .iter()
                .map(|e| e.0)
                .chain([u64::MAX, u64::MAX])
                .collect(),
            is_call: events
                .iter()
                .map(|e| e.1 == 0)
                .chain([false, false])
                .collect(),
            ret_entry,
            finds_after,
            call: order.iter().map(|k| op_of(k).call).collect(),
            action: order.iter().map(|k| op_of(k).action).collect(),
            order,
            answered,
            head,
            tail,
        }
    }

    fn first(&self) -> u32 {
        self.next[self.head as usize]
    }

    fn is_unanswered(&self, op: u32) -> bool {
        op as usize >= self.answered
    }

    /// Takes a call entry and its op's return entry out of the list.
    fn lift(&mut self, call: u32) {
        let ret = self.ret_entry[self.op[call as usize] as usize];
        self.unlink(call);
        self.unlink(ret);
    }

    /// Puts back what `lift(call)` took out; lifts are undone in reverse order.
    fn unlift(&mut self, call: u32) {
        let ret = self.ret_entry[self.op[call as usize] as usize];
        self.relink(ret);
        self.relink(call);
    }

    fn unlink(&mut self, e: u32) {
        let (p, n) = (self.prev[e as usize], self.next[e as usize]);
        self.next[p as usize] = n;
        self.prev[n as usize] = p;
    }

    fn relink(&mut self, e: u32) {
        let (p, n) = (self.prev[e as usize], self.next[e as usize]);
        self.next[p as usize] = e;
        self.prev[n as usize] = e;
    }
}

/// For each of `answered` (positions in `kept`, numbered by position in this slice): when
/// it is a put, the deletes among them that found the key and could come right after it in
/// an order: not certainly before it, and no op certainly between them (one called after
/// the put returned, and answered before the delete was called).
fn finds_after(ops: &[KeyOp], kept: &[usize], answered: &[u32]) -> Vec<Vec<u32>> {
    let op = |id: u32| &ops[kept[answered[id as usize] as usize]];
    let ret = |id: u32| op(id).ret.unwrap_or(u64::MAX);
    // The answered ops by call time, with the earliest return from each one on.
    let mut by_call: Vec<(u64, u64)> = (0..answered.len() as u32)
        .map(|id| (op(id).call, ret(id)))
        .collect();
    by_call.sort_unstable();
    let mut earliest = vec![u64::MAX; by_call.len() + 1];
    for i in (0..by_call.len()).rev() {
        earliest[i] = earliest[i + 1].min(by_call[i].1);
    }
    // Deletes that found the key, by call time, and the longest of them.
    let mut finds: Vec<u32> = (0..answered.len() as u32)
        .filter(|&id| op(id).action == Action::Delete(Some(true)))
        .collect();
    finds.sort_unstable_by_key(|&d| (op(d).call, d));
    let longest = finds
        .iter()
        .map(|&d| ret(d) - op(d).call)
        .max()
        .unwrap_or(0);
    (0..answered.len() as u32)
        .map(|p| {
            if !matches!(op(p).action, Action::Put(_)) {
                return Vec::new();
            }
            let (call, r) = (op(p).call, ret(p));
            // The first return of an op called after the put returned.
            let between = earliest[by_call.partition_point(|&(c, _)| c <= r)];
            // Not before the put: returns from `call` on, so called from `call - longest`.
            let from = finds.partition_point(|&d| op(d).call < call.saturating_sub(longest));
            let to = finds.partition_point(|&d| op(d).call <= between);
            finds[from..to.max(from)]
                .iter()
                .copied()
                .filter(|&d| ret(d) >= call)
                .collect()
        })
        .collect()
}

/// The unanswered ops, kept apart from the list: they are only ever placed right before an
/// answer they make true (`Search::alternatives`), so the search looks them up by effect.
struct Pool {
    /// Unanswered deletes, by call time.
    deletes: Vec<u32>,
    /// Unanswered puts, by call time, and the same by value.
    puts: Vec<u32>,
    by_value: HashMap<State, Vec<u32>>,
}

impl Pool {
    fn new(list: &List) -> Pool {
        let mut pool = Pool {
            deletes: Vec::new(),
            puts: Vec::new(),
            by_value: HashMap::new(),
        };
        // Unanswered ops are numbered by call time.
        for u in list.answered as u32..list.action.len() as u32 {
            match list.action[u as usize] {
                Action::Put(v) => {
                    pool.puts.push(u);
                    pool.by_value.entry(v).or_default().push(u);
                }
                _ => pool.deletes.push(u),
            }
        }
        pool
    }

    fn is_empty(&self) -> bool {
        self.deletes.is_empty() && self.puts.is_empty()
    }
}

/// The set of linearized ops in a short form: every op numbered below `low` (ops are
/// numbered by return order, the unanswered ones last), plus the few above it in `above`.
/// The answered ops in `above` were all called before the return of op `low` and return
/// after it, so there are at most as many as were in flight at that instant. `low` stops
/// at the first unanswered op, so all unanswered ones linearized are in `above`.
struct Linearized {
    bits: Vec<u64>,
    low: u32,
    above: Vec<u32>,
    /// How many ops are answered: ops numbered from here on are not.
    answered: u32,
    /// Zobrist hash of the answered ops in the set: the xor of `zobrist(op)` over them.
    hash: u64,
}

impl Linearized {
    fn new(n: usize, answered: usize) -> Linearized {
        Linearized {
            bits: vec![0; n.div_ceil(64) + 1],
            low: 0,
            above: Vec::new(),
            answered: answered as u32,
            hash: 0,
        }
    }

    fn contains(&self, op: u32) -> bool {
        self.bits[op as usize / 64] & (1 << (op % 64)) != 0
    }

    fn insert(&mut self, op: u32) {
        self.bits[op as usize / 64] |= 1 << (op % 64);
        if op < self.answered {
            self.hash ^= zobrist(op as u64);
        }
        if op == self.low && op < self.answered {
            while self.low < self.answered && self.contains(self.low) {
                self.low += 1;
            }
            let low = self.low;
            let passed = self.above.partition_point(|&x| x < low);
            self.above.drain(..passed);
        } else {
            let at = self.above.partition_point(|&x| x < op);
            self.above.insert(at, op);
        }
    }

    fn remove(&mut self, op: u32) {
        self.bits[op as usize / 64] &= !(1 << (op % 64));
        if op < self.answered {
            self.hash ^= zobrist(op as u64);
        }
        if op < self.low {
            // Undoing the insert that moved `low` past `op`: the ops it passed return to
            // `above`. There are no more of them than `above` held before that insert.
            let passed = op + 1..self.low;
            self.above.splice(0..0, passed);
            self.low = op;
        } else {
            let at = self.above.partition_point(|&x| x < op);
            self.above.remove(at);
        }
    }
}

/// What the memo knows of a state the search reached: the answered ops linearized, the
/// register's state, and the unanswered puts linearized whose values some op left reads.
/// The unanswered ops linearized that are alike (deletes, and puts no op left reads) are
/// only counted, in the `Spent` kept for each `Memo` (see `Search::remember`).
#[derive(PartialEq, Eq)]
struct Memo {
    hash: u64,
    low: u32,
    state: State,
    /// The answered ops of `Linearized::above`, `u32::MAX`, then those unanswered puts.
    above: Box<[u32]>,
}

/// How many unanswered deletes and unanswered puts of values no op left reads a state has
/// spent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Spent {
    deletes: u32,
    spares: u32,
}

impl Spent {
    /// Whether a state that spent `self` is no better off than one that spent `other`.
    fn no_better_than(self, other: Spent) -> bool {
        self.deletes >= other.deletes && self.spares >= other.spares
    }
}

/// The states with one `Memo` that were tried and failed, none no better than another.
struct Frontier {
    first: Spent,
    more: Vec<Spent>,
}

impl Hash for Memo {
    fn hash<H: Hasher>(&self, h: &mut H) {
        h.write_u64(self.hash);
    }
}

/// `Memo` hashes itself well already (Zobrist); the map need not hash again.
#[derive(Default)]
struct PreHashed(u64);

impl Hasher for PreHashed {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 << 8 | u64::from(b)).wrapping_mul(0x100_0000_01b3);
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

/// splitmix64: a fixed random-looking number per op, the same on every run.
fn zobrist(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn op(call: u64, ret: Option<u64>, action: Action) -> KeyOp {
        KeyOp {
            index: 0,
            call,
            ret,
            action,
        }
    }

    fn decide(ops: &[KeyOp]) -> Found {
        let all: Vec<usize> = (0..ops.len()).collect();
        search(ops, &all, u64::MAX).found
    }

    /// The definition, by brute force: some subset of the unanswered ops, with all the
    /// answered ones, has an order that keeps real-time order and gives every answer.
    fn brute(ops: &[KeyOp]) -> bool {
        let open: Vec<usize> = (0..ops.len()).filter(|&i| ops[i].ret.is_none()).collect();
        (0..1u32 << open.len()).any(|mask| {
            let chosen: Vec<usize> = (0..ops.len())
                .filter(|&i| match open.iter().position(|&o| o == i) {
                    Some(bit) => mask & (1 << bit) != 0,
                    None => true,
                })
                .collect();
            orders(ops, &chosen, &mut Vec::new(), ABSENT)
        })
    }

    fn orders(ops: &[KeyOp], left: &[usize], done: &mut Vec<usize>, state: State) -> bool {
        if left.is_empty() {
            return true;
        }
        for (k, &i) in left.iter().enumerate() {
            // `i` may go next unless some op still left certainly precedes it.
            if left.iter().any(|&j| ops[j].precedes(&ops[i])) {
                continue;
            }
            if let Some(s) = ops[i].action.step(state) {
                let rest: Vec<usize> = left.iter().copied().filter(|&j| j != left[k]).collect();
                done.push(i);
                let ok = orders(ops, &rest, done, s);
                done.pop();
                if ok {
                    return true;
                }
            }
        }
        false
    }

    fn small_op() -> impl Strategy<Value = KeyOp> {
        let action = prop_oneof![
            (1u32..=2).prop_map(Action::Put),
            (0u32..=2).prop_map(Action::Get),
            prop_oneof![Just(None), Just(Some(true)), Just(Some(false))].prop_map(Action::Delete),
        ];
        (0u64..12, prop::option::weighted(0.8, 0u64..6), action).prop_map(|(call, len, a)| {
            match len {
                Some(d) => op(call, Some(call + d), a),
                // Unanswered ops have no answer.
                None => op(
                    call,
                    None,
                    match a {
                        Action::Get(_) | Action::Delete(_) => Action::Delete(None),
                        put => put,
                    },
                ),
            }
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(3000))]

        /// The search agrees with the definition on every small history, answers drawn from
        /// two values so that most histories fail and values repeat.
        #[test]
        fn agrees_with_brute_force(ops in prop::collection::vec(small_op(), 0..8)) {
            let found = decide(&ops);
            prop_assert_ne!(found, Found::Undecided);
            prop_assert_eq!(found == Found::Linearizable, brute(&ops), "{:?}", ops);
        }

        /// Leaving out the unanswered ops nothing could observe changes no verdict.
        #[test]
        fn pruning_is_invisible(ops in prop::collection::vec(small_op(), 0..8)) {
            let all: Vec<usize> = (0..ops.len()).collect();
            let kept = observable(&ops, &all);
            let pruned: Vec<KeyOp> = kept.iter().map(|&i| ops[i]).collect();
            prop_assert_eq!(brute(&pruned), brute(&ops), "{:?} kept {:?}", ops, kept);
        }
    }

    #[test]
    fn stuck_is_the_op_no_order_can_place() {
        // put 1 completes, put 2 completes, then a get of 1.
        let ops = [
            op(0, Some(1), Action::Put(1)),
            op(2, Some(3), Action::Put(2)),
            op(4, Some(5), Action::Get(1)),
        ];
        assert_eq!(decide(&ops), Found::NotLinearizable { stuck: 2 });
    }

    #[test]
    fn equal_times_overlap() {
        // The get is sent at the instant the put returns: either order is allowed.
        let ops = [
            op(0, Some(5), Action::Put(1)),
            op(5, Some(6), Action::Get(ABSENT)),
        ];
        assert_eq!(decide(&ops), Found::Linearizable);
        let ops = [
            op(0, Some(5), Action::Put(1)),
            op(6, Some(7), Action::Get(ABSENT)),
        ];
        assert!(matches!(decide(&ops), Found::NotLinearizable { .. }));
    }

    #[test]
    fn budget_gives_undecided_never_linearizable() {
        let ops: Vec<KeyOp> = (0..50)
            .map(|i| op(i, Some(i + 1), Action::Put(1 + i as u32)))
            .collect();
        let all: Vec<usize> = (0..ops.len()).collect();
        let r = search(&ops, &all, 10);
        assert_eq!(r.found, Found::Undecided);
        assert_eq!(r.steps, 10);
        assert_eq!(search(&ops, &all, 1000).found, Found::Linearizable);
    }

    #[test]
    fn linearized_set_short_form() {
        // Ops 0..150 answered, 150..200 not.
        let mut l = Linearized::new(200, 150);
        for op in [3, 0, 1, 2, 130, 160] {
            l.insert(op);
        }
        assert_eq!((l.low, &l.above[..]), (4, &[130, 160][..]));
        let hash = l.hash;
        l.remove(130);
        l.remove(2);
        assert_eq!((l.low, &l.above[..]), (2, &[3, 160][..]));
        l.insert(2);
        l.insert(130);
        assert_eq!(l.hash, hash);
        for op in (4..150).filter(|&o| o != 130) {
            l.insert(op);
        }
        // `low` stops at the first unanswered op; unanswered ones stay in `above` and out
        // of the hash.
        l.insert(150);
        assert_eq!((l.low, &l.above[..]), (150, &[150, 160][..]));
        for op in (0..151).chain([160]) {
            l.remove(op);
        }
        assert_eq!((l.low, l.above.len(), l.hash), (0, 0, 0));
    }

    #[test]
    fn fewer_alike_unanswered_ops_spent_is_no_worse() {
        let a = Spent {
            deletes: 1,
            spares: 2,
        };
        assert!(a.no_better_than(a));
        assert!(
            Spent {
                deletes: 2,
                spares: 2
            }
            .no_better_than(a)
        );
        assert!(
            !Spent {
                deletes: 0,
                spares: 5
            }
            .no_better_than(a)
        );
    }
}
