//! The grammars values are written in, each parsed in one place, as their consumer parses
//! them: Kubernetes quantities (the API server) and durations (Istio's CRD validation, which
//! Envoy's configuration follows).

/// A Kubernetes quantity (`100m`, `1.5`, `128Mi`, `1G`) in base units.
pub(crate) fn quantity(text: &str) -> Option<f64> {
    const SUFFIXES: [(&str, f64); 13] = [
        ("Ki", 1024.0),
        ("Mi", 1048576.0),
        ("Gi", 1073741824.0),
        ("Ti", 1099511627776.0),
        ("Pi", 1125899906842624.0),
        ("Ei", 1152921504606846976.0),
        ("m", 0.001),
        ("k", 1e3),
        ("M", 1e6),
        ("G", 1e9),
        ("T", 1e12),
        ("P", 1e15),
        ("E", 1e18),
    ];
    let (number, factor) = SUFFIXES
        .iter()
        .find_map(|(suffix, factor)| text.strip_suffix(suffix).map(|n| (n, *factor)))
        .unwrap_or((text, 1.0));
    number
        .parse::<f64>()
        .ok()
        .filter(|n| n.is_finite() && *n >= 0.0)
        .map(|n| n * factor)
}

/// A duration as Istio's CRDs accept it (Go's syntax: `1h`, `1.5s`, `300ms`, `2m30s`; units
/// `h`, `m`, `s`, `ms`, `us`, `ns`), in seconds; `None` when it does not parse.
pub(crate) fn duration(text: &str) -> Option<f64> {
    const UNITS: [(&str, f64); 6] = [
        ("ns", 1e-9),
        ("us", 1e-6),
        ("ms", 1e-3),
        ("h", 3600.0),
        ("m", 60.0),
        ("s", 1.0),
    ];
    if text == "0" {
        return Some(0.0);
    }
    let mut rest = text;
    let mut total = 0.0;
    while !rest.is_empty() {
        let digits = rest
            .find(|c: char| !c.is_ascii_digit() && c != '.')
            .unwrap_or(rest.len());
        let (number, after) = rest.split_at(digits);
        if number.is_empty() || number.starts_with('.') || number.ends_with('.') || number.matches('.').count() > 1 {
            return None;
        }
        let (unit, factor) = UNITS.iter().find(|(unit, _)| after.starts_with(unit))?;
        total += number.parse::<f64>().ok()? * factor;
        rest = &after[unit.len()..];
    }
    (!text.is_empty()).then_some(total)
}

#[cfg(test)]
mod tests {
    use super::{duration, quantity};

    #[test]
    fn quantities_in_base_units() {
        assert_eq!(quantity("100m"), Some(0.1));
        assert_eq!(quantity("2"), Some(2.0));
        assert_eq!(quantity("128Mi"), Some(134217728.0));
        assert_eq!(quantity("1G"), Some(1e9));
        assert_eq!(quantity("lots"), None);
    }

    #[test]
    fn durations_in_seconds_as_istio_parses_them() {
        assert_eq!(duration("1.5s"), Some(1.5));
        assert_eq!(duration("300ms"), Some(0.3));
        assert_eq!(duration("2m30s"), Some(150.0));
        assert_eq!(duration("1h"), Some(3600.0));
        assert_eq!(duration("0"), Some(0.0));
        for wrong in ["", "5", "1.5", "1 s", "s", ".5s", "5.s", "1d", "1sec", "-1s", "1.2.3s"] {
            assert_eq!(duration(wrong), None, "{wrong}");
        }
    }
}
