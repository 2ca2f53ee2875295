//! broadcast cases. (Filled by the catalogue work; see spec/ for the requirements.)

use crate::case::Case;

pub(crate) const CASES: &[Case] = &[];
