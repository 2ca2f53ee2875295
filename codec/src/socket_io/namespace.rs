//! [`Namespace`]: a Socket.IO namespace name, checked once at construction.
//!
//! A namespace always starts with `/` and never contains `,` (the comma ends the namespace field
//! on the wire, SIO5-PKT-008). Decoded namespaces borrow from the input; the main namespace `/`
//! is [`Namespace::MAIN`].
//!
//! ```
//! use socketio_codec::socket_io::Namespace;
//!
//! let admin = Namespace::new("/admin").unwrap();
//! assert_eq!(admin.as_str(), "/admin");
//! assert!(!admin.is_main());
//! assert!(Namespace::new("admin").is_err());
//! assert!(Namespace::new("/a,b").is_err());
//! ```

use std::borrow::Cow;
use std::fmt;

use super::error::ApiMisuse;

/// A Socket.IO namespace: starts with `/`, contains no `,`.
///
/// Spec: SIO5-PKT-008, SIO5-PKT-009
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Namespace<'a>(Cow<'a, str>);

impl<'a> Namespace<'a> {
    /// The main namespace `/`.
    pub const MAIN: Namespace<'static> = Namespace(Cow::Borrowed("/"));

    /// Checks and wraps a namespace name.
    ///
    /// # Errors
    ///
    /// [`ApiMisuse::NamespaceWithoutLeadingSlash`] or [`ApiMisuse::NamespaceWithComma`].
    pub fn new(name: impl Into<Cow<'a, str>>) -> Result<Self, ApiMisuse> {
        let name = name.into();
        if !name.starts_with('/') {
            return Err(ApiMisuse::NamespaceWithoutLeadingSlash);
        }
        if name.contains(',') {
            return Err(ApiMisuse::NamespaceWithComma);
        }
        Ok(Self(name))
    }

    /// The namespace text, starting with `/`.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether this is the main namespace `/`.
    pub fn is_main(&self) -> bool {
        &*self.0 == "/"
    }

    /// Detaches the namespace from the input it borrows from.
    pub fn into_owned(self) -> Namespace<'static> {
        Namespace(Cow::Owned(self.0.into_owned()))
    }

    /// Wraps a slice the frame parser already knows to start with `/` and hold no `,`.
    pub(crate) fn from_wire(name: &'a str) -> Self {
        debug_assert!(name.starts_with('/') && !name.contains(','));
        Self(Cow::Borrowed(name))
    }
}

impl Default for Namespace<'_> {
    fn default() -> Self {
        Namespace(Cow::Borrowed("/"))
    }
}

impl fmt::Display for Namespace<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for Namespace<'_> {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    macro_rules! ns {
        ($name:literal => Ok) => {
            assert_eq!(Namespace::new($name).unwrap().as_str(), $name)
        };
        ($name:literal => $err:ident) => {
            assert_eq!(Namespace::new($name), Err(ApiMisuse::$err))
        };
    }

    #[test]
    fn checked_constructor() {
        ns!("/" => Ok);
        ns!("/admin" => Ok);
        ns!("/custom{\"a\":1}" => Ok);
        ns!("" => NamespaceWithoutLeadingSlash);
        ns!("admin" => NamespaceWithoutLeadingSlash);
        ns!("/a,b" => NamespaceWithComma);
    }

    #[test]
    fn main_namespace() {
        assert!(Namespace::MAIN.is_main());
        assert_eq!(Namespace::new("/").unwrap(), Namespace::MAIN);
        assert_eq!(Namespace::default(), Namespace::MAIN);
    }
}
