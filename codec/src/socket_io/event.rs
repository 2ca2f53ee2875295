//! [`EventName`]: the first element of an EVENT payload, a string or a number.
//!
//! [`EventName::new`] refuses the reserved names (SIO5-RSV-001), so an encoder cannot emit one.
//! Names read from the wire come from [`Packet::event_name`](super::Packet::event_name); under
//! protocol revision 4 those may be reserved names, which that revision did not forbid
//! (SIO4-VAL-003).
//!
//! ```
//! use socketio_codec::socket_io::EventName;
//!
//! assert_eq!(EventName::new("message").unwrap().as_str(), Some("message"));
//! assert!(EventName::new("connect").is_err());
//! assert!(EventName::new("error").is_ok());
//! ```

use std::borrow::Cow;
use std::fmt;

use super::error::ApiMisuse;

/// The event names reserved by the Socket.IO libraries for local events (SIO5-RSV-001).
pub const RESERVED_EVENT_NAMES: [&str; 6] = [
    "connect",
    "connect_error",
    "disconnect",
    "disconnecting",
    "newListener",
    "removeListener",
];

/// The name of an event: a string, or a number (SIO5-EVT-002).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum EventName<'a> {
    /// A string name, unescaped; borrowed from the input when it had no JSON escape.
    Text(Cow<'a, str>),
    /// A numeric name, as JSON allows it (`42[1,2]` is event `1` with argument `2`).
    Number(serde_json::Number),
}

impl<'a> EventName<'a> {
    /// Wraps a string event name for sending.
    ///
    /// # Errors
    ///
    /// [`ApiMisuse::ReservedEventName`] for a name in [`RESERVED_EVENT_NAMES`].
    pub fn new(name: impl Into<Cow<'a, str>>) -> Result<Self, ApiMisuse> {
        let name = name.into();
        if is_reserved(&name) {
            return Err(ApiMisuse::ReservedEventName);
        }
        Ok(Self::Text(name))
    }

    /// The name as a string, or `None` for a numeric name.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Self::Text(name) => Some(name),
            Self::Number(_) => None,
        }
    }

    /// Whether this is one of the [`RESERVED_EVENT_NAMES`].
    pub fn is_reserved(&self) -> bool {
        self.as_str().is_some_and(is_reserved)
    }

    /// Detaches the name from the input it borrows from.
    pub fn into_owned(self) -> EventName<'static> {
        match self {
            Self::Text(name) => EventName::Text(Cow::Owned(name.into_owned())),
            Self::Number(n) => EventName::Number(n),
        }
    }
}

impl fmt::Display for EventName<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Text(name) => f.write_str(name),
            Self::Number(n) => fmt::Display::fmt(n, f),
        }
    }
}

/// Whether `name` is reserved (case-sensitive, SIO5-RSV-003).
pub(crate) fn is_reserved(name: &str) -> bool {
    RESERVED_EVENT_NAMES.contains(&name)
}

#[cfg(test)]
mod tests {
    use super::*;

    // spec: SIO5-RSV-001
    // spec: SIO5-RSV-003
    #[test]
    fn reserved() {
        for name in RESERVED_EVENT_NAMES {
            assert_eq!(EventName::new(name), Err(ApiMisuse::ReservedEventName));
        }
        assert!(EventName::new("error").is_ok());
        assert!(EventName::new("Connect").is_ok());
        assert!(!EventName::Number(1.into()).is_reserved());
    }
}
