//! The rules of image references (OCI distribution): tags, digests, repositories, registries.

use super::{Invalid, is_lower_alphanumeric};

/// Tags that name whatever was pushed last rather than one build: an image at one of them
/// can change under a running Deployment, so only dev may use one (`latest`).
pub const FLOATING_TAGS: [&str; 6] = ["latest", "stable", "edge", "nightly", "main", "master"];

/// `[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}` (the OCI distribution rule), and not floating.
pub(super) const fn check_image_tag(bytes: &[u8]) -> Result<(), Invalid> {
    if bytes.is_empty() || bytes.len() > 128 || bytes[0] == b'.' || bytes[0] == b'-' {
        return Err(Invalid::NotTag);
    }
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if !(b.is_ascii_alphanumeric() || b == b'_' || b == b'.' || b == b'-') {
            return Err(Invalid::NotTag);
        }
        i += 1;
    }
    let mut floating = 0;
    while floating < FLOATING_TAGS.len() {
        if equal(bytes, FLOATING_TAGS[floating].as_bytes()) {
            return Err(Invalid::FloatingTag);
        }
        floating += 1;
    }
    Ok(())
}

/// `sha256:` and 64 lowercase hex digits.
pub(super) const fn check_image_digest(bytes: &[u8]) -> Result<(), Invalid> {
    const PREFIX: &[u8] = b"sha256:";
    if bytes.len() != PREFIX.len() + 64 {
        return Err(Invalid::NotDigest);
    }
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        let valid = if i < PREFIX.len() {
            b == PREFIX[i]
        } else {
            b.is_ascii_digit() || matches!(b, b'a'..=b'f')
        };
        if !valid {
            return Err(Invalid::NotDigest);
        }
        i += 1;
    }
    Ok(())
}

const fn equal(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

/// Lowercase alphanumeric parts joined by single `.`, `_`, `-` or `/` (also `__`), at most 255.
pub(super) const fn check_repository(bytes: &[u8]) -> Result<(), Invalid> {
    if bytes.is_empty() || bytes.len() > 255 {
        return Err(Invalid::NotRepository);
    }
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        let separator = b == b'.' || b == b'_' || b == b'-' || b == b'/';
        if !(is_lower_alphanumeric(b) || separator) {
            return Err(Invalid::NotRepository);
        }
        let edge = i == 0 || i + 1 == bytes.len();
        let after_slash = i > 0 && bytes[i - 1] == b'/';
        if separator && (edge || after_slash || b == b'/' && !is_lower_alphanumeric(bytes[i - 1])) {
            return Err(Invalid::NotRepository);
        }
        i += 1;
    }
    Ok(())
}

/// The index of the first `byte` in `bytes` at or after `from`, or the length.
const fn position(bytes: &[u8], from: usize, byte: u8) -> usize {
    let mut i = from;
    while i < bytes.len() && bytes[i] != byte {
        i += 1;
    }
    i
}

/// Whether `bytes[..end]` is `localhost`.
const fn is_localhost(bytes: &[u8], end: usize) -> bool {
    let localhost = b"localhost";
    if end != localhost.len() {
        return false;
    }
    let mut i = 0;
    while i < end {
        if bytes[i] != localhost[i] {
            return false;
        }
        i += 1;
    }
    true
}

/// Whether the part before the first `/` is a registry host (has a `.` or `:`, or is
/// `localhost`), as container tools read an image reference; a path without `/` is a
/// repository of the default registry.
pub(super) const fn starts_with_registry_host(bytes: &[u8]) -> bool {
    let end = position(bytes, 0, b'/');
    if end == bytes.len() {
        return false;
    }
    position(bytes, 0, b'.') < end || position(bytes, 0, b':') < end || is_localhost(bytes, end)
}

/// `host[:port][/path]`: a host of lowercase DNS labels with at least one dot, or
/// `localhost`; a port of 1 to 5 digits up to 65535; a path as a repository's.
pub(super) const fn check_registry_host(bytes: &[u8]) -> Result<(), Invalid> {
    let end = position(bytes, 0, b'/');
    let host_end = if position(bytes, 0, b':') < end {
        position(bytes, 0, b':')
    } else {
        end
    };
    // The host: labels of a-z, 0-9 and '-', not starting or ending with '-'.
    if host_end == 0 || host_end > 253 {
        return Err(Invalid::NotRegistryHost);
    }
    let mut dots = 0;
    let mut i = 0;
    while i < host_end {
        let b = bytes[i];
        if b == b'.' {
            dots += 1;
            if i == 0 || i + 1 == host_end || bytes[i - 1] == b'.' || bytes[i - 1] == b'-' || bytes[i + 1] == b'-' {
                return Err(Invalid::NotRegistryHost);
            }
        } else if !(is_lower_alphanumeric(b) || b == b'-') || (b == b'-' && (i == 0 || i + 1 == host_end)) {
            return Err(Invalid::NotRegistryHost);
        }
        i += 1;
    }
    if dots == 0 && !is_localhost(bytes, host_end) {
        return Err(Invalid::NotRegistryHost);
    }
    // The port.
    if host_end < end {
        let digits = end - host_end - 1;
        if digits == 0 || digits > 5 {
            return Err(Invalid::NotRegistryHost);
        }
        let mut port: u32 = 0;
        let mut j = host_end + 1;
        while j < end {
            if !bytes[j].is_ascii_digit() {
                return Err(Invalid::NotRegistryHost);
            }
            port = port * 10 + (bytes[j] - b'0') as u32;
            j += 1;
        }
        if port == 0 || port > 65535 {
            return Err(Invalid::NotRegistryHost);
        }
    }
    // The path prefix.
    if end < bytes.len() {
        let (_, path) = bytes.split_at(end + 1);
        if check_repository(path).is_err() {
            return Err(Invalid::NotRegistryHost);
        }
    }
    Ok(())
}
