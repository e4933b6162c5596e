//! Port numbers.

use std::fmt;
use std::num::NonZeroU16;

/// A TCP/UDP port number in 1..=65535. Literals: [`port!`](crate::port!) (0 does not compile,
/// and a number above 65535 does not fit the type).
///
/// ```
/// let port = kumiki_core::port!(8080);
/// assert_eq!(port.get(), 8080);
/// assert!(kumiki_core::PortNumber::try_from(0).is_err());
/// ```
///
/// ```compile_fail
/// let port = kumiki_core::port!(0); // invalid port 0: must be in 1..=65535
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PortNumber(NonZeroU16);

impl PortNumber {
    /// The port, or `None` for 0.
    pub const fn new(number: u16) -> Option<Self> {
        match NonZeroU16::new(number) {
            Some(number) => Some(PortNumber(number)),
            None => None,
        }
    }

    /// The number.
    pub const fn get(self) -> u16 {
        self.0.get()
    }
}

/// A number that is not a port.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct InvalidPort(pub i64);

impl fmt::Display for InvalidPort {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid port {}: must be in 1..=65535", self.0)
    }
}

impl std::error::Error for InvalidPort {}

impl TryFrom<i64> for PortNumber {
    type Error = InvalidPort;

    fn try_from(number: i64) -> Result<Self, Self::Error> {
        u16::try_from(number)
            .ok()
            .and_then(PortNumber::new)
            .ok_or(InvalidPort(number))
    }
}

impl fmt::Display for PortNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.get())
    }
}

/// A [`PortNumber`] from an integer literal, checked at compile time.
#[macro_export]
macro_rules! port {
    ($number:literal) => {{
        const __PORT: $crate::PortNumber = match $crate::PortNumber::new($number) {
            Some(port) => port,
            None => panic!(concat!("invalid port ", stringify!($number), ": must be in 1..=65535")),
        };
        __PORT
    }};
}
