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

/// A NodePort: a port every node opens for a Service, in Kubernetes' default range
/// 30000..=32767. Literals: [`node_port!`](crate::node_port!).
///
/// ```compile_fail
/// let port = kumiki_core::node_port!(8080); // invalid NodePort 8080: must be in 30000..=32767
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct NodePort(u16);

impl NodePort {
    /// The NodePort, or `None` outside 30000..=32767.
    pub const fn new(number: u16) -> Option<Self> {
        if number >= 30000 && number <= 32767 {
            Some(NodePort(number))
        } else {
            None
        }
    }

    /// The number.
    pub const fn get(self) -> u16 {
        self.0
    }
}

impl fmt::Display for NodePort {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// A [`NodePort`] from an integer literal, checked at compile time.
#[macro_export]
macro_rules! node_port {
    ($number:literal) => {{
        const __PORT: $crate::NodePort = match $crate::NodePort::new($number) {
            Some(port) => port,
            None => panic!(concat!(
                "invalid NodePort ",
                stringify!($number),
                ": must be in 30000..=32767"
            )),
        };
        __PORT
    }};
}
