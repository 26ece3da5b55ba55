//! The per-request memo that makes verification run once: the first extractor (or middleware,
//! or `verify_request` call) to ask starts it, every later one shares its outcome.
//!
//! Outcomes live in the request's extensions, one slot per configuration that asked (almost
//! always exactly one). A handler whose scope registers another `Auth0` than the middleware above
//! it (another audience, issuer or DPoP mode) gets its own verification, shared in turn by every
//! extractor, guard and middleware using that configuration.

use std::rc::Rc;
use std::sync::Arc;

use actix_web::dev::Extensions;
use actix_web::{HttpMessage, HttpRequest};
use tokio::sync::OnceCell;

use crate::error::AuthError;
use crate::pipeline::Authenticated;

/// A request's verification outcome, shared by everything that asks.
pub(crate) type Outcome = Result<Arc<Authenticated>, AuthError>;

/// One configuration's outcome, filled by the first caller; waiters await the same cell.
pub(crate) type Cell = Rc<OnceCell<Outcome>>;

/// The slots of one request. `id` is a configuration's identity: the address of its shared
/// state, which outlives the request.
struct Slots {
    first: (usize, Cell),
    more: Vec<(usize, Cell)>,
}

impl Slots {
    fn find(&self, id: usize) -> Option<&Cell> {
        std::iter::once(&self.first)
            .chain(&self.more)
            .find(|(c, _)| *c == id)
            .map(|(_, cell)| cell)
    }
}

/// What the memo holds for a configuration.
pub(crate) enum Lookup {
    /// A finished outcome.
    Done(Outcome),
    /// A verification was started and has not finished: await this cell.
    Started(Cell),
    /// Nothing yet.
    Absent,
}

/// The slot of configuration `id` in this request.
pub(crate) fn lookup(req: &HttpRequest, id: usize) -> Lookup {
    let ext = req.extensions();
    match ext.get::<Slots>().and_then(|slots| slots.find(id)) {
        Some(cell) => match cell.get() {
            Some(outcome) => Lookup::Done(outcome.clone()),
            None => Lookup::Started(cell.clone()),
        },
        None => Lookup::Absent,
    }
}

/// Claims a slot for configuration `id`: filled with `outcome` when it is known, empty (for the
/// caller to fill) otherwise. Call it only after [`lookup`] found the slot absent.
pub(crate) fn insert(req: &HttpRequest, id: usize, outcome: Option<Outcome>) -> Cell {
    let cell = Rc::new(OnceCell::new_with(outcome));
    let mut ext = req.extensions_mut();
    match ext.get_mut::<Slots>() {
        Some(slots) => slots.more.push((id, cell.clone())),
        None => {
            ext.insert(Slots {
                first: (id, cell.clone()),
                more: Vec::new(),
            });
        }
    }
    cell
}

/// The successful outcome already computed for this request with configuration `id` (or, with
/// `None`, the first one computed), if verification has finished: what guards read, since a
/// guard cannot wait.
pub(crate) fn finished(ext: &Extensions, id: Option<usize>) -> Option<Arc<Authenticated>> {
    let slots = ext.get::<Slots>()?;
    let cell = match id {
        Some(id) => slots.find(id)?,
        None => &slots.first.1,
    };
    cell.get()?.as_ref().ok().cloned()
}
